"""`postcheck moderate init | add-site | export`: set-up from the command line."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from postcheck.cli import app
from postcheck.moderation.results import Screening
from postcheck.moderation.store import Store, key_hash
from postcheck.moderation.tables import Owner, Site

PASSWORD = "a long enough password"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("POSTCHECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("POSTCHECK_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        return runner.invoke(app, ["moderate", *args], env=env, input=input)

    return invoke


def test_help_everywhere(run) -> None:
    for cmd in ([], ["init"], ["add-site"], ["serve"], ["export"]):
        r = run(*cmd, "--help")
        assert r.exit_code == 0 and "Usage" in r.output


def test_init_add_site_export(run, tmp_path: Path, db_url: str) -> None:
    env = {"POSTCHECK_OWNER_PASSWORD": PASSWORD}
    r = run("init", "--db", db_url, env=env)
    assert r.exit_code == 0, r.output
    assert "Owner account created" in r.output
    assert PASSWORD not in r.output
    again = run("init", "--db", db_url, env=env)
    assert again.exit_code == 0 and "already exists" in again.output

    r = run("add-site", "my-blog", "--db", db_url, "--level", "strict")
    assert r.exit_code == 0, r.output
    key = r.output.strip().splitlines()[-1]
    assert key.startswith("pcm_") and " " not in key
    store = Store(db_url)
    try:
        with store.read() as s:
            site = s.scalars(select(Site)).one()
            owner = s.scalars(select(Owner)).one()
        assert site.key_hash == key_hash(key) and site.policy["level"] == "strict"
        assert owner.password_hash.startswith("$argon2id$")
        sub = store.submit(
            site.id,
            client_id="c1",
            author_name="A",
            text_="hi",
            author_email=None,
            url=None,
            screening=Screening(decision="publish", risk=0.0),
        )
        assert sub.created
    finally:
        store.dispose()

    out = tmp_path / "export.jsonl"
    r = run("export", "--db", db_url, "-o", str(out))
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["site"], x["client_id"], x["status"]) for x in rows] == [
        ("my-blog", "c1", "published")
    ]
    r = run("export", "--db", db_url)
    assert json.loads(r.stdout.splitlines()[0])["client_id"] == "c1"
    r = run("export", "--db", db_url, "--site", "nope")
    assert r.exit_code == 2 and "no site named" in r.output


def test_export_file_and_default_store_are_owner_only(run, tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, under which files come out world-readable
    try:
        assert run("init", env={"POSTCHECK_OWNER_PASSWORD": PASSWORD}).exit_code == 0
        out = tmp_path / "export.jsonl"
        out.write_text("an older, world-readable export\n")
        os.chmod(out, 0o644)
        r = run("export", "-o", str(out))
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert out.read_text() == ""  # no comments yet; the old file was replaced
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data" / "moderation.sqlite3").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []


def test_export_to_an_unwritable_place_is_one_line(run, tmp_path: Path) -> None:
    assert run("init", env={"POSTCHECK_OWNER_PASSWORD": PASSWORD}).exit_code == 0
    r = run("export", "-o", str(tmp_path / "no-such-folder" / "export.jsonl"))
    assert r.exit_code == 2 and "cannot write" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_default_store_in_data_dir(run, tmp_path: Path) -> None:
    r = run("init", env={"POSTCHECK_OWNER_PASSWORD": PASSWORD})
    assert r.exit_code == 0, r.output
    assert (tmp_path / "data" / "moderation.sqlite3").is_file()


def test_env_database_url(run, tmp_path: Path) -> None:
    db = tmp_path / "env.sqlite3"
    r = run("init", env={"POSTCHECK_OWNER_PASSWORD": PASSWORD, "POSTCHECK_DATABASE_URL": str(db)})
    assert r.exit_code == 0 and db.is_file()


def test_bad_input_one_line_exit_2(run, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/x.sqlite3"
    short = run("init", "--db", db, env={"POSTCHECK_OWNER_PASSWORD": "short"})
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    nopw = run("init", "--db", db, input="")
    assert nopw.exit_code == 2 and "POSTCHECK_OWNER_PASSWORD" in nopw.output
    bad = run("init", "--db", "mysql://x@y/z", env={"POSTCHECK_OWNER_PASSWORD": PASSWORD})
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1
    not_set_up = run("add-site", "blog", "--db", f"sqlite:///{tmp_path}/empty.sqlite3")
    assert not_set_up.exit_code == 2 and "moderate init" in not_set_up.output
    run("init", "--db", db, env={"POSTCHECK_OWNER_PASSWORD": PASSWORD})
    bad_name = run("add-site", "Not OK", "--db", db)
    assert bad_name.exit_code == 2 and "invalid site name" in bad_name.output
    assert "Traceback" not in bad_name.output + bad.output + short.output


def test_reset_password(run, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/x.sqlite3"
    run("init", "--db", db, env={"POSTCHECK_OWNER_PASSWORD": PASSWORD})
    r = run(
        "init",
        "--db",
        db,
        "--reset-password",
        env={"POSTCHECK_OWNER_PASSWORD": "another long password"},
    )
    assert r.exit_code == 0 and "Password changed" in r.output


def test_serve_needs_an_owner(run, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/no-owner.sqlite3"
    Store(db, migrate_now=True).dispose()
    r = run("serve", "--db", db)
    assert r.exit_code == 2 and "moderate init" in r.output
