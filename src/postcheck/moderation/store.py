"""The moderation store: database engine, migrations and every read and write of the service.

SQLite (the default) runs in WAL mode with `synchronous=FULL`: a comment is acknowledged only
after its transaction is on disk, so a killed process or a power cut loses nothing that was
answered 201. Write transactions start with `BEGIN IMMEDIATE` so that concurrent writers wait
for the lock (busy timeout) instead of failing with "database is locked" halfway through.
PostgreSQL is used by URL, for sites that run several app replicas against one database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import queue
import re
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.exc import OperationalError
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
from postcheck.private_files import ensure_private_sqlite

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
        if path and path != ":memory:" and not path.startswith("file:"):
            path = path.split("?", 1)[0]
            try:
                # The store holds commenters' e-mails, held comments and the password hash:
                # SQLite would create it 0644, so it is created owner-only first (its WAL and
                # shared-memory files take the database file's mode).
                Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                ensure_private_sqlite(Path(path))
            except OSError as exc:
                raise StoreError(
                    f"cannot open the moderation database: {exc.strerror}: {path}"
                ) from None
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
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
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
        except Exception:
            return None


def _short(exc: BaseException) -> str:
    msg = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    return msg[0] if msg else exc.__class__.__name__


@dataclass(frozen=True)
class _Stored:
    """What a repeated id needs of the stored comment."""

    id: int
    text: str
    original_text: str | None
    author_name: str
    decision: str
    reasons: list[dict[str, Any]]
    advice: list[dict[str, Any]]


_STORED_COLUMNS = (
    Comment.id,
    Comment.text,
    Comment.original_text,
    Comment.author_name,
    Comment.decision,
    Comment.reasons,
    Comment.advice,
)


def _comment_values(item: _Pending, now: dt.datetime) -> dict[str, Any]:
    decision = item.screening["decision"]
    return {
        "site_id": item.site_id,
        "client_id": item.client_id,
        "author_name": item.author_name,
        "author_email": item.author_email,
        "url": item.url,
        "text": item.text,
        "text_sha256": text_hash(item.text),
        "decision": decision,
        "status": DECISION_STATUS[decision],
        "risk": float(item.screening.get("risk", 0.0)),
        "reasons": item.screening.get("reasons", []),
        "advice": item.screening.get("advice", []),
        "screening": {k: v for k, v in item.screening.items() if k not in ("reasons", "advice")},
        "received_at": now,
        "decided_at": now,
        "decided_by": "screening",
    }


def _audit_values(item: _Pending, comment_id: int, now: dt.datetime) -> dict[str, Any]:
    reasons = item.screening.get("reasons", [])
    return {
        "at": now,
        "actor": "screening",
        "action": f"screened_{item.screening['decision']}",
        "site_id": item.site_id,
        "comment_id": comment_id,
        "detail": {
            "risk": float(item.screening.get("risk", 0.0)),
            "categories": sorted({r["category"] for r in reasons}),
        },
    }


def _stored(row: Any) -> _Stored | None:
    return None if row is None else _Stored(*row)


@dataclass(frozen=True)
class _Pending:
    site_id: int
    client_id: str
    author_name: str
    text: str
    author_email: str | None
    url: str | None
    screening: dict[str, Any]


class _GroupCommitter:
    """One writer thread that commits whatever submissions are waiting in one transaction.

    Every commit is an fsync (SQLite with synchronous=FULL, PostgreSQL's WAL); committing the
    comments that
    arrived meanwhile together turns fifty fsyncs into one under load and costs nothing when
    idle. Each caller blocks until the transaction holding its comment has committed, so an
    acknowledgement still means "on disk". If the transaction fails, every caller in it gets
    the error and nothing in it was acknowledged.
    """

    MAX_BATCH = 256

    def __init__(self, store: Store):
        self.store = store
        self.queue: queue.SimpleQueue[tuple[_Pending, Future[Submitted]] | None] = (
            queue.SimpleQueue()
        )
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, item: _Pending) -> Submitted:
        return self.enqueue(item).result()

    def enqueue(self, item: _Pending) -> Future[Submitted]:
        """Queue a comment for the next commit; the future resolves once it is on disk."""
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._run, name="postcheck-group-commit", daemon=True
                )
                self.thread.start()
        fut: Future[Submitted] = Future()
        self.queue.put((item, fut))
        return fut

    def close(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join(10)

    def _run(self) -> None:
        while True:
            first = self.queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.MAX_BATCH:
                try:
                    nxt = self.queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self.queue.put(None)  # finish this batch, then stop
                    break
                batch.append(nxt)
            self._commit(batch)

    def _commit(self, batch: list[tuple[_Pending, Future[Submitted]]]) -> None:
        results: list[Submitted | BaseException] = []
        try:
            with self.store.write() as s:
                results = self.store._insert_many(s, [item for item, _ in batch])
        except BaseException as exc:
            for _, fut in batch:
                fut.set_exception(exc)
            return
        for (_, fut), res in zip(batch, results, strict=True):
            if isinstance(res, BaseException):
                fut.set_exception(res)
            else:
                fut.set_result(res)


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
        # SQLite allows one writer at a time. Queueing this process's writers on a lock is
        # far faster under load than letting them collide and back off in SQLite's busy
        # handler (which sleeps up to 100 ms a try); other processes still meet the busy
        # timeout. PostgreSQL needs no such thing.
        self._write_lock: threading.Lock | None = (
            threading.Lock() if self.dialect == "sqlite" else None
        )
        self._committer = _GroupCommitter(self)
        self._site_cache: dict[str, tuple[float, Site]] = {}
        if migrate_now:
            migrate(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self._committer.close()
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Session]:
        if self._write_lock is None:
            with self._write() as session, session.begin():
                yield session
            return
        with self._write_lock, self._write() as session, session.begin():
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

    #: Seconds a key lookup is reused. Every comment request needs its site; a key rotation
    #: or policy change made by another process takes effect within this time.
    SITE_CACHE_SECONDS = 5.0

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

    # -- comments ---------------------------------------------------------------------

    def same_text_count(self, site_id: int, text_: str) -> int:
        with self.read() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(Comment)
                    .where(Comment.site_id == site_id, Comment.text_sha256 == text_hash(text_))
                )
                or 0
            )

    def lookup(self, site_id: int, client_id: str, text_: str) -> tuple[_Stored | None, int]:
        """One read before screening: the comment already stored under this id (a retry),
        and how many comments on the site have the same text (a spam sign)."""
        with self.read() as s:
            dup = _stored(
                s.execute(
                    select(*_STORED_COLUMNS).where(
                        Comment.site_id == site_id, Comment.client_id == client_id
                    )
                ).first()
            )
            if dup is not None:
                return dup, 0
            n = s.scalar(
                select(func.count())
                .select_from(Comment)
                .where(Comment.site_id == site_id, Comment.text_sha256 == text_hash(text_))
            )
            return None, int(n or 0)

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

        The row and its audit entry are committed (on disk) before this returns, so the
        caller may acknowledge the comment. Concurrent submissions are committed together by
        one writer thread per process (group commit: one fsync for many comments); a
        duplicate that loses a race, here or in another replica, gets the stored row back, as
        if it had arrived second.
        """
        item = _Pending(site_id, client_id, author_name, text_, author_email, url, screening)
        return self.submit_pending(item)

    def submit_pending(self, item: _Pending) -> Submitted:
        return self._committer.submit(item)

    async def submit_async(self, item: _Pending) -> Submitted:
        """`submit` for async callers: waits for the group commit without holding a thread."""
        return await asyncio.wrap_future(self._committer.enqueue(item))

    def _insert_many(self, s: Session, items: list[_Pending]) -> list[Submitted | BaseException]:
        """Insert a batch with a few multi-row statements (the group commit's path).

        Statement count, not row count, is what costs here: each statement hands the GIL
        back and forth with the request threads, so one INSERT of fifty rows beats fifty.
        `ON CONFLICT DO NOTHING` settles races with other processes or replicas writing the
        same (site, client id): the row that lost is read back and answered as a retry.
        """
        keys = list(dict.fromkeys((i.site_id, i.client_id) for i in items))
        stored = self._stored_for(s, keys)
        now = utcnow()
        first: dict[tuple[int, str], _Pending] = {}
        for item in items:
            key = (item.site_id, item.client_id)
            if key not in stored and key not in first:
                first[key] = item
        created: dict[tuple[int, str], Submitted] = {}
        if first:
            # Rows go in in one global order: two replicas' batches that share ids then wait
            # for each other on the unique index instead of deadlocking (PostgreSQL would
            # abort one batch, answering 500 to every comment in it).
            new = sorted(first.values(), key=lambda i: (i.site_id, i.client_id))
            ids = {
                (site_id, client_id): cid
                for cid, site_id, client_id in s.execute(
                    self._insert_ignoring_duplicates().returning(
                        Comment.id, Comment.site_id, Comment.client_id
                    ),
                    [_comment_values(item, now) for item in new],
                )
            }
            inserted = [item for item in new if (item.site_id, item.client_id) in ids]
            if inserted:
                s.execute(
                    insert(AuditEntry),
                    [
                        _audit_values(item, ids[(item.site_id, item.client_id)], now)
                        for item in inserted
                    ],
                )
            for item in inserted:
                key = (item.site_id, item.client_id)
                reasons = item.screening.get("reasons", [])
                advice = item.screening.get("advice", [])
                decision = item.screening["decision"]
                created[key] = Submitted(ids[key], decision, reasons, advice, True)
                stored[key] = _Stored(
                    ids[key], item.text, None, item.author_name, decision, reasons, advice
                )
            lost = [k for k in first if k not in ids]
            if lost:
                stored.update(self._stored_for(s, lost))
        out: list[Submitted | BaseException] = []
        for item in items:
            key = (item.site_id, item.client_id)
            if key in created and first.get(key) is item:
                out.append(created[key])
                continue
            try:
                out.append(self._replay(stored[key], item.text, item.author_name))
            except Conflict as exc:
                out.append(exc)
        return out

    def _insert_ignoring_duplicates(self) -> Any:
        from sqlalchemy.dialects import postgresql, sqlite

        module: Any = postgresql if self.dialect == "postgresql" else sqlite
        return module.insert(Comment).on_conflict_do_nothing(
            index_elements=["site_id", "client_id"]
        )

    @staticmethod
    def _stored_for(s: Session, keys: list[tuple[int, str]]) -> dict[tuple[int, str], _Stored]:
        found: dict[tuple[int, str], _Stored] = {}
        for n in range(0, len(keys), 200):
            rows = s.execute(
                select(Comment.site_id, Comment.client_id, *_STORED_COLUMNS).where(
                    tuple_(Comment.site_id, Comment.client_id).in_(keys[n : n + 200])
                )
            )
            for row in rows:
                found[(row[0], row[1])] = _Stored(*row[2:])
        return found

    @staticmethod
    def _replay(dup: Comment | _Stored, text_: str, author_name: str) -> Submitted:
        if (dup.original_text or dup.text) != text_ or dup.author_name != author_name:
            raise Conflict(
                "this comment id was already used for a different comment; "
                "send a new id for a new comment"
            )
        return Submitted(dup.id, dup.decision, dup.reasons, dup.advice, created=False)

    def published(
        self,
        site_id: int,
        *,
        limit: int = 100,
        before_id: int | None = None,
        url: str | None = None,
    ) -> list[Comment]:
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
            pattern = (
                "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
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
