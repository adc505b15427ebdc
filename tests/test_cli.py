"""The command line as a user meets it: exit codes, one-line errors, formats, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLITICAL = "Can't believe this government is gutting the public service again #nzpol"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "postcheck", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
    )


def one_line_error(p: subprocess.CompletedProcess[bytes]) -> str:
    err = p.stderr.decode()
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_version() -> None:
    p = run("--version")
    assert p.returncode == 0 and p.stdout.decode().startswith("postcheck ")


def test_help_everywhere() -> None:
    for cmd in (["--help"], ["check", "--help"], ["guidance", "--help"], ["explain", "--help"]):
        p = run(*cmd)
        assert p.returncode == 0, cmd
        assert "Usage" in p.stdout.decode()


def test_clean_post_exits_0() -> None:
    p = run("check", "Kia ora, lovely day for it")
    assert p.returncode == 0
    assert "Fine" in p.stdout.decode()


def test_high_risk_exits_1_with_clause_and_fix() -> None:
    p = run("check", POLITICAL, "--platform", "linkedin", "--employer", "MBIE")
    out = p.stdout.decode()
    assert p.returncode == 1
    assert "Don't post" in out and "political-work-linked" in out
    assert "section 2.2" in out and "publicservice.govt.nz" in out
    assert "gutting" in out


def test_fail_on_threshold() -> None:
    assert run("check", POLITICAL, "--platform", "x").returncode == 0  # low < medium
    assert run("check", POLITICAL, "--platform", "x", "--fail-on", "low").returncode == 1
    assert run("check", POLITICAL, "--platform", "linkedin", "--fail-on", "never").returncode == 0


def test_json_format_is_versioned() -> None:
    p = run("check", POLITICAL, "--platform", "linkedin", "--format", "json")
    data = json.loads(p.stdout)
    assert data["schema_version"] == "1.1"
    assert data["risk"] == "high" and data["verdict"] == "don't post"
    f = data["findings"][0]
    assert {"rule", "level", "clause", "message", "why", "fix", "spans"} <= set(f)
    assert {"edition", "section", "heading", "url"} <= set(f["clause"])
    assert {s["name"] for s in data["signals"]} >= {"political", "work_link", "privacy"}
    assert data["edition"] == "public-servants" and data["rules_version"]


def test_sarif_format() -> None:
    p = run("check", POLITICAL, "--platform", "linkedin", "--format", "sarif")
    log = json.loads(p.stdout)
    assert log["version"] == "2.1.0"
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == "political-work-linked" and result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["charLength"] > 0


def test_stdin() -> None:
    p = run("check", "-", "--format", "json", stdin=POLITICAL.encode())
    assert json.loads(p.stdout)["risk"] == "low"


def test_official_account_out_of_scope() -> None:
    p = run("check", POLITICAL, "--account", "official", "--format", "json")
    data = json.loads(p.stdout)
    assert p.returncode == 0
    assert data["out_of_scope"] is True and data["risk"] == "none" and not data["findings"]
    assert "official use" in data["summary"]


def test_profile_file(tmp_path: Path) -> None:
    prof = tmp_path / "me.toml"
    prof.write_text('[author]\nemployer = "Treasury"\nshows_employer = true\n', "utf-8")
    p = run("check", POLITICAL, "--profile", str(prof), "--format", "json")
    assert json.loads(p.stdout)["risk"] == "high"
    # A flag overrides the profile.
    p = run("check", POLITICAL, "--profile", str(prof), "--no-shows-employer", "-f", "json")
    assert json.loads(p.stdout)["risk"] == "low"


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["check", ""], None, "empty"),
        (["check", "   \n\t "], None, "empty"),
        (["check", "-"], b"\xff\xfe\x00bad", "not valid UTF-8"),
        (["check", "-"], b"x" * 100_001, "limit"),
        (["check", "hi", "--platform", "myspace"], None, "unknown platform"),
        (["check", "hi", "--seniority", "boss"], None, "unknown seniority"),
        (["check", "hi", "--date", "next tuesday"], None, "ISO date"),
        (["check", "hi", "--profile", "/nonexistent.toml"], None, "not found"),
        (["check", "hi", "--edition", "2099"], None, "unknown edition"),
        (["check"], None, "give the post text"),
        (["check", "hi", "--no-such-flag"], None, "No such option"),
        (["explain", "no-such-rule"], None, "unknown rule"),
    ],
)
def test_bad_input_one_line_exit_2(args: list[str], stdin: bytes | None, needle: str) -> None:
    p = run(*args, stdin=stdin)
    assert p.returncode == 2, p.stderr.decode()
    assert needle in one_line_error(p)


def test_bad_profile_toml(tmp_path: Path) -> None:
    prof = tmp_path / "bad.toml"
    prof.write_text("[author\nemployer=", "utf-8")
    p = run("check", "hi", "--profile", str(prof))
    assert p.returncode == 2 and "invalid TOML" in one_line_error(p)
    prof.write_text('[author]\nseniority = "boss"\n', "utf-8")
    p = run("check", "hi", "--profile", str(prof))
    assert p.returncode == 2 and "seniority" in one_line_error(p)


def test_guidance_lists_both_editions() -> None:
    p = run("guidance")
    out = p.stdout.decode()
    assert p.returncode == 0
    assert "state-servants" in out and "public-servants" in out
    assert "Kaupapa" in out  # te reo heading of the older edition
    p = run("guidance", "--format", "json", "--edition", "public-servants")
    assert json.loads(p.stdout)["editions"][0]["id"] == "public-servants"


def test_explain_shows_clause_and_examples() -> None:
    p = run("explain", "political-work-linked")
    out = p.stdout.decode()
    assert p.returncode == 0
    assert "linkedin" in out.lower() and "Flags:" in out and "Passes:" in out
    assert "Expectations around how State servants" in out  # both editions cited


def test_schema_command() -> None:
    p = run("schema")
    assert json.loads(p.stdout)["title"].startswith("postcheck Report")
