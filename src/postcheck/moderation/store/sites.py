"""The owner account and the sites: API keys, policies."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from typing import Any

from sqlalchemy import delete, select

from postcheck.moderation.policy import Policy
from postcheck.moderation.store.base import StoreBase
from postcheck.moderation.store.errors import NotFound
from postcheck.moderation.tables import AuditEntry, LoginSession, Owner, Site, utcnow

SITE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
KEY_PREFIX = "pcm_"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Sites(StoreBase):
    #: Seconds a key lookup is reused. Every comment request needs its site; a key rotation
    #: or policy change made by another process takes effect within this time.
    SITE_CACHE_SECONDS = 5.0

    def __init__(self, url: str, **kw: Any):
        super().__init__(url, **kw)
        self._site_cache: dict[str, tuple[float, Site]] = {}

    # -- owner ------------------------------------------------------------------------

    def owner(self) -> Owner | None:
        with self.read() as s:
            return s.scalars(select(Owner).order_by(Owner.id).limit(1)).first()

    def set_owner(self, username: str, password_hash: str) -> Owner:
        """Create the one owner, or replace the password (and end every session)."""
        with self.write() as s:
            owner = s.scalars(select(Owner).order_by(Owner.id).limit(1)).first()
            action = "owner_password_changed"
            if owner is None:
                owner = Owner(username=username, password_hash=password_hash)
                s.add(owner)
                action = "owner_created"
            else:
                owner.username = username
                owner.password_hash = password_hash
                owner.password_changed_at = utcnow()
                s.execute(delete(LoginSession))
            s.flush()
            s.add(AuditEntry(actor="cli", action=action, detail={"username": username}))
            return owner

    # -- sites ------------------------------------------------------------------------

    def add_site(self, name: str, policy: Policy | None = None, actor: str = "cli") -> str:
        """Create a site and return its API key; only the key's hash is kept."""
        if not SITE_NAME.match(name):
            raise ValueError(
                f"invalid site name {name!r}: use 1-64 lower-case letters, digits and hyphens"
            )
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.write() as s:
            if s.scalars(select(Site).where(Site.name == name)).first():
                raise ValueError(f"site {name!r} already exists (use --rotate-key for a new key)")
            site = Site(
                name=name,
                key_hash=key_hash(key),
                key_prefix=key[:10],
                policy=(policy or Policy()).to_json(),
            )
            s.add(site)
            s.flush()
            s.add(
                AuditEntry(
                    actor=actor, action="site_created", site_id=site.id, detail={"name": name}
                )
            )
        return key

    def rotate_key(self, name: str, actor: str = "cli") -> str:
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.write() as s:
            site = s.scalars(select(Site).where(Site.name == name)).first()
            if site is None:
                raise NotFound(f"no site named {name!r}")
            site.key_hash, site.key_prefix = key_hash(key), key[:10]
            self._forget_sites()
            s.add(AuditEntry(actor=actor, action="key_rotated", site_id=site.id, detail={}))
        return key

    def sites(self) -> list[Site]:
        with self.read() as s:
            return list(s.scalars(select(Site).order_by(Site.name)))

    def site(self, name: str) -> Site:
        with self.read() as s:
            site = s.scalars(select(Site).where(Site.name == name)).first()
        if site is None:
            raise NotFound(f"no site named {name!r}")
        return site

    def site_for_key(self, key: str) -> Site | None:
        digest = key_hash(key)
        now = time.monotonic()
        hit = self._site_cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        with self.read() as s:
            site = s.scalars(select(Site).where(Site.key_hash == digest)).first()
        if site is not None:
            if len(self._site_cache) > 1000:
                self._site_cache.clear()
            self._site_cache[digest] = (now + self.SITE_CACHE_SECONDS, site)
        return site

    def _forget_sites(self) -> None:
        self._site_cache.clear()

    def set_policy(self, name: str, policy: Policy, actor: str) -> None:
        with self.write() as s:
            site = s.scalars(select(Site).where(Site.name == name)).first()
            if site is None:
                raise NotFound(f"no site named {name!r}")
            before = site.policy
            site.policy = policy.to_json()
            site.policy_updated_at = utcnow()
            self._forget_sites()
            s.add(
                AuditEntry(
                    actor=actor,
                    action="policy_changed",
                    site_id=site.id,
                    detail={"before": before, "after": site.policy},
                )
            )
