"""The HTML report's pieces without a browser: highlights, the chart's axes, reviewed counts."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from postcheck.report.scan_chart import _nice_step
from postcheck.report.scan_html import highlight, timeline_svg


def _report(spans: list[tuple[int, int]], level: str = "high") -> dict[str, Any]:
    return {
        "findings": [
            {
                "level": level,
                "title": "Political comment",
                "spans": [{"start": s, "end": e} for s, e in spans],
            }
        ]
    }


def test_only_meaningful_words_are_highlighted() -> None:
    text = "It's the Greens, no doubt."
    spans = [(0, 4), (5, 8), (9, 15), (17, 19), (15, 16)]
    html = str(highlight(text, _report(spans)))
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", html) == ["Greens"]
    assert html.count("<mark") == 1


@pytest.mark.parametrize(("peak", "step"), [(1, 1), (3, 1), (7, 2), (9, 5), (40, 10), (130, 50)])
def test_round_gridline_steps(peak: int, step: int) -> None:
    assert _nice_step(peak) == step


class _Result:
    """Just what timeline_svg reads."""

    def __init__(self, first: dt.date, last: dt.date, per_month: int = 3) -> None:
        self.summary = type("S", (), {})()
        self.summary.first, self.summary.last = first, last
        months: dict[str, Counter[str]] = {}
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            months[f"{y:04d}-{m:02d}"] = Counter(none=per_month, high=1, posts=per_month + 1)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        self.summary.by_month = months


def _labels(svg: str) -> list[tuple[float, float, str]]:
    return [
        (float(x), float(y), t)
        for x, y, t in re.findall(
            r'<text x="([\d.]+)" y="([\d.]+)"[^>]*class="axis[^"]*">([^<]+)<', svg
        )
    ]


def test_short_history_labels_months_and_years() -> None:
    svg = str(timeline_svg(_Result(dt.date(2023, 2, 1), dt.date(2023, 11, 30))))  # type: ignore[arg-type]
    texts = [t for _, _, t in _labels(svg)]
    assert "Feb" in texts and "2023" in texts and "2023-02" not in svg
    assert 'class="polling-day"' in svg  # 14 October 2023
    assert 'rect class="bar r-none"' in svg  # fine posts are plotted too


def test_long_history_labels_years_apart() -> None:
    svg = str(timeline_svg(_Result(dt.date(2000, 1, 1), dt.date(2026, 12, 31))))  # type: ignore[arg-type]
    xs = sorted(x for x, y, t in _labels(svg) if t.isdigit() and len(t) == 4 and y > 200)
    assert len(xs) >= 5
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 40  # no overlapping years
    # y axis: 0 and round steps up to at least the tallest bar (4 posts)
    ys = [t for x, _, t in _labels(svg) if x < 44]
    assert ys[0] == "0" and int(ys[-1]) >= 4


def test_html_counts_reviewed_posts(tmp_path: Path, capsys, monkeypatch) -> None:
    import archives

    from postcheck.cli import main

    export = archives.x_archive(tmp_path / "x")
    base, out = tmp_path / "reviewed.json", tmp_path / "r.html"

    def scan(*extra: str) -> str:
        monkeypatch.setattr(
            "sys.argv",
            ["postcheck", "scan", str(export), "-o", str(out), "--processes", "1", *extra],
        )
        with pytest.raises(SystemExit):
            main()
        capsys.readouterr()
        return out.read_text()

    scan("--baseline", str(base), "--update-baseline")
    html = scan("--baseline", str(base))
    assert 'data-count="reviewed"' in html
    assert 'id="nothing"' in html and "been reviewed already" in html
    # earlier reviews travel in the page, so a download from it keeps them
    assert (
        html.count('"fingerprint"') >= 1 and "Policy adviser" not in html.split("baseline-data")[1]
    )
