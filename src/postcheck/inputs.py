"""Reading posts from the outside world: argument text, stdin, and JSONL batches.

Bad input is reported per item with where it was (line number) and why, in one line, and
never stops the rest of a batch.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from pydantic import ValidationError

from postcheck import safejson
from postcheck.encodings import sniff
from postcheck.engine import InputError, validate_text
from postcheck.shapes import MAX_TEXT_CHARS, Author, Context, Post

CONTEXT_FIELDS = ("platform", "kind", "visibility", "date", "account")

#: A JSONL line can hold a post of MAX_TEXT_CHARS characters of up to 4 bytes, plus fields.
MAX_LINE_BYTES = MAX_TEXT_CHARS * 4 + 65_536


#: How much of a batch file is looked at before reading it: enough to see its encoding and
#: whether it starts like JSON Lines at all.
SNIFF_BYTES = 4096


def sniff_encoding(head: bytes) -> str | None:
    """The codec to read an input with (encodings.sniff), one that drops its own byte-order
    mark, or None for binary data."""
    codec, skip = sniff(head)
    if codec is None or not skip:
        return codec
    # The mark is in the data: a codec that reads and drops it.
    return {"utf-8": "utf-8-sig"}.get(codec, codec.rsplit("-", 1)[0])


def decode_text(data: bytes, what: str = "input") -> str:
    """Bytes of one post to text: UTF-8, or UTF-16/32 when a byte-order mark or the NULs of
    UTF-16 say so (what Windows tools often write); anything else is refused in one line."""
    codec = sniff_encoding(data[:SNIFF_BYTES])
    if codec is None:
        raise InputError(f"{what} is binary data, not text")
    if codec != "utf-8":
        try:
            return data.decode(codec).removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise InputError(
                f"{what} looks like UTF-16 or UTF-32 but is not; save it as UTF-8"
            ) from None
    return decode_utf8(data, what)


def decode_utf8(data: bytes, what: str = "input") -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text.removeprefix("\ufeff")


def check_argument_text(text: str) -> str:
    """Command-line text arrives surrogate-escaped when it was not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("post text is not valid UTF-8") from None
    return validate_text(text)


def parse_date(value: Any) -> dt.date | dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    try:
        if len(s) == 10:
            return dt.date.fromisoformat(s)
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"date {s!r} is not an ISO date (YYYY-MM-DD) or date-time") from None


def _first_error(exc: ValidationError) -> str:
    e = exc.errors()[0]
    where = ".".join(str(p) for p in e["loc"]) or "value"
    msg = e["msg"]
    if e.get("type") == "enum":
        expected = e.get("ctx", {}).get("expected", "")
        msg = f"unknown value {e.get('input')!r} (expected {expected})"
    return f"{where}: {msg}"


def build_post(
    obj: dict[str, Any],
    author_defaults: dict[str, Any] | None = None,
    context_defaults: dict[str, Any] | None = None,
    fallback_id: str | None = None,
) -> Post:
    """One JSON object (the shape of a `check --input` line or an API body) to a Post."""
    if not isinstance(obj, dict):
        raise InputError("each line must be a JSON object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError("missing 'text' (a string)")
    validate_text(text)
    unknown = set(obj) - {"id", "text", "url", "author", *CONTEXT_FIELDS}
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(sorted(unknown))}")
    ctx: dict[str, Any] = dict(context_defaults or {})
    ctx.update({k: obj[k] for k in CONTEXT_FIELDS if obj.get(k) is not None})
    ctx["date"] = parse_date(ctx.get("date"))
    author = dict(author_defaults or {})
    a = obj.get("author")
    if a is not None:
        if not isinstance(a, dict):
            raise InputError("'author' must be an object")
        author.update(a)
    try:
        context = Context.model_validate({**ctx, "author": Author.model_validate(author)})
    except ValidationError as exc:
        raise InputError(_first_error(exc)) from None
    pid = obj.get("id")
    return Post(
        text=text,
        context=context,
        id=str(pid) if pid is not None else fallback_id,
        url=obj.get("url") if isinstance(obj.get("url"), str) else None,
    )


def read_jsonl(
    stream: BinaryIO,
    on_error: Callable[[int, str], None],
    author_defaults: dict[str, Any] | None = None,
    context_defaults: dict[str, Any] | None = None,
) -> Iterator[Post]:
    """Posts from JSON Lines, one object a line; bad lines go to on_error(line_no, why).

    A stream that is not JSON Lines at all (binary data, CSV, one JSON array) raises one
    InputError before anything is read, rather than an error for every line; see open_jsonl.
    """
    for n, raw in enumerate(_lines(open_jsonl(stream)), 1):
        if isinstance(raw, int):
            on_error(
                n,
                f"line longer than the limit ({raw:,} bytes; a post may have at most "
                f"{MAX_TEXT_CHARS:,} characters)",
            )
            continue
        if not raw.strip():
            continue
        try:
            line = decode_utf8(raw, "line")
            try:
                obj = safejson.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
            except safejson.TooDeep as exc:
                raise InputError(str(exc)) from None
            yield build_post(obj, author_defaults, context_defaults, fallback_id=str(n))
        except InputError as exc:
            on_error(n, str(exc))


def open_jsonl(stream: BinaryIO) -> BinaryIO:
    """The stream to read JSON Lines from, after a look at its first bytes.

    UTF-16 and UTF-32 (what PowerShell and Notepad write) are read as UTF-8 lines; binary
    data, CSV or a JSON array raise InputError, one clear reason for the whole input.
    """
    # What is there now, not a full SNIFF_BYTES: a producer that writes a line at a time
    # (`tail -f posts.jsonl | postcheck check --input -`) is not kept waiting.
    read1 = getattr(stream, "read1", stream.read)
    head = read1(SNIFF_BYTES)
    if 0 < len(head) < 4:  # enough for any byte-order mark
        head += stream.read(4 - len(head))
    codec = sniff_encoding(head)
    if codec is None:
        raise InputError("not a JSONL file: it holds binary data (NUL bytes)")
    first = head.decode(codec, "ignore").lstrip("\ufeff \t\r\n")[:1]
    if first == "[":
        raise InputError(
            "not a JSONL file: it is one JSON array; write one object a line "
            "(`postcheck scan` reads JSON arrays of posts)"
        )
    if first and first != "{":
        raise InputError(
            "not a JSONL file: each line must be one JSON object, starting with '{' "
            "(`postcheck scan` reads CSV files and platform exports)"
        )
    rejoined: BinaryIO = io.BufferedReader(_Rejoined(head, stream), 65_536)
    if codec == "utf-8":
        return rejoined
    text = io.TextIOWrapper(rejoined, encoding=codec, errors="replace", newline="")
    return io.BufferedReader(_Utf8Of(text), 65_536)


class _Rejoined(io.RawIOBase):
    """The bytes already read to sniff the input, then the rest of it (a pipe cannot seek)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        read1 = getattr(self._rest, "read1", self._rest.read)
        data = read1(len(view))
        view[: len(data)] = data
        return len(data)


class _Utf8Of(io.RawIOBase):
    """A text stream as UTF-8 bytes, so every encoding goes through the same line reader."""

    def __init__(self, text: io.TextIOBase) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = self._text.read(16_384)
            if not chunk:
                return 0
            self._pending = chunk.encode("utf-8", "replace")
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _lines(stream: BinaryIO) -> Iterable[bytes | int]:
    """Lines of at most MAX_LINE_BYTES; a longer one is skipped without holding it, and its
    real size in bytes is given in its place."""
    while line := stream.readline(MAX_LINE_BYTES):
        if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
            size = len(line)
            while (more := stream.readline(MAX_LINE_BYTES)) and not more.endswith(b"\n"):
                size += len(more)
            size += len(more)
            yield size
        else:
            yield line
