"""Latency and throughput of POST /api/check under concurrent clients, against baselines.

    python benchmarks/bench_api.py                  # 20 clients, 30 s each phase
    python benchmarks/bench_api.py --duration 10 --workers 2 --json out.json
    python benchmarks/bench_api.py --requests 2000  # exactly 2,000 requests a phase

Starts `postcheck serve` itself on a free loopback port (so the server is configured exactly
as users run it), then, in the same run:

1. baseline `GET /healthz`: the HTTP stack with no engine work (same server, same clients);
2. `POST /api/check` with varied posts (every rule's flag/pass examples with their context);
3. the engine in-process on the same posts, one thread: what the HTTP door costs on top.

Load comes from `wrk` (Debian package) with a Lua script when it is installed, which keeps
the load generator's own CPU small on a 2-core machine; otherwise from an asyncio httpx
client (same clients and duration, more client overhead: the report says which was used).
`--requests N` sends exactly N requests a phase instead of running for a duration (httpx:
wrk cannot stop at a count). Not a test: nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LUA = r"""
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local method = os.getenv("BENCH_METHOD")
local path = os.getenv("BENCH_PATH")
local n = 0
request = function()
  if method == "GET" then return wrk.format("GET", path) end
  n = n + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json"},
                    bodies[(n % #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p90_us\": %d, " ..
    "\"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d, \"non_2xx\": %d, " ..
    "\"socket_errors\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def corpus() -> list[dict[str, Any]]:
    """Every rule's examples, with their context, as API bodies: a realistic mix of risky
    and ordinary posts that ships with the package (no data set needed)."""
    from postcheck.guidance import rules

    bodies = []
    for r in rules():
        for kind, examples in (("flag", r.examples.flag), ("pass", r.examples.pass_)):
            for i, ex in enumerate(examples):
                body: dict[str, Any] = {"id": f"{r.id}-{kind}-{i}", "text": ex.text}
                body.update({k: v for k, v in ex.context.items()})
                if isinstance(body.get("date"), (int, float)):
                    body["date"] = str(body["date"])
                bodies.append(json.loads(json.dumps(body, default=str)))
    return bodies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable, "-m", "postcheck", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    import httpx

    deadline = time.monotonic() + 60
    # Only ever the server this script started, on loopback.
    local = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=2)
    while True:
        try:
            if local.get("/healthz").status_code == 200:
                local.close()
                return proc
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise SystemExit("server did not start")
        time.sleep(0.2)


def rss_mib(pid: int) -> dict[str, float]:
    """Resident and peak memory of the server process and its children (workers)."""
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    rss = hwm = 0.0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    hwm += int(line.split()[1]) / 1024
        except OSError:
            continue
    return {"rss_mib": round(rss, 1), "peak_rss_mib": round(hwm, 1)}


def run_wrk(
    url: str, method: str, path: str, bodies_file: Path, clients: int, duration: int
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(LUA)
        script = fh.name
    threads = min(clients, max(1, (os.cpu_count() or 2) // 2))
    env = {**os.environ, "BENCH_BODIES": str(bodies_file), "BENCH_METHOD": method,
           "BENCH_PATH": path}  # fmt: skip
    cmd = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{duration}s",
           "--timeout", "30s", "-s", script, url]  # fmt: skip
    try:
        out = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=duration + 60, check=True
        ).stdout
    finally:
        os.unlink(script)
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    raw = json.loads(line[len("BENCH ") :])
    secs = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": round(secs, 2),
        "throughput_rps": round(raw["requests"] / secs, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": raw["non_2xx"] + raw["socket_errors"],
    }


def run_httpx(
    url: str,
    method: str,
    path: str,
    bodies: list[dict[str, Any]],
    clients: int,
    duration: int,
    total: int | None = None,
) -> dict[str, Any]:
    """`clients` connections sending back to back for `duration` seconds, or until `total`
    requests have been sent in all."""
    import httpx

    latencies: list[float] = []
    errors = 0
    statuses: dict[str, int] = {}
    sent = 0

    def more(stop: float) -> bool:
        nonlocal sent
        if total is not None:
            sent += 1
            return sent <= total
        return time.perf_counter() < stop

    async def client(i: int, ac: httpx.AsyncClient, stop: float) -> None:
        nonlocal errors
        n = i
        while more(stop):
            n += clients
            t = time.perf_counter()
            try:
                if method == "GET":
                    r = await ac.get(path)
                else:
                    r = await ac.post(path, json=bodies[n % len(bodies)])
                ok = r.status_code < 300
                key = str(r.status_code)
            except httpx.HTTPError as exc:
                ok = False
                key = type(exc).__name__
            statuses[key] = statuses.get(key, 0) + 1
            latencies.append(time.perf_counter() - t)
            errors += not ok

    async def main() -> float:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as ac:
            start = time.perf_counter()
            stop = start + duration
            await asyncio.gather(*(client(i, ac, stop) for i in range(clients)))
            return time.perf_counter() - start

    secs = asyncio.run(main())
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": len(latencies),
        "seconds": round(secs, 2),
        "throughput_rps": round(len(latencies) / secs, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p90_ms": round(q[89] * 1000, 2),
        "p95_ms": round(q[94] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "errors": errors,
        "statuses": statuses,
    }


def engine_in_process(bodies: list[dict[str, Any]], duration: float) -> dict[str, Any]:
    from postcheck.engine import default_engine
    from postcheck.web.schemas import CheckRequest

    posts = [CheckRequest.model_validate(b).to_post() for b in bodies]
    engine = default_engine()
    engine.check(posts[0])
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < duration:
        engine.check(posts[n % len(posts)])
        n += 1
    secs = time.perf_counter() - start
    return {"requests": n, "seconds": round(secs, 2), "throughput_rps": round(n / secs, 1),
            "mean_ms": round(secs / n * 1000, 3)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=int, default=30, help="seconds per HTTP phase")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--tool", choices=("auto", "wrk", "httpx"), default="auto")
    ap.add_argument(
        "--requests", type=int, help="send exactly this many requests a phase (httpx client)"
    )
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") and args.requests is None else "httpx"
    if tool == "wrk" and args.requests is not None:
        raise SystemExit("--requests needs the httpx client (wrk runs for a duration)")
    bodies = corpus()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port, args.workers)
    results: dict[str, Any] = {
        "tool": tool,
        "clients": args.clients,
        "duration_s": None if args.requests else args.duration,
        "requests_per_phase": args.requests,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "corpus_posts": len(bodies),
        # Other work on the machine skews every figure: recorded so a reader can tell.
        "loadavg_before": round(os.getloadavg()[0], 2),
    }
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
            for b in bodies:
                fh.write(json.dumps(b, ensure_ascii=False) + "\n")
            bodies_file = Path(fh.name)
        # Warm-up: first requests load lazily built caches in every worker.
        import httpx

        with httpx.Client(base_url=url, timeout=30) as local:
            for b in bodies[:50]:
                local.post("/api/check", json=b)
        phases = (("baseline GET /healthz", "GET", "/healthz"),
                  ("POST /api/check", "POST", "/api/check"))  # fmt: skip
        for name, method, path in phases:
            amount = f"{args.requests} requests" if args.requests else f"{args.duration} s"
            print(f"{name}: {args.clients} clients, {amount} ...", file=sys.stderr)
            if tool == "wrk":
                r = run_wrk(url, method, path, bodies_file, args.clients, args.duration)
            else:
                r = run_httpx(url, method, path, bodies, args.clients, args.duration, args.requests)
            r.update(rss_mib(server.pid))
            results[name] = r
        os.unlink(bodies_file)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("engine in-process, one thread ...", file=sys.stderr)
    results["engine in-process (no HTTP)"] = engine_in_process(bodies, min(args.duration, 10))

    results["loadavg_after"] = round(os.getloadavg()[0], 2)
    rows = [k for k in results if isinstance(results[k], dict)]
    amount = f"{args.requests} requests a phase" if args.requests else f"{args.duration} s"
    print(f"\n{tool}, {args.clients} concurrent clients, {amount}, "
          f"{args.workers} uvicorn worker(s), {os.cpu_count()} CPUs, "
          f"{len(bodies)} distinct posts, load average {results['loadavg_before']} before, "
          f"{results['loadavg_after']} after\n")  # fmt: skip
    print("| phase | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in rows:
        r = results[k]
        cells = [k, r["requests"], r["throughput_rps"]] + [
            r.get(c, r.get("mean_ms", "") if c == "p50_ms" else "")
            for c in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "errors", "peak_rss_mib")
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
