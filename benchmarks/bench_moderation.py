"""Load and crash benchmarks for the moderation service, against a real uvicorn process.

    python benchmarks/bench_moderation.py                      # SQLite, 50 clients, 30 s
    python benchmarks/bench_moderation.py --db postgresql://postcheck@127.0.0.1:PORT/postgres
    python benchmarks/bench_moderation.py --clients 100 --seconds 60 --json

Each client loops: POST a new comment (about one in ten re-sends an id it already sent, and
pairs of clients race on a shared id) and waits for the answer, so load is bounded by the
number of clients. Reported: comments/s, p50/p99 latency, errors, and after the run the rows
in the database against the ids acknowledged (duplicates or losses fail the run). The
baseline, measured in the same run against the same server, is the health endpoint (HTTP +
one database read, no screening, no write): the gap is what screening and a durable write
cost. Server memory is the peak RSS of the server process (VmHWM).

The same module is imported by tests/moderation/test_reliability.py (shorter runs), so the
figures in the test output and here come from one implementation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

COMMENTS = [
    "Thanks for writing this up, really useful.",
    "I disagree with the second point but it's a fair summary.",
    "So who are you voting for? Do you support the government cuts?",
    "John Smith stole money from the charity, he is a crook.",
    "You are a pathetic idiot.",
    "Buy now cheap pills http://a.xyz http://b.xyz http://c.xyz",
    "Kia ora, lovely photos from the walk.",
    "<script>alert('x')</script> nice post",
]


@dataclass
class LoadResult:
    database: str
    clients: int
    seconds: float
    requests: int = 0
    created: int = 0
    replayed: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    throughput: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    acked_ids: set[str] = field(default_factory=set)
    baseline_throughput: float = 0.0
    baseline_p99_ms: float = 0.0
    server_peak_rss_mb: float = 0.0
    #: Server CPU per answered request: independent of how busy the machine is otherwise.
    server_cpu_ms_per_comment: float = 0.0
    baseline_server_cpu_ms: float = 0.0
    stored_rows: int | None = None
    missing: int | None = None
    duplicates: int | None = None

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("acked_ids")
        out["acked"] = len(self.acked_ids)
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(db_url: str, site: str = "bench") -> str:
    """Migrate the store and add a site; returns the site's key."""
    from postcheck.moderation.store import Store

    store = Store(db_url, migrate_now=True)
    try:
        return store.add_site(site)
    finally:
        store.dispose()


@contextmanager
def server(db_url: str, *, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run `uvicorn postcheck.moderation.app:app_from_env` in a subprocess on a free port."""
    port = free_port()
    env = dict(os.environ, POSTCHECK_DATABASE_URL=db_url)
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "postcheck.moderation.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--backlog",
            "2048",
            "--timeout-keep-alive",
            "75",  # as `postcheck moderate serve` runs it
        ],
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError("server exited: " + log.read().decode(errors="replace")[-2000:])
            try:
                with httpx.Client(base_url=base, timeout=2) as local:  # loopback only
                    if local.get("/api/moderation/health").status_code == 200:
                        break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 60 s")
            time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its reaped children), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def _load(
    base: str,
    site: str,
    key: str,
    clients: int,
    seconds: float,
    *,
    baseline: bool = False,
    stop_event: asyncio.Event | None = None,
    on_ack: Any = None,
    max_requests: int | None = None,
) -> tuple[list[float], int, int, int, list[str], set[str]]:
    latencies: list[float] = []
    created = replayed = errors = started = 0
    samples: list[str] = []
    acked: set[str] = set()
    run = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    end = time.monotonic() + seconds

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=headers) as http:

        async def client(n: int) -> None:
            nonlocal created, replayed, errors, started
            rng = random.Random(n)
            sent: list[tuple[str, str, str]] = []
            i = 0
            while time.monotonic() < end and not (stop_event and stop_event.is_set()):
                if max_requests is not None and started >= max_requests:
                    return
                started += 1
                i += 1
                if baseline:
                    t0 = time.perf_counter()
                    try:
                        r = await http.get("/api/moderation/health")
                        ok = r.status_code == 200
                    except httpx.HTTPError as exc:
                        ok, r = False, None
                        samples.append(repr(exc)[:200])
                    latencies.append(time.perf_counter() - t0)
                    if not ok:
                        errors += 1
                    continue
                if sent and rng.random() < 0.1:
                    cid, author, text = rng.choice(sent)  # a client retry
                elif i % 20 == 0:
                    # Two neighbouring clients send the same comment at about the same time.
                    cid, author, text = f"{run}-shared-{n // 2}-{i}", f"Pair {n // 2}", COMMENTS[0]
                else:
                    cid, author = f"{run}-{n}-{i}", f"Reader {n}"
                    text = rng.choice(COMMENTS) + f" ({n}/{i})"
                body = {"id": cid, "author_name": author, "text": text}
                t0 = time.perf_counter()
                try:
                    r = await http.post(f"/api/sites/{site}/comments", json=body)
                except httpx.HTTPError as exc:
                    if stop_event and stop_event.is_set():
                        return
                    errors += 1
                    if len(samples) < 5:
                        samples.append(repr(exc)[:200])
                    continue
                latencies.append(time.perf_counter() - t0)
                if r.status_code in (200, 201) and r.json().get("id") == cid:
                    acked.add(cid)
                    if on_ack:
                        on_ack(cid)
                    if r.status_code == 201:
                        created += 1
                    else:
                        replayed += 1
                    sent.append((cid, author, text))
                else:
                    errors += 1
                    if len(samples) < 5:
                        samples.append(f"{r.status_code} {r.text[:200]}")

        await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, created, replayed, errors, samples, acked


def run_load(
    base: str,
    site: str,
    key: str,
    clients: int,
    seconds: float,
    database: str,
    requests: int | None = None,
) -> LoadResult:
    """Load for `seconds`, or (given `requests`) until that many requests have been sent."""
    t0 = time.perf_counter()
    latencies, created, replayed, errors, samples, acked = asyncio.run(
        _load(base, site, key, clients, 3600.0 if requests else seconds, max_requests=requests)
    )
    if requests:
        seconds = time.perf_counter() - t0
    res = LoadResult(database=database, clients=clients, seconds=seconds)
    res.requests = len(latencies) + errors
    res.created, res.replayed, res.errors, res.error_samples = created, replayed, errors, samples
    res.acked_ids = acked
    res.throughput = len(latencies) / seconds
    res.p50_ms = _pct(latencies, 0.50) * 1000
    res.p99_ms = _pct(latencies, 0.99) * 1000
    res.max_ms = max(latencies, default=0.0) * 1000
    return res


def run_baseline(base: str, clients: int, seconds: float) -> tuple[float, float]:
    latencies, *_ = asyncio.run(_load(base, "", "", clients, seconds, baseline=True))
    return len(latencies) / seconds, _pct(latencies, 0.99) * 1000


def count_stored(db_url: str, site: str, ids: set[str]) -> tuple[int, int, int]:
    """(rows for the site, acknowledged ids missing from the DB, duplicated client ids)."""
    from sqlalchemy import func, select

    from postcheck.moderation.store import Store
    from postcheck.moderation.tables import Comment, Site

    store = Store(db_url)
    try:
        with store.read() as s:
            site_id = s.scalar(select(Site.id).where(Site.name == site))
            stored = [
                cid
                for (cid,) in s.execute(select(Comment.client_id).where(Comment.site_id == site_id))
            ]
            dup = s.scalar(
                select(func.count()).select_from(
                    select(Comment.client_id)
                    .where(Comment.site_id == site_id)
                    .group_by(Comment.client_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
    finally:
        store.dispose()
    return len(stored), len(ids - set(stored)), int(dup or 0)


def kill_test(
    db_url: str,
    *,
    clients: int = 20,
    seconds_before_kill: float = 2.0,
    min_acks: int = 50,
    posts: int | None = None,
) -> dict[str, Any]:
    """Post under load, SIGKILL the server mid-load, then count acknowledged vs stored.

    With `posts`, at most that many comments are sent and the kill comes once half of them
    are acknowledged (`min_acks` and the warm-up time are then not used).
    """
    if posts:
        seconds_before_kill, min_acks = 0.0, posts // 2
    site = "crash"
    key = prepare(db_url, site)
    acked: set[str] = set()

    async def go(base: str, proc: subprocess.Popen[bytes]) -> int:
        stop = asyncio.Event()

        async def killer() -> int:
            # Kill mid-load: after the warm-up time and once enough comments are in flight
            # and acknowledged that the count means something (at most 60 s).
            await asyncio.sleep(seconds_before_kill)
            deadline = time.monotonic() + 60
            while len(acked) < min_acks and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            n = len(acked)
            proc.send_signal(signal.SIGKILL)  # no shutdown hooks, no flush: a crash
            stop.set()
            return n

        kill_task = asyncio.create_task(killer())
        await _load(
            base, site, key, clients, 120, stop_event=stop, on_ack=acked.add, max_requests=posts
        )
        return await kill_task

    with server(db_url) as (base, proc):
        acked_at_kill = asyncio.run(go(base, proc))
        proc.wait(10)
    stored, missing, dup = count_stored(db_url, site, acked)
    return {
        "posts": posts,
        "acked_before_kill": acked_at_kill,
        "acked_total": len(acked),
        "stored_rows": stored,
        "missing": missing,
        "duplicates": dup,
        # Rows stored but never acknowledged are fine: the server committed, then died
        # before the answer got out; the client's retry with the same id gets it back.
        "stored_not_acked": stored - (len(acked) - missing),
    }


def bench(
    db_url: str,
    clients: int,
    seconds: float,
    database: str,
    workers: int = 1,
    requests: int | None = None,
) -> LoadResult:
    site = "bench"
    key = prepare(db_url, site)
    with server(db_url, workers=workers) as (base, proc):
        c0 = cpu_seconds(proc.pid)
        b_tp, b_p99 = run_baseline(base, clients, min(10.0, seconds / 3))
        c1 = cpu_seconds(proc.pid)
        res = run_load(base, site, key, clients, seconds, database, requests)
        c2 = cpu_seconds(proc.pid)
        b_n = b_tp * min(10.0, seconds / 3)
        res.baseline_server_cpu_ms = (c1 - c0) / b_n * 1000 if b_n else 0.0
        answered = res.requests - res.errors
        res.server_cpu_ms_per_comment = (c2 - c1) / answered * 1000 if answered else 0.0
        res.baseline_throughput, res.baseline_p99_ms = b_tp, b_p99
        res.server_peak_rss_mb = peak_rss_mb(proc.pid)
    res.stored_rows, res.missing, res.duplicates = count_stored(db_url, site, res.acked_ids)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="database URL (default: a new SQLite file in a temp dir)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument(
        "--requests", type=int, help="stop the load after this many requests (not --seconds)"
    )
    ap.add_argument("--kill", action="store_true", help="also run the kill-mid-load test")
    ap.add_argument(
        "--kill-posts", type=int, help="kill test: send at most N comments, kill at N/2 acked"
    )
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args()

    from postcheck.moderation.settings import normalise_url

    with tempfile.TemporaryDirectory() as tmp:
        db = normalise_url(args.db) if args.db else f"sqlite:///{tmp}/bench.sqlite3"
        database = db.split(":", 1)[0].split("+", 1)[0]
        res = bench(db, args.clients, args.seconds, database, args.workers, args.requests)
        out = res.summary()
        if args.kill or args.kill_posts:
            kdb = db if args.db else f"sqlite:///{tmp}/kill.sqlite3"
            out["kill_test"] = kill_test(kdb, posts=args.kill_posts)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(
            f"database: {database}   clients: {res.clients}   duration: {res.seconds:.1f} s   "
            f"server workers: {args.workers}"
        )
        print(
            f"baseline (GET health, same server): {res.baseline_throughput:.0f} req/s, "
            f"p99 {res.baseline_p99_ms:.1f} ms"
        )
        print(
            f"comments: {res.throughput:.0f}/s  p50 {res.p50_ms:.1f} ms  p99 {res.p99_ms:.1f} ms  "
            f"max {res.max_ms:.1f} ms"
        )
        print(
            f"requests {res.requests}  created {res.created}  replayed {res.replayed}  "
            f"errors {res.errors}  acked ids {len(res.acked_ids)}  stored {res.stored_rows}  "
            f"missing {res.missing}  duplicates {res.duplicates}"
        )
        print(
            f"server CPU per request: comment {res.server_cpu_ms_per_comment:.1f} ms, "
            f"baseline {res.baseline_server_cpu_ms:.1f} ms;  "
            f"server peak RSS: {res.server_peak_rss_mb:.0f} MB"
        )
        if res.error_samples:
            print("error samples:", *res.error_samples, sep="\n  ")
        if "kill_test" in out:
            print("kill test:", json.dumps(out["kill_test"]))
    bad = res.errors or res.missing or res.duplicates
    if "kill_test" in out:
        bad = bad or out["kill_test"]["missing"] or out["kill_test"]["duplicates"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
