"""The moderation service: one object holding the store, the screener and the owner's auth.

Built once per process by `postcheck.moderation.app` and shared by the API and the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from postcheck.moderation.auth import Auth
from postcheck.moderation.policy import Policy
from postcheck.moderation.screening import CommentInput, Screener, default_screener
from postcheck.moderation.settings import Settings
from postcheck.moderation.store import NewComment, Pending, Store, Submitted


@dataclass
class Moderation:
    settings: Settings
    store: Store
    screener: Screener = field(default_factory=default_screener)

    def __post_init__(self) -> None:
        self.auth = Auth(self.store, self.settings)

    @classmethod
    def open(cls, settings: Settings, screener: Screener | None = None) -> Moderation:
        store = Store(settings.database_url, migrate_now=settings.migrate_on_start)
        mod = cls(settings=settings, store=store, screener=screener or default_screener())
        # Load the engine's lexicons and models now, not on the first comment: a server that
        # answers its first comments seconds late looks down. A failure here is not fatal;
        # screening holds comments it cannot check.
        mod.screener.screen(CommentInput(text="Kia ora, warming up."))
        return mod

    def prepare(
        self, site_id: int, policy_json: dict[str, Any], comment: NewComment
    ) -> Submitted | Pending:
        """Screen a comment: the stored answer for a repeated id, or what to store.

        A repeated id with a different comment raises `Conflict`."""
        text, author_name = comment.text, comment.author_name
        existing, seen = self.store.lookup(site_id, comment.client_id, text)
        if existing is not None:
            return existing.answer(text, author_name)
        policy = Policy.from_json(policy_json)
        result = self.screener.screen(
            CommentInput(text=text, author_name=author_name, url=comment.url, same_text_seen=seen),
            policy,
        )
        return comment.pending(site_id, result)

    def receive(self, site_id: int, policy_json: dict[str, Any], **fields: Any) -> Submitted:
        """Screen and store one comment (or return the stored one for a repeated id).

        `fields` are `NewComment`'s."""
        prepared = self.prepare(site_id, policy_json, NewComment(**fields))
        if isinstance(prepared, Submitted):
            return prepared
        return self.store.submit_pending(prepared)
