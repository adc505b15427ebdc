"""The owner's decisions and edits, and the audit log that records every change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from postcheck.moderation.store.base import StoreBase
from postcheck.moderation.store.errors import NotFound
from postcheck.moderation.tables import AuditEntry, Comment, Site, Status, utcnow


class Decisions(StoreBase):
    def decide(self, comment_ids: list[int], action: str, actor: str) -> int:
        """Approve or reject comments; every change is written to the audit log."""
        status = {"approve": Status.published, "reject": Status.rejected, "hold": Status.held}[
            action
        ]
        changed = 0
        with self.write() as s:
            # Rows are locked before their status is read: the same decision made at the same
            # moment through another replica (or request) would otherwise also read "held" and
            # be written to the audit log twice. Id order keeps two bulk decisions from
            # deadlocking. SQLite needs no lock: its write transactions already run one by one.
            locked = (
                select(Comment)
                .where(Comment.id.in_(comment_ids))
                .order_by(Comment.id)
                .with_for_update()
            )
            for c in s.scalars(locked):
                if c.status == status:
                    continue
                before = c.status
                c.status, c.decided_at, c.decided_by = status, utcnow(), actor
                s.add(
                    AuditEntry(
                        actor=actor,
                        action=action,
                        site_id=c.site_id,
                        comment_id=c.id,
                        detail={"from": before, "to": status},
                    )
                )
                changed += 1
        return changed

    def edit(self, comment_id: int, new_text: str, actor: str) -> None:
        with self.write() as s:
            c = s.get(Comment, comment_id, with_for_update=True)  # as in decide()
            if c is None:
                raise NotFound(f"no comment {comment_id}")
            if new_text == c.text:
                return
            if c.original_text is None:
                c.original_text = c.text
            before = c.text
            c.text, c.edited_at = new_text, utcnow()
            s.add(
                AuditEntry(
                    actor=actor,
                    action="edit",
                    site_id=c.site_id,
                    comment_id=c.id,
                    detail={"before_chars": len(before), "after_chars": len(new_text)},
                )
            )

    def audit(
        self, *, limit: int = 100, offset: int = 0, comment_id: int | None = None
    ) -> tuple[list[tuple[AuditEntry, str | None]], int]:
        q = select(AuditEntry, Site.name).outerjoin(Site, AuditEntry.site_id == Site.id)
        if comment_id is not None:
            q = q.where(AuditEntry.comment_id == comment_id)
        with self.read() as s:
            total = int(s.scalar(select(func.count()).select_from(q.subquery())) or 0)
            rows: list[tuple[AuditEntry, str | None]] = [
                (a, n)
                for a, n in s.execute(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
            ]
        return rows, total

    def log(
        self,
        actor: str,
        action: str,
        detail: dict[str, Any] | None = None,
        site_id: int | None = None,
        comment_id: int | None = None,
    ) -> None:
        with self.write() as s:
            s.add(
                AuditEntry(
                    actor=actor,
                    action=action,
                    site_id=site_id,
                    comment_id=comment_id,
                    detail=detail or {},
                )
            )
