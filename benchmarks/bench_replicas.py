"""Several `postcheck moderate serve` replicas on one PostgreSQL: load, kill -9, count.

    python benchmarks/bench_replicas.py                  # a throwaway cluster (ci/postgres.sh)
    python benchmarks/bench_replicas.py --db postgresql://postcheck@127.0.0.1:PORT/postgres
    python benchmarks/bench_replicas.py --seconds 30 --clients 40 --crash-comments 2000 --json

Two parts in one run, each on a fresh database of the same server:

1. Throughput: the same clients for the same time against one replica, then against two (the
   clients spread their comments over the replicas, as a load balancer would), on the same
   machine. Reported: comments/s, p50/p99, errors, server CPU per comment (all replicas).
2. Crash: three replicas (`--crash-replicas`). Clients spread new comments over them, send some
   ids to two replicas at once and re-send some acknowledged ids to another replica; once
   enough comments are acknowledged, one replica gets SIGKILL while requests are in flight to
   it, and those requests are re-sent to a live replica (what a load balancer or the site's
   retry does). The killed replica is then started again and every replica is checked:
   acknowledged comments stored exactly once (one row, one screening entry in the audit log),
   no id answered "created" twice, every answer for an id alike (decision, reasons, advice),
   replays of acknowledged ids answered alike by every replica, and the owner's queue, read
   page by page through each replica with one sign-in, the same everywhere and the same as
   the database, before and after the owner decides comments through different replicas.
   The database starts at the first schema revision, so the replicas, started together, also
   race to migrate it (one does, under an advisory lock; the others then find nothing to do).

tests/moderation/test_moderation_replicas.py imports this module and runs a shorter crash
part, so the test and the benchmark share one implementation.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG_SCRIPT = ROOT / "ci" / "postgres.sh"
OWNER_PASSWORD = "replica bench password"
SITES = ("blog", "news")

# Bodies that land in every state: published, held (politics, defamation, abuse) and
# rejected (spam), so the owner's queue has something in each.
TEXTS = [
    "Thanks for writing this up, really useful.",
    "Kia ora, lovely photos from the walk.",
    "I disagree with the second point but it is a fair summary.",
    "So who are you voting for? Do you support the government cuts?",
    "John Smith stole money from the charity, he is a crook.",
    "You are a pathetic idiot.",
    "Buy now cheap pills http://a.xyz http://b.xyz http://c.xyz",
]


# -- database and replicas ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def pg_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster started with ci/postgres.sh; yields its server URL."""
    tmp = tempfile.mkdtemp(prefix="postcheck-replicas-pg-")
    try:
        out = subprocess.run(
            ["bash", str(PG_SCRIPT), "start", tmp], capture_output=True, text=True, timeout=120
        )
        if out.returncode != 0:
            raise RuntimeError(f"could not start PostgreSQL: {out.stderr.strip()[-500:]}")
        yield out.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(PG_SCRIPT), "stop", tmp], capture_output=True, timeout=60)
        subprocess.run(["rm", "-rf", tmp], capture_output=True, timeout=60)


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server (dropped afterwards); yields its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    from postcheck.moderation.settings import normalise_url

    server = make_url(normalise_url(server_url))
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = "replicas_" + uuid.uuid4().hex[:10]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(db_url: str, revision: str = "head") -> dict[str, str]:
    """What `moderate init` and `moderate add-site` do: schema, owner, sites; returns keys.

    With an older `revision` the schema is then taken back to it, as if the package had just
    been upgraded: replicas started together race to migrate it (one does, the others wait).
    The rows are written at head and migrated down, so this holds whatever later migrations
    add to the models.
    """
    from alembic import command
    from alembic.config import Config

    from postcheck.moderation.auth import hash_password
    from postcheck.moderation.store import MIGRATIONS_DIR, Store

    store = Store(db_url, migrate_now=True)
    try:
        store.set_owner("owner", hash_password(OWNER_PASSWORD))
        keys = {site: store.add_site(site) for site in SITES}
        if revision != "head":
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            with store.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, revision)
        return keys
    finally:
        store.dispose()


def postcheck_command() -> list[str]:
    script = Path(sys.executable).with_name("postcheck")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from postcheck.cli import main; main()"]


class Replica:
    """One `postcheck moderate serve` process, as an operator would run it."""

    def __init__(self, name: str, db_url: str):
        self.name = name
        self.db_url = db_url
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        self.port = free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = {k: v for k, v in os.environ.items() if k != "POSTCHECK_DATABASE_URL"}
        cmd = [*postcheck_command(), "moderate", "serve", "--db", self.db_url]
        self.proc = subprocess.Popen(
            [*cmd, "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=self.log,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        port_retries = 2
        while True:
            if self.proc.poll() is not None:
                output = self.output()
                if "already in use" in output and port_retries:
                    # Another process took the free port between free_port() and the bind.
                    port_retries -= 1
                    self.stop()
                    self.start()
                    continue
                raise RuntimeError(f"replica {self.name} exited: {output[-2000:]}")
            try:
                with httpx.Client(base_url=self.base, timeout=2) as local:
                    if local.get("/api/moderation/health").status_code == 200:
                        return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"replica {self.name} did not start within {timeout:.0f} s")
            time.sleep(0.1)

    def output(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)  # no shutdown hooks, no flush: a crash

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        elif self.proc is not None:
            self.proc.wait()
        if self.log is not None:
            self.log.close()
            self.log = None


@contextlib.contextmanager
def replicas(db_url: str, n: int) -> Iterator[list[Replica]]:
    """Start n replicas at once (they all run the migrations check together) and stop them."""
    group = [Replica(chr(ord("A") + i), db_url) for i in range(n)]
    try:
        for r in group:
            r.start()
        for r in group:
            r.wait_ready()
        yield group
    finally:
        for r in group:
            r.stop()


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores, from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return 0.0, 0.0
    ticks = [int(v) for v in first[1:9]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- load -----------------------------------------------------------------------------------


def _core(body: dict[str, Any]) -> str:
    """What must be alike in every answer for one id (the echoed id aside)."""
    return json.dumps({k: body.get(k) for k in ("decision", "reasons", "advice")}, sort_keys=True)


@dataclass
class Answer:
    status: int
    replica: str
    core: str


@dataclass
class Load:
    """Clients spreading comments over replicas; records every answer, per comment id."""

    replicas: list[Replica]
    keys: dict[str, str]
    clients: int
    #: Stop after this many new ids (the test), or after `seconds` (throughput).
    total: int | None = None
    seconds: float | None = None
    #: Kill replica `kill_index` once this many comments are acknowledged.
    kill_after_acks: int | None = None
    kill_index: int = -1
    seed: int = 1

    live: list[int] = field(default_factory=list)
    sent: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    pairs: list[str] = field(default_factory=list)
    failed_over: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    acked: int = 0
    issued: int = 0
    killed: Replica | None = None
    acked_at_kill: int = 0
    in_flight_at_kill: int = 0
    elapsed: float = 0.0
    _in_flight: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.live = list(range(len(self.replicas)))

    def run(self) -> Load:
        asyncio.run(self._run())
        return self

    def _done(self, end: float) -> bool:
        if self.total is not None:
            return self.issued >= self.total
        return time.monotonic() >= end

    def _new_id(self, rng: random.Random, n: int) -> str:
        self.issued += 1
        cid = f"c{n}-{self.issued}-{uuid.uuid4().hex[:6]}"
        site = SITES[rng.randrange(len(SITES))]
        text = rng.choice(TEXTS) + f" ({cid})"
        self.sent[cid] = (site, {"id": cid, "author_name": f"Reader {n}", "text": text})
        return cid

    async def _run(self) -> None:
        limits = httpx.Limits(max_connections=4 * self.clients, max_keepalive_connections=None)
        end = time.monotonic() + (self.seconds or 0.0)
        t0 = time.perf_counter()
        async with httpx.AsyncClient(limits=limits, timeout=120) as http:
            self._http = http
            await asyncio.gather(*(self._client(n, end) for n in range(self.clients)))
        self.elapsed = time.perf_counter() - t0

    async def _client(self, n: int, end: float) -> None:
        rng = random.Random(self.seed * 1000 + n)
        mine: list[str] = []
        i = 0
        while not self._done(end):
            i += 1
            turn = (n + i) % len(self.live)
            if mine and rng.random() < 0.1:
                # A retry of an acknowledged comment, to whichever replica the balancer picks.
                await self._send(rng.choice(mine), self.live[turn])
                continue
            cid = self._new_id(rng, n)
            if i % 10 == 0:
                # The same comment sent to two replicas at once (a double-click, or a
                # retry that raced the original through the balancer). With one replica
                # both go to it, so the mix is the same whatever the number of replicas.
                self.pairs.append(cid)
                other = self.live[(turn + 1) % len(self.live)]
                await asyncio.gather(self._send(cid, self.live[turn]), self._send(cid, other))
            else:
                await self._send(cid, self.live[turn])
            if cid in self.answers:
                mine.append(cid)

    async def _send(self, cid: str, target: int) -> None:
        site, body = self.sent[cid]
        headers = {"Authorization": f"Bearer {self.keys[site]}"}
        while True:
            if target not in self.live:
                if not self.live:
                    self.errors.append(f"{cid}: no live replica")
                    return
                target = self.live[hash(cid) % len(self.live)]
            replica = self.replicas[target]
            self._in_flight[target] += 1
            t0 = time.perf_counter()
            try:
                r = await self._http.post(
                    f"{replica.base}/api/sites/{site}/comments", json=body, headers=headers
                )
            except httpx.TransportError as exc:
                if replica is self.killed:
                    # The replica died under this request: send it again elsewhere.
                    self.failed_over.add(cid)
                    continue
                self.errors.append(f"{cid} -> {replica.name}: {exc!r}"[:300])
                return
            finally:
                self._in_flight[target] -= 1
            self.latencies.append(time.perf_counter() - t0)
            if r.status_code not in (200, 201) or r.json().get("id") != cid:
                self.errors.append(f"{cid} -> {replica.name}: {r.status_code} {r.text[:200]}")
                return
            self.answers.setdefault(cid, []).append(
                Answer(r.status_code, replica.name, _core(r.json()))
            )
            self.acked += 1
            self._maybe_kill()
            return

    def _maybe_kill(self) -> None:
        if self.kill_after_acks is None or self.killed is not None:
            return
        victim = self.kill_index % len(self.replicas)
        if self.acked < self.kill_after_acks:
            return
        # Wait (a little) for a moment when the victim has requests in flight, so that some
        # die with it; the grace keeps a run that never finds one from never killing.
        if self._in_flight[victim] == 0 and self.acked < self.kill_after_acks + 50:
            return
        self.killed = self.replicas[victim]
        self.acked_at_kill = self.acked
        self.in_flight_at_kill = self._in_flight[victim]
        self.killed.kill9()
        self.live.remove(victim)


# -- checks ---------------------------------------------------------------------------------


def answer_checks(load: Load) -> dict[str, Any]:
    """What the clients were told: ids created more than once, answers that disagree."""
    created_twice = [c for c, a in load.answers.items() if sum(x.status == 201 for x in a) > 1]
    differ = [c for c, a in load.answers.items() if len({x.core for x in a}) > 1]
    clean_pairs = [
        c for c in load.pairs if c not in load.failed_over and len(load.answers.get(c, [])) == 2
    ]
    one_created = [
        c for c in clean_pairs if sorted(a.status for a in load.answers[c]) == [200, 201]
    ]
    never_created = [
        c
        for c, a in load.answers.items()
        if c not in load.failed_over and not any(x.status == 201 for x in a)
    ]
    return {
        "ids_sent": len(load.sent),
        "ids_acknowledged": len(load.answers),
        "answers": load.acked,
        "errors": len(load.errors),
        "error_samples": load.errors[:5],
        "created_twice": len(created_twice),
        "answers_differ": len(differ),
        "pairs_sent_to_two_replicas": len(load.pairs),
        "pairs_answered_by_both": len(clean_pairs),
        "pairs_one_201_one_200": len(one_created),
        # An id not caught by the kill must have been created by one of its answers.
        "ids_never_answered_201": len(never_created),
        "failed_over_after_kill": len(load.failed_over),
        # Of those, the ones the killed replica had committed before it died: the re-sent
        # request found the row and answered 200 with its decision.
        "failed_over_already_stored": sum(
            1
            for c in load.failed_over
            if c in load.answers and not any(x.status == 201 for x in load.answers[c])
        ),
    }


def database_checks(db_url: str, load: Load) -> dict[str, Any]:
    """Rows against acknowledgements: each acknowledged id one row and one screening entry."""
    from sqlalchemy import func, select

    from postcheck.moderation.store import Store
    from postcheck.moderation.tables import AuditEntry, Comment, Site

    store = Store(db_url, pool_size=1)
    try:
        with store.read() as s:
            rows = s.execute(select(Site.name, Comment.client_id).join(Site)).all()
            screened = Counter(
                cid
                for (cid,) in s.execute(
                    select(AuditEntry.comment_id).where(AuditEntry.action.like("screened_%"))
                )
            )
            comment_ids = [cid for (cid,) in s.execute(select(Comment.id))]
            total = s.scalar(select(func.count()).select_from(Comment)) or 0
    finally:
        store.dispose()
    per_key = Counter((site, cid) for site, cid in rows)
    acked = {(load.sent[c][0], c) for c in load.answers}
    sent = {(site, c) for c, (site, _) in load.sent.items()}
    return {
        "stored_rows": int(total),
        "stored_duplicates": sum(1 for n in per_key.values() if n > 1),
        "acknowledged_missing": len(acked - set(per_key)),
        "stored_not_acknowledged": len(set(per_key) - acked),
        "stored_never_sent": len(set(per_key) - sent),
        "screening_entries_not_one": sum(1 for i in comment_ids if screened.get(i, 0) != 1),
    }


async def _replays(load: Load, group: list[Replica], ids: list[str]) -> dict[str, int]:
    """Send acknowledged ids again to every replica: each must answer 200, alike."""
    wrong_status = differ = sent = 0
    async with httpx.AsyncClient(timeout=60) as http:

        async def one(cid: str) -> None:
            nonlocal wrong_status, differ, sent
            site, body = load.sent[cid]
            headers = {"Authorization": f"Bearer {load.keys[site]}"}
            first = load.answers[cid][0].core
            for replica in group:
                r = await http.post(
                    f"{replica.base}/api/sites/{site}/comments", json=body, headers=headers
                )
                sent += 1
                if r.status_code != 200:
                    wrong_status += 1
                elif _core(r.json()) != first:
                    differ += 1

        sem = asyncio.Semaphore(16)

        async def bounded(cid: str) -> None:
            async with sem:
                await one(cid)

        await asyncio.gather(*(bounded(c) for c in ids))
    return {"replays_sent": sent, "replays_not_200": wrong_status, "replays_differ": differ}


def replay_checks(load: Load, group: list[Replica], sample: int, seed: int = 7) -> dict[str, int]:
    """Replays of the pairs, of the ids caught by the kill and of a random sample."""
    rest = sorted(set(load.answers) - set(load.pairs) - load.failed_over)
    chosen = [c for c in load.pairs if c in load.answers] + sorted(
        load.failed_over & set(load.answers)
    )
    chosen += random.Random(seed).sample(rest, min(sample, len(rest)))
    return asyncio.run(_replays(load, group, list(dict.fromkeys(chosen))))


# One card per comment in the owner's queue: its status, then its id.
_ROW = re.compile(r'<article class="card status-(\w+)"[^>]*data-comment="(\d+)"')
_HIDDEN = r'name="{}" value="([^"]*)"'


class Owner:
    """The owner's browser: signs in on one replica, then reads and decides on any."""

    def __init__(self, first: Replica):
        with httpx.Client(base_url=first.base, timeout=60) as browser:
            login = browser.get("/moderate/login")
            csrf = re.search(_HIDDEN.format("csrf"), login.text)
            assert csrf, "no CSRF field on the login page"
            r = browser.post(
                "/moderate/login",
                data={
                    "username": "owner",
                    "password": OWNER_PASSWORD,
                    "csrf": csrf.group(1),
                    "next": "/moderate/",
                },
                follow_redirects=False,
            )
        if r.status_code != 303 or "postcheck_session" not in r.cookies:
            raise RuntimeError(f"owner sign-in failed: {r.status_code}")
        # The one session cookie goes to every replica: sessions live in the database.
        self.http = httpx.Client(
            timeout=60, cookies={"postcheck_session": r.cookies["postcheck_session"]}
        )

    def queue(self, replica: Replica) -> list[tuple[int, str]]:
        """Every comment in the queue (all states), page by page, in the page's order."""
        out: list[tuple[int, str]] = []
        page = 1
        while True:
            r = self.http.get(
                f"{replica.base}/moderate/",
                params={"status": "all", "page": page},
            )
            if r.status_code != 200:
                raise RuntimeError(f"queue page {page} on {replica.name}: {r.status_code}")
            rows = [(int(i), st) for st, i in _ROW.findall(r.text)]
            out += rows
            m = re.search(r"Page (\d+) of (\d+)", r.text)
            if not rows or m is None or int(m.group(1)) >= int(m.group(2)):
                return out
            page += 1

    def decide(self, replica: Replica, action: str, ids: list[int]) -> None:
        page = self.http.get(f"{replica.base}/moderate/")
        csrf = re.search(_HIDDEN.format("csrf"), page.text)
        assert csrf, "no CSRF field on the queue page"
        r = self.http.post(
            f"{replica.base}/moderate/bulk",
            data={"csrf": csrf.group(1), "action": action, "ids": ids, "back": "/moderate/"},
            follow_redirects=False,
        )
        if r.status_code != 303:
            raise RuntimeError(f"{action} on {replica.name}: {r.status_code}")

    def close(self) -> None:
        self.http.close()


def published(replica: Replica, keys: dict[str, str]) -> dict[str, list[str]]:
    """Each site's published comment ids through the public API, every page."""
    out: dict[str, list[str]] = {}
    with httpx.Client(base_url=replica.base, timeout=60) as http:
        for site, key in keys.items():
            ids: list[str] = []
            before: int | None = None
            while True:
                params: dict[str, int] = {"limit": 500}
                if before:
                    params["before"] = before
                r = http.get(
                    f"/api/sites/{site}/comments",
                    params=params,
                    headers={"Authorization": f"Bearer {key}"},
                )
                r.raise_for_status()
                page = r.json()
                ids += [c["id"] for c in page]
                if len(page) < 500:
                    break
                before = page[-1]["cursor"]
            out[site] = ids
    return out


def _db_queue(db_url: str) -> dict[int, str]:
    from sqlalchemy import select

    from postcheck.moderation.store import Store
    from postcheck.moderation.tables import Comment

    store = Store(db_url, pool_size=1)
    try:
        with store.read() as s:
            return {i: st for i, st in s.execute(select(Comment.id, Comment.status))}
    finally:
        store.dispose()


def queue_checks(db_url: str, group: list[Replica], keys: dict[str, str]) -> dict[str, Any]:
    """The owner's queue and the published lists, through every replica, before and after
    the owner decides comments through different replicas."""
    owner = Owner(group[0])
    try:
        before = {r.name: owner.queue(r) for r in group}
        reference = before[group[0].name]
        db = _db_queue(db_url)
        held = [i for i, st in reference if st == "held"]
        shown = [i for i, st in reference if st == "published"]
        # Decisions go through the other replicas; the reads then go through all of them.
        approve, reject = held[:10], shown[:10]
        owner.decide(group[1 % len(group)], "approve", approve)
        owner.decide(group[-1], "reject", reject)
        after = {r.name: owner.queue(r) for r in group}
        db_after = _db_queue(db_url)
        expected = (
            dict(db) | dict.fromkeys(approve, "published") | dict.fromkeys(reject, "rejected")
        )
        lists = {r.name: published(r, keys) for r in group}
    finally:
        owner.close()
    ref_after = after[group[0].name]
    return {
        "queue_items": len(reference),
        "queue_states": dict(Counter(st for _, st in reference)),
        "queue_same_on_every_replica": all(v == reference for v in before.values()),
        "queue_matches_database": dict(reference) == db and len(reference) == len(db),
        "owner_decisions": {"approved": len(approve), "rejected": len(reject)},
        "queue_after_decisions_same_on_every_replica": all(v == ref_after for v in after.values()),
        "queue_after_decisions_as_decided": dict(ref_after) == expected == db_after,
        "published_lists_same_on_every_replica": all(
            v == lists[group[0].name] for v in lists.values()
        ),
        "published_items": sum(len(v) for v in lists[group[0].name].values()),
    }


# -- the two parts --------------------------------------------------------------------------


def crash_run(
    db_url: str,
    *,
    n_replicas: int = 3,
    clients: int = 24,
    comments: int = 600,
    kill_after_acks: int | None = None,
    replay_sample: int = 100,
    schema_from: str = "head",
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Load n replicas, kill -9 one mid-load, restart it, check everything (see the top).

    `schema_from`: the revision the database is left at before the replicas start together.
    """
    from postcheck.moderation.store import Store, current_revision

    keys = prepare(db_url, schema_from)
    probe = Store(db_url, pool_size=1)
    try:
        schema = str(current_revision(probe.engine))
        with replicas(db_url, n_replicas) as group:
            schema += f" -> {current_revision(probe.engine)}"
            log(f"{n_replicas} replicas up: " + ", ".join(f"{r.name} pid {r.pid}" for r in group))
            load = Load(
                group,
                keys,
                clients,
                total=comments,
                kill_after_acks=kill_after_acks or comments // 3,
                kill_index=n_replicas - 1,
            ).run()
            killed = load.killed
            log(
                f"load done in {load.elapsed:.1f} s; killed "
                f"{killed.name if killed else 'none'} after {load.acked_at_kill} answers"
            )
            if killed is not None:
                assert killed.proc is not None
                code = killed.proc.wait(10)
                killed.stop()
                killed.start()  # the same replica, started again on the same database
                killed.wait_ready()
            out: dict[str, Any] = {
                "replicas": n_replicas,
                "schema_migrated_by_replicas": schema,
                "clients": clients,
                "seconds": round(load.elapsed, 1),
                "ids_acknowledged_per_s": round(len(load.answers) / load.elapsed, 1),
                "killed_replica": killed.name if killed else None,
                "killed_exit_code": code if killed else None,
                "answers_before_kill": load.acked_at_kill,
                "requests_in_flight_to_it_at_kill": load.in_flight_at_kill,
            }
            out |= answer_checks(load)
            out |= database_checks(db_url, load)
            out |= replay_checks(load, group, replay_sample)
            out |= queue_checks(db_url, group, keys)
    finally:
        probe.dispose()
    return out


def crash_failures(res: dict[str, Any]) -> list[str]:
    """What a crash run got wrong; empty when everything held."""
    zero = (
        "errors",
        "created_twice",
        "answers_differ",
        "ids_never_answered_201",
        "stored_duplicates",
        "acknowledged_missing",
        "stored_never_sent",
        "screening_entries_not_one",
        "replays_not_200",
        "replays_differ",
    )
    bad = [f"{k} = {res[k]}" for k in zero if res[k]]
    true = (
        "queue_same_on_every_replica",
        "queue_matches_database",
        "queue_after_decisions_same_on_every_replica",
        "queue_after_decisions_as_decided",
        "published_lists_same_on_every_replica",
    )
    bad += [f"{k} is false" for k in true if not res[k]]
    if res["killed_replica"] is None:
        bad.append("no replica was killed")
    if res["pairs_one_201_one_200"] != res["pairs_answered_by_both"]:
        bad.append("an id sent to two replicas at once was not created exactly once")
    if res["ids_acknowledged"] != res["ids_sent"]:
        bad.append("an id sent was never acknowledged (even after failing over)")
    return bad


def throughput_run(db_url: str, *, n_replicas: int, clients: int, seconds: float) -> dict[str, Any]:
    """Comments/s of n replicas under the same client mix as the crash run, no kill."""
    keys = prepare(db_url)
    with replicas(db_url, n_replicas) as group:
        Load(group, keys, 4, total=20 * n_replicas, seed=99).run()  # warm every replica
        cpu0, own0, (busy0, all0) = (
            sum(cpu_seconds(r.pid) for r in group),
            time.process_time(),
            machine_cpu(),
        )
        load = Load(group, keys, clients, seconds=seconds).run()
        cpu1, own1, (busy1, all1) = (
            sum(cpu_seconds(r.pid) for r in group),
            time.process_time(),
            machine_cpu(),
        )
    checks = answer_checks(load) | database_checks(db_url, load)
    answered = len(load.latencies)
    return {
        "replicas": n_replicas,
        "clients": clients,
        "seconds": round(load.elapsed, 1),
        "requests_answered": answered,
        "new_comments": sum(1 for a in load.answers.values() if any(x.status == 201 for x in a)),
        "comments_per_s": round(answered / load.elapsed, 1),
        "p50_ms": round(_pct(load.latencies, 0.5) * 1000, 1),
        "p99_ms": round(_pct(load.latencies, 0.99) * 1000, 1),
        "server_cpu_ms_per_comment": round((cpu1 - cpu0) / answered * 1000, 1) if answered else 0,
        # The clients run in this process, on the same cores as the replicas and PostgreSQL.
        "client_cpu_ms_per_comment": round((own1 - own0) / answered * 1000, 1) if answered else 0,
        # Above ~90 the machine was the limit, not the service: more replicas cannot help.
        "machine_cpu_busy_pct": round(100 * (busy1 - busy0) / (all1 - all0), 1)
        if all1 > all0
        else 0.0,
        "errors": checks["errors"],
        "error_samples": checks["error_samples"],
        "created_twice": checks["created_twice"],
        "answers_differ": checks["answers_differ"],
        "acknowledged_missing": checks["acknowledged_missing"],
        "stored_duplicates": checks["stored_duplicates"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="PostgreSQL server URL (default: a throwaway cluster)")
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=30.0, help="per throughput run")
    ap.add_argument("--crash-replicas", type=int, default=3)
    ap.add_argument("--crash-comments", type=int, default=2000)
    ap.add_argument(
        "--rounds", type=int, default=1, help="throughput: run 1 then 2 replicas this many times"
    )
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    def say(line: str) -> None:
        if not args.json:
            print(line, flush=True)

    out: dict[str, Any] = {"cpus": os.cpu_count()}
    with contextlib.ExitStack() as stack:
        server = args.db or stack.enter_context(pg_cluster())
        if not args.skip_throughput:
            out["throughput"] = []
            for n in [1, 2] * args.rounds:
                with fresh_database(server) as db:
                    res = throughput_run(
                        db, n_replicas=n, clients=args.clients, seconds=args.seconds
                    )
                out["throughput"].append(res)
                say(
                    f"{n} replica(s), {res['clients']} clients, {res['seconds']} s: "
                    f"{res['comments_per_s']} comments/s, p50 {res['p50_ms']} ms, "
                    f"p99 {res['p99_ms']} ms, server CPU {res['server_cpu_ms_per_comment']} "
                    f"ms/comment, client CPU {res['client_cpu_ms_per_comment']} ms/comment, "
                    f"machine CPU busy {res['machine_cpu_busy_pct']}%; "
                    f"answered {res['requests_answered']}, new "
                    f"{res['new_comments']}, errors {res['errors']}, created twice "
                    f"{res['created_twice']}, missing {res['acknowledged_missing']}, "
                    f"duplicates {res['stored_duplicates']}"
                )
        from alembic.script import ScriptDirectory

        from postcheck.moderation.store import MIGRATIONS_DIR

        with fresh_database(server) as db:
            crash = crash_run(
                db,
                n_replicas=args.crash_replicas,
                clients=args.clients,
                comments=args.crash_comments,
                replay_sample=500,
                # The replicas start on the first schema and race to migrate it.
                schema_from=str(ScriptDirectory(str(MIGRATIONS_DIR)).get_base()),
                log=say,
            )
        out["crash"] = crash
        out["crash_failures"] = crash_failures(crash)
        out["load_average"] = os.getloadavg()
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in crash.items():
            print(f"  {k}: {v}")
        print("crash failures:", out["crash_failures"] or "none")
        print("load average after the run: {:.1f} {:.1f} {:.1f}".format(*out["load_average"]))
    bad = bool(out["crash_failures"])
    for res in out.get("throughput", []):
        bad = bad or bool(res["errors"] or res["created_twice"] or res["answers_differ"])
        bad = bad or bool(res["acknowledged_missing"] or res["stored_duplicates"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
