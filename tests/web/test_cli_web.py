"""`postcheck serve`: picks a free port, prints the URL, serves, refuses a busy port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from postcheck.cli import app
from postcheck.cli_web import is_loopback, pick_port, port_free

from .conftest import free_port


def test_serve_help() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for opt in ("--host", "--port", "--workers", "--max-upload-mb"):
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
