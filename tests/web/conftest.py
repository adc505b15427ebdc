"""Fixtures for the web door: an in-process client, a live uvicorn server, a real browser.

Browser tests need Debian's chromium and axe-core (installed by ci/web.sh). Locally they
skip with the reason when those are missing; under CI=true a missing dependency fails.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from postcheck.web.app import create_app
from postcheck.web.settings import WebSettings

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("POSTCHECK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Where ci/web.sh puts axe-core; POSTCHECK_AXE_JS overrides.
AXE_DEFAULT = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"


def need(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI: CI is promised the dependency by ci/web.sh."""
    if condition:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI=true: run ci/web.sh first)")
    pytest.skip(reason)


def axe_path() -> Path:
    return Path(os.environ.get("POSTCHECK_AXE_JS", str(AXE_DEFAULT)))


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server must never call out: any connection beyond loopback fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise AssertionError(f"network call to {host!r} during a web test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def settings(tmp_path: Path) -> WebSettings:
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir()
    return WebSettings(
        max_body_bytes=600_000,
        max_batch_body_bytes=2_000_000,
        max_batch_posts=50,
        max_upload_bytes=2_000_000,
        upload_dir=upload_dir,
        secret_key="test-secret",
    )


@pytest.fixture
def client(settings: WebSettings) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings), base_url="http://testserver") as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port, access log off as in serve."""
    import uvicorn

    upload_dir = tmp_path_factory.mktemp("live-uploads")
    app = create_app(WebSettings(upload_dir=upload_dir, max_upload_bytes=5_000_000))
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, access_log=False, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


# Module scope, like the scan and moderation browser fixtures: while a sync Playwright is
# started it leaves its event loop marked as running on the main thread, so another
# sync_playwright() (theirs) would refuse to start until this one has stopped.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed (pip install -e '.[test]')")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    pg.js_errors = errors
    yield pg
    context.close()
