"""The database: engines for SQLite and PostgreSQL, and the Alembic migrations.

SQLite (the default) runs in WAL mode with `synchronous=FULL`: a comment is acknowledged only
after its transaction is on disk, so a killed process or a power cut loses nothing that was
answered 201. Write transactions start with `BEGIN IMMEDIATE` so that concurrent writers wait
for the lock (busy timeout) instead of failing with "database is locked" halfway through.
PostgreSQL is used by URL, for sites that run several app replicas against one database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError

from postcheck.moderation.settings import ConfigError
from postcheck.moderation.store.errors import StoreError
from postcheck.private_files import ensure_private_sqlite

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


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
