"""Suggested rewrites: the draft with a finding's words taken out or blanked, as the rule says.

A rule offers a rewrite only where a mechanical edit gives a post someone could send: swearing
can usually be dropped ("What a fucking brilliant game" -> "What a brilliant game"), and a phone
number or an address can be blanked. Where taking the words out would leave a broken or still
risky post (an insult that is the sentence's object, a confidential figure), the rule has no
rewrite and its fixes say what to do instead. Which signal's words to edit and how is rule data
(`rewrite:` in the rule's YAML), so the words edited are always the ones the finding marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

from postcheck.shapes import Span


class Action(StrEnum):
    #: Take the words out and tidy the space and punctuation around them.
    remove = "remove"
    #: Put a placeholder where the words were (personal details: the reader still sees that
    #: something was there, and the sentence keeps its shape).
    redact = "redact"


class Rewrite(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    signal: str
    action: Action
    placeholder: str = "[removed]"
    #: Offer the rewrite only when every marked span matches this (whole span, any case):
    #: "fucking" before an adjective can go, "shit" as the sentence's point cannot; a phone
    #: number can be blanked, a client's story cannot.
    only: str | None = None

    @field_validator("only")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"only: not a regular expression ({exc})") from exc
        return v

    def accepts(self, spans: Iterable[Span]) -> bool:
        if self.only is None:
            return True
        pattern = re.compile(self.only, re.IGNORECASE | re.DOTALL)
        return all(pattern.fullmatch(s.text.strip()) for s in spans)


_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([,.!?;:])")
_REPEATED_PUNCT = re.compile(r"([,;:])\s*[,;:]")
_LEADING_PUNCT = re.compile(r"^[\s,;:.]+")
# Whatever is left once the edit is done must still say something.
_WORD = re.compile(r"\w{2,}")


def _merged(spans: Iterable[Span], length: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = max(0, s.start), min(length, s.end)
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _tidy(text: str, original: str) -> str:
    before = original.split("\n")
    lines = []
    for i, line in enumerate(text.split("\n")):
        line = _SPACES.sub(" ", line)
        line = _SPACE_BEFORE_PUNCT.sub(r"\1", line)
        line = _REPEATED_PUNCT.sub(r"\1", line)
        line = _LEADING_PUNCT.sub("", line).rstrip()
        # A sentence that lost its first word still starts with a capital letter.
        first = before[i].lstrip()[:1] if i < len(before) else ""
        if line[:1].islower() and first.isupper():
            line = line[0].upper() + line[1:]
        lines.append(line)
    return "\n".join(lines).strip()


def rewrite(text: str, spans: Iterable[Span], how: Rewrite) -> str | None:
    """The draft with the spans edited, or None where there is nothing sensible to offer
    (no spans, no change, or too little left to be a post)."""
    spans = list(spans)
    parts = _merged(spans, len(text))
    if not parts or not how.accepts(spans):
        return None
    out: list[str] = []
    last = 0
    for start, end in parts:
        between = text[last:start]
        # Details side by side ("12 Kauri St, 021 555 0199") become one placeholder.
        if how.action is Action.redact and out and not between.strip(" ,;/"):
            last = end
            continue
        out.append(between)
        if how.action is Action.redact:
            out.append(how.placeholder)
        last = end
    out.append(text[last:])
    edited = "".join(out)
    if how.action is Action.remove:
        edited = _tidy(edited, text)
    if edited == text or not _WORD.search(edited.replace(how.placeholder, "")):
        return None
    return edited
