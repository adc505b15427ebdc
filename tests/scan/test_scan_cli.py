"""`postcheck scan` and `postcheck profile` end to end, through the real entry point."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import stat
import zipfile
from html import unescape
from pathlib import Path

import archives
import pytest

from postcheck.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.argv", ["postcheck", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out, err = capsys.readouterr()
    code = exc.value.code
    return int(code if code is not None else 0), out, err


@pytest.fixture
def exports(tmp_path: Path) -> dict[str, Path]:
    return {
        "x": archives.zip_dir(archives.x_archive(tmp_path / "xdir"), tmp_path / "x.zip"),
        "li": archives.linkedin(tmp_path / "li"),
        "bsky": archives.bluesky_car(tmp_path / "repo.car"),
        "fb": archives.facebook_new(tmp_path / "fb"),
    }


def test_scan_json_schema_and_order(exports, tmp_path, capsys, monkeypatch) -> None:
    out_file = tmp_path / "scan.json"
    code, _, err = run(
        ["scan", str(exports["x"]), str(exports["li"]), "-f", "json", "-o", str(out_file)],
        capsys,
        monkeypatch,
    )
    data = json.loads(out_file.read_text())
    assert data["schema"] == "postcheck.scan" and data["schema_version"] == "1.2"
    assert [s["format"] for s in data["sources"]] == ["x", "linkedin"]
    s = data["summary"]
    assert s["posts_checked"] == 10 and s["complete"] is True
    assert sum(s["by_risk"].values()) == 10
    assert s["posts_listed"] == len(data["items"])
    ranks = {"none": 0, "low": 1, "medium": 2, "high": 3}
    risks = [ranks[i["report"]["risk"]] for i in data["items"]]
    assert risks == sorted(risks, reverse=True) and min(risks) >= 1  # worst first, >= low
    li = data["sources"][1]
    assert li["profile"]["report"]["risk"] == "high"  # political headline + employer
    assert li["stats"]["ignored"]
    # the profile is high risk, so the default --fail-on medium fails
    assert code == 1
    assert "checked 10 post(s)" in err
    assert archives.DM_TEXT not in out_file.read_text()


def test_scan_fail_on_never_and_min_risk(exports, tmp_path, capsys, monkeypatch) -> None:
    code, out, _ = run(
        [
            "scan",
            str(exports["x"]),
            "-f",
            "jsonl",
            "--min-risk",
            "none",
            "--fail-on",
            "never",
            "-q",
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [x["type"] for x in lines].count("item") == 6  # every post with --min-risk none
    assert lines[-1]["type"] == "summary"
    assert lines[-1]["summary"]["posts_listed"] == 6


def test_scan_csv(exports, capsys, monkeypatch) -> None:
    code, out, _ = run(["scan", str(exports["li"]), "-f", "csv", "-q"], capsys, monkeypatch)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["kind"] == "bio" and rows[0]["risk"] == "high"
    assert {r["platform"] for r in rows} == {"linkedin"}
    assert all(r["risk"] in ("low", "medium", "high") for r in rows)
    assert code == 1


def test_scan_html_written(exports, tmp_path, capsys, monkeypatch) -> None:
    dest = tmp_path / "report.html"
    code, _, err = run(["scan", *map(str, exports.values()), "-o", str(dest)], capsys, monkeypatch)
    html = dest.read_text()
    assert 'id="timeline"' in html and 'id="worst-first"' in html
    assert "<script src" not in html and "https://cdn" not in html and "<link" not in html
    assert "html report written" in err
    assert not list(tmp_path.glob(".report.html.*"))  # temp file renamed into place
    assert code == 1


def test_scan_html_escapes_post_text(tmp_path, capsys, monkeypatch) -> None:
    p = tmp_path / "posts.jsonl"
    p.write_text(
        json.dumps(
            {
                "text": "<script>alert(1)</script> vote Labour, National are idiots",
                "date": "2023-10-01",
            }
        )
        + "\n"
    )
    dest = tmp_path / "r.html"
    run(["scan", str(p), "-o", str(dest), "--min-risk", "none"], capsys, monkeypatch)
    html = dest.read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_scan_errors(tmp_path, capsys, monkeypatch) -> None:
    code, _, err = run(["scan", str(tmp_path / "missing.zip")], capsys, monkeypatch)
    assert code == 2 and "no such file" in err and "Traceback" not in err
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    code, _, err = run(["scan", str(bad), "-o", str(tmp_path / "r.html")], capsys, monkeypatch)
    assert code == 2 and "corrupt or truncated" in err
    assert not (tmp_path / "r.html").exists()  # nothing read: no report
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    code, _, err = run(["scan", str(empty)], capsys, monkeypatch)
    assert code == 2 and "empty archive" in err
    code, _, err = run(["scan", str(bad), "--fail-on", "bogus"], capsys, monkeypatch)
    assert code == 2 and "--fail-on" in err


def test_scan_partial_failure_still_reports(exports, tmp_path, capsys, monkeypatch) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    dest = tmp_path / "r.json"
    code, _, err = run(
        ["scan", str(exports["x"]), str(bad), "-f", "json", "-o", str(dest)], capsys, monkeypatch
    )
    assert code == 2 and "bad.zip" in err
    data = json.loads(dest.read_text())
    assert data["summary"]["posts_checked"] == 6
    assert data["sources"][1]["error"]


def test_profile_text_and_disclaimer(capsys, monkeypatch) -> None:
    code, out, _ = run(
        [
            "profile",
            "Policy adviser at MBIE. Proud Labour Party member. Views my own.",
            "--platform",
            "linkedin",
            "--no-color",
        ],
        capsys,
        monkeypatch,
    )
    assert code == 1
    assert "does not neutralise a political bio" in " ".join(out.split())
    code, out, _ = run(
        ["profile", "Tramper, baker, dad. Views my own.", "-f", "json"], capsys, monkeypatch
    )
    data = json.loads(out)
    assert code == 0 and data["report"]["risk"] == "none" and data["disclaimer"] is True
    # a clean profile is not told its bio is political
    assert data["disclaimer_note"].startswith("This profile says your views are your own")
    assert "neutralise a political bio" not in data["disclaimer_note"]


def test_profile_from_export(exports, capsys, monkeypatch) -> None:
    code, out, _ = run(["profile", str(exports["li"]), "-f", "json"], capsys, monkeypatch)
    data = json.loads(out)
    assert data["profile"]["platform"] == "linkedin"
    assert data["profile"]["author"]["employer"].startswith("Ministry of Business")
    assert data["report"]["risk"] == "high" and code == 1
    code, _, _ = run(["profile", str(exports["fb"]) + "/nope"], capsys, monkeypatch)
    # not a path: treated as text, which is fine
    assert code in (0, 1)


def _inline_blocks(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)


def _sha256(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def test_report_links_only_web_urls_and_csp_is_hash_based(tmp_path, capsys, monkeypatch) -> None:
    root = archives.mastodon(tmp_path / "m")
    outbox = json.loads((root / "outbox.json").read_text())
    for item in outbox["orderedItems"]:
        obj = item["object"]
        if isinstance(obj, dict) and obj["id"].endswith("/statuses/5"):  # the political one
            obj["url"] = "javascript:alert(document.domain)"
    (root / "outbox.json").write_text(json.dumps(outbox))
    actor = json.loads((root / "actor.json").read_text())
    actor["url"] = " JavaScript:alert(1)"
    (root / "actor.json").write_text(json.dumps(actor))
    dest = tmp_path / "r.html"
    run(["scan", str(root), "-o", str(dest), "--min-risk", "none"], capsys, monkeypatch)
    html = dest.read_text()

    assert "alert(document.domain)" in html  # still shown, as text
    hrefs = re.findall(r'href="([^"]*)"', html)
    # the report's own jumps within the page (to a rule's "why", a profile's note) are the
    # only links that aren't http(s)
    own = [h for h in hrefs if re.fullmatch(r"#(rule|disclaimer)-[a-z0-9-]+", h)]
    assert {h.split("-")[0] for h in own} <= {"#rule", "#disclaimer"}
    web = [h for h in hrefs if h not in own]
    assert web and all(h.startswith(("https://", "http://")) for h in web), hrefs
    assert "javascript:" not in " ".join(hrefs).lower()
    assert 'href="https://mastodon.example/@kiwi/1"' in html  # ordinary links still work

    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp is not None
    content = unescape(csp.group(1))
    policy = dict(d.strip().split(" ", 1) for d in content.split(";"))
    assert "unsafe-inline" not in content and "unsafe-hashes" not in content
    assert policy["default-src"] == "'none'"
    scripts, styles = _inline_blocks(html, "script"), _inline_blocks(html, "style")
    assert len(scripts) == 1 and len(styles) == 1
    assert policy["script-src"] == _sha256(scripts[0])
    assert policy["style-src"] == _sha256(styles[0])
    assert not re.search(r"\sstyle=", html)  # style attributes would need 'unsafe-hashes'


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a?b=c#d", True),
        ("HTTP://EXAMPLE.ORG/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("https://example.org/\nx", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("file:///etc/passwd", False),
        ("//evil.example/x", False),
        ("/relative/path", False),
        ("https:///no-host", False),
        ("https://[::1", False),
        ("", False),
    ],
)
def test_only_http_urls_become_links(url: str, ok: bool) -> None:
    from postcheck.report.scan_html import is_web_url, link

    assert is_web_url(url) is ok
    rendered = str(link(url, "open"))
    assert ("<a href=" in rendered) is ok


def test_report_file_is_owner_only(exports, tmp_path, capsys, monkeypatch) -> None:
    dest = tmp_path / "report.html"
    old = os.umask(0o022)
    try:
        run(["scan", str(exports["li"]), "-o", str(dest), "-q"], capsys, monkeypatch)
    finally:
        os.umask(old)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_scan_summary_says_incomplete_and_why(tmp_path, capsys, monkeypatch) -> None:
    z = archives.zip_dir(archives.mastodon(tmp_path / "m"), tmp_path / "m.zip")
    data = z.read_bytes()
    z.write_bytes(data[: data.find(b"PK\x01\x02")])  # central directory lost
    out_file = tmp_path / "scan.json"
    code, _, err = run(
        ["scan", str(z), "-f", "json", "-o", str(out_file), "--fail-on", "never"],
        capsys,
        monkeypatch,
    )
    s = json.loads(out_file.read_text())["summary"]
    assert s["complete"] is False and s["interrupted"] is False
    assert "no central directory" in s["incomplete"][0] and s["posts_checked"] == 5
    assert code == 0 and "postcheck: incomplete: m.zip:" in err
    html = tmp_path / "r.html"
    run(["scan", str(z), "-o", str(html), "--fail-on", "never"], capsys, monkeypatch)
    assert "Parts of the export could not be read" in html.read_text()
