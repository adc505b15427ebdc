"""JSON parsing that refuses hostile nesting before the parser recurses into it.

Python's json module recurses once per level, so one line of 100,000 "[" raises
RecursionError deep inside whoever called it, which used to lose a whole batch.
Every place that parses JSON from outside (input lines, archive files, request
bodies) goes through `loads` so the refusal is one clear ValueError.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Real exports nest a dozen levels at most (Facebook attachments are the deepest);
# 64 leaves room and stays far below the interpreter's recursion limit.
MAX_DEPTH = 64

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class TooDeep(ValueError):
    """The JSON nests deeper than MAX_DEPTH."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects, ignoring brackets inside strings.

    Linear in the text; a malformed document gets a best-effort count, which is
    enough because the parser refuses it afterwards anyway.
    """
    s = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    deepest = level = 0
    for m in _TOKENS.finditer(s):
        c = m.group()
        if c in "[{":
            level += 1
            deepest = max(deepest, level)
        elif c in "]}":
            level -= 1
    return deepest


def check_depth(text: str | bytes, limit: int = MAX_DEPTH) -> None:
    """Raise TooDeep when `text` nests deeper than `limit`."""
    opens = (
        text.count("[") + text.count("{")
        if isinstance(text, str)
        else (text.count(b"[") + text.count(b"{"))
    )
    # Most documents have fewer brackets in all than the limit: no scan needed.
    if opens > limit and depth(text) > limit:
        raise TooDeep(limit)


def loads(text: str | bytes, limit: int = MAX_DEPTH) -> Any:
    """json.loads that raises TooDeep (a ValueError) instead of recursing without end."""
    check_depth(text, limit)
    return json.loads(text)
