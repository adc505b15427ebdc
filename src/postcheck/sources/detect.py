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
    first = text.split("\n", 1)[0]
    if any(d in first for d in ",\t;|"):
        return "csv"
    return None


@dataclass(frozen=True)
class Detected:
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


def detect(archive: Archive) -> Detected:
    """The export format of an archive, folder or file; SourceError if none fits."""
    names = archive.names()
    if not names:
        if archive.refused:
            refused = "; ".join(f"{n}: {why}" for n, why in list(archive.refused.items())[:3])
            raise SourceError(f"{archive.path.name}: nothing readable (refused: {refused})")
        raise SourceError(f"{archive.path.name}: empty archive (no files)")
    score: Counter[str] = Counter()
    evidence: dict[str, list[str]] = {}

    def hit(fmt: str, why: str, weight: int = 1) -> None:
        score[fmt] += weight
        evidence.setdefault(fmt, []).append(why)

    readers = _readers()
    for fmt, r in readers.items():
        pattern = "|".join(r.sniff.folders)
        hit_name = next(
            (n for n in names[: MAX_SNIFF * 10] if pattern and re.search(pattern, n.lower())), None
        )
        if hit_name is not None:
            hit(fmt, f"{hit_name}: {r.label} folder", 3)
    plain = next(f for f, r in readers.items() if r.sniff.fallback)
    for name in _candidates(archive):
        shape = sniff_file(archive, name)
        if shape is None:
            continue
        for fmt, r in readers.items():
            for want, weight in r.sniff.shapes:
                if want == shape:
                    hit(fmt, f"{name}: {shape} file", weight)
        if shape in ("json", "jsonl"):
            head = decode_head(_head(archive, name))
            matched = False
            for fmt, r in readers.items():
                n = sum(1 for m in r.sniff.json_keys if re.search(m, head))
                if n:
                    matched = True
                    hit(fmt, f"{name}: {fmt} JSON keys", n)
            if (not matched and shape == "jsonl") or re.search(r'^\s*\{\s*"text"', head):
                hit(plain, f"{name}: JSON lines of posts")
            elif not matched and shape == "json" and re.search(r'"(text|content)"\s*:', head):
                hit(plain, f"{name}: JSON posts")
        elif shape == "csv":
            header = decode_head(_head(archive, name)).split("\n", 1)[0].lower()
            cols = re.sub(r"[^a-z0-9,]", "", re.sub(r"[\t;|]", ",", header))
            matched = False
            for fmt, r in readers.items():
                n = sum(1 for m in r.sniff.csv_columns if m in cols)
                if n:
                    matched = True
                    hit(fmt, f"{name}: {fmt} CSV columns", 2 * n)
            if not matched and any(c in cols.split(",") for c in _TEXT_COLS):
                hit(plain, f"{name}: CSV with a text column")
    if not score:
        sample = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
        refused = "; ".join(f"{n}: {why}" for n, why in list(archive.refused.items())[:3])
        raise SourceError(
            f"{archive.path.name}: unknown format (looked at {len(names)} file(s): {sample}); "
            "expected one of: "
            + "; ".join(r.label for r in _readers().values())
            + (f" (refused: {refused})" if refused else "")
        )
    fmt = score.most_common(1)[0][0]
    return Detected(fmt, tuple(evidence[fmt][:5]))
