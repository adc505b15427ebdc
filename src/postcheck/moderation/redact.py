"""Removing personal details from a comment before the owner publishes it.

The details are found by the same privacy detector that screening uses
(`postcheck.detect.privacy.entities`), run again on the comment's current text: the owner may
have edited it since it was screened, and screening's offsets refer to the submitted text.
Public freephone numbers are not someone's personal details and are left alone.

Redact-and-approve is one transaction: the owner never ends up with a comment that is
published with its details, or redacted but still waiting, after a failure half way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from postcheck.moderation.store import NotFound, Store
from postcheck.moderation.tables import AuditEntry, Comment, Status, utcnow

#: What replaces each kind of detail in the published text.
PLACEHOLDER: dict[str, str] = {
    "phone": "phone",
    "email": "email",
    "street-address": "address",
    "ird-number": "IRD number",
    "nhi-number": "NHI number",
    "card-number": "card number",
    "iban": "bank account",
    "ip-address": "IP address",
}
#: The same kinds in a sentence ("Removed 1 phone number").
NOUN: dict[str, tuple[str, str]] = {
    "phone": ("phone number", "phone numbers"),
    "email": ("e-mail address", "e-mail addresses"),
    "street-address": ("street address", "street addresses"),
    "ird-number": ("IRD number", "IRD numbers"),
    "nhi-number": ("NHI number", "NHI numbers"),
    "card-number": ("card number", "card numbers"),
    "iban": ("bank account number", "bank account numbers"),
    "ip-address": ("IP address", "IP addresses"),
}


@dataclass(frozen=True)
class Detail:
    kind: str
    start: int
    end: int
    text: str


def find(text: str) -> list[Detail]:
    """The personal details in a text, in order, none overlapping."""
    from postcheck.detect.privacy import entities

    out: list[Detail] = []
    for kind, start, end in entities(text):
        if kind not in PLACEHOLDER or (out and start < out[-1].end):
            continue
        out.append(Detail(kind, start, end, text[start:end]))
    return out


def redacted(text: str, details: list[Detail] | None = None) -> str:
    """The text with each detail replaced by a placeholder such as "[phone removed]"."""
    details = find(text) if details is None else details
    pieces, at = [], 0
    for d in details:
        pieces += [text[at : d.start], f"[{PLACEHOLDER[d.kind]} removed]"]
        at = d.end
    pieces.append(text[at:])
    return "".join(pieces)


def describe(counts: dict[str, int]) -> str:
    """ "1 phone number and 2 e-mail addresses" from {"phone": 1, "email": 2}."""
    parts = [
        f"{n} {NOUN.get(kind, (kind, kind))[0 if n == 1 else 1]}" for kind, n in counts.items()
    ]
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def redact_and_approve(store: Store, comment_id: int, actor: str) -> dict[str, int]:
    """Replace the comment's personal details and publish it; returns what was removed.

    The audit log records the kinds and counts removed, never the details themselves.
    """
    with store.write() as s:
        # Locked as in Store.decide: two replicas must not both redact and approve it.
        c = s.scalars(
            select(Comment).where(Comment.id == comment_id).with_for_update()
        ).one_or_none()
        if c is None:
            raise NotFound(f"no comment {comment_id}")
        details = find(c.text)
        counts = dict(Counter(d.kind for d in details))
        if details:
            before = c.text
            if c.original_text is None:
                c.original_text = before
            c.text, c.edited_at = redacted(before, details), utcnow()
            s.add(
                AuditEntry(
                    actor=actor,
                    action="redact",
                    site_id=c.site_id,
                    comment_id=c.id,
                    detail={
                        "removed": counts,
                        "before_chars": len(before),
                        "after_chars": len(c.text),
                    },
                )
            )
        if c.status != Status.published:
            s.add(
                AuditEntry(
                    actor=actor,
                    action="approve",
                    site_id=c.site_id,
                    comment_id=c.id,
                    detail={"from": c.status, "to": Status.published},
                )
            )
            c.status, c.decided_at, c.decided_by = Status.published, utcnow(), actor
    return counts
