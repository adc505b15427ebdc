"""The store's core: one engine, read and write sessions, and readiness."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from postcheck.moderation.store.database import current_revision, make_engine, migrate
from postcheck.moderation.store.errors import StoreError


class StoreBase:
    """Sessions over one engine. The concerns (sites, comments, decisions, export) are
    mixins on top of this; `Store` puts them together."""

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
        if migrate_now:
            migrate(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
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
