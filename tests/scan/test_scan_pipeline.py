"""The scan pipeline and report helpers: ordering, interruption, chart, highlighting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import archives
import pytest

from postcheck.report.scan_html import highlight, timeline_svg
from postcheck.scan import scan
from postcheck.shapes import Risk, Seniority
from postcheck.sources.authors import seniority_of


def _jsonl(path: Path, texts: list[str], date: str = "2023-09-01") -> Path:
    path.write_text("".join(json.dumps({"text": t, "date": date}) + "\n" for t in texts))
    return path


def test_worst_first_and_counts(tmp_path: Path) -> None:
    r = scan([archives.x_archive(tmp_path / "x"), archives.linkedin(tmp_path / "li")], processes=1)
    try:
        items = list(r.spool.worst_first())
        keys = [(Risk(i["report"]["risk"]).rank, len(i["report"]["findings"])) for i in items]
        assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)
        s = r.summary
        assert s.checked == s.posts == 10
        assert sum(s.by_risk.values()) == 10
        assert s.kept == len(items) == sum(v for k, v in s.by_risk.items() if k != "none")
        assert sum(c["posts"] for c in s.by_month.values()) == 9  # the like has no date
        assert list(r.spool.worst_first(limit=1)) == items[:1]
    finally:
        r.close()


def test_min_risk_none_keeps_everything(tmp_path: Path) -> None:
    r = scan([archives.mastodon(tmp_path / "m")], processes=1, min_risk=Risk.none)
    try:
        assert r.summary.kept == r.summary.checked == 5
    finally:
        r.close()


def test_interrupted_scan_keeps_work_done(tmp_path: Path, monkeypatch) -> None:
    from postcheck.sources.plain import PlainReader

    p = _jsonl(tmp_path / "posts.jsonl", [f"post {i} about the weather" for i in range(600)])
    real = PlainReader._post
    calls = {"n": 0}

    def flaky(self, row, name):
        calls["n"] += 1
        if calls["n"] == 450:
            raise KeyboardInterrupt
        return real(self, row, name)

    monkeypatch.setattr(PlainReader, "_post", flaky)
    r = scan([p], processes=1, min_risk=Risk.none)
    try:
        assert r.summary.complete is False
        assert 0 < r.summary.checked < 600
        assert r.spool.count == r.summary.checked
    finally:
        r.close()


def test_parallel_matches_serial(tmp_path: Path) -> None:
    texts = [
        f"{i}: " + ("Vote Labour out, National are a joke" if i % 3 else "nice day for a swim")
        for i in range(900)
    ]
    p = _jsonl(tmp_path / "many.jsonl", texts)
    one = scan([p], processes=1, min_risk=Risk.none)
    two = scan([p], processes=2, min_risk=Risk.none)
    try:
        a = [(i["post"]["text"], i["report"]["risk"]) for i in one.spool.worst_first()]
        b = [(i["post"]["text"], i["report"]["risk"]) for i in two.spool.worst_first()]
        assert a == b and len(a) == 900
    finally:
        one.close()
        two.close()


def test_highlight_escapes_and_marks() -> None:
    report = {
        "findings": [
            {"level": "low", "title": "A", "spans": [{"start": 0, "end": 5}]},
            {"level": "high", "title": "B <b>", "spans": [{"start": 3, "end": 8}]},
            {"level": "high", "title": "out of range", "spans": [{"start": 50, "end": 60}]},
        ]
    }
    html = str(highlight("<abc> & more", report))
    assert html.startswith('<mark class="r-low" title="A">&lt;ab</mark>')
    assert '<mark class="r-high" title="B &lt;b&gt;">c&gt; &amp; </mark>more' in html


def test_timeline_shades_elections(tmp_path: Path) -> None:
    p = tmp_path / "p.jsonl"
    p.write_text(
        json.dumps({"text": "Vote Labour out, National are a joke", "date": "2023-06-01"})
        + "\n"
        + json.dumps({"text": "Vote Labour out, National are a joke", "date": "2023-11-20"})
        + "\n"
    )
    r = scan([p], processes=1)
    try:
        svg = str(timeline_svg(r))
        assert svg.count('class="pre-election"') == 1 and "2023-07-14" in svg
        assert 'class="polling-day"' in svg and "2023-10-14" in svg
        assert r.summary.first == dt.date(2023, 6, 1)
    finally:
        r.close()


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Chief Executive", Seniority.executive),
        ("Deputy Secretary, Policy", Seniority.executive),
        ("Board member", Seniority.board),
        ("General Manager, Digital", Seniority.senior),
        ("Team Leader", Seniority.manager),
        ("Policy Analyst", Seniority.staff),
    ],
)
def test_seniority_from_title(title: str, level: Seniority) -> None:
    assert seniority_of(title) is level


def test_declared_author_completes_the_export(tmp_path: Path) -> None:
    from postcheck.shapes import Author
    from postcheck.sources.base import merge_author

    shown = Author(employer="Department of Conservation", shows_employer=True, bio="Ranger")
    merged = merge_author(
        shown, {"employer": "MBIE", "seniority": "executive", "advises_ministers": True}
    )
    assert merged.employer == "Department of Conservation"  # what the audience sees wins
    assert merged.seniority is Seniority.executive and merged.advises_ministers
    assert merged.shows_employer and merged.bio == "Ranger"
    hidden = merge_author(Author(), {"employer": "MBIE"})
    assert hidden.employer == "MBIE" and not hidden.shows_employer

    r = scan(
        [archives.mastodon(tmp_path / "m")],
        processes=1,
        min_risk=Risk.none,
        declared={"seniority": "executive", "advises_ministers": True},
    )
    try:
        src = r.sources[0]
        assert src.profile is not None and src.profile.author.seniority is Seniority.executive
        assert r.summary.checked == 5
    finally:
        r.close()


def test_scan_cli_declared_options(tmp_path: Path, capsys, monkeypatch) -> None:
    from test_scan_cli import run

    p = _jsonl(tmp_path / "p.jsonl", ["Labour's fast-track consenting bill is a disgrace"])
    base = ["scan", str(p), "-f", "json", "--min-risk", "none", "--fail-on", "never", "-q"]
    _, plain, _ = run(base, capsys, monkeypatch)
    code, senior, _ = run(
        [
            *base,
            "--employer",
            "Ministry for the Environment",
            "--role",
            "Policy director",
            "--seniority",
            "executive",
            "--advises-ministers",
            "--topic",
            "fast-track consenting",
        ],
        capsys,
        monkeypatch,
    )
    a = json.loads(plain)["items"][0]["report"]
    b = json.loads(senior)["items"][0]["report"]
    # the same words weigh more from a senior adviser who works on the topic
    assert Risk(b["risk"]).rank > Risk(a["risk"]).rank
    assert {f["rule"] for f in b["findings"]} != {f["rule"] for f in a["findings"]}
    assert code == 0
    code, _, err = run([*base, "--seniority", "boss"], capsys, monkeypatch)
    assert code == 2 and "unknown seniority" in err


def test_pool_transport_round_trips_reports(tmp_path: Path) -> None:
    """batch sends reports from workers as JSON: it must give back the same Report."""
    from postcheck.batch import _check_chunk, _check_chunk_wire, _from_wire
    from postcheck.sources import open_source

    with open_source(archives.x_archive(tmp_path / "x")) as r:
        posts = list(r.posts())
    direct = _check_chunk(posts, None, None)
    wired = list(_from_wire(_check_chunk_wire(posts, None, None), posts))
    assert wired == direct and any(o.report and o.report.findings for o in wired)


def test_reader_bug_keeps_other_sources(tmp_path: Path, monkeypatch) -> None:
    from postcheck.sources.mastodon import MastodonReader

    def broken(self, act):
        raise RuntimeError("boom")

    monkeypatch.setattr(MastodonReader, "_activity", broken)
    r = scan([archives.mastodon(tmp_path / "m"), archives.x_archive(tmp_path / "x")], processes=1)
    try:
        assert "internal error RuntimeError" in (r.sources[0].error or "")
        assert r.sources[1].error is None and r.sources[1].stats.read == 6
    finally:
        r.close()
