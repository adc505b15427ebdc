"""The labelled pool: real texts read and labelled under the codebook (docs/codebook.md).

Three files make the pool, all read in place and never copied into the repository:

- `shared/annotation/pool-v1.jsonl` and `pool-v1-antiwork.jsonl`: the first seed (text and
  labels together);
- `data/annotation/*.labels.jsonl` in this repository: labels the project added later. These
  hold a source id, a hash of the text and the labels, never the text: `resolve()` reads the
  text from the shared datasets by its source id, and the hash proves it is the text that was
  read.
- `data/nz-posts/nz-posts-train-v1.jsonl` in this repository: real New Zealand posts the
  project collected itself (quoted word for word in public pages; no shared dataset holds
  them, so the file keeps the text with its page), read under the codebook. Source ids are
  `nz-posts-train:<id>`; a post's group is its page (a Reddit thread under any mirror is one
  page), so one thread never sits on both sides of a split. None of them comes from a page of
  the second New Zealand development set (`nz_dev2`), and no text is shared with it.
- `data/nz-posts/nz-posts-val-v1.jsonl`: collected posts read after the shipped models were
  trained (rounds 8-10), kept out of training until a retrain takes them in. Source ids are
  `nz-posts-val:<id>`. Each is a val row (`held_split`), so thresholds and bands are chosen on
  five times as many New Zealand posts, except where its page's hash puts it in the locked
  dev-test or a page the training file quotes sits in train: those wait, unused.

Splits are made here, by a hash of the text's *group* (a tweet, a press release, a Reddit
thread, a review), so that paragraphs of one release or replies in one thread never sit on both
sides. `train` is for learning, `val` for every choice (epochs, thresholds), `devtest` is
locked: scored once per release, never tuned on. The double-annotated New Zealand development
set is kept out of all three.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from postcheck.sources.mojibake import repair
from postcheck.training.data import REPO_ROOT, datasets_dir

#: The codebook's labels, in the order a model's outputs take.
LABELS: tuple[str, ...] = (
    "political_opinion",
    "political_mention",
    "persuasion",
    "disrespect",
    "profanity",
    "hate",
    "threat",
    "harassment",
    "sexual",
    "grievance",
    "work_link",
    "confidential",
    "privacy",
)

#: Short codes annotators write (one text a line), mapped to labels.
CODES: dict[str, str] = {
    "PO": "political_opinion",
    "PM": "political_mention",
    "PE": "persuasion",
    "DI": "disrespect",
    "PR": "profanity",
    "HA": "hate",
    "TH": "threat",
    "HR": "harassment",
    "SX": "sexual",
    "GR": "grievance",
    "WL": "work_link",
    "CO": "confidential",
    "PV": "privacy",
}

SPLITS = ("train", "val", "devtest")
ADDED_DIR = REPO_ROOT / "data" / "annotation"
COLLECTED = REPO_ROOT / "data" / "nz-posts" / "nz-posts-train-v1.jsonl"
COLLECTED_VAL = COLLECTED.with_name("nz-posts-val-v1.jsonl")
TEXT_LIMIT = 600


@dataclass(frozen=True, slots=True)
class PoolRow:
    source: str
    text: str
    labels: frozenset[str]
    jurisdiction: str | None
    confidence: str  # "high" or "low"
    passes: int
    origin: str  # which file labelled it
    annotators: tuple[str, ...] = field(default=())

    def y(self, label: str) -> int:
        return int(label in self.labels)


def fold(text: str) -> str:
    """Text as annotators read it: whitespace folded, cut at 600 characters."""
    return " ".join(text.split())[:TEXT_LIMIT]


def text_hash(text: str) -> str:
    return hashlib.sha1(fold(text).encode("utf-8")).hexdigest()[:12]


def annotation_dir() -> Path:
    return datasets_dir().parent / "annotation"


# Resolving a source id to its text ------------------------------------------------------


@cache
def _jsonl(path: Path) -> tuple[dict, ...]:
    with path.open(encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


@cache
def _lines(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as fh:
        return tuple(line.rstrip("\n") for line in fh)


@cache
def _csv(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> tuple[dict, ...]:
    with path.open(encoding=encoding, newline="") as fh:
        return tuple(csv.DictReader(fh, delimiter=delimiter))


@cache
def _antiwork() -> dict[str, str]:
    return {r["id"]: r["text"] for r in _jsonl(datasets_dir() / "reddit-antiwork" / "posts.jsonl")}


# Each source set's reader: (datasets dir, the source id's parts) -> the text, unfolded.


def _tweeteval(d: Path, parts: list[str]) -> str:
    task, split, row = parts[0].split("/", 1)[1], parts[1], int(parts[2])
    return _lines(d / "tweeteval" / task / f"{split}_text.txt")[row]


def _nz_pm_tweet(d: Path, parts: list[str]) -> str:
    return _jsonl(d / "nz-pm-tweets-2020" / "tweets.jsonl")[int(parts[1])]["text"]


def _nz_release(d: Path, parts: list[str]) -> str:
    release = _jsonl(d / "nz-political-releases" / "releases.jsonl")[int(parts[1])]
    return release["text"].split("\n\n")[int(parts[2])]


def _davidson(d: Path, parts: list[str]) -> str:
    rows = _csv(d / "davidson-hate-offensive" / "data" / "labeled_data.csv")
    return rows[int(parts[1])]["tweet"]


def _political_social_media(d: Path, parts: list[str]) -> str:
    rows = _csv(d / "political-social-media" / "political_social_media.csv", "utf-8-sig")
    return rows[int(parts[1])]["text"]


def _insults(d: Path, parts: list[str]) -> str:
    fname = {"train": "train.csv", "test": "test_with_solutions.csv"}[parts[1]]
    raw = _csv(d / "insults-social-commentary" / fname)[int(parts[2])]["Comment"]
    return raw.strip('"').encode("utf-8").decode("unicode_escape", "ignore")


def _glassdoor(d: Path, parts: list[str]) -> str:
    rows = _csv(d / "glassdoor-reviews-subset" / "glassdoor_reviews.csv")
    return rows[int(parts[1])][parts[2]] or ""


def _p_stance(d: Path, parts: list[str]) -> str:
    rows = _csv(d / "p-stance" / f"raw_{parts[1]}.csv")
    return rows[int(parts[2])]["Tweet"]


def _tweettopic(d: Path, parts: list[str]) -> str:
    fname = {"train": "en_train.jsonl", "validation": "en_validation.jsonl"}[parts[1]]
    return _jsonl(d / "tweettopic-xl-en" / fname)[int(parts[2])]["text"]


def _babe(d: Path, parts: list[str]) -> str:
    rows = _csv(d / "babe" / "data" / f"final_labels_{parts[1]}.csv", "utf-8-sig", ";")
    return rows[int(parts[2])]["text"]


def _reddit_antiwork(d: Path, parts: list[str]) -> str:
    return _antiwork()[":".join(parts[1:])]


_READERS: dict[str, Callable[[Path, list[str]], str]] = {
    "nz-pm-tweets-2020": _nz_pm_tweet,
    "nz-political-releases": _nz_release,
    "davidson": _davidson,
    "political-social-media": _political_social_media,
    "insults-social-commentary": _insults,
    "glassdoor": _glassdoor,
    "p-stance": _p_stance,
    "tweettopic": _tweettopic,
    "babe": _babe,
    "reddit-antiwork": _reddit_antiwork,
}


def resolve(source: str) -> str:
    """The text a source id names (folded as annotators read it)."""
    d = datasets_dir()
    parts = source.split(":")
    name = parts[0]
    # tweeteval ids name their task in the set's name ("tweeteval/offensive").
    read = _tweeteval if name.startswith("tweeteval/") else _READERS.get(name)
    if read is None:
        raise KeyError(f"unknown source set in {source!r}")
    return fold(read(d, parts))


# Splits -----------------------------------------------------------------------------------


_REDDIT_THREAD = re.compile(r"/r/([^/]+)/comments/([a-z0-9]+)", re.IGNORECASE)


def page_group(url: str) -> str:
    """One page, or one Reddit thread whichever mirror served it."""
    m = _REDDIT_THREAD.search(url)
    if m:
        return f"reddit:{m.group(1).lower()}:{m.group(2).lower()}"
    return (
        url.split("#")[0]
        .split("?")[0]
        .rstrip("/")
        .removeprefix("https://")
        .removeprefix("http://")
        .removeprefix("www.")
    )


@cache
def _collected() -> dict[str, dict]:
    if not COLLECTED.exists():
        return {}
    return {r["id"]: r for r in _jsonl(COLLECTED)}


@cache
def _collected_val() -> dict[str, dict]:
    if not COLLECTED_VAL.exists():
        return {}
    return {r["id"]: r for r in _jsonl(COLLECTED_VAL)}


def is_collected(row: PoolRow) -> bool:
    """A post the project collected itself, trained on or held for val."""
    return row.origin in (COLLECTED.name, COLLECTED_VAL.name)


def group_of(source: str) -> str:
    """The unit that must stay on one side of a split."""
    parts = source.split(":")
    if parts[0] in ("nz-posts-train", "nz-posts-val"):
        # One key for both files, so a page's posts share a side whichever file holds them.
        row = (_collected() if parts[0] == "nz-posts-train" else _collected_val()).get(parts[1])
        return "nz-posts-train:" + (page_group(row["url"]) if row else parts[1])
    if parts[0] == "nz-political-releases":
        return ":".join(parts[:2])  # one release
    if parts[0] == "glassdoor":
        return ":".join(parts[:2])  # one review (pros and cons)
    if parts[0] == "reddit-antiwork" and len(parts) >= 4:
        return ":".join(parts[:-1])  # one thread: the comment's submission
    if parts[0] == "reddit-antiwork":
        return ":".join(parts[:3])  # a submission's title and body
    return source


def split_of(source: str) -> str:
    if source.startswith("nz-posts-val:"):
        return "val"  # only held_split's val posts become pool rows
    return _hashed_split(group_of(source))


def _hashed_split(group: str) -> str:
    h = zlib.crc32(("pool-split/1:" + group).encode("utf-8")) / 2**32
    if h < 0.1:
        return "devtest"
    if h < 0.2:
        return "val"
    return "train"


@cache
def _trained_pages() -> frozenset[str]:
    return frozenset(
        g
        for pid in _collected()
        if _hashed_split(g := group_of(f"nz-posts-train:{pid}")) == "train"
    )


def held_split(post_id: str) -> str | None:
    """Where a held post (`COLLECTED_VAL`) serves today: "val", or None where it waits. Its
    page keeps the split a retrain will give it, so a page hashed to the locked dev-test is
    never looked at now; and a page whose other posts are trained on is not val, because its
    thread taught the models. Every other held post is val: none has been trained on."""
    group = group_of(f"nz-posts-val:{post_id}")
    split = _hashed_split(group)
    if split == "devtest" or (split == "train" and group in _trained_pages()):
        return None
    return "val"


# Reading the pool -------------------------------------------------------------------------


@cache
def nz_dev_ids() -> frozenset[int]:
    rows = _jsonl(annotation_dir() / "nz-pm-tweets-2020.dev.jsonl")
    return frozenset(int(r["id"]) for r in rows)


def _is_nz_dev(source: str) -> bool:
    parts = source.split(":")
    return parts[0] == "nz-pm-tweets-2020" and int(parts[1]) in nz_dev_ids()


_LINK = re.compile(r"https?://\S+|pic\.twitter\.com/\S+|\b\S+\.(?:com|nz|it|ly)/\S*")
_RETWEET = re.compile(r"^\s*RT @\w+:?")


def copy_key(text: str) -> str:
    """A post's words without links, a leading retweet marker, case or punctuation: the same
    headline or petition shared with another link is the same text."""
    bare = _RETWEET.sub("", _LINK.sub(" ", repair(text)))
    return " ".join(re.findall(r"\w+", fold(bare).lower()))


@cache
def nz_dev_keys() -> frozenset[str]:
    """The development tweets' copy keys. Other rows of the same dataset repeat about 27 of
    them (headline shares, petitions, retweets) under other ids; those copies are the
    development set too, never training."""
    rows = _jsonl(annotation_dir() / "nz-pm-tweets-2020.dev.jsonl")
    return frozenset(k for r in rows if len(k := copy_key(r["text"])) >= 15)


def copies_nz_dev(text: str) -> bool:
    return copy_key(text) in nz_dev_keys()


def _from_seed(path: Path) -> Iterator[PoolRow]:
    for r in _jsonl(path):
        yield PoolRow(
            source=r["source"],
            text=r["text"],
            labels=frozenset(lab for lab in LABELS if r.get(lab)),
            jurisdiction=r.get("jurisdiction"),
            confidence=r.get("confidence", "high"),
            passes=int(r.get("passes", 1)),
            origin=path.name,
            annotators=(f"{path.stem}#{r.get('annotator', 0)}",),
        )


def _from_added(path: Path) -> Iterator[PoolRow]:
    for n, r in enumerate(_jsonl(path), 1):
        text = resolve(r["source"])
        if text_hash(text) != r["sha"]:
            raise ValueError(f"{path}:{n}: the text of {r['source']} is not the one labelled")
        yield _labelled(r["source"], text, r, int(r.get("passes", 1)), path.name)


def _from_collected() -> Iterator[PoolRow]:
    for pid, r in _collected().items():
        if "labels" not in r:
            continue  # the two reads differ and no third read has settled them yet
        source = f"nz-posts-train:{pid}"
        yield _labelled(source, fold(r["text"]), r, int(r.get("reads", 1)), COLLECTED.name)
    for pid, r in _collected_val().items():
        if "labels" not in r or held_split(pid) is None:
            continue
        source = f"nz-posts-val:{pid}"
        yield _labelled(source, fold(r["text"]), r, int(r.get("reads", 1)), COLLECTED_VAL.name)


def _labelled(source: str, text: str, r: dict, passes: int, origin: str) -> PoolRow:
    """A pool row from a label record of the project's own files (added labels, collected
    posts), which share their label fields."""
    return PoolRow(
        source=source,
        text=text,
        labels=frozenset(r["labels"]),
        jurisdiction=r.get("jurisdiction"),
        confidence=r.get("confidence", "high"),
        passes=passes,
        origin=origin,
        annotators=tuple(r.get("annotators", ())),
    )


def added_files() -> list[Path]:
    return sorted(ADDED_DIR.glob("*.labels.jsonl"))


@cache
def _all_rows() -> tuple[PoolRow, ...]:
    ann = annotation_dir()
    rows: dict[str, PoolRow] = {}
    for row in _from_seed(ann / "pool-v1.jsonl"):
        rows[row.source] = row
    for row in _from_seed(ann / "pool-v1-antiwork.jsonl"):
        rows[row.source] = row
    # A later file's labels replace an earlier read of the same text (second passes and
    # adjudications are written as later files).
    for path in added_files():
        for row in _from_added(path):
            rows[row.source] = row
    for row in _from_collected():
        rows[row.source] = row
    return tuple(
        r
        for r in rows.values()
        if not _is_nz_dev(r.source) and r.text.strip() and not copies_nz_dev(r.text)
    )


def rows(split: str | None = None) -> list[PoolRow]:
    """Pool rows of one split (all when None), NZ development tweets and their copies always
    left out."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    return [r for r in _all_rows() if split is None or split_of(r.source) == split]


def counts(items: Iterable[PoolRow]) -> dict[str, int]:
    out = {lab: 0 for lab in LABELS}
    for r in items:
        for lab in r.labels:
            out[lab] += 1
    return out


@dataclass(frozen=True, slots=True)
class DevRow:
    id: str
    text: str
    labels: frozenset[str]
    jurisdiction: str | None
    confidence: str


def nz_dev() -> list[DevRow]:
    """The 500 double-annotated New Zealand tweets: measure on them, never train."""
    out = []
    for r in _jsonl(annotation_dir() / "nz-pm-tweets-2020.dev.jsonl"):
        out.append(
            DevRow(
                str(r["id"]),
                r["text"],
                frozenset(lab for lab in LABELS if r.get(lab)),
                r.get("jurisdiction"),
                r.get("confidence", "high"),
            )
        )
    return out
