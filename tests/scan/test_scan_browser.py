"""The HTML report in a real browser: headless Debian Chromium driven by Playwright.

Skips when Chromium or Playwright is missing locally; in CI (CI=true) it must run, so a
missing dependency fails instead (ci/scan.sh installs Chromium; Playwright is in the
`test` extra; axe-core comes from ci/web.sh's npm cache, or POSTCHECK_AXE_JS).
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import archives
import pytest

CHROMIUM = os.environ.get("POSTCHECK_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
AXE = Path(
    os.environ.get(
        "POSTCHECK_AXE_JS",
        str(REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"),
    )
)
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


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """One report shared by the checks below: X (political bio with a disclaimer), LinkedIn
    (political headline), Mastodon; dates from 2018 to 2024 span two polling days."""
    from postcheck.report.scan_html import render_html
    from postcheck.scan import scan

    tmp = tmp_path_factory.mktemp("report")
    paths = [
        archives.x_archive(tmp / "x"),
        archives.linkedin(tmp / "li"),
        archives.mastodon(tmp / "m"),
    ]
    result = scan(paths, processes=1)
    dest = tmp / "report.html"
    with dest.open("w", encoding="utf-8") as fh:
        render_html(result, fh)
    result.close()
    return dest


def _open(browser, report: Path, width: int = 1280, js: bool = True, bypass_csp: bool = False):
    ctx = browser.new_context(
        viewport={"width": width, "height": 900},
        java_script_enabled=js,
        bypass_csp=bypass_csp,
        accept_downloads=True,
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(report.as_uri())
    return ctx, page, errors


def _boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_summary_counts_every_post_in_risk_words(browser, report: Path) -> None:
    ctx, page, errors = _open(browser, report)
    checked = int(page.locator("[data-count=checked] b").inner_text())
    words = {"none": "fine", "low": "take care", "medium": "reconsider", "high": "don't post"}
    total = 0
    for risk, word in words.items():
        card = page.locator(f"[data-risk-count={risk}]")
        assert card.locator(".badge").inner_text().lower() == word
        total += int(card.locator("b").inner_text())
    assert total == checked > 0
    # no internal ids where people read: rule titles and clause headings only
    tables = page.locator("#by-rule").inner_text() + page.locator("#by-clause").inner_text()
    assert "political-work-linked" not in tables and "[" not in tables
    assert "Section 2." in tables
    # one "why" per rule, in the rules section, not repeated on each post
    whys = page.locator("dl.rules dd")
    assert whys.count() == page.locator("#by-rule tbody tr").count()
    first_why = whys.first.inner_text()[:60]
    assert page.locator("#worst-first").inner_text().count(first_why) == 0
    assert not errors
    ctx.close()


def test_timeline_plots_all_posts_with_readable_axes(browser, report: Path) -> None:
    ctx, page, errors = _open(browser, report)
    svg = page.locator("svg#timeline")
    assert svg.is_visible()
    # fine posts are plotted too, not only the flagged ones
    assert page.locator("svg#timeline rect.bar.r-none").count() >= 1
    assert page.locator("svg#timeline rect.pre-election").count() >= 1
    assert page.locator("svg#timeline .polling-day").count() >= 2  # 2020 and 2023
    labels = page.locator("svg#timeline text.axis")
    boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
    boxes = [b for b in boxes if b]
    assert len(boxes) >= 4
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _boxes_overlap(a, b), (a, b)
    texts = [labels.nth(i).text_content() for i in range(labels.count())]
    assert "2020" in texts and "2023" in texts
    # the numbers behind the chart, for screen readers and without a mouse
    page.locator("#by-month summary").click()
    assert page.locator("#by-month tbody tr").count() >= 3
    assert not errors
    ctx.close()


def test_profile_warning_once_and_consistent(browser, report: Path) -> None:
    ctx, page, errors = _open(browser, report)
    assert page.locator(".profile .disclaimer").count() >= 1
    profiles = page.locator(".profile")
    for i in range(profiles.count()):
        box = profiles.nth(i)
        notes = box.locator(".disclaimer")
        # at most one note per profile, worded to agree with the profile's own verdict
        assert notes.count() <= 1
        if notes.count() and box.locator("h3 .badge").inner_text() == "fine":
            assert "political bio" not in notes.inner_text()
    # posts only point to the explanation
    assert "does not neutralise" not in page.locator("#worst-first").inner_text()
    assert not errors
    ctx.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_no_horizontal_scroll(browser, report: Path, width: int) -> None:
    ctx, page, errors = _open(browser, report, width=width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # a phone gets the chart by year (months would be unreadable), a desktop by month
    chart = "svg#timeline-years" if width < 600 else "svg#timeline"
    other = "svg#timeline" if width < 600 else "svg#timeline-years"
    assert page.locator(chart).is_visible() and not page.locator(other).is_visible()
    labels = page.locator(f"{chart} text.axis")
    boxes = [b for i in range(labels.count()) if (b := labels.nth(i).bounding_box())]
    assert len(boxes) >= 4
    for i, a in enumerate(boxes):
        assert all(not _boxes_overlap(a, b) for b in boxes[i + 1 :]), a
        assert a["height"] >= 10  # readable text, not a shrunken desktop chart
    for sel in ("#summary", "#worst-first > li.item", "#profiles", "#by-clause"):
        box = page.locator(sel).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, sel
    assert not errors
    ctx.close()


def test_readable_without_javascript(browser, report: Path) -> None:
    ctx, page, errors = _open(browser, report, js=False)
    assert page.locator("#worst-first > li.item").first.is_visible()
    assert page.locator("svg#timeline").is_visible()
    cli = page.locator("#review-cli")
    assert cli.is_visible() and "--update-baseline" in cli.inner_text()
    assert not page.locator("#review-bar").is_visible()
    assert page.locator("button.mark-reviewed").count() == 0
    page.locator("#worst-first details summary").first.click()
    assert page.locator("#worst-first ul.fix li").first.is_visible()
    assert not errors
    ctx.close()


def test_keyboard_marks_a_post_reviewed_and_downloads_the_file(browser, report: Path) -> None:
    import json

    from postcheck.baseline import fingerprint

    ctx, page, errors = _open(browser, report)
    first = page.locator("#worst-first > li.item").first
    entry = json.loads(first.get_attribute("data-entry"))
    # Tab from the top until the first post's reason box has focus.
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == first.get_attribute("id") + "-reason":
            break
    else:
        pytest.fail("the reason box is not reachable with Tab")
    page.keyboard.type("satire account, checked with my manager")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "mark-reviewed"
    page.keyboard.press("Enter")
    assert first.locator("button.mark-reviewed").get_attribute("aria-pressed") == "true"
    assert "1 marked as reviewed" in page.locator("#review-status").inner_text()
    page.locator("#review-download").focus()
    with page.expect_download() as dl:
        page.keyboard.press("Enter")
    data = json.loads(Path(dl.value.path()).read_text("utf-8"))
    assert data["schema"] == "postcheck.baseline" and data["version"] == 1
    (got,) = data["entries"]
    assert (
        got["fingerprint"]
        == entry["fingerprint"]
        == fingerprint(got["platform"], got["post_id"], got["text_sha256"], got["rules"])
    )
    assert got["reason"] == "satire account, checked with my manager"
    # no post text in the file
    assert first.locator(".text").inner_text()[:20] not in json.dumps(data)
    assert not errors
    ctx.close()


def _axe(page) -> list[str]:
    _need(AXE.is_file(), f"axe-core not found at {AXE} (run ci/web.sh)")
    # Evaluated by the driver: the report's CSP rightly refuses injected scripts.
    page.evaluate(AXE.read_text("utf-8") + "\n;undefined")
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


@pytest.mark.parametrize(("width", "js"), [(1280, True), (375, True), (1280, False)])
def test_axe_finds_no_violations(browser, report: Path, width: int, js: bool, tmp_path) -> None:
    if not js:
        # axe.run never settles in a page with JavaScript switched off (its timers don't
        # fire), so audit what such a page shows instead: the noscript help in place and
        # the report's script gone.
        import re

        html = report.read_text("utf-8")
        html = html.replace("<noscript>", "<div>").replace("</noscript>", "</div>")
        html = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
        report = tmp_path / "no-js.html"
        report.write_text(html, "utf-8")
    ctx, page, _ = _open(browser, report, width=width, bypass_csp=True)
    if not js:
        assert page.locator("#review-cli").is_visible()
        assert not page.locator("#review-bar").is_visible()
    # open every details element so that what they hide is audited too
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert _axe(page) == []
    levels = page.evaluate(
        "Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h => +h.tagName[1])"
    )
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    ctx.close()
