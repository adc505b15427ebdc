"""Batch throughput and cold start of the `postcheck` command (a benchmark, not a test).

    python benchmarks/bench_batch.py [--posts 10000]

Builds a JSONL file of real tweets (TweetEval validation and training text from
../shared/datasets, mixed with NZ scenario posts) and times, with /usr/bin/time -v:
  1. baseline: `python -c` that only parses the same JSONL (the floor for any reader),
  2. `postcheck check --input posts.jsonl --format jsonl` on one core and on all cores,
  3. cold `postcheck check "hello"`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets" / "tweeteval"


def corpus() -> list[str]:
    texts: list[str] = []
    for task in ("offensive", "hate", "emotion", "irony"):
        for split in ("train", "val"):
            f = SHARED / task / f"{split}_text.txt"
            if f.is_file():
                texts += [t for t in f.read_text(encoding="utf-8").splitlines() if t.strip()]
    scen = ROOT / "tests" / "data" / "scenarios.yaml"
    texts += re.findall(r'^  text: "(.*)"$', scen.read_text(encoding="utf-8"), re.M)
    if not texts:
        sys.exit("no corpus found (expected ../shared/datasets/tweeteval)")
    return texts


def timed(cmd: list[str], stdout_to: Path | None = None) -> dict[str, str]:
    out = stdout_to.open("wb") if stdout_to else subprocess.DEVNULL
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=out, stderr=subprocess.PIPE)
    if stdout_to:
        out.close()  # type: ignore[union-attr]
    stats = {}
    for line in p.stderr.decode().splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            stats["wall"] = line.split(": ", 1)[1]
        elif line.startswith("Maximum resident set size"):
            stats["peak_rss_mb"] = f"{int(line.split(': ', 1)[1]) / 1024:.0f}"
        elif line.startswith("Exit status"):
            stats["exit"] = line.split(": ", 1)[1]
    return stats


def seconds(wall: str) -> float:
    parts = [float(x) for x in wall.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=10_000)
    args = ap.parse_args()
    exe = shutil.which("postcheck") or sys.exit("postcheck is not installed")
    rnd = random.Random(7)
    texts = corpus()
    platforms = ["x", "facebook", "linkedin", "instagram", "mastodon"]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "posts.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for i in range(args.posts):
                fh.write(
                    json.dumps(
                        {"id": str(i), "text": rnd.choice(texts), "platform": rnd.choice(platforms)}
                    )
                    + "\n"
                )
        rows = []
        parse = f"import json\nfor l in open({str(src)!r}, 'rb'): json.loads(l)"
        rows.append(("baseline: parse JSONL only", timed([sys.executable, "-c", parse])))
        for procs in (1, 2):
            out = Path(tmp) / f"out{procs}.jsonl"
            st = timed(
                [
                    exe,
                    "check",
                    "--input",
                    str(src),
                    "--format",
                    "jsonl",
                    "--fail-on",
                    "never",
                    "--processes",
                    str(procs),
                ],
                out,
            )
            st["posts_per_s"] = f"{args.posts / seconds(st['wall']):,.0f}"
            rows.append(
                (f"postcheck check --input ({procs} process{'es' if procs > 1 else ''})", st)
            )
        rows.append(("cold: postcheck check hello", timed([exe, "check", "hello"])))
    print(f"{args.posts:,} posts")
    print(f"{'run':<44} {'wall':>9} {'peak RSS MB':>12} {'posts/s':>9}")
    for name, st in rows:
        print(
            f"{name:<44} {st.get('wall', '?'):>9} {st.get('peak_rss_mb', '?'):>12} "
            f"{st.get('posts_per_s', ''):>9}"
        )


if __name__ == "__main__":
    main()
