"""Several replicas on one PostgreSQL, as an agency runs the comment API (DESIGN.md, Scale).

The replica run starts real `postcheck moderate serve` processes; the load, the kill and the
checks are benchmarks/bench_replicas.py's (its longer run and the throughput figures live
there). Figures are printed in the test output.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from mod_harness import load_benchmark

from postcheck.moderation.results import Screening
from postcheck.moderation.store import MIGRATIONS_DIR, Pending, Store


def _revisions() -> tuple[str, str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return str(script.get_base()), str(script.get_current_head())


# The replicas start together on a database at the first revision, as after a package upgrade
# rolled out to every replica at once: they race to migrate it.
FIRST, HEAD = _revisions()


@pytest.fixture(scope="module")
def bench() -> Any:
    return load_benchmark("bench_replicas")


def test_three_replicas_one_killed_mid_load(bench: Any, pg_url: str, capsys: Any) -> None:
    res = bench.crash_run(
        pg_url, n_replicas=3, clients=24, comments=300, replay_sample=40, schema_from=FIRST
    )
    with capsys.disabled():
        shown = {k: v for k, v in res.items() if k != "error_samples"}
        print(f"\n[replicas] {shown}")
    assert bench.crash_failures(res) == [], res["error_samples"]
    assert res["killed_exit_code"] == -9
    assert res["schema_migrated_by_replicas"] == f"{FIRST} -> {HEAD}"
    assert res["ids_acknowledged"] == res["ids_sent"] == res["stored_rows"]
    assert res["pairs_answered_by_both"] > 0  # ids did reach two replicas at once
    assert res["replays_sent"] >= 3 * res["pairs_answered_by_both"]  # every replica replayed


def _waiting_on_locks(url: str) -> int:
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_batches_sharing_ids_in_opposite_order_do_not_deadlock(bench: Any, pg_url: str) -> None:
    """Two replicas' group commits hold ids a, m, z in opposite orders while a third
    transaction holds m: inserted in arrival order, each batch would take one end and wait
    for the other's, and PostgreSQL would abort one (every comment in it a 500)."""
    bench.prepare(pg_url)
    holder, first, second = (Store(pg_url, pool_size=2) for _ in range(3))
    try:
        site_id = holder.site("blog").id
        screening = Screening(decision="publish", risk=0.0)

        def item(cid: str) -> Pending:
            return Pending(site_id, cid, "Reader", f"comment {cid}", None, None, screening)

        results: dict[str, Any] = {}

        def batch(name: str, store: Store, ids: list[str]) -> None:
            try:
                with store.write() as s:
                    results[name] = store.insert_many(s, [item(c) for c in ids])
            except Exception as exc:
                results[name] = exc

        threads = [
            threading.Thread(target=batch, args=("first", first, ["a", "m", "z"])),
            threading.Thread(target=batch, args=("second", second, ["z", "m", "a"])),
        ]
        with holder.write() as s:
            holder.insert_many(s, [item("m")])
            for t in threads:
                t.start()
            deadline = time.monotonic() + 30
            while _waiting_on_locks(pg_url) < 2:
                assert time.monotonic() < deadline, "the two batches never both waited"
                time.sleep(0.05)
        for t in threads:
            t.join(30)
        assert not any(isinstance(r, BaseException) for r in results.values()), results
        created = sorted(sub.comment_id for r in results.values() for sub in r if sub.created)
        assert len(created) == 2  # a and z, once each; m was the holder's
        with holder.read() as s:
            from sqlalchemy import func, select

            from postcheck.moderation.tables import Comment

            assert s.scalar(select(func.count()).select_from(Comment)) == 3
    finally:
        for store in (holder, first, second):
            store.dispose()


def test_same_decision_through_two_replicas_is_audited_once(bench: Any, pg_url: str) -> None:
    """The owner approves a comment through one replica while the same approval through
    another is between its write and its commit: the second must see the first's result."""
    from sqlalchemy import func, select, update

    from postcheck.moderation.tables import AuditEntry, Comment

    bench.prepare(pg_url)
    first, second = Store(pg_url, pool_size=2), Store(pg_url, pool_size=2)
    try:
        site_id = first.site("blog").id
        held = Screening(decision="hold", risk=0.5)
        cid = first.submit(
            site_id,
            client_id="one",
            author_name="Reader",
            text_="a held comment",
            author_email=None,
            url=None,
            screening=held,
        ).comment_id
        changed: list[int] = []
        racer = threading.Thread(
            target=lambda: changed.append(second.decide([cid], "approve", "b"))
        )
        with first.write() as s:
            # What decide() writes, held uncommitted until the other replica is waiting.
            s.execute(update(Comment).where(Comment.id == cid).values(status="published"))
            s.add(AuditEntry(actor="a", action="approve", site_id=site_id, comment_id=cid))
            s.flush()
            racer.start()
            deadline = time.monotonic() + 30
            while _waiting_on_locks(pg_url) < 1:
                assert time.monotonic() < deadline, "the second approval never waited"
                time.sleep(0.05)
        racer.join(30)
        assert changed == [0]  # it found the comment already published
        with first.read() as s:
            n = s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.comment_id == cid, AuditEntry.action == "approve")
            )
        assert n == 1
    finally:
        first.dispose()
        second.dispose()
