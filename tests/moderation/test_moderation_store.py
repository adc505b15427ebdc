"""Store: migrations match the tables, SQLite durability settings, idempotent concurrency."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from postcheck.moderation.policy import Policy, PolicyError, WordRule, parse_word_lines
from postcheck.moderation.results import Decision, Screening
from postcheck.moderation.settings import ConfigError, normalise_url
from postcheck.moderation.store import Conflict, Store, current_revision, key_hash, migrate
from postcheck.moderation.tables import Base, Comment, LoginFailure, Site


def test_migrations_match_tables(db_url: str) -> None:
    store = Store(db_url, migrate_now=True)
    try:
        migrate(store.engine)  # a second run is a no-op
        assert current_revision(store.engine) == "0002"
        with store.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata
            )
        assert diff == []
        tables = set(inspect(store.engine).get_table_names())
        assert {
            "owners",
            "login_sessions",
            "sites",
            "comments",
            "audit_log",
            "alembic_version",
        } <= tables
    finally:
        store.dispose()


def test_upgrade_from_0001_keeps_failed_sign_ins(db_url: str) -> None:
    store = Store(db_url)
    try:
        migrate(store.engine, "0001")
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO login_failures (username, at) VALUES ('owner', '2026-01-01 00:00:00')"
            )
        migrate(store.engine)
        assert current_revision(store.engine) == "0002"
        with store.read() as s:
            row = s.scalars(select(LoginFailure)).one()
        assert (row.username, row.address) == ("owner", None)
    finally:
        store.dispose()


def test_sqlite_is_wal_and_fully_synchronous(sqlite_url: str) -> None:
    store = Store(sqlite_url, migrate_now=True)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.dispose()


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which files are world-readable unless made private."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("usual_umask")
def test_sqlite_store_files_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "data" / "moderation.sqlite3"
    store = Store(f"sqlite:///{db}", migrate_now=True)
    try:
        store.set_owner("owner", "$argon2id$not-a-real-hash")
        key = store.add_site("blog")
        assert key
        # A read keeps a connection on the WAL, so the -wal and -shm files exist to check.
        with store.read() as s:
            s.scalars(select(Site)).one()
            files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: oct(_mode(f)) for f in files} == {f.name: "0o600" for f in files}
        assert _mode(db.parent) == 0o700
    finally:
        store.dispose()
    # A store an older version left world-readable is tightened when next opened.
    os.chmod(db, 0o644)
    Store(f"sqlite:///{db}").dispose()
    assert _mode(db) == 0o600


@pytest.mark.usefixtures("usual_umask")
def test_leftover_sqlite_journals_are_tightened(tmp_path: Path) -> None:
    from postcheck.private_files import ensure_private_sqlite

    db = tmp_path / "m.sqlite3"
    for suffix in ("-wal", "-shm", "-journal"):
        db.with_name(db.name + suffix).write_bytes(b"")
        os.chmod(db.with_name(db.name + suffix), 0o644)
    ensure_private_sqlite(db)
    assert sorted(oct(_mode(p)) for p in tmp_path.iterdir()) == ["0o600"] * 4


def test_site_key_only_hash_stored(db_url: str) -> None:
    store = Store(db_url, migrate_now=True)
    try:
        key = store.add_site("blog")
        assert key.startswith("pcm_") and len(key) > 40
        with store.read() as s:
            site = s.scalars(select(Site)).one()
        assert site.key_hash == key_hash(key) and key not in (site.key_hash, site.key_prefix + "x")
        assert store.site_for_key(key) is not None
        with pytest.raises(ValueError, match="already exists"):
            store.add_site("blog")
        with pytest.raises(ValueError, match="invalid site name"):
            store.add_site("Bad Name!")
        new = store.rotate_key("blog")
        assert store.site_for_key(key) is None and store.site_for_key(new) is not None
    finally:
        store.dispose()


def _screening(decision: Decision = "publish") -> Screening:
    return Screening(decision=decision, risk=0.0)


def test_concurrent_same_id_stores_one(db_url: str) -> None:
    store = Store(db_url, migrate_now=True)
    try:
        store.add_site("blog")
        site_id = store.site("blog").id
        results, errors = [], []

        def send(i: int) -> None:
            try:
                results.append(
                    store.submit(
                        site_id,
                        client_id=f"id-{i % 5}",
                        author_name="A",
                        text_="same",
                        author_email=None,
                        url=None,
                        screening=_screening(),
                    )
                )
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sum(r.created for r in results) == 5
        with store.read() as s:
            assert s.scalar(select(func.count()).select_from(Comment)) == 5
        with pytest.raises(Conflict):
            store.submit(
                site_id,
                client_id="id-0",
                author_name="A",
                text_="different",
                author_email=None,
                url=None,
                screening=_screening(),
            )
    finally:
        store.dispose()


def test_export_has_history(db_url: str) -> None:
    store = Store(db_url, migrate_now=True)
    try:
        store.add_site("blog")
        sid = store.site("blog").id
        sub = store.submit(
            sid,
            client_id="a",
            author_name="A",
            text_="hello",
            author_email="a@b.nz",
            url="/p",
            screening=_screening("hold"),
        )
        store.decide([sub.comment_id], "approve", "owner")
        (row,) = list(store.export())
        assert row["schema"] == "postcheck.moderation.comment/1"
        assert row["status"] == "published" and row["decision"] == "hold"
        assert [h["action"] for h in row["history"]] == ["screened_hold", "approve"]
        assert list(store.export("nope")) == []
    finally:
        store.dispose()


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    from postcheck.moderation.store import StoreError

    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StoreError, match="cannot open"):
        Store(f"sqlite:///{tmp_path}/a-file/db.sqlite3", migrate_now=True)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    with pytest.raises(StoreError, match="cannot open"):
        Store(normalise_url(f"postgresql://nobody@127.0.0.1:{port}/x"), migrate_now=True)


def test_url_normalisation() -> None:
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("/tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"
    with pytest.raises(ConfigError, match="unsupported"):
        normalise_url("mysql://u@h/db")


HEAD = "kind: postcheck-moderation-policy\nversion: 1\n"


def test_policy_file_round_trip_and_errors() -> None:
    p = Policy(level="strict", block=(WordRule(term="spam  word", reason="r", action="reject"),))
    assert Policy.from_file(p.to_file("blog")) == p
    assert p.block[0].term == "spam word"
    for bad, msg in [
        (b"\xff\xfe", "UTF-8"),
        ("kind: [", "YAML"),
        ("kind: postcheck-moderation-policy\nversion: 9\n", "version"),
        (
            HEAD + "thresholds: {nonsense: {hold_at: 0.5}}\n",
            "unknown",
        ),
        (
            HEAD + "thresholds: {hate: {hold_at: 0.9, reject_at: 0.1}}\n",
            "reject_at",
        ),
        ("kind: postcheck-moderation-policy\nversion: 1\nlevel: lax\n", "level"),
    ]:
        with pytest.raises(PolicyError, match=msg):
            Policy.from_file(bad)
    with pytest.raises(PolicyError, match="line 2"):
        parse_word_lines("ok | fine\nbad | reason | delete", block=True)


def test_two_replicas_racing_on_the_same_ids(db_url: str) -> None:
    """Two stores on one database (two app replicas): each id is stored once, and the
    replica that lost the race answers with the winner's decision."""
    a = Store(db_url, migrate_now=True)
    b = Store(db_url)
    try:
        a.add_site("blog")
        site_id = a.site("blog").id
        results: list = []
        errors: list = []
        barrier = threading.Barrier(20)

        def send(store: Store, i: int) -> None:
            barrier.wait()
            try:
                results.append(
                    store.submit(
                        site_id,
                        client_id=f"race-{i % 4}",
                        author_name="A",
                        text_=f"same {i % 4}",
                        author_email=None,
                        url=None,
                        screening=_screening("hold" if i % 2 else "publish"),
                    )
                )
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=send, args=(a if i % 2 else b, i)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sum(r.created for r in results) == 4
        by_id: dict[int, set[str]] = {}
        for r in results:
            by_id.setdefault(r.comment_id, set()).add(r.decision)
        assert len(by_id) == 4 and all(len(d) == 1 for d in by_id.values())
        with a.read() as s:
            assert s.scalar(select(func.count()).select_from(Comment)) == 4
    finally:
        a.dispose()
        b.dispose()
