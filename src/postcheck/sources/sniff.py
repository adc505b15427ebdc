"""Which export is this? Decided from file contents, with file names only as a shortcut.

A renamed zip, a folder unpacked under another name or a single file saved as `data.bin`
are still recognised: each candidate file's opening bytes are sniffed (JavaScript wrapper,
CAR header, JSON keys, CSV header) and every format scores the evidence it recognises.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from postcheck import safejson
from postcheck.sources.archive import Archive
from postcheck.sources.base import Reader, SourceError, decode_head

TEXT_EXT = (".js", ".json", ".csv", ".jsonl", ".ndjson", ".car", ".txt", ".tsv", "")
#: Most exports hold thousands of media files; only this many text files are sniffed.
MAX_SNIFF = 400
HEAD = 4096

_TEXT_COLS = ("text", "content", "body", "message", "post", "fulltext", "status")


def is_car(archive: Archive, name: str) -> bool:
    try:
        with archive.open(name) as fh:
            head = fh.read(HEAD)
    except SourceError:
        return False
    return _car_head(head)


def _car_head(head: bytes) -> bool:
    if len(head) < 4 or head[0] == 0 or head[0] > 0x7F:
        return False  # CAR headers are small: a one-byte varint
    hlen = head[0]
    body = head[1 : 1 + hlen]
    if len(body) < hlen or not body or body[0] >> 5 != 5:  # CBOR major type 5: map
        return False
    try:
        import libipld

        header = libipld.decode_dag_cbor(bytes(body))
    except Exception:  # any decode failure means: not a CAR
        return False
    return isinstance(header, dict) and "roots" in header and header.get("version") == 1


def _head(archive: Archive, name: str) -> bytes:
    with archive.open(name) as fh:
        return fh.read(HEAD)


def sniff_file(archive: Archive, name: str) -> str | None:
    """A file's shape: xjs, car, json, jsonl, csv, or None (binary or unknown)."""
    try:
        head = _head(archive, name)
    except SourceError:
        return None
    if not head:
        return None
    if _car_head(head):
        return "car"
    text = decode_head(head)
    if "\x00" in text:
        return None
    text = text.lstrip()
    if re.match(r"window\.YTD\.", text):
        return "xjs"
    if text[:1] in "[{":
        return _json_shape(text, name)
    first = text.split("\n", 1)[0]
    if any(d in first for d in ",\t;|"):
        return "csv"
    return None


def _json_shape(text: str, name: str) -> str:
    """json or jsonl, for a file that opens with a bracket or a brace."""
    first, newline, _ = text.partition("\n")
    if not newline and text[:1] == "{" and _ext(name) in (".jsonl", ".ndjson", ".jsonlines"):
        # A first line longer than the sniffed bytes (one very long post) cannot be
        # parsed here; the name says what it is.
        return "jsonl"
    # A whole object on the first line is JSON lines whatever follows: no JSON
    # document goes on after its top-level object, and one bad line must not hide
    # the good ones.
    if first.strip().startswith("{"):
        try:
            safejson.loads(first)
            return "jsonl"
        except ValueError:  # TooDeep included: a line of brackets is not a post
            pass
    return "json"


@dataclass(frozen=True)
class SniffedFormat:
    format: str
    evidence: tuple[str, ...]


def _candidates(archive: Archive) -> list[str]:
    names = archive.names()
    if len(names) > 20:  # a real export: skip media by extension; a few files: sniff all
        names = [n for n in names if _ext(n) in TEXT_EXT]
    # Never even sniff message folders: direct messages are out of bounds.
    names = [n for n in names if not re.search(r"(^|/)(messages|inbox|direct-messages)", n.lower())]
    names.sort(key=lambda n: (n.count("/"), n))
    return names[:MAX_SNIFF]


def _ext(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _readers() -> dict[str, type[Reader]]:
    # Imported here: the readers import this module's sniffing helpers.
    from postcheck.sources.registry import READERS

    return READERS


def sniff_format(archive: Archive) -> SniffedFormat:
    """The export format of an archive, folder or file; SourceError if none fits."""
    names = archive.names()
    if not names:
        raise _nothing_readable(archive)
    scores = _Scores(_readers())
    scores.folders(names)
    for name in _candidates(archive):
        shape = sniff_file(archive, name)
        if shape is not None:
            scores.file(archive, name, shape)
    if not scores.score:
        raise _unknown_format(archive, names)
    return scores.best()


class _Scores:
    """Each format's score and the evidence for it, in the order it was found (the order
    breaks ties)."""

    def __init__(self, readers: dict[str, type[Reader]]) -> None:
        self.readers = readers
        #: The format that takes posts in a generic shape no platform claims.
        self.plain = next(f for f, r in readers.items() if r.sniff.fallback)
        self.score: Counter[str] = Counter()
        self.evidence: dict[str, list[str]] = {}

    def hit(self, fmt: str, why: str, weight: int = 1) -> None:
        self.score[fmt] += weight
        self.evidence.setdefault(fmt, []).append(why)

    def best(self) -> SniffedFormat:
        fmt = self.score.most_common(1)[0][0]
        return SniffedFormat(fmt, tuple(self.evidence[fmt][:5]))

    def folders(self, names: list[str]) -> None:
        """Folder names a platform's exports use (the first of each format counts)."""
        for fmt, r in self.readers.items():
            pattern = "|".join(r.sniff.folders)
            hit_name = next(
                (n for n in names[: MAX_SNIFF * 10] if pattern and re.search(pattern, n.lower())),
                None,
            )
            if hit_name is not None:
                self.hit(fmt, f"{hit_name}: {r.label} folder", 3)

    def file(self, archive: Archive, name: str, shape: str) -> None:
        """A sniffed file: its shape, then the JSON keys or CSV columns in its head."""
        for fmt, r in self.readers.items():
            for want, weight in r.sniff.shapes:
                if want == shape:
                    self.hit(fmt, f"{name}: {shape} file", weight)
        if shape in ("json", "jsonl"):
            self._json(name, shape, decode_head(_head(archive, name)))
        elif shape == "csv":
            self._csv(name, decode_head(_head(archive, name)).split("\n", 1)[0].lower())

    def _json(self, name: str, shape: str, head: str) -> None:
        matched = False
        for fmt, r in self.readers.items():
            n = sum(1 for m in r.sniff.json_keys if re.search(m, head))
            if n:
                matched = True
                self.hit(fmt, f"{name}: {fmt} JSON keys", n)
        if (not matched and shape == "jsonl") or re.search(r'^\s*\{\s*"text"', head):
            self.hit(self.plain, f"{name}: JSON lines of posts")
        elif not matched and shape == "json" and re.search(r'"(text|content)"\s*:', head):
            self.hit(self.plain, f"{name}: JSON posts")

    def _csv(self, name: str, header: str) -> None:
        cols = re.sub(r"[^a-z0-9,]", "", re.sub(r"[\t;|]", ",", header))
        matched = False
        for fmt, r in self.readers.items():
            n = sum(1 for m in r.sniff.csv_columns if m in cols)
            if n:
                matched = True
                self.hit(fmt, f"{name}: {fmt} CSV columns", 2 * n)
        if not matched and any(c in cols.split(",") for c in _TEXT_COLS):
            self.hit(self.plain, f"{name}: CSV with a text column")


def _refused(archive: Archive) -> str:
    return "; ".join(f"{n}: {why}" for n, why in list(archive.refused.items())[:3])


def _nothing_readable(archive: Archive) -> SourceError:
    if archive.refused:
        return SourceError(f"{archive.path.name}: nothing readable (refused: {_refused(archive)})")
    return SourceError(f"{archive.path.name}: empty archive (no files)")


def _unknown_format(archive: Archive, names: list[str]) -> SourceError:
    sample = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
    refused = _refused(archive)
    return SourceError(
        f"{archive.path.name}: unknown format (looked at {len(names)} file(s): {sample}); "
        "expected one of: "
        + "; ".join(r.label for r in _readers().values())
        + (f" (refused: {refused})" if refused else "")
    )
