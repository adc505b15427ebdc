"""Reading posts from the outside world: argument text, stdin, and JSONL batches.

Bad input is reported per item with where it was (line number) and why, in one line, and
never stops the rest of a batch.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from pydantic import ValidationError

from postcheck.engine import InputError, validate_text
from postcheck.model import MAX_TEXT_CHARS, Author, Context, Post

CONTEXT_FIELDS = ("platform", "kind", "visibility", "date", "account")

#: A JSONL line can hold a post of MAX_TEXT_CHARS characters of up to 4 bytes, plus fields.
MAX_LINE_BYTES = MAX_TEXT_CHARS * 4 + 65_536


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
    """Posts from JSON Lines, one object a line; bad lines go to on_error(line_no, why)."""
    for n, raw in enumerate(_lines(stream), 1):
        if raw is None:
            on_error(n, f"line longer than {MAX_LINE_BYTES:,} bytes; skipped")
            continue
        if not raw.strip():
            continue
        try:
            line = decode_utf8(raw, "line")
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
            yield build_post(obj, author_defaults, context_defaults, fallback_id=str(n))
        except InputError as exc:
            on_error(n, str(exc))


def _lines(stream: BinaryIO) -> Iterable[bytes | None]:
    """Lines of at most MAX_LINE_BYTES; None for a longer one (skipped without holding it)."""
    while line := stream.readline(MAX_LINE_BYTES):
        if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (more := stream.readline(MAX_LINE_BYTES)) and not more.endswith(b"\n"):
                pass
            yield None
        else:
            yield line
