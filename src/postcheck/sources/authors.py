"""Build the account owner's `Author` from what an export shows: positions, headline, bio.

This is context, not judgement: it says who the audience can see the person is (employer,
role, seniority), so the one engine can weigh the work link. The engine decides the rest.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from postcheck.shapes import Author, Post, Seniority

_SENIORITY = (
    (
        Seniority.board,
        r"\b(board (member|chair)|chair(person|woman|man)?|deputy chair|"
        r"non-executive director|trustee|commissioner)\b",
    ),
    (
        Seniority.executive,
        r"\b(chief executive|ceo|secretary (for|of)|director[- ]general|"
        r"deputy chief executive|dce|deputy secretary|tumu whakarae|hautū)\b",
    ),
    (
        Seniority.senior,
        r"\b(general manager|director|head of|chief \w+ officer|"
        r"chief (advisor|adviser|economist|scientist|legal|of staff))\b",
    ),
    (Seniority.manager, r"\b(manager|team (lead|leader)|principal|supervisor|lead)\b"),
)
_ADVISES = re.compile(
    r"\b(policy|private secretary|ministerial|minister'?s office|cabinet|strategy)\b", re.I
)
_REPRESENTS = re.compile(
    r"\b(spokes(person|man|woman)|media (adviser|advisor|manager)|communications|comms|"
    r"public affairs|engagement)\b",
    re.I,
)


def seniority_of(title: str | None) -> Seniority:
    t = (title or "").lower()
    for level, pattern in _SENIORITY:
        if re.search(pattern, t):
            return level
    return Seniority.staff


@dataclass(frozen=True)
class Position:
    company: str
    title: str = ""
    started: dt.date | None = None
    finished: dt.date | None = None
    description: str = ""

    @property
    def current(self) -> bool:
        return self.finished is None

    def line(self) -> str:
        s = f"{self.title} at {self.company}" if self.title else self.company
        return f"{s}: {self.description}" if self.description else s


def current_position(positions: list[Position]) -> Position | None:
    current = [p for p in positions if p.current and p.company]
    if not current:
        return None
    return max(current, key=lambda p: p.started or dt.date.min)


@functools.cache
def _agency_names() -> dict[str, str]:
    try:
        from postcheck.detect.lexicon import lexicon

        lex = lexicon("agencies")
    except Exception:  # lexicons are optional for reading: never fail a read on them
        return {}
    return {str(e.get("id")): str(e.get("name") or e.get("id")) for e in lex.entries}


def employer_named_in(text: str | None) -> str | None:
    """The public-sector employer a bio names, using the shared agency lexicon."""
    if not text or not text.strip():
        return None
    try:
        from postcheck.detect.base import Doc

        hits = Doc.of(Post(text=text)).hits
    except Exception:
        return None
    names = _agency_names()
    for h in sorted(hits, key=lambda h: h.start):
        if h.category in ("agency", "agencies") or h.entry in names:
            return names.get(h.entry, h.entry)
    return None


def author_from(
    *,
    bio: str | None = None,
    positions: list[Position] | None = None,
    employer: str | None = None,
    role: str | None = None,
) -> Author:
    """An Author from an export's profile: employer from the current position or the bio."""
    pos = current_position(positions or [])
    if pos and not employer:
        employer = pos.company
        role = role or pos.title or None
    named = employer_named_in(bio) if not employer else None
    employer = employer or named
    title = role or ""
    return Author(
        employer=employer,
        role=role,
        seniority=seniority_of(title),
        advises_ministers=bool(title and _ADVISES.search(title)),
        represents_agency=bool(title and _REPRESENTS.search(title)),
        shows_employer=bool(employer),
        bio=(bio or "").strip() or None,
        topics=(),
    )
