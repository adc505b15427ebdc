"""`postcheck serve`: picks a free port, prints the URL, serves, refuses a busy port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from postcheck.cli import app
from postcheck.cli.web import is_loopback, pick_port, port_free

from .conftest import free_port


def test_serve_help() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for opt in ("--host", "--port", "--workers", "--max-upload-mb", "--shutdown-timeout"):
        assert opt in result.output


def test_pick_port_skips_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert not port_free("127.0.0.1", taken)
        chosen = pick_port("127.0.0.1", start=taken, tries=20)
        assert chosen is not None and chosen != taken


def test_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_busy_port_is_a_usage_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert "in use" in result.output


def test_serve_prints_the_url_and_serves() -> None:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "postcheck", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200
        secret = "Quagga-unique draft text"
        httpx.post(f"http://127.0.0.1:{port}/api/check", json={"text": secret}, timeout=10)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=15)
    assert "Quagga-unique" not in out + err
    assert "POST /api/check 200" in err  # our access line: method, path, status only


#: `postcheck serve` with every post's check slowed to 20 ms, so a batch is long whatever the
#: engine's speed: what is measured is how the server stops, not how fast it checks.
SLOW_SERVE = """
import sys, time
from postcheck.web import api
real = api._check_chunk
def slow(chunk, start, edition):
    time.sleep(0.02 * len(chunk))
    return real(chunk, start, edition)
api._check_chunk = slow
from postcheck.cli import main
sys.argv = ["postcheck", "serve", "--port", sys.argv[1], "--shutdown-timeout", "1"]
main()
"""


def _batch_request(posts: int) -> bytes:
    body = json.dumps({"posts": [{"text": f"Lovely walk today, number {i}"} for i in range(posts)]})
    head = (
        "POST /api/check/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return (head + body).encode()


def test_sigterm_stops_serve_within_seconds_mid_batch() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_SERVE, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        request = _batch_request(1000)  # 20 s of checking at 20 ms a post
        # A client that gives up: its batch stops at the next chunk, not after 1000 posts.
        with socket.create_connection(("127.0.0.1", port)) as gone:
            gone.sendall(request)
            time.sleep(0.5)
        waiting = socket.create_connection(("127.0.0.1", port))
        waiting.sendall(request)
        time.sleep(1.5)
        stopped = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        elapsed = time.monotonic() - stopped
        waiting.settimeout(5)
        status_line = waiting.recv(4096).split(b"\r\n")[0]
        waiting.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=15)
    assert elapsed < 5, f"serve took {elapsed:.1f} s to stop after SIGTERM"
    assert b" 503 " in status_line  # cancelled with an answer, not dropped
    assert "batch abandoned after" in err and "POST /api/check/batch 499" in err
    assert "POST /api/check/batch 503" in err
    assert "Traceback" not in err and "Lovely walk" not in err
