"""The comment records the store takes and gives back, and their one mapping to rows.

A screened comment comes in as a `Pending` holding the typed `Screening`; the store answers
with a `Submitted` (a new row, or the stored one for a repeated client id) holding typed
`Reason`s and `Advice`. The `comments` table keeps screening as JSON columns (reasons,
advice, and the rest in `screening`); `comment_values` writes them and `stored` /
`screening_of` read them back, here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from postcheck.moderation.results import Advice, Decision, Reason, Screening, decision
from postcheck.moderation.store.errors import Conflict
from postcheck.moderation.tables import DECISION_STATUS, Comment

#: JSON keys of a screening that have their own columns (the rest go in `screening`).
_OWN_COLUMNS = ("reasons", "advice")


def text_hash(text_: str) -> str:
    return hashlib.sha256(" ".join(text_.lower().split()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewComment:
    """A comment as a site sends it, before screening."""

    client_id: str
    author_name: str
    text: str
    author_email: str | None = None
    url: str | None = None

    def pending(self, site_id: int, screening: Screening) -> Pending:
        return Pending(
            site_id,
            self.client_id,
            self.author_name,
            self.text,
            self.author_email,
            self.url,
            screening,
        )


@dataclass(frozen=True)
class Pending:
    """A screened comment on its way into the store."""

    site_id: int
    client_id: str
    author_name: str
    text: str
    author_email: str | None
    url: str | None
    screening: Screening


@dataclass(frozen=True)
class Submitted:
    """What the store answers for a comment: its id, screening's decision and reasons, and
    whether this request created it (False: the stored answer to a repeated id)."""

    comment_id: int
    decision: Decision
    reasons: tuple[Reason, ...]
    advice: tuple[Advice, ...]
    created: bool


@dataclass(frozen=True)
class Stored:
    """A comment already stored under a client id: what answering a repeat of it needs."""

    id: int
    text: str
    original_text: str | None
    author_name: str
    decision: Decision
    reasons: tuple[Reason, ...]
    advice: tuple[Advice, ...]

    def answer(self, text_: str, author_name: str) -> Submitted:
        """The stored answer to the same comment sent again; `Conflict` if the id was used
        for a different one."""
        if (self.original_text or self.text) != text_ or self.author_name != author_name:
            raise Conflict(
                "this comment id was already used for a different comment; "
                "send a new id for a new comment"
            )
        return Submitted(self.id, self.decision, self.reasons, self.advice, created=False)


#: The columns `stored` reads, in its order.
STORED_COLUMNS = (
    Comment.id,
    Comment.text,
    Comment.original_text,
    Comment.author_name,
    Comment.decision,
    Comment.reasons,
    Comment.advice,
)


def stored(row: Any) -> Stored | None:
    """A row of STORED_COLUMNS as a `Stored` (None for no row)."""
    if row is None:
        return None
    id_, text_, original, author, decided, reasons, advice = row
    return Stored(
        id_,
        text_,
        original,
        author,
        decision(decided),
        tuple(Reason.from_json(r) for r in reasons or ()),
        tuple(Advice.from_json(a) for a in advice or ()),
    )


def stored_new(item: Pending, comment_id: int) -> Stored:
    s = item.screening
    return Stored(comment_id, item.text, None, item.author_name, s.decision, s.reasons, s.advice)


def comment_values(item: Pending, now: dt.datetime) -> dict[str, Any]:
    """The `comments` row for a new comment: the one place a `Screening` becomes JSON."""
    data = item.screening.to_json()
    return {
        "site_id": item.site_id,
        "client_id": item.client_id,
        "author_name": item.author_name,
        "author_email": item.author_email,
        "url": item.url,
        "text": item.text,
        "text_sha256": text_hash(item.text),
        "decision": item.screening.decision,
        "status": DECISION_STATUS[item.screening.decision],
        "risk": float(data["risk"]),
        "reasons": data["reasons"],
        "advice": data["advice"],
        "screening": {k: v for k, v in data.items() if k not in _OWN_COLUMNS},
        "received_at": now,
        "decided_at": now,
        "decided_by": "screening",
    }


def audit_values(item: Pending, comment_id: int, now: dt.datetime) -> dict[str, Any]:
    """The audit entry for a new comment: screening's decision, risk and categories."""
    s = item.screening
    return {
        "at": now,
        "actor": "screening",
        "action": f"screened_{s.decision}",
        "site_id": item.site_id,
        "comment_id": comment_id,
        "detail": {
            "risk": round(s.risk, 3),
            "categories": sorted({r.category for r in s.reasons}),
        },
    }


def screening_of(comment: Comment) -> Screening:
    """A stored comment's screening, typed again (the inverse of `comment_values`)."""
    data = dict(comment.screening or {})
    data.update(
        decision=comment.decision,
        risk=comment.risk,
        reasons=comment.reasons or [],
        advice=comment.advice or [],
    )
    return Screening.from_json(data)
