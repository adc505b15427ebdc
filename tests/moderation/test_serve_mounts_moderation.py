"""`postcheck serve --moderation` runs the web door with the moderation queue mounted."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from postcheck.web.app import MODERATION_ENV, create_served_app


def test_served_app_mounts_moderation_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'm.sqlite3'}")
    monkeypatch.setenv(MODERATION_ENV, "1")
    with TestClient(create_served_app()) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/moderate/", follow_redirects=False).status_code == 303
        assert c.get("/moderate/login").status_code == 200


def test_served_app_without_moderation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODERATION_ENV, raising=False)
    with TestClient(create_served_app()) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/moderate/login").status_code == 404
