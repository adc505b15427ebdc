"""The second New Zealand development set: real posts quoted in public sources.

`data/nz-posts/nz-posts-v1.jsonl` holds real posts (tweets, Facebook posts and comments, Reddit
comments) found quoted word for word in news articles, decisions and public threads, each with
the page it was found on. Two annotators read every post under the codebook independently and
a third read settled their disagreements (agreement in `docs/data-card.md`).

Never trained on. The `dev` part is for looking at errors; the `test` part is locked: scored
once per release by `postcheck evaluate --include-test`, never tuned on. Parts are fixed by a
hash of the post's id.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from postcheck.training.data import REPO_ROOT
from postcheck.training.pool import LABELS

PATH = REPO_ROOT / "data" / "nz-posts" / "nz-posts-v1.jsonl"
TEST_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class NzPost:
    id: str
    text: str
    url: str
    platform: str
    author_context: str | None
    labels: frozenset[str]
    jurisdiction: str | None
    confidence: str


def part_of(post_id: str) -> str:
    h = zlib.crc32(("nz-posts/1:" + post_id).encode("utf-8")) / 2**32
    return "test" if h < TEST_SHARE else "dev"


@cache
def _all(path: Path = PATH) -> tuple[NzPost, ...]:
    if not path.exists():
        raise FileNotFoundError(path)
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            if "labels" not in r:
                continue  # collected but not yet labelled
            out.append(
                NzPost(
                    id=r["id"],
                    text=r["text"],
                    url=r.get("url", ""),
                    platform=r.get("platform", "unknown"),
                    author_context=r.get("author_context"),
                    labels=frozenset(x for x in r["labels"] if x in LABELS),
                    jurisdiction=r.get("jurisdiction"),
                    confidence=r.get("confidence", "high"),
                )
            )
    return tuple(out)


def rows(part: str) -> list[NzPost]:
    """The labelled posts of one part ("dev" or "test")."""
    if part not in ("dev", "test"):
        raise ValueError("part must be dev or test")
    return [r for r in _all() if part_of(r.id) == part]
