"""The moderation store: database engine, migrations and every read and write of the service.

SQLite (the default) runs in WAL mode with `synchronous=FULL`: a comment is acknowledged only
after its transaction is on disk, so a killed process or a power cut loses nothing that was
answered 201. Write transactions start with `BEGIN IMMEDIATE` so that concurrent writers wait
for the lock (busy timeout) instead of failing with "database is locked" halfway through.
PostgreSQL is used by URL, for sites that run several app replicas against one database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, or_, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from postcheck.moderation.models import (
    DECISION_STATUS,
    AuditEntry,
    Comment,
    Owner,
    Site,
    Status,
    utcnow,
)
from postcheck.moderation.policy import Policy
from postcheck.moderation.settings import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SITE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
KEY_PREFIX = "pcm_"


class StoreError(RuntimeError):
    """The database cannot be reached or is not in a usable state; message is for the user."""


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    """The same client id was sent again with a different comment."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def text_hash(text_: str) -> str:
    return hashlib.sha256(" ".join(text_.lower().split()).encode("utf-8")).hexdigest()


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _sqlite_setup(engine)
        return engine
    if url.startswith("postgresql"):
        return create_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
            connect_args={"connect_timeout": 10},
        )
    raise ConfigError(f"unsupported database URL {url.split(':', 1)[0]!r}")


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module (it would start deferred
        # transactions behind our back), then set durability and locking behaviour.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        readonly = conn.get_execution_options().get("postcheck_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (idempotent; safe to run from several processes)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        raise StoreError(f"cannot open the moderation database: {_short(exc)}") from None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - no table yet means no revision
            return None


def _short(exc: BaseException) -> str:
    msg = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    return msg[0] if msg else exc.__class__.__name__


@dataclass(frozen=True)
class Submitted:
    comment_id: int
    decision: str
    reasons: list[dict[str, Any]]
    advice: list[dict[str, Any]]
    created: bool


class Store:
    def __init__(self, url: str, *, migrate_now: bool = False, pool_size: int = 10):
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(
            self.engine.execution_options(postcheck_readonly=True), expire_on_commit=False
        )
        if migrate_now:
            migrate(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    def check_ready(self) -> None:
        rev = current_revision(self.engine)
        if rev is None:
            raise StoreError("the moderation database is not set up: run `postcheck moderate init`")

    # -- owner ------------------------------------------------------------------------

    def owner(self) -> Owner | None:
        with self.read() as s:
            return s.scalars(select(Owner).order_by(Owner.id).limit(1)).first()

    def set_owner(self, username: str, password_hash: str) -> Owner:
        """Create the one owner, or replace the password (and end every session)."""
        from postcheck.moderation.models import LoginSession

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
                s.execute(LoginSession.__table__.delete())
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
                name=name, key_hash=key_hash(key), key_prefix=key[:10],
                policy=(policy or Policy()).to_json(),
            )
            s.add(site)
            s.flush()
            s.add(AuditEntry(actor=actor, action="site_created", site_id=site.id, detail={"name": name}))
        return key

    def rotate_key(self, name: str, actor: str = "cli") -> str:
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.write() as s:
            site = s.scalars(select(Site).where(Site.name == name)).first()
            if site is None:
                raise NotFound(f"no site named {name!r}")
            site.key_hash, site.key_prefix = key_hash(key), key[:10]
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
        with self.read() as s:
            return s.scalars(select(Site).where(Site.key_hash == key_hash(key))).first()

    def set_policy(self, name: str, policy: Policy, actor: str) -> None:
        with self.write() as s:
            site = s.scalars(select(Site).where(Site.name == name)).first()
            if site is None:
                raise NotFound(f"no site named {name!r}")
            before = site.policy
            site.policy = policy.to_json()
            site.policy_updated_at = utcnow()
            s.add(
                AuditEntry(
                    actor=actor, action="policy_changed", site_id=site.id,
                    detail={"before": before, "after": site.policy},
                )
            )

    # -- comments ---------------------------------------------------------------------

    def same_text_count(self, site_id: int, text_: str) -> int:
        with self.read() as s:
            return int(
                s.scalar(
                    select(func.count()).select_from(Comment).where(
                        Comment.site_id == site_id, Comment.text_sha256 == text_hash(text_)
                    )
                )
                or 0
            )

    def existing(self, site_id: int, client_id: str) -> Comment | None:
        with self.read() as s:
            return s.scalars(
                select(Comment).where(Comment.site_id == site_id, Comment.client_id == client_id)
            ).first()

    def submit(
        self,
        site_id: int,
        *,
        client_id: str,
        author_name: str,
        text_: str,
        author_email: str | None,
        url: str | None,
        screening: dict[str, Any],
    ) -> Submitted:
        """Store a screened comment once per (site, client id); returns what is stored.

        The insert and its audit entry commit together before this returns, so the caller
        may acknowledge the comment. A concurrent duplicate loses the unique-constraint race
        and gets the stored row back, as if it had arrived second.
        """
        decision = screening["decision"]
        now = utcnow()
        comment = Comment(
            site_id=site_id,
            client_id=client_id,
            author_name=author_name,
            author_email=author_email,
            url=url,
            text=text_,
            text_sha256=text_hash(text_),
            decision=decision,
            status=DECISION_STATUS[decision],
            risk=float(screening.get("risk", 0.0)),
            reasons=screening.get("reasons", []),
            advice=screening.get("advice", []),
            screening={k: v for k, v in screening.items() if k not in ("reasons", "advice")},
            received_at=now,
            decided_at=now,
            decided_by="screening",
        )
        try:
            with self.write() as s:
                dup = s.scalars(
                    select(Comment).where(Comment.site_id == site_id, Comment.client_id == client_id)
                ).first()
                if dup is not None:
                    return self._replay(dup, text_, author_name)
                s.add(comment)
                s.flush()
                s.add(
                    AuditEntry(
                        actor="screening", action=f"screened_{decision}", site_id=site_id,
                        comment_id=comment.id,
                        detail={"risk": comment.risk, "categories": sorted({r["category"] for r in comment.reasons})},
                    )
                )
        except IntegrityError:
            # Lost a race with the same client id on another connection (PostgreSQL, or a
            # second replica): the winner's row is the comment.
            dup = self.existing(site_id, client_id)
            if dup is None:
                raise
            return self._replay(dup, text_, author_name)
        return Submitted(comment.id, decision, comment.reasons, comment.advice, created=True)

    @staticmethod
    def _replay(dup: Comment, text_: str, author_name: str) -> Submitted:
        if (dup.original_text or dup.text) != text_ or dup.author_name != author_name:
            raise Conflict(
                "this comment id was already used for a different comment; "
                "send a new id for a new comment"
            )
        return Submitted(dup.id, dup.decision, dup.reasons, dup.advice, created=False)

    def published(self, site_id: int, *, limit: int = 100, before_id: int | None = None,
                  url: str | None = None) -> list[Comment]:
        q = select(Comment).where(Comment.site_id == site_id, Comment.status == Status.published)
        if url:
            q = q.where(Comment.url == url)
        if before_id:
            q = q.where(Comment.id < before_id)
        with self.read() as s:
            return list(s.scalars(q.order_by(Comment.id.desc()).limit(limit)))

    def queue(
        self,
        *,
        status: str | None = Status.held,
        site: str | None = None,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Comment], int]:
        """Comments for the owner, riskiest first; `search` matches text, author and email."""
        q = select(Comment).join(Site)
        if status:
            q = q.where(Comment.status == status)
        if site:
            q = q.where(Site.name == site)
        if search:
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            q = q.where(
                or_(
                    Comment.text.ilike(pattern, escape="\\"),
                    Comment.author_name.ilike(pattern, escape="\\"),
                    Comment.author_email.ilike(pattern, escape="\\"),
                )
            )
        with self.read() as s:
            total = int(s.scalar(select(func.count()).select_from(q.subquery())) or 0)
            rows = s.scalars(
                q.order_by(Comment.risk.desc(), Comment.received_at.asc(), Comment.id.asc())
                .limit(limit)
                .offset(offset)
            )
            comments = list(rows)
            for c in comments:
                _ = c.site.name  # load while the session is open
        return comments, total

    def counts(self) -> dict[str, int]:
        with self.read() as s:
            rows = s.execute(select(Comment.status, func.count()).group_by(Comment.status))
            out = {st: 0 for st in Status.ALL}
            out.update({st: int(n) for st, n in rows})
        return out

    def comment(self, comment_id: int) -> Comment:
        with self.read() as s:
            c = s.get(Comment, comment_id)
            if c is None:
                raise NotFound(f"no comment {comment_id}")
            _ = c.site.name
            return c

    def decide(self, comment_ids: list[int], action: str, actor: str) -> int:
        """Approve or reject comments; every change is written to the audit log."""
        status = {"approve": Status.published, "reject": Status.rejected, "hold": Status.held}[action]
        changed = 0
        with self.write() as s:
            for c in s.scalars(select(Comment).where(Comment.id.in_(comment_ids))):
                if c.status == status:
                    continue
                before = c.status
                c.status, c.decided_at, c.decided_by = status, utcnow(), actor
                s.add(
                    AuditEntry(
                        actor=actor, action=action, site_id=c.site_id, comment_id=c.id,
                        detail={"from": before, "to": status},
                    )
                )
                changed += 1
        return changed

    def edit(self, comment_id: int, new_text: str, actor: str) -> None:
        with self.write() as s:
            c = s.get(Comment, comment_id)
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
                    actor=actor, action="edit", site_id=c.site_id, comment_id=c.id,
                    detail={"before_chars": len(before), "after_chars": len(new_text)},
                )
            )

    def audit(self, *, limit: int = 100, offset: int = 0, comment_id: int | None = None
              ) -> tuple[list[tuple[AuditEntry, str | None]], int]:
        q = select(AuditEntry, Site.name).outerjoin(Site, AuditEntry.site_id == Site.id)
        if comment_id is not None:
            q = q.where(AuditEntry.comment_id == comment_id)
        with self.read() as s:
            total = int(s.scalar(select(func.count()).select_from(q.subquery())) or 0)
            rows = [(a, n) for a, n in s.execute(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))]
        return rows, total

    def log(self, actor: str, action: str, detail: dict[str, Any] | None = None,
            site_id: int | None = None, comment_id: int | None = None) -> None:
        with self.write() as s:
            s.add(AuditEntry(actor=actor, action=action, site_id=site_id, comment_id=comment_id,
                             detail=detail or {}))

    def export(self, site: str | None = None) -> Iterator[dict[str, Any]]:
        """Every comment with its decisions, oldest first, for `moderate export` (JSONL)."""
        q = select(Comment, Site.name).join(Site)
        if site:
            q = q.where(Site.name == site)
        with self.read() as s:
            history: dict[int, list[dict[str, Any]]] = {}
            aq = select(AuditEntry).where(AuditEntry.comment_id.is_not(None)).order_by(AuditEntry.id)
            if site:
                aq = aq.join(Site, AuditEntry.site_id == Site.id).where(Site.name == site)
            for a in s.scalars(aq):
                history.setdefault(a.comment_id or 0, []).append(
                    {"at": _iso(a.at), "actor": a.actor, "action": a.action, "detail": a.detail}
                )
            for c, site_name in s.execute(q.order_by(Comment.id).execution_options(yield_per=500)):
                yield {
                    "schema": "postcheck.moderation.comment/1",
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
