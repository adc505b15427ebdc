"""In headless Chromium against a live server: hostile comments never run in the owner's
browser, and the embeddable form works from another origin."""

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
    links = page.locator("a", has_text="Open, edit or decide").all()
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
