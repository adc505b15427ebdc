"""`moderate export`: every comment with its decisions, as JSON lines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from postcheck.moderation.store.base import StoreBase
from postcheck.moderation.tables import AuditEntry, Comment, Site

EXPORT_SCHEMA = "postcheck.moderation.comment/1"


class Export(StoreBase):
    def export(self, site: str | None = None) -> Iterator[dict[str, Any]]:
        """Every comment with its decisions, oldest first, for `moderate export` (JSONL)."""
        q = select(Comment, Site.name).join(Site)
        if site:
            q = q.where(Site.name == site)
        with self.read() as s:
            history: dict[int, list[dict[str, Any]]] = {}
            aq = (
                select(AuditEntry).where(AuditEntry.comment_id.is_not(None)).order_by(AuditEntry.id)
            )
            if site:
                aq = aq.join(Site, AuditEntry.site_id == Site.id).where(Site.name == site)
            for a in s.scalars(aq):
                history.setdefault(a.comment_id or 0, []).append(
                    {"at": _iso(a.at), "actor": a.actor, "action": a.action, "detail": a.detail}
                )
            for c, site_name in s.execute(q.order_by(Comment.id).execution_options(yield_per=500)):
                yield {
                    "schema": EXPORT_SCHEMA,
                    "id": c.id,
                    "site": site_name,
                    "client_id": c.client_id,
                    "author_name": c.author_name,
                    "author_email": c.author_email,
                    "url": c.url,
                    "text": c.text,
                    "original_text": c.original_text,
                    "received_at": _iso(c.received_at),
                    "decision": c.decision,
                    "status": c.status,
                    "risk": c.risk,
                    "reasons": c.reasons,
                    "advice": c.advice,
                    "screening": c.screening,
                    "decided_at": _iso(c.decided_at),
                    "decided_by": c.decided_by,
                    "edited_at": _iso(c.edited_at),
                    "history": history.get(c.id, []),
                }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def dumps_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
