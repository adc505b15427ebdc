"""End to end in headless Chromium against a live uvicorn: what a person actually sees."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from postcheck.guidance import editions

from .conftest import REPO, axe_path, need

pytestmark = pytest.mark.slow

RISKY = "Can't wait to vote Labour out. The Three Waters reforms are a disaster for this country."
ADVISER_DRAFT = "Luxon is a liar and anyone who votes National is an idiot"
TIMEOUT = 15_000


def verdict(page: Any) -> str:
    return str(page.locator("#verdict-word").inner_text()).strip()


def wait_verdict(page: Any, words: str) -> None:
    page.wait_for_function(
        "w => { const v = document.getElementById('verdict-word'); "
        "return v && v.textContent.trim() === w; }",
        arg=words,
        timeout=TIMEOUT,
    )


RANKS = {"none": 0, "low": 1, "medium": 2, "high": 3}


def risk(page: Any) -> int:
    cls = page.locator("#chip").get_attribute("class") or ""
    return RANKS[cls.split("risk-")[1].split()[0]]


def wait_risk_above(page: Any, rank: int) -> None:
    """Waits for a new result whose risk is higher than `rank`: rules get tuned, so tests
    assert the direction context moves the risk, not exact words."""
    names = [k for k, v in RANKS.items() if v > rank]
    page.wait_for_function(
        "names => names.some(n => document.getElementById('chip').classList.contains('risk-' + n))",
        arg=names,
        timeout=TIMEOUT,
    )


def wait_result(page: Any) -> None:
    page.wait_for_selector("#chip[class*='risk-']", timeout=TIMEOUT)


def type_draft(page: Any, text: str = RISKY, platform: str = "facebook") -> None:
    page.goto("/")
    page.select_option("#platform", platform)
    page.locator("#text").press_sequentially(text, delay=2)
    wait_result(page)


def adviser_draft(page: Any) -> None:
    """The issue's example: a policy adviser at MBIE, on LinkedIn."""
    page.goto("/")
    page.select_option("#platform", "linkedin")
    page.locator("#profile-details summary").click()
    page.fill("#employer", "Ministry of Business, Innovation and Employment")
    page.fill("#role", "policy adviser")
    page.fill("#text", ADVISER_DRAFT)
    page.wait_for_selector("#chip.risk-high", timeout=TIMEOUT)
    page.wait_for_selector("#draft-marks mark", timeout=TIMEOUT)


def test_risky_draft_is_marked_in_the_draft_then_linkedin_raises_it(page: Any) -> None:
    type_draft(page)
    wait_verdict(page, "Take care")
    before = risk(page)
    page.wait_for_selector("#draft-marks mark", timeout=TIMEOUT)
    marks = page.locator("#draft-marks mark")
    assert "Three Waters" in " ".join(marks.all_inner_texts())
    # The marks sit under the words in the draft box itself, not in a copy elsewhere.
    box = page.locator("#text").bounding_box()
    first = marks.first.bounding_box()
    assert box and first
    assert box["x"] <= first["x"] < box["x"] + box["width"]
    assert box["y"] <= first["y"] < box["y"] + box["height"]
    assert not page.locator("#marked").is_visible()
    assert page.locator("#draft-marks").inner_text().replace("\u200b", "") == RISKY
    status = page.locator("#status").inner_text()
    assert "Take care" in status
    finding = page.locator("#findings li.finding").first
    assert finding.locator("a[href^='/rules/']").count() == 1  # its rule page
    assert finding.locator("a[href^='https://']").count() >= 1  # the source

    page.click("#signals-box summary")
    assert "Personal political opinion" in page.locator("#signals").inner_text()

    page.select_option("#platform", "linkedin")
    wait_risk_above(page, before)
    assert "LinkedIn" in page.locator("#findings").inner_text()
    assert not page.js_errors


def test_long_draft_has_no_inner_scroll_and_marks_line_up(page: Any) -> None:
    # The draft box grows with the text: a mark near the end is on the page, not hidden in a
    # box that scrolls by itself, and it sits under its own words.
    filler = "\n".join(f"Line {i} about a walk up the maunga with the whanau." for i in range(40))
    page.goto("/")
    page.select_option("#platform", "facebook")
    page.fill("#text", filler + "\nThe Minister is a clueless idiot.")
    page.wait_for_selector("#draft-marks mark", timeout=TIMEOUT)
    inner = page.evaluate(
        "(() => { const t = document.getElementById('text');"
        " return t.scrollHeight - t.clientHeight; })()"
    )
    assert inner <= 2
    box = page.locator("#text").bounding_box()
    last = page.locator("#draft-marks mark").last.bounding_box()
    assert box and last and box["y"] + box["height"] - 80 < last["y"] < box["y"] + box["height"]
    # The layer wraps the text into exactly as many lines as the box does.
    heights = page.evaluate(
        "[document.getElementById('text').scrollHeight,"
        " document.getElementById('draft-marks').scrollHeight]"
    )
    assert abs(heights[0] - heights[1]) <= 2, heights
    assert page.locator("#draft-marks mark").last.inner_text() in ("idiot", "clueless idiot")


def test_older_edition_shows_te_reo_heading(page: Any) -> None:
    type_draft(page)
    page.locator("details.more summary").click()
    page.select_option("#edition", "state-servants")
    page.wait_for_selector("#findings [lang='mi']", timeout=TIMEOUT)
    old = editions()["state-servants"]
    assert old.title in page.locator("#findings").inner_text()


def test_profile_stays_in_the_browser(page: Any) -> None:
    page.goto("/")
    page.select_option("#platform", "linkedin")
    page.locator("#profile-details summary").click()
    page.fill("#employer", "Ministry of Health")
    page.check("#shows_employer")
    page.reload()
    assert page.input_value("#employer") == "Ministry of Health"
    assert page.input_value("#platform") == "linkedin"  # defaulted from the saved profile
    assert page.is_checked("#shows_employer")
    stored = json.loads(page.evaluate("localStorage.getItem('postcheck.profile.v1')"))
    assert stored["employer"] == "Ministry of Health"
    assert page.context.cookies() == []  # nothing about the person rides on cookies
    # A saved profile stays folded, named in its summary line, so the draft is near the top.
    assert "Ministry of Health" in page.locator("#profile-summary").inner_text()
    page.locator("#profile-details summary").click()
    page.click("#forget")
    assert page.evaluate("localStorage.getItem('postcheck.profile.v1')") is None
    assert page.input_value("#employer") == ""
    assert page.input_value("#platform") == ""


def test_profile_changes_the_advice(page: Any) -> None:
    type_draft(page)
    wait_verdict(page, "Take care")
    before = risk(page)
    page.locator("#profile-details summary").click()
    page.select_option("#seniority", "executive")
    wait_risk_above(page, before)


def test_share_with_manager_view(page: Any) -> None:
    type_draft(page)
    wait_verdict(page, "Take care")
    page.click("#share-button")
    share = page.locator("#share-body")
    assert share.is_visible()
    text = share.inner_text()
    assert RISKY in text and "Take care" in text and "Why:" in text
    page.fill("#share-note", "Is this OK given my role?")
    assert "Is this OK given my role?" in share.inner_text()
    page.evaluate("document.body.classList.add('sharing')")  # what Print does first
    page.emulate_media(media="print")
    assert not page.locator("#text").is_visible()
    assert share.is_visible()
    assert not page.locator("#print-button").is_visible()
    page.emulate_media(media="screen")


def active(page: Any) -> str:
    return str(page.evaluate("document.activeElement.id || document.activeElement.className"))


def test_keyboard_only_reaches_and_steps_through_the_findings(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(10):  # on to the platform, the first thing asked
        page.keyboard.press("Tab")
        if active(page) == "platform":
            break
    assert active(page) == "platform"
    page.keyboard.press("ArrowDown")  # a closed select on Linux steps through its options
    page.focus("#text")
    page.keyboard.type(ADVISER_DRAFT)
    page.keyboard.press("Control+Enter")
    wait_result(page)
    page.wait_for_selector("#draft-marks mark", timeout=TIMEOUT)
    # Tab backwards from the draft to the sticky bar's Next button, and press it.
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if active(page) == "next-finding":
            break
    assert active(page) == "next-finding"
    page.keyboard.press("Enter")
    assert active(page) == "finding-1"
    n = page.locator("li.finding").count()
    assert n >= 2
    page.keyboard.press("Alt+ArrowDown")
    assert active(page) == "finding-2"
    page.keyboard.press("Alt+ArrowUp")
    assert active(page) == "finding-1"
    page.keyboard.press("Alt+ArrowUp")
    assert active(page) == f"finding-{n}"  # wraps round
    # From a finding, Tab goes into it: its links to the guidance and the rule.
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Tab")
    inside = page.evaluate("document.activeElement.closest('li.finding').id")
    assert inside == "finding-1"
    assert page.locator("#draft-marks mark.current").count() >= 1
    assert not page.js_errors


@pytest.mark.parametrize("width,height", [(375, 740), (1280, 800)])
def test_verdict_chip_stays_in_view(
    browser: Any, live_server: str, width: int, height: int
) -> None:
    ctx = browser.new_context(base_url=live_server, viewport={"width": width, "height": height})
    try:
        page = ctx.new_page()
        adviser_draft(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0  # no sideways scroll
        for target in ("#text", "li.finding >> nth=-1", "#share"):
            page.locator(target).scroll_into_view_if_needed()
            chip = page.locator("#chip").bounding_box()
            assert chip is not None
            assert 0 <= chip["y"] < 120, (target, chip)
        box = page.locator("#text").bounding_box()
        assert box is not None and box["width"] > 250
        # Next/previous are big enough to hit with a thumb (24 px at the very least).
        nxt = page.locator("#next-finding").bounding_box()
        assert nxt and nxt["width"] >= 24 and nxt["height"] >= 24
    finally:
        ctx.close()


def test_no_javascript_check_is_a_post_with_the_result_rendered(
    browser: Any, live_server: str
) -> None:
    ctx = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 375, "height": 740}
    )
    try:
        page = ctx.new_page()
        page.goto("/")
        methods: list[str] = []
        page.on(
            "request", lambda r: methods.append(r.method) if r.is_navigation_request() else None
        )
        page.select_option("#platform", "linkedin")
        page.locator("#profile-details summary").click()
        page.fill("#employer", "MBIE")
        page.fill("#text", ADVISER_DRAFT)
        page.click("#check-button")
        page.wait_for_selector("#finding-1", timeout=TIMEOUT)
        assert methods == ["POST"]
        assert page.url.rstrip("/") == live_server  # nothing in the address bar
        assert "?" not in page.url and "liar" not in page.url
        assert verdict(page) == "Don't post"
        assert page.locator("#marked mark").count() >= 3
        assert page.locator("#marked a.marker").count() == page.locator("li.finding").count()
        assert page.input_value("#text") == ADVISER_DRAFT  # still there to edit
        assert page.input_value("#employer") == "MBIE"
        # On a phone the result comes first, right under the verdict.
        marked = page.locator("#marked").bounding_box()
        form = page.locator("#platform").bounding_box()
        assert marked and form and marked["y"] < form["y"]
        page.locator("#marked a.marker").first.click()
        assert page.url.endswith("#finding-1")
    finally:
        ctx.close()


def test_no_javascript_archive_upload(browser: Any, live_server: str, tmp_path: Path) -> None:
    """A plain form post from our no-referrer page arrives with `Origin: null`."""
    ctx = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = ctx.new_page()
        origins: list[str | None] = []
        page.on(
            "request",
            lambda r: origins.append(r.headers.get("origin")) if r.method == "POST" else None,
        )
        page.goto("/archive")
        page.set_input_files("#archive", str(small_archive(tmp_path)))
        page.click("#upload-button")
        page.wait_for_url("**/archive/jobs/*", timeout=TIMEOUT)
        assert origins == ["null"]
        page.wait_for_selector("#report-link:not([hidden])", timeout=30_000)
        assert "3 posts checked" in page.locator("#job-status").inner_text()
    finally:
        ctx.close()


def test_finding_links_to_its_rule_page(page: Any) -> None:
    adviser_draft(page)
    page.locator("li.finding a[href='/rules/political-work-linked']").click()
    page.wait_for_url("**/rules/political-work-linked")
    assert page.locator("h1").inner_text() == "Political comment tied to your job"
    assert page.locator("li.ex-flag").count() >= 1 and page.locator("li.ex-pass").count() >= 1
    page.locator("a[href='/guidance/public-servants/linkedin']").first.click()
    page.wait_for_url("**/guidance/public-servants/linkedin")
    assert page.locator("h1").inner_text().startswith("§2.2")


def test_guidance_page(page: Any) -> None:
    page.goto("/guidance")
    rows = page.locator("table.clauses tbody tr")
    assert rows.count() == len(editions()["public-servants"].clauses)
    assert page.locator("table.clauses del").count() > 0
    assert page.locator("table.clauses ins").count() > 0
    scope = page.locator("#clause-scope").inner_text()
    assert "Kaupapa" in scope
    page.locator("#clause-neutrality details summary").first.click()
    assert "Flags, for example" in page.locator("#clause-neutrality").inner_text()


def run_axe(page: Any) -> dict[str, Any]:
    path = axe_path()
    need(path.is_file(), f"axe-core not found at {path} (run ci/web.sh)")
    page.add_script_tag(path=str(path))
    return dict(page.evaluate(AXE_RUN))


AXE_RUN = (
    "async () => await axe.run(document, {runOnly: "
    "{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
)


def serious(result: dict[str, Any]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        # Every violation, whatever its impact: the issue asks for none on any page.
        for v in result["violations"]
    ]


SWEARY = "What a fucking brilliant game, absolute scenes at Eden Park"


def test_use_the_suggested_rewrite(page: Any) -> None:
    page.goto("/")
    page.select_option("#platform", "linkedin")
    page.locator("#profile-details summary").click()
    page.fill("#employer", "Ministry of Health")
    page.fill("#text", SWEARY)
    page.wait_for_selector(".rewrite blockquote", timeout=TIMEOUT)
    assert page.locator(".rewrite blockquote").inner_text().strip() == (
        "What a brilliant game, absolute scenes at Eden Park"
    )
    button = page.locator("button.use-rewrite")
    button.focus()
    page.keyboard.press("Enter")
    assert page.input_value("#text") == "What a brilliant game, absolute scenes at Eden Park"
    wait_verdict(page, "Fine to post")
    assert page.locator(".rewrite").count() == 0


def test_no_javascript_rewrite_is_shown_without_a_dead_button(
    browser: Any, live_server: str
) -> None:
    ctx = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto("/")
        page.select_option("#platform", "facebook")
        page.fill("#text", "His IRD number is 49-091-850, can someone check it?")
        page.click("#check-button")
        page.wait_for_selector(".rewrite blockquote", timeout=TIMEOUT)
        assert "[details removed]" in page.locator(".rewrite blockquote").inner_text()
        assert not page.locator("button.use-rewrite").is_visible()
    finally:
        ctx.close()


@pytest.fixture
def axe_page(browser: Any, live_server: str) -> Any:
    # axe is injected as a script, which the page's own CSP rightly forbids; bypass it for
    # the audit only.
    ctx = browser.new_context(base_url=live_server, bypass_csp=True)
    yield ctx.new_page()
    ctx.close()


def test_accessibility_of_the_check_page_with_a_result(axe_page: Any) -> None:
    adviser_draft(axe_page)
    axe_page.click("#signals-box summary")
    result = run_axe(axe_page)
    _record_axe("check", result)
    assert serious(result) == []
    assert len(result["passes"]) > 20
    axe_page.click("#share-button")
    shared = run_axe(axe_page)
    _record_axe("check-share", shared)
    assert serious(shared) == []


def test_accessibility_of_a_result_with_a_rewrite(axe_page: Any) -> None:
    axe_page.goto("/")
    axe_page.select_option("#platform", "facebook")
    axe_page.fill("#text", "His IRD number is 49-091-850, can someone check it?")
    axe_page.wait_for_selector("button.use-rewrite:not([hidden])", timeout=TIMEOUT)
    result = run_axe(axe_page)
    _record_axe("check-rewrite", result)
    assert serious(result) == []


def test_accessibility_of_the_no_javascript_result(axe_page: Any) -> None:
    # axe needs script (its run waits on timers a script-less page never fires), so the
    # page's own script is blocked instead: what renders is the server's no-JS result.
    axe_page.route("**/static/check.js", lambda route: route.abort())
    axe_page.goto("/")
    axe_page.select_option("#platform", "linkedin")
    axe_page.fill("#text", ADVISER_DRAFT)
    axe_page.click("#check-button")
    axe_page.wait_for_selector("#finding-1", timeout=TIMEOUT)
    assert axe_page.evaluate("document.documentElement.classList.contains('js')") is False
    result = run_axe(axe_page)
    _record_axe("check-no-js", result)
    assert serious(result) == []


@pytest.mark.parametrize(
    "path",
    [
        "/guidance",
        "/archive",
        "/rules/political-work-linked",
        "/guidance/public-servants/neutrality",
        "/guidance/state-servants/scope",
        "/rules/no-such-rule",
    ],
)
def test_accessibility_of_other_pages(axe_page: Any, path: str) -> None:
    axe_page.goto(path)
    result = run_axe(axe_page)
    _record_axe(path.strip("/").replace("/", "-"), result)
    assert serious(result) == []


def _record_axe(name: str, result: dict[str, Any]) -> None:
    """Counts for the record (POSTCHECK_AXE_REPORT=dir writes them)."""
    out = os.environ.get("POSTCHECK_AXE_REPORT")
    if not out:
        return
    counts = {
        "violations": {v["id"]: v["impact"] for v in result["violations"]},
        "passes": len(result["passes"]),
        "incomplete": {v["id"]: len(v["nodes"]) for v in result["incomplete"]},
    }
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / f"axe-{name}.json").write_text(json.dumps(counts, indent=2))


SCREENSHOTS = REPO / "docs" / "screenshots"


def _keep(page: Any, tmp_path: Path, name: str) -> None:
    """Saved to docs/screenshots/ when POSTCHECK_UPDATE_SCREENSHOTS=1."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("POSTCHECK_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / name)


@pytest.mark.parametrize("width,suffix", [(1280, ""), (375, "-phone")])
def test_screenshots(
    browser: Any, live_server: str, tmp_path: Path, width: int, suffix: str
) -> None:
    ctx = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    try:
        page = ctx.new_page()
        adviser_draft(page)
        # As a returning person sees it: the profile folded, nothing focused.
        page.locator("#profile-details summary").click()
        page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
        _keep(page, tmp_path, f"check-page{suffix}.png")
        page.goto("/rules/political-work-linked")
        _keep(page, tmp_path, f"rule-page{suffix}.png")
        # A finding with a suggested rewrite and its "Use this wording" button.
        page.goto("/")
        page.fill("#text", SWEARY)
        page.wait_for_selector("button.use-rewrite:not([hidden])", timeout=TIMEOUT)
        page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
        _keep(page, tmp_path, f"check-rewrite{suffix}.png")
    finally:
        ctx.close()
    ctx = browser.new_context(
        base_url=live_server, viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    try:
        page = ctx.new_page()
        page.goto("/")
        page.select_option("#platform", "linkedin")
        page.locator("#profile-details summary").click()
        page.fill("#employer", "Ministry of Business, Innovation and Employment")
        page.fill("#role", "policy adviser")
        page.fill("#text", ADVISER_DRAFT)
        page.locator("#profile-details summary").click()
        page.click("#check-button")
        page.wait_for_selector("#finding-1", timeout=TIMEOUT)
        _keep(page, tmp_path, f"check-no-js{suffix}.png")
    finally:
        ctx.close()


def small_archive(folder: Path) -> Path:
    """A zip export of three posts in the plain JSONL shape `postcheck scan` reads."""
    posts = [
        {"text": RISKY, "date": "2026-03-01", "platform": "x"},
        {"text": "Lovely walk up Maungawhau today", "date": "2026-03-02"},
        {"text": "My manager at Inland Revenue is a useless idiot", "date": "2026-03-03"},
    ]
    path = folder / "my-export.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("posts.jsonl", "\n".join(json.dumps(p) for p in posts))
    return path


def test_upload_an_archive_and_get_its_report(page: Any, tmp_path: Path) -> None:
    page.goto("/archive")
    page.set_input_files("#archive", str(small_archive(tmp_path)))
    page.click("#upload-button")
    page.wait_for_url("**/archive/jobs/*", timeout=TIMEOUT)
    page.wait_for_selector("#report-link", state="visible", timeout=30_000)
    assert "3 posts checked" in page.locator("#job-status").inner_text()
    assert page.locator("h1").inner_text().startswith("Scanned")
    page.click("#report-link")
    page.wait_for_load_state()
    body = page.locator("body").inner_text()
    assert "my-export.zip" in body
    assert "Three Waters" in body
    assert "upload.zip" not in body  # our temporary name never shows
    assert not page.js_errors  # the report's inline script and style pass the hashed CSP


def test_draft_markup_is_shown_as_text_never_run(page: Any) -> None:
    hostile = '<img src=x onerror="window.pwned=1"> The Minister is a clueless idiot'
    page.goto("/")
    page.select_option("#platform", "facebook")
    page.fill("#text", hostile)
    wait_result(page)
    page.click("#share-button")
    assert page.locator("#results img, #draft-marks img").count() == 0
    assert "<img src=x" in page.locator("#share-body").inner_text()
    assert "<img src=x" in page.locator("#draft-marks").inner_text()
    assert page.evaluate("window.pwned") is None


def test_highlights_line_up_after_emoji(page: Any) -> None:
    # Astral emoji before the flagged words would shift every mark if offsets were mixed up
    # between code points (the engine) and UTF-16 units (the browser).
    page.goto("/")
    page.select_option("#platform", "facebook")
    page.fill("#text", "🗳️🔥🇳🇿 " + RISKY)
    page.wait_for_selector("#draft-marks mark", timeout=TIMEOUT)
    marks = page.locator("#draft-marks mark").all_inner_texts()
    assert "Three Waters" in marks
