"""Merge annotators' reads into the project's label file, and measure their agreement.

    python scripts/annotation_merge.py BATCH_DIR [--third THIRD.tsv] [--name pool-v2]

BATCH_DIR holds batch-K.jsonl (what each annotator was given) and out-K.tsv (what they read:
`i<TAB>CODES<TAB>JURISDICTION<TAB>CONFIDENCE`). A text read twice (a 10% sample of new texts,
and a sample of the seed's low-confidence rows, where the seed's read is the first pass) gets
agreement figures per label; where the two reads disagree, the third read (`--third`, the same
format keyed by source instead of i: `source<TAB>CODES<TAB>JUR<TAB>CONF`) decides. Until a
third read exists, a disagreement keeps the positive at low confidence, as the seed does.

Writes data/annotation/NAME.labels.jsonl (source, text hash, labels, never the text),
data/annotation/NAME.agreement.json, and prints the disagreements to settle as
BATCH_DIR/disagreements.jsonl.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from postcheck.training import pool


def read_tsv(path: Path) -> dict[str, tuple[frozenset[str], str | None, str]]:
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise SystemExit(f"{path}:{n}: expected 4 tab-separated fields, got {len(parts)}")
        key, codes, jur, conf = (p.strip() for p in parts)
        labels = (
            frozenset()
            if codes in ("-", "")
            else frozenset(pool.CODES[c.strip()] for c in codes.split(",") if c.strip())
        )
        out[key] = (labels, None if jur in ("-", "") else jur, conf or "high")
    return out


def kappa(a: list[int], b: list[int]) -> float | None:
    n = len(a)
    if not n:
        return None
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:
        return 1.0 if po == 1.0 else None
    return (po - pe) / (1 - pe)


def agreement_table(
    pairs: dict[str, tuple[list[int], list[int]]], names: tuple[str, str] = ("a", "b")
) -> dict[str, Any]:
    """Per label: how many texts both reads saw, each read's positives, and Cohen's kappa."""
    return {
        lab: {
            "n": len(x),
            f"positives_{names[0]}": sum(x),
            f"positives_{names[1]}": sum(y),
            "kappa": None if (k := kappa(x, y)) is None else round(k, 3),
        }
        for lab, (x, y) in pairs.items()
    }


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """A JSON Lines file's rows; none when the file is not there (a round without third reads)."""
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_merge_summary(
    summary: dict[str, Any], path: Path, open_: list[dict[str, Any]], open_path: Path
) -> None:
    """The agreement file, the disagreements still to settle, and a summary on stdout."""
    path.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    write_jsonl(open_path, open_)
    print(json.dumps({k: v for k, v in summary.items() if k != "agreement"}))
    for lab, v in summary["agreement"].items():
        print(f"  {lab:18} {v}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("batches", type=Path)
    ap.add_argument("--third", type=Path, default=None)
    ap.add_argument("--name", default="pool-v2")
    args = ap.parse_args()
    reads: dict[str, list[tuple[str, frozenset[str], str | None, str]]] = defaultdict(list)
    for batch in sorted(args.batches.glob("batch-*.jsonl")):
        k = batch.stem.split("-")[1]
        out_path = args.batches / f"out-{k}.tsv"
        if not out_path.exists():
            print(f"skipping {batch.name}: no out-{k}.tsv yet")
            continue
        got = read_tsv(out_path)
        for line in batch.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if str(row["i"]) in got:
                labels, jur, conf = got[str(row["i"])]
                reads[row["source"]].append((f"annotator-{k}", labels, jur, conf))
    # The seed's own reads, straight from its files: pool.rows() already carries earlier
    # merges of these very batches, which must not stand in for the seed's first pass.
    ann = pool.annotation_dir()
    seed = {
        r.source: r
        for f in ("pool-v1.jsonl", "pool-v1-antiwork.jsonl")
        for r in pool._from_seed(ann / f)
    }
    third = read_tsv(args.third) if args.third else {}

    pairs: dict[str, tuple[list[int], list[int]]] = {lab: ([], []) for lab in pool.LABELS}
    seed_pairs: dict[str, tuple[list[int], list[int]]] = {lab: ([], []) for lab in pool.LABELS}
    rows_out: list[dict[str, Any]] = []
    to_settle: list[dict[str, Any]] = []
    for source, rs in sorted(reads.items()):
        passes = list(rs)
        if source in seed:
            s = seed[source]
            passes.insert(0, ("seed", s.labels, s.jurisdiction, s.confidence))
        if len(passes) >= 2:
            target = seed_pairs if passes[0][0] == "seed" else pairs
            for lab in pool.LABELS:
                target[lab][0].append(int(lab in passes[0][1]))
                target[lab][1].append(int(lab in passes[1][1]))
        labels = passes[0][1]
        jur = passes[0][2]
        conf = passes[0][3]
        if len(passes) >= 2:
            a, b = passes[0], passes[1]
            if a[1] != b[1]:
                if source in third:
                    labels, jur, conf = third[source]
                    passes.append(("third", labels, jur, conf))
                else:
                    labels = a[1] | b[1]
                    jur = a[2] or b[2]
                    conf = "low"
                    to_settle.append(
                        {
                            "source": source,
                            "text": pool.resolve(source)
                            if source not in seed
                            else seed[source].text,
                        }
                    )
            else:
                conf = "high" if a[3] == b[3] == "high" else "low"
        text = seed[source].text if source in seed else pool.resolve(source)
        if source in seed and pool.text_hash(text) != pool.text_hash(pool.fold(text)):
            continue
        rows_out.append(
            {
                "source": source,
                "sha": pool.text_hash(text),
                "labels": sorted(labels),
                "jurisdiction": jur if "political_opinion" in labels else None,
                "confidence": conf,
                "passes": len(passes),
                "annotators": [p[0] for p in passes],
            }
        )
    out_dir = pool.ADDED_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    # Seed rows whose text the resolver can't reproduce stay as the seed has them: the label
    # file must name texts by source alone.
    keep = []
    for r in rows_out:
        if r["source"] in seed:
            try:
                same = pool.text_hash(pool.resolve(r["source"])) == r["sha"]
            except (KeyError, IndexError, ValueError):
                same = False
            if not same:
                continue
        keep.append(r)
    with (out_dir / f"{args.name}.labels.jsonl").open("w", encoding="utf-8") as fh:
        for r in keep:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")

    agreement = {
        "new_texts_double_read": agreement_table(pairs, ("first", "second")),
        "seed_low_confidence_reread": agreement_table(seed_pairs, ("first", "second")),
        "disagreements_open": len(to_settle),
        "third_reads": len(third),
        "rows_written": len(keep),
    }
    (out_dir / f"{args.name}.agreement.json").write_text(
        json.dumps(agreement, indent=1) + "\n", encoding="utf-8"
    )
    with (args.batches / "disagreements.jsonl").open("w", encoding="utf-8") as fh:
        for r in to_settle:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(json.dumps(agreement, indent=1))


if __name__ == "__main__":
    main()
