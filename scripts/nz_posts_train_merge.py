"""Build the collected New Zealand training posts from the collectors' reads and second reads.

    python scripts/nz_posts_train_merge.py WORK_DIR [WORK_DIR ...]
    python scripts/nz_posts_train_merge.py WORK_DIR ... --first-round 8 \
        --after data/nz-posts/nz-posts-train-v1.jsonl --out data/nz-posts/nz-posts-val-v1.jsonl

The second form merges rounds read after the training file was built into a file of their own
(posts held out of training, which the pool uses as val: `pool.COLLECTED_VAL`), counting the
training file's posts as already taken.

One WORK_DIR per collecting round, in order (each row records its round). Each holds
partN.jsonl (posts as collected, each with the collector's own read: labels, jurisdiction,
confidence), passb/*.b.jsonl (a second annotator's independent read of the same posts, blind
to the first, by post id) and, where the two differ, third/*.out.jsonl (a third read that
settles it). A post read twice that the reads disagree on and no third read settles is written
without labels (so training leaves it out) and listed in the last round's
WORK_DIR/disagreements.jsonl.

Refuses any post whose page (a Reddit thread under any mirror) is in the second New Zealand
development set, and any post that is one of its posts, holds one or is held in one (compared
word for word, punctuation aside): that set is only ever measured on. Writes
data/nz-posts/nz-posts-train-v1.jsonl and its agreement file.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotation_merge import agreement_table, read_jsonl, write_jsonl, write_merge_summary

from postcheck.training import nz_dev2, pool

KEEP = ("id", "text", "url", "page_title", "platform", "date", "author_context")


def _read(r: dict) -> tuple[frozenset[str], str | None, str]:
    labels = frozenset(lab for lab in r.get("labels", []) if lab in pool.LABELS)
    jur = r.get("jurisdiction") if "political_opinion" in labels else None
    return labels, jur, r.get("confidence") or "high"


def _measured_only() -> tuple[set[str], set[str]]:
    """Texts (as `_words` keys) and pages of the second development set (never trained on)."""
    rows = read_jsonl(nz_dev2.PATH)
    return {_words(r["text"]) for r in rows}, {pool.page_group(r["url"]) for r in rows}


def _words(text: str) -> str:
    """A post's words, lower case, with punctuation and spacing dropped: the same post quoted
    by two pages differs in quote marks and line breaks."""
    return " ".join(re.findall(r"\w+", pool.fold(text).lower()))


#: A quoted phrase this long is a post of its own, not a common saying.
OVERLAP_CHARS = 30


def _overlaps(words: str, dev: set[str]) -> bool:
    """The post is a development-set post, holds one, or is held in one (a page that quotes a
    list of posts, or one post inside a longer one)."""
    if words in dev:
        return True
    return any(
        (len(d) >= OVERLAP_CHARS and d in words) or (len(words) >= OVERLAP_CHARS and words in d)
        for d in dev
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("work", type=Path, nargs="+", help="one folder per round, in order")
    ap.add_argument(
        "--out",
        type=Path,
        default=pool.COLLECTED,
        help="where to write the posts (their agreement file goes beside it)",
    )
    ap.add_argument(
        "--after",
        type=Path,
        action="append",
        default=[],
        help="an earlier merged file: its posts count as already taken (duplicates)",
    )
    ap.add_argument(
        "--first-round",
        type=int,
        default=1,
        help="the number of the first folder's round (rows record their round)",
    )
    args = ap.parse_args()
    dev_texts, dev_pages = _measured_only()
    third = {
        r["id"]: r
        for w in args.work
        for f in sorted(w.glob("third/*.out.jsonl"))
        for r in read_jsonl(f)
    }
    pairs: dict[str, tuple[list[int], list[int]]] = {lab: ([], []) for lab in pool.LABELS}
    round_pairs = {
        n: {lab: ([], []) for lab in pool.LABELS}
        for n in range(args.first_round, args.first_round + len(args.work))
    }  # type: dict[int, dict[str, tuple[list[int], list[int]]]]
    out: list[dict] = []
    open_: list[dict] = []
    seen: set[str] = {pool.fold(r["text"]) for f in args.after for r in read_jsonl(f)}
    dropped = {"in the development set": 0, "duplicate": 0}
    # Second reads may come in several files per part (partN.b.jsonl, partN.1.b.jsonl, ...).
    second = {
        r["id"]: r
        for w in args.work
        for f in sorted(w.glob("passb/*.b.jsonl"))
        for r in read_jsonl(f)
    }
    posts = [
        (n, part.stem, p)
        for n, w in enumerate(args.work, args.first_round)
        for part in sorted(w.glob("part*.jsonl"))
        for p in read_jsonl(part)
    ]
    if len({p["id"] for _, _, p in posts}) != len(posts):
        raise SystemExit("post ids repeat across parts or rounds: give each round its own prefix")
    # Where two collectors took the same post, keep the copy that was read twice (an earlier
    # round's copy before a later one's: the sort is stable).
    posts.sort(key=lambda rsp: rsp[2]["id"] not in second)
    per_round: dict[int, int] = {}
    for rnd, stem, p in posts:
        text = pool.fold(p["text"])
        if pool.page_group(p["url"]) in dev_pages or _overlaps(_words(p["text"]), dev_texts):
            dropped["in the development set"] += 1
            continue
        if text in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(text)
        per_round[rnd] = per_round.get(rnd, 0) + 1
        row = {k: p.get(k) for k in KEEP} | {"round": rnd}
        a = _read(p)
        annotators = [f"collector-{stem}"]
        if p["id"] in second:
            b = _read(second[p["id"]])
            annotators.append(f"second-{stem}")
            for lab in pool.LABELS:
                for table in (pairs, round_pairs[rnd]):
                    table[lab][0].append(int(lab in a[0]))
                    table[lab][1].append(int(lab in b[0]))
            if a[0] == b[0]:
                labels, jur, reads = a[0], a[1] or b[1], 2
                conf = "high" if a[2] == b[2] == "high" else "low"
            elif p["id"] in third:
                (labels, jur, conf), reads = _read(third[p["id"]]), 3
                annotators.append("third")
            else:
                open_.append({"id": p["id"], "text": p["text"]})
                out.append(row)
                continue
        else:
            (labels, jur, conf), reads = a, 1
        row.update(
            labels=sorted(labels),
            jurisdiction=jur,
            confidence=conf,
            reads=reads,
            annotators=annotators,
        )
        out.append(row)
    dest: Path = args.out
    write_jsonl(dest, out)
    summary = {
        "posts": len(out),
        "posts_per_round": {str(k): per_round[k] for k in sorted(per_round)},
        "labelled": sum("labels" in r for r in out),
        "read_twice": len(pairs["political_opinion"][0]),
        "third_reads": sum(r.get("reads") == 3 for r in out),
        "disagreements_open": len(open_),
        "dropped": dropped,
        "agreement": agreement_table(pairs),
        "agreement_per_round": {str(n): agreement_table(t) for n, t in round_pairs.items()},
    }
    write_merge_summary(
        summary,
        dest.with_suffix(".agreement.json"),
        open_,
        args.work[-1] / "disagreements.jsonl",
    )


if __name__ == "__main__":
    main()
