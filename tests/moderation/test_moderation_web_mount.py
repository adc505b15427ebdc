"""The moderation routes mounted inside the main web app (`postcheck.web.app.create_app`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from postcheck.moderation.app import moderation_router
from postcheck.moderation.auth import hash_password
from postcheck.moderation.settings import Settings

web_app = pytest.importorskip("postcheck.web.app")
PASSWORD = "correct horse battery staple"


def test_mounted_in_the_web_app(tmp_path: Path) -> None:
    router = moderation_router(Settings(database_url=f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    mod = router.moderation  # type: ignore[attr-defined]
    mod.store.set_owner("owner", hash_password(PASSWORD))
    key = mod.store.add_site("blog")
    app = web_app.create_app(extra_routers=[router])
    with TestClient(app) as c:
        auth = {"Authorization": f"Bearer {key}"}
        r = c.post(
            "/api/sites/blog/comments",
            json={"id": "1", "author_name": "Kev", "text": "John Smith stole the money."},
            headers=auth,
        )
        assert r.status_code == 201 and r.json()["decision"] == "hold"
        bad = c.post(
            "/api/sites/blog/comments",
            content=b"{oops",
            headers={**auth, "Content-Type": "application/json"},
        )
        assert bad.status_code == 400
        assert c.get("/moderate/", follow_redirects=False).status_code == 303
        page = c.get("/moderate/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = c.post(
            "/moderate/login",
            data={"username": "owner", "password": PASSWORD, "csrf": csrf, "next": "/moderate/"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert "John Smith" in c.get("/moderate/").text
        assert "/api/sites/{site}/comments" in c.get("/openapi.json").json()["paths"]
    mod.store.dispose()
