"""In headless Chromium against a live server: hostile comments never run in the owner's
browser, the embeddable form works from another origin, and the queue works at 375 px, by
keyboard alone, with JavaScript off and with no axe-core violations."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from postcheck.moderation.auth import hash_password
from postcheck.moderation.store import Store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PASSWORD = "correct horse battery staple"
XSS = [
    '<script>window.__pwned = "script"</script>',
    "<img src=x onerror=\"window.__pwned = 'img'\"> John Smith stole the money",
    "</textarea><svg onload=\"window.__pwned='svg'\"> you are a pathetic idiot",
]


def _need_browser() -> Any:
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright not installed"
    if missing is None and not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        missing = "chromium not installed (bash ci/web.sh installs it)"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    return sync_playwright


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location(
        "bench_moderation", ROOT / "benchmarks" / "bench_moderation.py"
    )
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_moderation"] = bench
    spec.loader.exec_module(bench)
    db = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'm.sqlite3'}"
    store = Store(db, migrate_now=True)
    store.set_owner("owner", hash_password(PASSWORD))
    key = store.add_site("blog")
    store.dispose()
    with bench.server(db) as (base, _proc):
        for text in XSS:
            r = httpx.post(
                f"{base}/api/sites/blog/comments",
                json={"id": text[:20], "author_name": "<b>Mallory</b>", "text": text},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert r.status_code == 201
        yield base, key


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _need_browser()
    with sync_playwright() as p:
        # Chromium blocks pages from reaching loopback addresses cross-origin (local network
        # access); in the embed test both the blog and the service are on loopback, which in
        # real use neither is.
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=[*ARGS, "--disable-features=LocalNetworkAccessChecks"]
        )
        yield b
        b.close()


def test_hostile_comments_are_text_in_the_owners_pages(live: tuple[str, str], browser: Any) -> None:
    base, _key = live
    page = browser.new_page(base_url=base)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/moderate/")
    assert page.url.endswith("/moderate/login?next=%2Fmoderate%2F")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/moderate/")
    body = page.locator("main").inner_text()
    assert "<img src=x onerror=" in body and "<b>Mallory</b>" in body
    assert page.evaluate("window.__pwned") is None
    # Select-all (the pages' only script, served from the same origin under the CSP) works.
    page.check("#select-all")
    assert all(box.is_checked() for box in page.locator('#bulk input[name="ids"]').all())
    links = page.locator("article.card a.open").all()
    hrefs = [link.get_attribute("href") for link in links]
    assert len(hrefs) >= 2
    for href in hrefs:
        page.goto(str(href))
        assert page.evaluate("window.__pwned") is None
        assert page.locator("textarea[name=text]").input_value().startswith(("<", "</"))
    page.goto("/moderate/?status=all")
    assert page.evaluate("window.__pwned") is None
    assert errors == []
    page.close()


def test_embed_form_from_another_origin(live: tuple[str, str], browser: Any) -> None:
    base, key = live
    form = (ROOT / "src/postcheck/moderation/embed/comment-form.html").read_text()
    html = (
        form.replace("https://comments.example.org", base)
        .replace("PASTE-SITE-KEY", key)
        .replace('data-postcheck-site="my-blog"', 'data-postcheck-site="blog"')
    )
    _embed(browser, base, html)


def _embed(browser: Any, base: str, html: str) -> None:
    page = browser.new_page()
    # The blog's page on another origin (localhost vs 127.0.0.1: both loopback, so Chromium's
    # private-network rules don't interfere), talking to the service cross-origin.
    blog = base.replace("127.0.0.1", "localhost") + "/a-blog-post"
    page.route(blog, lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(blog)
    page.fill("input[name=author_name]", "Aroha")
    page.fill("textarea[name=text]", "Everyone knows Councillor Brown took kickbacks.")
    page.click("button[type=submit]")
    status = page.locator("[data-postcheck-status]")
    status.filter(has_text="waiting for the site owner").wait_for(timeout=15_000)
    page.fill("textarea[name=text]", "Lovely <b>photos</b>, thanks!")
    page.click("button[type=submit]")
    status.filter(has_text="published").wait_for(timeout=15_000)
    item = page.locator("[data-postcheck-comments] li").first
    item.wait_for(timeout=15_000)
    assert "Lovely <b>photos</b>, thanks!" in item.inner_text()  # shown as text
    assert page.locator("[data-postcheck-comments] b").count() == 0
    page.close()


# -- the queue: phones, keyboards, no JavaScript, accessibility ---------------------------

AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
#: Held comments as an owner might see them (one with a phone number, one with an e-mail).
HELD = [
    ("Aroha", "Ring Mere on 021 555 1234 about the fence. She is a liar and everyone knows it."),
    ("Kev", "Everyone knows Councillor Brown took kickbacks on the stadium deal."),
    ("Sam", "As a public servant, who do you vote for? Be honest."),
    ("Tama", "You are a pathetic idiot and nobody wants you here."),
    (
        "Whetu",
        "Email me at whetu.tawhiri@example.co.nz, the council's so-called "
        "consultation was a sham and you know it, you clueless idiot.",
    ),
]


@pytest.fixture(scope="module")
def queue_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The moderation app under uvicorn in this process, with held comments on three sites:
    "blog" for looking at, "kb" and "nojs" for the tests that decide."""
    import threading
    import time

    import uvicorn

    from postcheck.moderation.app import create_app
    from postcheck.moderation.settings import Settings

    _need_browser()
    db = f"sqlite:///{tmp_path_factory.mktemp('queue') / 'm.sqlite3'}"
    app = create_app(Settings(database_url=db, time_zone="Pacific/Auckland"))
    store = app.state.moderation.store
    store.set_owner("owner", hash_password(PASSWORD))
    keys = {name: store.add_site(name) for name in ("blog", "kb", "nojs")}
    with socket_free() as port:
        pass
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    for site in keys:
        for i, (name, text) in enumerate(HELD):
            r = httpx.post(
                f"{base}/api/sites/{site}/comments",
                json={"id": f"{site}-{i}", "author_name": name, "text": text},
                headers={"Authorization": f"Bearer {keys[site]}"},
            )
            assert r.status_code == 201 and r.json()["decision"] == "hold", (text, r.json())
    httpx.post(
        f"{base}/api/sites/blog/comments",
        json={"id": "ok", "author_name": "Priya", "text": "Lovely photos, thanks for sharing!"},
        headers={"Authorization": f"Bearer {keys['blog']}"},
    )
    yield base, keys
    server.should_exit = True
    thread.join(timeout=10)


class socket_free:
    """A free loopback port (closed again before the server binds it)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


def _signed_in(browser: Any, base: str, **context: Any) -> Any:
    ctx = browser.new_context(base_url=base, **context)
    page = ctx.new_page()
    page.goto("/moderate/login")
    page.fill("#username", "owner")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/moderate/")
    return page


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_queue_at_375px_has_no_sideways_scroll(
    queue_live: tuple[str, dict[str, str]], browser: Any
) -> None:
    base, _ = queue_live
    page = _signed_in(browser, base, viewport={"width": 375, "height": 800})
    page.goto("/moderate/?site=blog")
    assert page.locator("article.card").count() == len(HELD)
    assert _overflow(page) <= 0
    # Words wrap between words; only a word too long for the line may be broken.
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('.card .body'));"
        " return [s.overflowWrap, s.wordBreak]; })()"
    )
    assert style == ["break-word", "normal"]
    phone = page.locator("article.card", has_text="021 555 1234")
    button = phone.get_by_role("button", name="Remove personal details and approve")
    assert button.is_visible()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    href = phone.locator("a.open").get_attribute("href")
    for path in (str(href), "/moderate/audit", "/moderate/sites", "/moderate/sites/blog/policy"):
        page.goto(path)
        assert _overflow(page) <= 0, path
    page.context.close()


def test_queue_by_keyboard_alone(queue_live: tuple[str, dict[str, str]], browser: Any) -> None:
    base, _ = queue_live
    page = _signed_in(browser, base, viewport={"width": 1280, "height": 900})
    page.goto("/moderate/?site=kb")
    assert page.locator("#keys").is_visible()
    assert "a approve" in page.locator("#keys").inner_text()
    count = page.locator("article.card").count()
    # The first Tab reaches the skip link; typing in a field never triggers a shortcut.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.focus("#f-q")
    page.keyboard.type("jar")
    assert page.input_value("#f-q") == "jar" and page.url.endswith("?site=kb")
    page.keyboard.press("Tab")  # onto the Filter button: shortcuts work again
    page.keyboard.press("j")
    current = "document.activeElement.dataset.comment || ''"
    first = page.evaluate(current)
    assert first
    page.keyboard.press("j")
    second = page.evaluate(current)
    assert second and second != first
    page.keyboard.press("k")
    assert page.evaluate(current) == first
    # Tab order inside a card: its checkbox, its buttons in reading order, Open, then the
    # next card's checkbox.
    card = page.locator(f'article[data-comment="{first}"]')
    expected = [f"select-{first}"] + [
        el.inner_text().strip() for el in card.locator(".actions button, .actions a").all()
    ]
    seen = []
    for _ in range(len(expected) + 1):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate("document.activeElement.id || document.activeElement.innerText.trim()")
        )
    assert seen[:-1] == expected
    assert seen[-1].startswith("select-") and seen[-1] != f"select-{first}"
    # "a" on a comment with personal details does not publish it: it says how.
    page.keyboard.press("Shift+Tab")
    phone_card = page.locator("article.card[data-details]").first
    phone_card.focus()
    page.keyboard.press("a")
    assert "personal details" in page.locator("#key-status").inner_text()
    assert page.locator("article.card").count() == count
    # "r" rejects the current comment; the page comes back with the next one current.
    page.keyboard.press("k")
    page.keyboard.press("j")
    target = page.evaluate(current)
    author = page.locator(f"#author-{target}").inner_text()
    with page.expect_navigation():
        page.keyboard.press("r")
    assert f"Comment from {author} rejected." in page.locator(".flash").inner_text()
    assert page.locator("article.card").count() == count - 1
    assert page.locator(f'article[data-comment="{target}"]').count() == 0
    assert page.evaluate("document.activeElement.tagName") == "ARTICLE"
    # "d" removes the personal details and approves.
    page.locator("article.card[data-details]").first.focus()
    with page.expect_navigation():
        page.keyboard.press("d")
    assert "and approved." in page.locator(".flash").inner_text()
    page.context.close()


def test_row_actions_work_without_javascript(
    queue_live: tuple[str, dict[str, str]], browser: Any
) -> None:
    base, _ = queue_live
    page = _signed_in(browser, base, java_script_enabled=False)
    page.goto("/moderate/?site=nojs")
    assert page.locator("#keys").is_hidden()  # no promises the page cannot keep
    kev = page.locator("article.card", has_text="Councillor Brown")
    kev.get_by_role("button", name="Reject the comment from Kev").click()
    page.wait_for_load_state()
    assert "Comment from Kev rejected." in page.locator(".flash").inner_text()
    assert page.locator("article.card", has_text="Councillor Brown").count() == 0
    aroha = page.locator("article.card", has_text="021 555 1234")
    aroha.get_by_role("button", name="Remove personal details and approve").click()
    page.wait_for_load_state()
    assert "removed 1 phone number and approved" in page.locator(".flash").inner_text()
    page.goto("/moderate/?site=nojs&status=published")
    published = page.locator("article.card", has_text="Ring Mere on").inner_text()
    assert "[phone removed]" in published and "555" not in published
    assert "Published by owner" in published
    page.get_by_role("button", name="Hold the comment from Aroha").click()
    page.wait_for_load_state()
    assert "Comment from Aroha held." in page.locator(".flash").inner_text()
    page.context.close()


def _axe(page: Any) -> dict[str, Any]:
    if not AXE.is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"axe-core missing at {AXE} (run ci/web.sh)")
        pytest.skip(f"axe-core not found at {AXE} (run ci/web.sh)")
    page.add_script_tag(path=str(AXE))
    return dict(
        page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        )
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_no_axe_violations(
    queue_live: tuple[str, dict[str, str]], browser: Any, width: int
) -> None:
    base, _ = queue_live
    viewport = {"width": width, "height": 900}
    # axe is injected as a script, which the pages' CSP rightly forbids: bypassed for the audit.
    ctx = browser.new_context(base_url=base, bypass_csp=True, viewport=viewport)
    login = ctx.new_page()
    login.goto("/moderate/login")
    pages = {"login": _axe(login)}
    page = _signed_in(browser, base, bypass_csp=True, viewport=viewport)
    page.goto("/moderate/?site=blog")
    pages["queue"] = _axe(page)
    page.goto(
        str(
            page.locator("article.card", has_text="021 555").locator("a.open").get_attribute("href")
        )
    )
    pages["comment"] = _axe(page)
    page.goto("/moderate/audit")
    pages["history"] = _axe(page)
    found = {
        name: [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
        for name, result in pages.items()
    }
    assert found == {name: [] for name in pages}
    assert all(len(r["passes"]) > 15 for r in pages.values())
    report = os.environ.get("POSTCHECK_AXE_REPORT")
    if report:
        import json

        Path(report).mkdir(parents=True, exist_ok=True)
        for name, r in pages.items():
            (Path(report) / f"axe-moderation-{name}-{width}.json").write_text(
                json.dumps(
                    {
                        "violations": len(r["violations"]),
                        "passes": len(r["passes"]),
                        "incomplete": len(r["incomplete"]),
                    }
                )
            )
    ctx.close()
    page.context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshot_of_the_queue(
    queue_live: tuple[str, dict[str, str]], browser: Any, width: int, tmp_path: Path
) -> None:
    """Saved to docs/screenshots/ when POSTCHECK_UPDATE_SCREENSHOTS=1."""
    base, _ = queue_live
    page = _signed_in(browser, base, viewport={"width": width, "height": 900})
    page.goto("/moderate/?site=blog")
    shot = tmp_path / "queue.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    phone = page.locator("article.card", has_text="021 555 1234")
    page.goto(str(phone.locator("a.open").get_attribute("href")))
    detail = tmp_path / "comment.png"
    page.screenshot(path=str(detail), full_page=True)
    if os.environ.get("POSTCHECK_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(shot, ROOT / "docs" / "screenshots" / f"moderation-queue-{width}.png")
        shutil.copy(detail, ROOT / "docs" / "screenshots" / f"moderation-comment-{width}.png")
    page.context.close()
