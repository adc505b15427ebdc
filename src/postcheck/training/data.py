"""Readers for the labelled sets the models learn from and are measured on.

External sets are read in place from the shared datasets folder (never copied into the
repository); the project's own sets live in `tests/data/labelled/`. Every reader returns
`Example`s with the split they come from, so a model card can say exactly what trained it.
Sets without an official split are split here by a hash of the text, which is stable across
runs and machines and keeps duplicates of one text in one split.
"""

from __future__ import annotations

import csv
import json
import os
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
LABELLED_DIR = REPO_ROOT / "tests" / "data" / "labelled"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: int
    source: str  # e.g. "tweeteval/offensive:train"


@dataclass(frozen=True, slots=True)
class SetInfo:
    name: str
    licence: str
    shippable: bool  # permissive enough to train a model the package ships


#: Every source set the labelled pool draws on, with its licence as its SOURCE.md states it.
SETS: dict[str, SetInfo] = {
    "tweeteval/offensive": SetInfo(
        "tweeteval/offensive", "TweetEval: no restrictions stated (OLID); Twitter terms", True
    ),
    "tweeteval/hate": SetInfo(
        "tweeteval/hate", "TweetEval: no restrictions stated (HatEval terms); Twitter terms", True
    ),
    "tweeteval/emotion": SetInfo(
        "tweeteval/emotion", "TweetEval: no restrictions stated; Twitter terms", True
    ),
    "tweeteval/irony": SetInfo(
        "tweeteval/irony", "TweetEval: no restrictions stated; Twitter terms", True
    ),
    "davidson": SetInfo("davidson-hate-offensive", "MIT", True),
    "tweettopic": SetInfo("tweettopic-xl-en", "MIT", True),
    "nz-pm-tweets-2020": SetInfo(
        "nz-pm-tweets-2020", "none stated (public tweets); training and development only", False
    ),
    "nz-political-releases": SetInfo(
        "nz-political-releases", "none stated (press releases republished by Scoop)", False
    ),
    "insults-social-commentary": SetInfo(
        "insults-social-commentary", "not stated (Impermium competition data)", False
    ),
    "p-stance": SetInfo("p-stance", "research only (no data licence)", False),
    "political-social-media": SetInfo(
        "political-social-media", "not stated (CrowdFlower Data for Everyone)", False
    ),
    "glassdoor": SetInfo("glassdoor-reviews-subset", "not stated (Glassdoor terms)", False),
    "babe": SetInfo("babe", "AGPL-3.0 (sentences are news excerpts)", False),
    "reddit-antiwork": SetInfo("reddit-antiwork", "not stated (Reddit users' posts)", False),
    "presidio": SetInfo("presidio-synthetic-pii", "MIT", True),
}


class DatasetMissing(RuntimeError):
    pass


def datasets_dir() -> Path:
    """The shared datasets folder: $POSTCHECK_DATASETS, or `shared/datasets` beside the repo."""
    env = os.environ.get("POSTCHECK_DATASETS")
    candidates = [Path(env)] if env else []
    candidates += [REPO_ROOT.parent / "shared" / "datasets", Path("/work/shared/datasets")]
    for c in candidates:
        if (c / "README.md").exists():
            return c
    raise DatasetMissing(
        "shared datasets not found: set POSTCHECK_DATASETS to the folder holding tweeteval/ etc."
    )


def _lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh]


def tweeteval(task: str, split: str) -> list[Example]:
    """A TweetEval task split with its integer labels as given in mapping.txt."""
    base = datasets_dir() / "tweeteval" / task
    texts = _lines(base / f"{split}_text.txt")
    labels = _lines(base / f"{split}_labels.txt")
    if len(texts) != len(labels):
        raise ValueError(f"{base}: {len(texts)} texts but {len(labels)} labels in {split}")
    src = f"tweeteval/{task}:{split}"
    return [Example(t.strip(), int(y), src) for t, y in zip(texts, labels, strict=True)]


def hash_split(text: str, val: float = 0.1, test: float = 0.1) -> str:
    """A fixed split for sets that have none, decided by the text alone."""
    h = zlib.crc32(text.strip().lower().encode("utf-8")) / 2**32
    if h < test:
        return "test"
    if h < test + val:
        return "val"
    return "train"


def pstance(split: str) -> list[Example]:
    """P-Stance tweets: every one takes a political side (label 1)."""
    out = []
    for target in ("trump", "biden", "bernie"):
        path = datasets_dir() / "p-stance" / f"raw_{split}_{target}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.append(Example(row["Tweet"], 1, f"p-stance:{split}"))
    return out


@dataclass(frozen=True, slots=True)
class Review:
    pros: str
    cons: str
    rating: int


def glassdoor(split: str) -> list[Review]:
    """Glassdoor reviews in our hash split (by the cons text)."""
    path = datasets_dir() / "glassdoor-reviews-subset" / "glassdoor_reviews.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            pros, cons = (row.get("pros") or "").strip(), (row.get("cons") or "").strip()
            if not pros or not cons:
                continue
            if hash_split(pros + "\x00" + cons) == split:
                try:
                    rating = int(float(row.get("overall_rating") or 0))
                except ValueError:
                    rating = 0
                out.append(Review(pros, cons, rating))
    return out


@dataclass(frozen=True, slots=True)
class PiiRecord:
    text: str
    spans: tuple[tuple[str, int, int], ...]  # (entity type, start, end)


def presidio() -> list[PiiRecord]:
    path = datasets_dir() / "presidio-synthetic-pii" / "data" / "synth_dataset_v2.json"
    with path.open(encoding="utf-8") as fh:
        rows = json.load(fh)
    return [
        PiiRecord(
            r["full_text"],
            tuple(
                (s["entity_type"], int(s["start_position"]), int(s["end_position"]))
                for s in r["spans"]
            ),
        )
        for r in rows
    ]


# The project's own sets ------------------------------------------------------------------

PROJECT_SETS = ("political", "grievance", "confidential")


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    label: str
    note: str


def project_rows(name: str, split: str) -> list[Labelled]:
    """Rows of a project set; "train" includes the generated variations, other splits never."""
    if split == "train":
        return _read_labelled(LABELLED_DIR / f"{name}.train.jsonl") + _read_labelled(
            LABELLED_DIR / f"{name}.train-gen.jsonl"
        )
    return _read_labelled(LABELLED_DIR / f"{name}.{split}.jsonl")


def _read_labelled(path: Path) -> list[Labelled]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: {exc}") from exc
            out.append(Labelled(row["text"], row["label"], row.get("note", "")))
    return out


@cache
def _everyday_cache(split: str) -> tuple[Example, ...]:
    rows = [
        Example(e.text, 0, e.source)
        for task in ("emotion", "irony")
        for e in tweeteval(task, split)
    ]
    return tuple(rows)


def everyday(split: str) -> list[Example]:
    """Everyday tweets (TweetEval emotion + irony), all labelled 0 for political signals."""
    return list(_everyday_cache(split))
