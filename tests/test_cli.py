"""The command line as a user meets it: exit codes, one-line errors, formats, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
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
    assert data["schema_version"] == "1.3"
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
        (["check", "-"], b"\xc3\x28 bad", "not valid UTF-8"),
        (["check", "-"], b"\x00\x01\x02\x03\x00\x00\xfe", "binary data"),
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
    # A lowering reads as one, with its sign and reason.
    assert "-2 levels: Your employer looks to be outside the State sector" in " ".join(out.split())


def test_schema_command() -> None:
    p = run("schema")
    assert json.loads(p.stdout)["title"].startswith("postcheck Report")


# --- Batch input and output, run in this process (the engine loads once for all of them) ---


def lines_of(err: str) -> list[str]:
    assert "Traceback" not in err and "internal error" not in err, err
    return [ln for ln in err.splitlines() if ln.strip()]


GOOD = [
    json.dumps({"id": "a", "text": "Kia ora, lovely day"}),
    json.dumps({"id": "b", "text": POLITICAL}),
]


Here = Callable[..., tuple[int, bytes, str]]


@pytest.fixture
def here(capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch) -> Here:
    """`postcheck ARGS` through the console entry point: exit code, stdout, stderr."""
    import io

    from postcheck.cli import main

    def run_here(*args: str, stdin: bytes = b"") -> tuple[int, bytes, str]:
        monkeypatch.setattr(sys, "argv", ["postcheck", *args])
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        with pytest.raises(SystemExit) as exc:
            main()
        out, err = capsysbinary.readouterr()
        code = exc.value.code
        return (code if isinstance(code, int) else 0), out, err.decode()

    return run_here


def test_deeply_nested_line_is_skipped_and_the_rest_reported(here: Here, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(GOOD[0] + "\n" + "[" * 100_000 + "]" * 100_000 + "\n" + GOOD[1] + "\n")
    code, out, err = here("check", "--input", str(src), "-f", "jsonl")
    assert code == 2
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["a", "b"]
    assert f"{src}:2: JSON nested deeper than 64 levels" in lines_of(err)[0]


def test_batch_json_is_one_array_and_jsonl_one_report_a_line(here: Here, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(GOOD) + "\n")
    code, out, _ = here("check", "--input", str(src), "-f", "json", "--fail-on", "never")
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == ["a", "b"]
    code, out, _ = here("check", "--input", str(src), "-f", "jsonl", "--fail-on", "never")
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["a", "b"]
    _, out, _ = here("check", "--input", "-", "-f", "json", stdin=b"")
    assert json.loads(out) == []


def test_input_that_is_a_directory_or_missing(here: Here, tmp_path: Path) -> None:
    code, _, err = here("check", "--input", str(tmp_path))
    assert code == 2 and "is a directory" in lines_of(err)[0]
    code, _, err = here("check", "--input", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "input file not found" in lines_of(err)[0]


def test_input_from_a_pipe_and_a_device(here: Here, tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "posts.fifo"  # what bash's <(cmd) hands over
    os.mkfifo(fifo)

    def writer() -> None:
        with fifo.open("w") as fh:
            fh.write("\n".join(GOOD) + "\n")

    t = threading.Thread(target=writer)
    t.start()
    code, out, err = here("check", "--input", str(fifo), "-f", "jsonl", "--fail-on", "never")
    t.join(10)
    assert code == 0, err
    assert len(out.splitlines()) == 2
    code, out, err = here("check", "--input", "/dev/null", "-f", "json")
    assert code == 0 and json.loads(out) == [] and "checked 0 post(s)" in err


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (bytes(range(256)) * 40, "binary data"),
        (b"id,text\n1,hello\n2,there\n", "each line must be one JSON object"),
        (b'[{"text": "hi"}]\n', "one JSON array"),
    ],
)
def test_not_jsonl_is_one_error(here: Here, tmp_path: Path, data: bytes, needle: str) -> None:
    src = tmp_path / "junk.jsonl"
    src.write_bytes(data)
    code, out, err = here("check", "--input", str(src))
    assert code == 2 and not out
    (line,) = lines_of(err)
    assert line.startswith(f"postcheck: error: {src}: not a JSONL file") and needle in line


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_input_is_read(here: Here, tmp_path: Path, codec: str) -> None:
    src = tmp_path / "win.jsonl"
    src.write_bytes(("\r\n".join(GOOD) + "\r\n").encode(codec))
    code, out, err = here("check", "--input", str(src), "-f", "jsonl", "--fail-on", "never")
    assert code == 0, err
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["a", "b"]
    code, out, err = here("check", "-", stdin=POLITICAL.encode(codec))
    assert code == 0 and "gutting" in out.decode(), err


def test_sizes_are_told_truly(here: Here, tmp_path: Path) -> None:
    code, _, err = here("check", "-", stdin=b"a" * 5_000_000)
    assert code == 2
    assert "over 100,000 characters" in lines_of(err)[0] and "400,001" not in err
    src = tmp_path / "big.jsonl"
    src.write_text(json.dumps({"text": "word " * 1_000_000}) + "\n" + GOOD[0] + "\n")
    code, out, err = here("check", "--input", str(src), "-f", "jsonl")
    assert code == 2 and len(out.splitlines()) == 1
    assert "longer than the limit (5,000,013 bytes" in lines_of(err)[0]


def test_guidance_refuses_formats_it_does_not_have(here: Here) -> None:
    code, out, err = here("guidance", "-f", "sarif")
    assert code == 2 and not out
    assert "'sarif' is not one of 'text', 'json'" in lines_of(err)[0]


def test_scan_reports_the_paths_that_exist(here: Here, tmp_path: Path) -> None:
    src = tmp_path / "posts.jsonl"
    src.write_text("\n".join(GOOD) + "\n")
    missing = tmp_path / "gone.zip"
    code, out, err = here("scan", "-f", "json", "-q", str(src), str(missing))
    assert code == 2
    assert json.loads(out)["summary"]["posts_checked"] == 2
    assert lines_of(err) == [f"postcheck: error: {missing}: no such file or folder"]
