"""Draw the next texts to label from the shared datasets, and deal them into annotator batches.

    python scripts/annotation_batches.py OUT_DIR [--annotators 7] [--seed 2026]

Writes OUT_DIR/batch-K.jsonl (one {"i", "source", "text"} a line) for each annotator. Texts
already in the pool and the New Zealand development tweets are never drawn. A 10% sample of the
new texts, and a sample of the seed's low-confidence rows, go to a second annotator (never the
first one's batch) so agreement can be reported and disagreements settled by a third read.
Selection is by set and quota only: no keyword, model or label decides what is drawn, except
that quotas lean on the source's own coarse labels (OLID offensive, HatEval hate) to reach the
rare signals, which the annotators then judge for themselves.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from postcheck.training import pool
from postcheck.training.data import datasets_dir

#: Round 1 (pool v2). Each round draws only texts no earlier round labelled.
QUOTAS_V2 = {
    "nz-pm-tweets-2020": 1600,
    "nz-political-releases": 500,
    "tweeteval/offensive": 800,
    "tweeteval/hate": 800,
    "tweettopic": 400,
    "babe": 300,
    "political-social-media": 300,
    "p-stance": 200,
    "glassdoor": 250,
    "insults-social-commentary": 300,
    "davidson": 200,
}
#: Round 2 (pool v3): more abuse and hate for the OLID and HatEval targets, more everyday
#: text against false alarms, more press releases for New Zealand political language.
QUOTAS_V3 = {
    "tweeteval/offensive": 1200,
    "tweeteval/hate": 800,
    "nz-political-releases": 700,
    "davidson": 500,
    "insults-social-commentary": 500,
    "tweettopic": 400,
    "tweeteval/emotion": 200,
    "tweeteval/irony": 200,
    "glassdoor": 300,
    "babe": 200,
    "political-social-media": 300,
    "p-stance": 200,
}
ROUNDS = {"v2": QUOTAS_V2, "v3": QUOTAS_V3}


def candidates(name: str) -> list[str]:
    d = datasets_dir()
    if name == "nz-pm-tweets-2020":
        n = len(pool._jsonl(d / name / "tweets.jsonl"))
        return [f"{name}:{i}" for i in range(n)]
    if name == "nz-political-releases":
        out = []
        for i, rel in enumerate(pool._jsonl(d / name / "releases.jsonl")):
            for p, para in enumerate(rel["text"].split("\n\n")):
                words = para.split()
                # press-release furniture (headings, datelines, contact lines) is not a post
                if len(words) >= 12 and not para.lstrip().startswith(("**", "#", "===", "---")):
                    out.append(f"{name}:{i}:{p}")
        return out
    if name.startswith("tweeteval/"):
        n = len(pool._lines(d / "tweeteval" / name.split("/")[1] / "train_text.txt"))
        return [f"{name}:train:{i}" for i in range(n)]
    if name == "tweettopic":
        n = len(pool._jsonl(d / "tweettopic-xl-en" / "en_train.jsonl"))
        return [f"tweettopic:train:{i}" for i in range(n)]
    if name == "babe":
        n = len(pool._csv(d / "babe" / "data" / "final_labels_SG2.csv", "utf-8-sig", ";"))
        return [f"babe:SG2:{i}" for i in range(n)]
    if name == "political-social-media":
        n = len(pool._csv(d / name / "political_social_media.csv", "utf-8-sig"))
        return [f"{name}:{i}" for i in range(n)]
    if name == "p-stance":
        return [
            f"p-stance:train_{t}:{i}"
            for t in ("trump", "biden", "bernie")
            for i in range(len(pool._csv(d / "p-stance" / f"raw_train_{t}.csv")))
        ]
    if name == "glassdoor":
        n = len(pool._csv(d / "glassdoor-reviews-subset" / "glassdoor_reviews.csv"))
        return [f"glassdoor:{i}:{col}" for i in range(n) for col in ("cons", "pros")]
    if name == "insults-social-commentary":
        n = len(pool._csv(d / name / "train.csv"))
        return [f"{name}:train:{i}" for i in range(n)]
    if name == "davidson":
        n = len(pool._csv(d / "davidson-hate-offensive" / "data" / "labeled_data.csv"))
        return [f"davidson:{i}" for i in range(n)]
    raise KeyError(name)


def _leaning(name: str, sources: list[str], rng: random.Random, quota: int) -> list[str]:
    """Half the quota from the source's own positives (to reach rare signals), half at random."""
    task = name.split("/")[1]
    labels = pool._lines(datasets_dir() / "tweeteval" / task / "train_labels.txt")
    pos = [s for s in sources if labels[int(s.rsplit(":", 1)[1])].strip() == "1"]
    rest = [s for s in sources if s not in set(pos)]
    take = rng.sample(pos, min(len(pos), quota // 2))
    return take + rng.sample(rest, quota - len(take))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--annotators", type=int, default=7)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--low-confidence", type=int, default=600)
    ap.add_argument("--round", choices=sorted(ROUNDS), default="v2")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    labelled = {r.source for r in pool.rows()}
    dev = {f"nz-pm-tweets-2020:{i}" for i in pool.nz_dev_ids()}
    drawn: list[str] = []
    seen_text: set[str] = set()
    for name, quota in ROUNDS[args.round].items():
        cands = [s for s in candidates(name) if s not in labelled and s not in dev]
        rng.shuffle(cands)
        if name in ("tweeteval/offensive", "tweeteval/hate"):
            cands = _leaning(name, cands, rng, min(quota * 3, len(cands)))
        got = 0
        for s in cands:
            text = pool.resolve(s)
            key = text.lower()
            if len(text) < 15 or key in seen_text:
                continue
            seen_text.add(key)
            drawn.append(s)
            got += 1
            if got >= quota:
                break
    rng.shuffle(drawn)
    k = args.annotators
    batches: list[list[str]] = [drawn[i::k] for i in range(k)]
    # second reads: 10% of the new texts and a sample of the seed's low-confidence rows
    second = rng.sample(drawn, len(drawn) // 10)
    low = [r.source for r in pool.rows() if r.confidence == "low"]
    second += rng.sample(low, min(args.low_confidence, len(low)))
    first_of = {s: i for i, b in enumerate(batches) for s in b}
    for s in second:
        owner = first_of.get(s, -1)
        choices = [i for i in range(k) if i != owner]
        batches[rng.choice(choices)].append(s)
    args.out.mkdir(parents=True, exist_ok=True)
    for i, batch in enumerate(batches):
        rng.shuffle(batch)
        with (args.out / f"batch-{i}.jsonl").open("w", encoding="utf-8") as fh:
            for n, s in enumerate(batch):
                text = pool.resolve(s)
                fh.write(json.dumps({"i": n, "source": s, "text": text}, ensure_ascii=False))
                fh.write("\n")
        print(f"batch-{i}: {len(batch)} texts")
    print(f"{len(drawn)} new texts, {len(second)} second reads")


if __name__ == "__main__":
    main()
