"""Build the second New Zealand development set from the collected posts and two reads.

    python scripts/nz_posts_merge.py POSTS.jsonl ANN_DIR [--third THIRD.tsv]

POSTS.jsonl: the posts as collected (id, text, url, page_title, platform, date,
author_context). ANN_DIR: half1.A.tsv, half1.B.tsv, half2.A.tsv, half2.B.tsv (two independent
reads of every post, `id<TAB>CODES<TAB>JUR<TAB>CONF`). Where the two reads differ, the third
read decides; without one, the post is written unlabelled (left out of evaluation) and listed
in ANN_DIR/disagreements.jsonl. Writes data/nz-posts/nz-posts-v1.jsonl and its agreement file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotation_merge import agreement_table, read_tsv, write_jsonl, write_merge_summary

from postcheck.training import nz_dev2, pool


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("posts", type=Path)
    ap.add_argument("ann", type=Path)
    ap.add_argument("--third", type=Path, default=None)
    args = ap.parse_args()
    posts = [json.loads(x) for x in args.posts.read_text(encoding="utf-8").splitlines() if x]
    a: dict = {}
    b: dict = {}
    for half in ("half1", "half2"):
        a.update(read_tsv(args.ann / f"{half}.A.tsv"))
        b.update(read_tsv(args.ann / f"{half}.B.tsv"))
    third = read_tsv(args.third) if args.third else {}
    pairs: dict[str, tuple[list[int], list[int]]] = {lab: ([], []) for lab in pool.LABELS}
    out, open_ = [], []
    for p in posts:
        pid = p["id"]
        if pid not in a or pid not in b:
            continue
        ra, rb = a[pid], b[pid]
        for lab in pool.LABELS:
            pairs[lab][0].append(int(lab in ra[0]))
            pairs[lab][1].append(int(lab in rb[0]))
        row = {k: p.get(k) for k in ("id", "text", "url", "page_title", "platform", "date")}
        row["author_context"] = p.get("author_context")
        if ra[0] == rb[0]:
            labels, jur = ra[0], ra[1] or rb[1]
            conf = "high" if ra[2] == rb[2] == "high" else "low"
            reads = 2
        elif pid in third:
            labels, jur, conf = third[pid]
            reads = 3
        else:
            open_.append({"id": pid, "text": p["text"]})
            out.append(row)
            continue
        row.update(
            labels=sorted(labels),
            jurisdiction=jur if "political_opinion" in labels else None,
            confidence=conf,
            reads=reads,
            part=nz_dev2.part_of(pid),
        )
        out.append(row)
    dest = nz_dev2.PATH
    write_jsonl(dest, out)
    summary = {
        "posts": len(out),
        "labelled": sum("labels" in r for r in out),
        "third_reads": len(third),
        "disagreements_open": len(open_),
        "agreement": agreement_table(pairs),
    }
    write_merge_summary(
        summary, dest.parent / "nz-posts-v1.agreement.json", open_, args.ann / "disagreements.jsonl"
    )


if __name__ == "__main__":
    main()
