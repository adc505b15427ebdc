"""The HTML report in a real browser: headless Debian Chromium driven by Playwright.

Skips when Chromium or Playwright is missing locally; in CI (CI=true) it must run, so a
missing dependency fails instead (ci/scan.sh installs Chromium; Playwright is in the
`test` extra).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import archives
import pytest

CHROMIUM = os.environ.get("POSTCHECK_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _need(ok: bool, why: str) -> None:
    if not ok:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why} (CI must provide it: run ci/scan.sh)")
        pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    _need(sync_playwright is not None, "playwright (pip) is not installed")
    _need(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        f"chromium not found at {CHROMIUM}",
    )
    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as p:  # type: ignore[misc]
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


def test_report_renders_chart_and_worst_first_list(browser, tmp_path: Path) -> None:
    from postcheck.report.scan_html import render_html
    from postcheck.scan import scan

    paths = [
        archives.x_archive(tmp_path / "x"),
        archives.linkedin(tmp_path / "li"),
        archives.mastodon(tmp_path / "m"),
    ]
    result = scan(paths, processes=1)
    dest = tmp_path / "report.html"
    with dest.open("w", encoding="utf-8") as fh:
        render_html(result, fh)
    result.close()

    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A CSP refusal (a style or script whose hash doesn't match) is a console error.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(dest.as_uri())
    # the hash-based CSP admits the report's own stylesheet
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(247, 248, 250)"
    # the timeline chart is drawn: bars per month, election shading, axis labels
    chart = page.locator("svg#timeline")
    assert chart.is_visible()
    assert chart.bounding_box()["width"] > 300
    assert page.locator("svg#timeline rect.bar").count() >= 1
    assert page.locator("svg#timeline rect.pre-election").count() >= 1
    # the worst-first list: visible, ordered by risk, each with clause link and fix
    items = page.locator("#worst-first > li.item")
    n = items.count()
    assert n >= 3
    ranks = {"low": 1, "medium": 2, "high": 3}
    risks = [ranks[items.nth(i).get_attribute("data-risk")] for i in range(n)]
    assert risks == sorted(risks, reverse=True)
    first = items.nth(0)
    assert first.is_visible()
    assert first.locator(".finding a").count() >= 1
    assert first.locator("ul.fix li").count() >= 1
    # the filter script works: hide low risk
    page.locator(".risk-filter[value=low]").uncheck()
    visible = sum(1 for i in range(n) if items.nth(i).is_visible())
    assert visible == sum(1 for r in risks if r > 1)
    assert page.locator("#shown").inner_text().endswith(f"of {n} shown")
    # nothing but the file itself was requested: the report is self-contained
    assert all(u.startswith("file:") for u in requests), requests
    assert not errors
    page.close()


def test_javascript_link_in_an_archive_is_inert(browser, tmp_path: Path) -> None:
    import json

    from postcheck.report.scan_html import render_html
    from postcheck.scan import scan

    root = archives.mastodon(tmp_path / "m")
    outbox = json.loads((root / "outbox.json").read_text())
    for item in outbox["orderedItems"]:
        if isinstance(item["object"], dict):
            item["object"]["url"] = "javascript:window.__pwned=1"
    (root / "outbox.json").write_text(json.dumps(outbox))
    result = scan([root], processes=1)
    dest = tmp_path / "report.html"
    with dest.open("w", encoding="utf-8") as fh:
        render_html(result, fh)
    result.close()

    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(dest.as_uri())
    assert page.locator('a[href^="javascript" i]').count() == 0
    shown = page.locator("#worst-first .not-a-link")
    assert shown.count() >= 1 and "javascript:window.__pwned=1" in shown.first.inner_text()
    shown.first.click()
    assert page.evaluate("window.__pwned") is None
    # the filter script still runs under the hash-based policy
    assert page.locator("#shown").inner_text().endswith("shown")
    assert not errors
    page.close()
