"""The reviewed-posts baseline: fingerprints, what brings a post back, the file, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from postcheck.baseline import (
    REASON_PLACEHOLDER,
    Baseline,
    BaselineError,
    fingerprint,
    text_hash,
)

RV = "2026.11+abc"
TEXT = "Vote them out, MBIE knows best"


def test_fingerprint_is_stable_and_order_free() -> None:
    digest = text_hash(TEXT)
    a = fingerprint("x", "1", digest, ["political-work-linked", "disrespect"])
    assert a == fingerprint("x", "1", digest, ["disrespect", "political-work-linked"])
    assert a == fingerprint("x", "1", digest, ["disrespect", "political-work-linked", "disrespect"])
    # pinned: a fingerprint written by one version must match in the next
    assert fingerprint("x", "1", "0" * 64, ["r"]) == (
        "7cc5db1a31d7cf332759acbba71b1a95a3315ca97dedfe27cd3c9c9c490d6089"
    )
    assert len(a) == 64
    assert a != fingerprint("facebook", "1", digest, ["disrespect", "political-work-linked"])
    assert a != fingerprint("x", "2", digest, ["disrespect", "political-work-linked"])


def _reviewed(rules: list[str] = ["disrespect"]) -> Baseline:  # noqa: B006
    b = Baseline()
    assert b.add("x", "1", TEXT, rules, RV, today=dt.date(2026, 12, 6))
    return b


def test_same_post_same_rules_is_reviewed() -> None:
    v = _reviewed().check("x", "1", TEXT, ["disrespect"], RV)
    assert v.post and v.rules == {"disrespect"}


def test_edited_text_is_listed_again() -> None:
    assert not _reviewed().check("x", "1", TEXT + "!", ["disrespect"], RV).post


def test_different_rules_or_rules_version_list_again() -> None:
    b = _reviewed()
    assert not b.check("x", "1", TEXT, ["disrespect", "political-work-linked"], RV).post
    assert not b.check("x", "1", TEXT, ["political-work-linked"], RV).post
    assert not b.check("x", "1", TEXT, ["disrespect"], "2027.01+def").post


def test_one_finding_reviewed() -> None:
    b = Baseline()
    b.add("x", "1", TEXT, ["disrespect"], RV)
    fp = fingerprint("x", "1", text_hash(TEXT), ["disrespect"])
    b.entries[fp].finding = True
    v = b.check("x", "1", TEXT, ["disrespect", "political-work-linked"], RV)
    assert not v.post and v.rules == {"disrespect"}


def test_round_trip_keeps_reasons_and_never_stores_text(tmp_path: Path) -> None:
    b = _reviewed()
    fp = next(iter(b.entries))
    b.entries[fp].reason = "satire, reviewed with my manager"
    path = tmp_path / "reviewed.json"
    b.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_text()
    assert "Vote them out" not in raw and "MBIE" not in raw
    data = json.loads(raw)
    assert data["schema"] == "postcheck.baseline" and data["version"] == 1
    again = Baseline.load(path)
    assert again.entries[fp].reason == "satire, reviewed with my manager"
    assert again.check("x", "1", TEXT, ["disrespect"], RV).post
    # re-adding under new rules renews the entry and keeps the person's reason
    assert again.add("x", "1", TEXT, ["disrespect"], "2027.01+def")
    assert again.entries[fp].reason == "satire, reviewed with my manager"
    # the same post under the same rules is already there: nothing new to add
    assert not again.add("x", "1", TEXT, ["disrespect"], "2027.01+def")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "bad JSON at line 1"),
        ('{"schema": "other"}', "not a baseline file"),
        ('{"schema": "postcheck.baseline", "version": 9, "entries": []}', "version 9"),
        ('{"schema": "postcheck.baseline", "version": 1}', 'no "entries"'),
        ('{"schema": "postcheck.baseline", "version": 1, "entries": [{"a": 1}]}', "entry 1"),
    ],
)
def test_bad_file_is_one_line(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError) as exc:
        Baseline.load(path)
    assert says in str(exc.value) and "\n" not in str(exc.value)


def test_tampered_fingerprint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    _reviewed().save(path)
    data = json.loads(path.read_text())
    data["entries"][0]["post_id"] = "2"
    path.write_text(json.dumps(data))
    with pytest.raises(BaselineError, match="entry 1 is malformed"):
        Baseline.load(path)


def test_placeholder_reason() -> None:
    assert next(iter(_reviewed().entries.values())).reason == REASON_PLACEHOLDER


def _scan(args: list[str], capsys, monkeypatch) -> tuple[int, str]:
    from postcheck.cli import main

    monkeypatch.setattr("sys.argv", ["postcheck", "scan", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return int(exc.value.code or 0), capsys.readouterr().err


def test_cli_update_then_scan_counts_reviewed(tmp_path: Path, capsys, monkeypatch) -> None:
    import archives

    export = archives.x_archive(tmp_path / "x")
    base, out = tmp_path / "reviewed.json", tmp_path / "scan.json"
    common = [str(export), "-f", "json", "-o", str(out), "--processes", "1"]
    code, _ = _scan([*common, "--baseline", str(base), "--update-baseline"], capsys, monkeypatch)
    first = json.loads(out.read_text())
    listed = first["summary"]["posts_listed"]
    assert listed >= 1 and first["summary"]["posts_reviewed"] == 0
    assert stat.S_IMODE(base.stat().st_mode) == 0o600
    assert len(json.loads(base.read_text())["entries"]) == listed
    assert {i["fingerprint"] for i in first["items"]} == set(Baseline.load(base).entries)

    code, err = _scan([*common, "--baseline", str(base)], capsys, monkeypatch)
    again = json.loads(out.read_text())
    assert again["summary"]["posts_reviewed"] == listed
    assert again["summary"]["posts_listed"] == 0 and again["items"] == []
    # the counts still cover every post
    assert again["summary"]["by_risk"] == first["summary"]["by_risk"]
    assert "already reviewed" in err
    # the profile is not a post: it still decides the exit code with everything reviewed
    profile_risk = max(
        (s["profile"]["report"]["risk"] for s in again["sources"] if s["profile"]),
        key=["none", "low", "medium", "high"].index,
        default="none",
    )
    assert code == (1 if profile_risk in ("medium", "high") else 0)


@pytest.mark.parametrize(
    ("content", "says"),
    [(None, "no such baseline file"), ("[]", "not a baseline file")],
)
def test_cli_bad_baseline_is_one_line_exit_2(
    tmp_path: Path, capsys, monkeypatch, content: str | None, says: str
) -> None:
    import archives

    export = archives.x_archive(tmp_path / "x")
    base = tmp_path / "reviewed.json"
    if content is not None:
        base.write_text(content)
    out = tmp_path / "r.html"
    code, err = _scan([str(export), "-o", str(out), "--baseline", str(base)], capsys, monkeypatch)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("postcheck: error: reviewed.json: ")
    assert says in lines[0]
    assert not out.exists()


def test_cli_update_baseline_needs_a_file(tmp_path: Path, capsys, monkeypatch) -> None:
    import archives

    export = archives.x_archive(tmp_path / "x")
    code, err = _scan([str(export), "--update-baseline"], capsys, monkeypatch)
    assert code == 2 and "--update-baseline needs --baseline" in err
