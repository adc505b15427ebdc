"""Plain CSV or JSONL (or a JSON array) of posts, for anything without its own reader.

Columns / keys (case-insensitive; aliases in brackets): text [content, body, message, post,
full_text], date [created_at, timestamp, published, time], platform, kind [type], visibility
[audience], url [link], id. Only `text` is required. Unknown platform/kind/visibility values
fall back to the defaults and are counted, never fatal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from postcheck import safejson
from postcheck.shapes import PLATFORM_ALIASES, Kind, Platform, Post, Visibility
from postcheck.sources.base import Reader, Sniff, SourceError, json_items, parse_date, text_lines
from postcheck.sources.linkedin import csv_rows

ALIASES = {
    "text": ("text", "content", "body", "message", "post", "fulltext", "status"),
    "date": ("date", "createdat", "timestamp", "published", "time", "created"),
    "platform": ("platform", "network", "site"),
    "kind": ("kind", "type"),
    "visibility": ("visibility", "audience"),
    "url": ("url", "link", "permalink"),
    "id": ("id", "postid"),
}


def _norm(k: str) -> str:
    return "".join(ch for ch in k.lower() if ch.isalnum())


def _pick(record: dict[str, Any], field: str) -> Any:
    for alias in ALIASES[field]:
        if alias in record and record[alias] not in (None, ""):
            return record[alias]
    return None


class PlainReader(Reader):
    format = "plain"
    platform = Platform.other
    label = "CSV / JSONL of posts"
    finds = ("posts",)
    sniff = Sniff(fallback=True)

    def __init__(self, archive: Any, stats: Any = None, names: list[str] | None = None) -> None:
        super().__init__(archive, stats)
        self._names = names

    def posts(self) -> Iterator[Post]:
        from postcheck.sources.sniff import sniff_file

        names = self._names or self.archive.names()
        any_file = False
        for name in names:
            fmt = sniff_file(self.archive, name)
            if fmt not in ("csv", "jsonl", "json"):
                continue
            any_file = True
            self.stats.files.append(name)
            try:
                if fmt == "csv":
                    rows: Iterator[dict[str, Any]] = (
                        r for r in csv_rows(self, name, ()) if self._has_text_col(name, r)
                    )
                    self._checked_cols = False
                elif fmt == "jsonl":
                    rows = self._jsonl(name)
                else:
                    rows = (
                        {_norm(k): v for k, v in r.items()} if isinstance(r, dict) else {}
                        for r in json_items(self.archive, name, ("posts", "items", "data"))
                    )
                for row in rows:
                    post = self._post(row, name)
                    if post is not None:
                        yield post
            except SourceError as exc:
                self.stats.lose(str(exc))
        if not any_file:
            raise self.nothing_found("no CSV or JSONL file of posts found")

    _checked_cols = False

    def _has_text_col(self, name: str, row: dict[str, Any]) -> bool:
        if not self._checked_cols:
            self._checked_cols = True
            if not any(a in row for a in ALIASES["text"]):
                cols = ", ".join(list(row)[:8])
                raise SourceError(f"{name}: wrong columns, no text column (found: {cols})")
        return True

    def _jsonl(self, name: str) -> Iterator[dict[str, Any]]:
        with self.archive.open(name) as fh:
            head = fh.read(4096)
        with self.archive.open(name) as fh:
            for n, line in enumerate(text_lines(fh, head, self.stats, name), 1):
                if not line.strip():
                    continue
                try:
                    obj = safejson.loads(line)
                except safejson.TooDeep as exc:
                    self.stats.skip(f"{name}: line {n} skipped, {exc}")
                    continue
                except ValueError:
                    self.stats.skip(f"{name}: line {n} is not valid JSON")
                    continue
                if isinstance(obj, str):
                    obj = {"text": obj}
                if not isinstance(obj, dict):
                    self.stats.skip(f"{name}: line {n} is not an object")
                    continue
                yield {_norm(k): v for k, v in obj.items()}

    def _post(self, row: dict[str, Any], name: str) -> Post | None:
        text = _pick(row, "text")
        if text is not None and not isinstance(text, str):
            self.stats.skip(f"{name}: text is not a string")
            return None
        platform = self._enum(_pick(row, "platform"), Platform, Platform.other, "platform")
        if isinstance(platform, Platform) is False:
            platform = Platform.other
        pid = _pick(row, "id")
        return self.make_post(
            text,
            kind=self._enum(_pick(row, "kind"), Kind, Kind.post, "kind"),
            date=parse_date(_pick(row, "date")),
            url=_pick(row, "url"),
            id=str(pid) if pid is not None else None,
            visibility=self._enum(
                _pick(row, "visibility"), Visibility, Visibility.public, "visibility"
            ),
            platform=platform,
        )

    def _enum(self, value: Any, enum: Any, default: Any, what: str) -> Any:
        if value in (None, ""):
            return default
        v = str(value).strip().lower()
        if enum is Platform and v in PLATFORM_ALIASES:
            return PLATFORM_ALIASES[v]
        try:
            return enum(v)
        except ValueError:
            self.stats.repair(f"unknown {what} values, default used")
            return default
