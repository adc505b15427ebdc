"""Test harness for the moderation app: an app on a database with an owner and two sites."""

from __future__ import annotations

import importlib.util
import re
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi.testclient import TestClient

from postcheck.moderation.app import create_app
from postcheck.moderation.auth import hash_password
from postcheck.moderation.settings import Settings

PASSWORD = "correct horse battery staple"
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_benchmark(name: str) -> ModuleType:
    """Import benchmarks/NAME.py (not a package): tests run short versions of its checks."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


class Harness:
    """An app on a database with an owner and two sites, and helpers to drive it."""

    def __init__(self, url: str, **settings: Any):
        self.settings = Settings(database_url=url, **settings)
        self.app = create_app(self.settings)
        self.mod = self.app.state.moderation
        self.store = self.mod.store
        self.store.set_owner("owner", hash_password(PASSWORD))
        self.keys = {name: self.store.add_site(name) for name in ("blog", "other")}
        self.client = TestClient(self.app)

    def post(self, site: str, body: Any, key: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {key or self.keys[site]}"}
        headers.update(kw.pop("headers", {}))
        if not isinstance(body, (dict, list)):
            return self.client.post(
                f"/api/sites/{site}/comments", content=body, headers=headers, **kw
            )
        return self.client.post(f"/api/sites/{site}/comments", json=body, headers=headers, **kw)

    def comment(self, site: str, text: str, cid: str | None = None, name: str = "Reader") -> Any:
        return self.post(site, {"id": cid or uuid.uuid4().hex, "author_name": name, "text": text})

    def login(self, client: TestClient | None = None, password: str = PASSWORD) -> TestClient:
        client = client or self.client
        page = client.get("/moderate/login")
        csrf = _hidden(page.text, "csrf")
        r = client.post(
            "/moderate/login",
            data={"username": "owner", "password": password, "csrf": csrf, "next": "/moderate/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return client

    def csrf(self, path: str = "/moderate/") -> str:
        return _hidden(self.client.get(path).text, "csrf")

    def close(self) -> None:
        self.client.close()
        self.store.dispose()


def _hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no hidden {name} field in page"
    return m.group(1)
