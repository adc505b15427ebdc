from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Tests never read the developer's own postcheck config (profiles, elections, packs)."""
    if "POSTCHECK_TEST_KEEP_CONFIG" not in os.environ:
        cfg: Path = tmp_path_factory.mktemp("config")
        monkeypatch.setenv("POSTCHECK_CONFIG_DIR", str(cfg))
    yield


@pytest.fixture
def shared_datasets() -> Path:
    """The shared labelled datasets: skip without them, but fail in CI, which has them."""
    try:
        from postcheck.training.data import datasets_dir

        return datasets_dir()
    except Exception:
        if os.environ.get("CI") == "true":
            pytest.fail("shared datasets missing in CI (expected beside the repository)")
        pytest.skip("shared datasets not present")
