"""Prepare one collecting round's files for its second and third reads.

    python scripts/nz_posts_reads.py blind WORK_DIR
    python scripts/nz_posts_reads.py third WORK_DIR [--batches 4]

`blind` writes WORK_DIR/passb/partN.blind.jsonl from each collector's partN.jsonl: the post and
where it was found, without the collector's labels or notes, so the second annotator reads it
cold. `third` compares each partN.jsonl with its passb/partN.b.jsonl and writes every post
whose label sets differ, with both reads, to WORK_DIR/third/batchX.jsonl for a third reader.
The annotators' prompts for both steps are kept beside each round (`reads/roundN/prompts/`);
`nz_posts_train_merge.py` then settles each post from the reads.
"""

from __future__ import annotations

import argparse
import string
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotation_merge import read_jsonl, write_jsonl

#: What a second or third reader sees of a post: never the other reads' labels or notes.
SHOWN = ("id", "text", "platform", "author_context", "page_title")


def blind(work: Path) -> None:
    for part in sorted(work.glob("part*.jsonl")):
        rows = [{k: r.get(k) for k in SHOWN} for r in read_jsonl(part)]
        out = work / "passb" / f"{part.stem}.blind.jsonl"
        write_jsonl(out, rows)
        print(f"{out}: {len(rows)} posts")


def disagreements(work: Path) -> list[dict]:
    # A collector's file may have been read a second time in pieces (part1.1.b, part1.2.b).
    second = {r["id"]: r for f in sorted(work.glob("passb/*.b.jsonl")) for r in read_jsonl(f)}
    out = []
    for part in sorted(work.glob("part*.jsonl")):
        for r in read_jsonl(part):
            if r["id"] not in second:
                raise SystemExit(f"{part.name}: {r['id']} has no second read")
            a, b = sorted(set(r["labels"])), sorted(set(second[r["id"]]["labels"]))
            if a != b:
                out.append({k: r.get(k) for k in SHOWN} | {"read_1": a, "read_2": b})
    return out


def third(work: Path, batches: int) -> None:
    rows = disagreements(work)
    size = max(1, -(-len(rows) // batches))
    for n, start in enumerate(range(0, len(rows), size)):
        out = work / "third" / f"batch{string.ascii_uppercase[n]}.jsonl"
        write_jsonl(out, rows[start : start + size])
        print(f"{out}: {len(rows[start : start + size])} posts")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=("blind", "third"))
    ap.add_argument("work", type=Path)
    ap.add_argument("--batches", type=int, default=4)
    args = ap.parse_args()
    if args.step == "blind":
        blind(args.work)
    else:
        third(args.work, args.batches)


if __name__ == "__main__":
    main()
