"""Fixtures for the moderation tests: SQLite always, PostgreSQL when a server can be had.

PostgreSQL: $POSTCHECK_TEST_DATABASE_URL names a server to use; otherwise, if the server
binaries are installed (PATH, /usr/lib/postgresql/*/bin, /usr/local/bin), a throwaway cluster
is started with ci/postgres.sh for the session. Locally, tests skip without one; in CI
(CI=true) they fail instead, so a missing server can't pass as green.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="moderation extra not installed")

from mod_harness import Harness

from postcheck.moderation.settings import normalise_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "ci" / "postgres.sh"


def _have_pg_binaries() -> bool:
    if shutil.which("initdb"):
        return True
    candidates = [*Path("/usr/lib/postgresql").glob("*/bin/initdb"), Path("/usr/local/bin/initdb")]
    return any(p.exists() for p in candidates)


def _no_postgres(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL required in CI: {reason} (run: bash ci/postgres.sh install)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    url = os.environ.get("POSTCHECK_TEST_DATABASE_URL")
    if url:
        yield normalise_url(url)
        return
    if not _have_pg_binaries() and os.environ.get("CI", "").lower() == "true":
        # CI must test PostgreSQL: install the server if the job did not (root, Debian).
        subprocess.run(["bash", str(SCRIPT), "install"], capture_output=True, timeout=900)
    if not _have_pg_binaries():
        _no_postgres("no PostgreSQL server binaries (initdb) and no POSTCHECK_TEST_DATABASE_URL")
    tmp = tempfile.mkdtemp(prefix="postcheck-pg-")
    try:
        out = subprocess.run(
            ["bash", str(SCRIPT), "start", tmp], capture_output=True, text=True, timeout=120
        )
        if out.returncode != 0:
            _no_postgres(f"could not start PostgreSQL: {out.stderr.strip()[-500:]}")
        yield normalise_url(out.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", tmp], capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


def _fresh_pg_database(server_url: str) -> tuple[str, Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = "t_" + uuid.uuid4().hex[:12]
    admin = make_url(server_url).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'moderation.sqlite3'}"
        return
    server = request.getfixturevalue("pg_server")
    url, drop = _fresh_pg_database(server)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database: for what only PostgreSQL serves (several replicas)."""
    url, drop = _fresh_pg_database(pg_server)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'moderation.sqlite3'}"


@pytest.fixture
def harness(db_url: str) -> Iterator[Harness]:
    h = Harness(db_url)
    yield h
    h.close()


@pytest.fixture
def sqlite_harness(sqlite_url: str) -> Iterator[Harness]:
    h = Harness(sqlite_url)
    yield h
    h.close()
