"""Repair the mojibake in Facebook and Instagram exports.

Meta writes each UTF-8 byte of non-ASCII text as its own `\\u00XX` JSON escape, so after
JSON decoding "café" reads "cafÃ©" and an emoji becomes four Latin-1 letters. The repair
re-encodes runs of U+0080..U+00FF characters as bytes and decodes them as UTF-8. A run that
is not valid UTF-8 was genuine Latin-1 text (a real "é") and is left alone, so text that
is already correct, or only partly broken, comes through unharmed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postcheck.shapes import Post

_RUN = re.compile("[\u0080-\u00ff]+")


def _fix_run(m: re.Match[str]) -> str:
    s = m.group(0)
    try:
        return s.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return s


def repair(text: str) -> str:
    """Undo Meta's Latin-1-escaped UTF-8; text without the damage is returned as is."""
    if not text or text.isascii():
        return text
    return _RUN.sub(_fix_run, text)


def repair_all(value: Any) -> Any:
    """Repair every string in a decoded JSON value (dicts, lists, strings)."""
    if isinstance(value, str):
        return repair(value)
    if isinstance(value, list):
        return [repair_all(v) for v in value]
    if isinstance(value, dict):
        return {repair(k) if isinstance(k, str) else k: repair_all(v) for k, v in value.items()}
    return value


def repaired(convert: Callable[[Any, Any], Post | None], arg: Any) -> Callable[[Any], Post | None]:
    """`convert` applied to a Meta export record after its text is repaired."""
    return lambda item: convert(repair_all(item), arg)
