"""Reliability against a real uvicorn process: kill it mid-load, and load it with 50 clients.

The load generator is benchmarks/bench_moderation.py (the 30-second run lives there); these
are shorter runs of the same code. Figures are printed in the test output.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_moderation.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_moderation", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_moderation"] = module
    spec.loader.exec_module(module)
    return module


def _kind(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def test_acknowledged_comments_survive_sigkill(bench, db_url: str, capsys) -> None:
    result = bench.kill_test(db_url, clients=20, seconds_before_kill=2.0)
    with capsys.disabled():
        print(f"\n[kill test {_kind(db_url)}] {result}")
    assert result["acked_before_kill"] > 0, "no comment was acknowledged before the kill"
    assert result["missing"] == 0, "a comment answered 201 is not in the database"
    assert result["duplicates"] == 0
    assert result["stored_not_acked"] >= 0


def test_fifty_clients_no_duplicates_or_errors(bench, db_url: str, capsys) -> None:
    res = bench.bench(db_url, clients=50, seconds=4.0, database=_kind(db_url))
    with capsys.disabled():
        print(
            f"\n[load {res.database}] 50 clients 4 s: {res.throughput:.0f} comments/s, "
            f"p50 {res.p50_ms:.0f} ms, p99 {res.p99_ms:.0f} ms; "
            f"baseline {res.baseline_throughput:.0f} "
            f"req/s; requests {res.requests}, created {res.created}, replayed {res.replayed}, "
            f"errors {res.errors}, stored {res.stored_rows}, missing {res.missing}, "
            f"duplicates {res.duplicates}"
        )
    assert res.errors == 0, res.error_samples
    assert res.created > 0 and res.replayed > 0  # retries happened under load
    assert res.missing == 0 and res.duplicates == 0
    assert res.stored_rows == len(res.acked_ids)
