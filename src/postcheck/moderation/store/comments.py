"""Comments in and out: storing screened comments (group commit), retries, reading them."""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import Future
from typing import Any, TypedDict, Unpack

from sqlalchemy import func, insert, or_, select, tuple_
from sqlalchemy.orm import Session

from postcheck.moderation.results import Screening
from postcheck.moderation.store.base import StoreBase
from postcheck.moderation.store.errors import Conflict, NotFound
from postcheck.moderation.store.records import (
    STORED_COLUMNS,
    Pending,
    Stored,
    Submitted,
    audit_values,
    comment_values,
    stored,
    stored_new,
    text_hash,
)
from postcheck.moderation.tables import AuditEntry, Comment, Site, Status, utcnow


class SubmitFields(TypedDict):
    """`Comments.submit`'s keyword arguments: the comment as a site sends it (`NewComment`'s
    fields, with `text_` for the text)."""

    client_id: str
    author_name: str
    text_: str
    author_email: str | None
    url: str | None


class GroupCommitter:
    """One writer thread that commits whatever submissions are waiting in one transaction.

    Every commit is an fsync (SQLite with synchronous=FULL, PostgreSQL's WAL); committing the
    comments that arrived meanwhile together turns fifty fsyncs into one under load and costs
    nothing when idle. Each caller blocks until the transaction holding its comment has
    committed, so an acknowledgement still means "on disk". If the transaction fails, every
    caller in it gets the error and nothing in it was acknowledged.
    """

    MAX_BATCH = 256

    def __init__(self, store: Comments):
        self.store = store
        self.queue: queue.SimpleQueue[tuple[Pending, Future[Submitted]] | None] = (
            queue.SimpleQueue()
        )
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, item: Pending) -> Submitted:
        return self.enqueue(item).result()

    def enqueue(self, item: Pending) -> Future[Submitted]:
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

    def _commit(self, batch: list[tuple[Pending, Future[Submitted]]]) -> None:
        results: list[Submitted | BaseException] = []
        try:
            with self.store.write() as s:
                results = self.store.insert_many(s, [item for item, _ in batch])
        except BaseException as exc:
            for _, fut in batch:
                fut.set_exception(exc)
            return
        for (_, fut), res in zip(batch, results, strict=True):
            if isinstance(res, BaseException):
                fut.set_exception(res)
            else:
                fut.set_result(res)


class Comments(StoreBase):
    def __init__(self, url: str, **kw: Any):
        super().__init__(url, **kw)
        self._committer = GroupCommitter(self)

    def dispose(self) -> None:
        self._committer.close()
        super().dispose()

    # -- in ------------------------------------------------------------------------------

    def lookup(self, site_id: int, client_id: str, text_: str) -> tuple[Stored | None, int]:
        """One read before screening: the comment already stored under this id (a retry;
        `Stored.answer` gives the reply), and how many comments on the site have the same
        text (a spam sign)."""
        with self.read() as s:
            dup = stored(
                s.execute(
                    select(*STORED_COLUMNS).where(
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
        self, site_id: int, *, screening: Screening, **comment: Unpack[SubmitFields]
    ) -> Submitted:
        """Store a screened comment once per (site, client id); returns what is stored.

        The row and its audit entry are committed (on disk) before this returns, so the
        caller may acknowledge the comment. Concurrent submissions are committed together by
        one writer thread per process (group commit: one fsync for many comments); a
        duplicate that loses a race, here or in another replica, gets the stored row back, as
        if it had arrived second.
        """
        item = Pending(
            site_id,
            comment["client_id"],
            comment["author_name"],
            comment["text_"],
            comment["author_email"],
            comment["url"],
            screening,
        )
        return self.submit_pending(item)

    def submit_pending(self, item: Pending) -> Submitted:
        return self._committer.submit(item)

    async def submit_async(self, item: Pending) -> Submitted:
        """`submit` for async callers: waits for the group commit without holding a thread."""
        return await asyncio.wrap_future(self._committer.enqueue(item))

    def insert_many(self, s: Session, items: list[Pending]) -> list[Submitted | BaseException]:
        """Insert a batch with a few multi-row statements (the group commit's path).

        Statement count, not row count, is what costs here: each statement hands the GIL
        back and forth with the request threads, so one INSERT of fifty rows beats fifty.
        `ON CONFLICT DO NOTHING` settles races with other processes or replicas writing the
        same (site, client id): the row that lost is read back and answered as a retry.
        """
        keys = list(dict.fromkeys((i.site_id, i.client_id) for i in items))
        found = self._stored_for(s, keys)
        now = utcnow()
        first: dict[tuple[int, str], Pending] = {}
        for item in items:
            key = (item.site_id, item.client_id)
            if key not in found and key not in first:
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
                    [comment_values(item, now) for item in new],
                )
            }
            inserted = [item for item in new if (item.site_id, item.client_id) in ids]
            if inserted:
                s.execute(
                    insert(AuditEntry),
                    [
                        audit_values(item, ids[(item.site_id, item.client_id)], now)
                        for item in inserted
                    ],
                )
            for item in inserted:
                key = (item.site_id, item.client_id)
                screening = item.screening
                created[key] = Submitted(
                    ids[key], screening.decision, screening.reasons, screening.advice, True
                )
                found[key] = stored_new(item, ids[key])
            lost = [k for k in first if k not in ids]
            if lost:
                found.update(self._stored_for(s, lost))
        out: list[Submitted | BaseException] = []
        for item in items:
            key = (item.site_id, item.client_id)
            if key in created and first.get(key) is item:
                out.append(created[key])
                continue
            try:
                out.append(found[key].answer(item.text, item.author_name))
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
    def _stored_for(s: Session, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Stored]:
        found: dict[tuple[int, str], Stored] = {}
        for n in range(0, len(keys), 200):
            rows = s.execute(
                select(Comment.site_id, Comment.client_id, *STORED_COLUMNS).where(
                    tuple_(Comment.site_id, Comment.client_id).in_(keys[n : n + 200])
                )
            )
            for row in rows:
                item = stored(row[2:])
                assert item is not None
                found[(row[0], row[1])] = item
        return found

    # -- out -----------------------------------------------------------------------------

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
