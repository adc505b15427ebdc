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
from collections.abc import Iterator
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


SETS: dict[str, SetInfo] = {
    "tweeteval/offensive": SetInfo(
        "tweeteval/offensive", "TweetEval: no restrictions (OLID)", True
    ),
    "tweeteval/hate": SetInfo("tweeteval/hate", "TweetEval: no restrictions (HatEval terms)", True),
    "tweeteval/emotion": SetInfo("tweeteval/emotion", "TweetEval: no restrictions", True),
    "tweeteval/irony": SetInfo("tweeteval/irony", "TweetEval: no restrictions", True),
    "tweeteval/stance": SetInfo("tweeteval/stance", "TweetEval: no restrictions", True),
    "davidson": SetInfo("davidson-hate-offensive", "MIT", True),
    "tweettopic": SetInfo("tweettopic-xl-en", "MIT", True),
    "p-stance": SetInfo("p-stance", "research only (no data licence)", False),
    "political-social-media": SetInfo("political-social-media", "not stated (CrowdFlower)", False),
    "babe": SetInfo("babe", "AGPL-3.0", False),
    "glassdoor": SetInfo("glassdoor-reviews-subset", "not stated (Glassdoor ToS)", False),
    "presidio": SetInfo("presidio-synthetic-pii", "MIT", True),
    "project": SetInfo("postcheck tests/data/labelled", "MIT (written for the project)", True),
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


STANCE_TARGETS = ("abortion", "atheism", "climate", "feminist", "hillary")


def stance(split: str) -> list[Example]:
    """TweetEval stance, all five targets: label 1 = takes a side (against or favour)."""
    out = []
    for target in STANCE_TARGETS:
        for ex in tweeteval(f"stance/{target}", split):
            out.append(Example(ex.text, int(ex.label != 0), ex.source))
    return out


def hash_split(text: str, val: float = 0.1, test: float = 0.1) -> str:
    """A fixed split for sets that have none, decided by the text alone."""
    h = zlib.crc32(text.strip().lower().encode("utf-8")) / 2**32
    if h < test:
        return "test"
    if h < test + val:
        return "val"
    return "train"


def davidson(split: str) -> list[tuple[str, int]]:
    """(tweet, class) with class 0 hate, 1 offensive, 2 neither, for our hash split."""
    path = datasets_dir() / "davidson-hate-offensive" / "data" / "labeled_data.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = row["tweet"]
            if hash_split(text) == split:
                out.append((text, int(row["class"])))
    return out


def tweettopic(split: str) -> list[Example]:
    """TweetTopic: label 1 = news_&_social_concern (covers politics), 0 = everyday topics."""
    name = {"train": "en_train.jsonl", "val": "en_validation.jsonl"}[split]
    out = []
    with (datasets_dir() / "tweettopic-xl-en" / name).open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out.append(
                Example(row["text"], int(row["news_&_social_concern"]), f"tweettopic:{split}")
            )
    return out


def pstance(split: str) -> list[Example]:
    """P-Stance tweets: every one takes a political side (label 1)."""
    out = []
    for target in ("trump", "biden", "bernie"):
        path = datasets_dir() / "p-stance" / f"raw_{split}_{target}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.append(Example(row["Tweet"], 1, f"p-stance:{split}"))
    return out


def political_social_media(split: str) -> list[Example]:
    """Posts by US politicians: label 1 partisan, 0 neutral (both political in topic)."""
    path = datasets_dir() / "political-social-media" / "political_social_media.csv"
    out = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if hash_split(row["text"]) == split:
                out.append(Example(row["text"], int(row["bias"] == "partisan"), f"psm:{split}"))
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


#: How each project set's labels map to the binary targets of each signal.
PROJECT_TARGETS: dict[str, tuple[str, frozenset[str]]] = {
    "political": ("political", frozenset({"opinion"})),
    "political_mention": ("political", frozenset({"opinion", "mention"})),
    "grievance": ("grievance", frozenset({"grievance"})),
    "confidential": ("confidential", frozenset({"confidential"})),
}


def project(signal: str, split: str) -> list[Example]:
    set_name, positive = PROJECT_TARGETS[signal]
    return [
        Example(r.text, int(r.label in positive), f"project/{set_name}:{split}")
        for r in project_rows(set_name, split)
    ]


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


def iter_sources(examples: list[Example]) -> Iterator[tuple[str, int]]:
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.source] = counts.get(e.source, 0) + 1
    yield from sorted(counts.items())
