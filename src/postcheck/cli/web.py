"""`postcheck serve`: the web app (check page, guidance, archive scan and the HTTP API)."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Annotated, Any

import typer

DEFAULT_PORT = 8000
#: How far past the default port to look for a free one.
PORT_SEARCH = 50
#: Seconds a stopping server gives requests in progress (`serve --shutdown-timeout`).
SHUTDOWN_TIMEOUT = 3


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(host: str, start: int = DEFAULT_PORT, tries: int = PORT_SEARCH) -> int | None:
    for port in range(start, min(start + tries, 65536)):
        if port_free(host, port):
            return port
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's own loggers plus ours. uvicorn's access log is off (see serve): our access
    line carries method, path and status only, never a query string or a body."""
    fmt = {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"}
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": fmt},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "postcheck.web": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }


def register(app: typer.Typer) -> None:
    """Add `serve` to the main app."""
    app.command()(serve)


def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The default serves this machine only; use "
            "0.0.0.0 to expose it to your network deliberately."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help=f"Port. Default: {DEFAULT_PORT}, or the next free one."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (checks are CPU-bound).")
    ] = 1,
    max_upload_mb: Annotated[
        int | None,
        typer.Option(min=1, help="Largest archive the archive page accepts, in MiB."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    moderation: Annotated[
        bool,
        typer.Option(
            "--moderation/--no-moderation",
            help="Also serve the comment moderation queue (/moderate/) and its comment "
            "API from the store made by `postcheck moderate init`.",
        ),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option(help="With --moderation: the moderation store's database URL."),
    ] = None,
    shutdown_timeout: Annotated[
        int,
        typer.Option(
            min=0,
            help="On Ctrl+C or SIGTERM, seconds to let requests in progress finish "
            "before they are cancelled (a batch stops at its next chunk).",
        ),
    ] = SHUTDOWN_TIMEOUT,
) -> None:
    """Start the web app: check page, guidance, archive scan and the HTTP API."""
    import uvicorn

    if log_level.lower() not in ("debug", "info", "warning", "error", "critical"):
        raise typer.BadParameter("choose debug, info, warning or error", param_hint="--log-level")
    chosen = _choose_port(host, port)
    _share_settings(max_upload_mb, workers, moderation, db)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"postcheck is running at http://{shown}:{chosen}/  (Ctrl+C to stop)")
    if not is_loopback(host):
        typer.echo(
            "postcheck: listening beyond this machine: anyone who can reach it can use it.",
            err=True,
        )
    uvicorn.run(
        "postcheck.web.app:create_served_app",
        factory=True,
        host=host,
        port=chosen,
        workers=workers,
        access_log=False,
        log_config=log_config(log_level),
        log_level=log_level.lower(),
        server_header=False,
        proxy_headers=False,
        # The check page and API clients reuse connections; don't close them under a
        # client that is about to send (uvicorn's default is 5 s).
        timeout_keep_alive=75,
        # uvicorn's default waits for every request in progress, however long: a big
        # batch kept a stopped server alive for minutes.
        timeout_graceful_shutdown=shutdown_timeout,
    )


def _choose_port(host: str, port: int | None) -> int:
    """--port if it is free, else the first free one from the default; exit 2 if none."""
    if port is None:
        chosen = pick_port(host)
        if chosen is None:
            typer.echo(
                f"postcheck: no free port in {DEFAULT_PORT}-{DEFAULT_PORT + PORT_SEARCH - 1}"
                f" on {host}; pass --port.",
                err=True,
            )
            raise typer.Exit(2)
        return chosen
    if not port_free(host, port):
        typer.echo(f"postcheck: port {port} on {host} is in use; pick another.", err=True)
        raise typer.Exit(2)
    return port


def _share_settings(
    max_upload_mb: int | None, workers: int, moderation: bool, db: str | None
) -> None:
    """Settings travel by environment so every worker process reads the same."""
    if max_upload_mb is not None:
        os.environ["POSTCHECK_WEB_MAX_UPLOAD_BYTES"] = str(max_upload_mb * 1024 * 1024)
    if workers > 1 and "POSTCHECK_WEB_SECRET_KEY" not in os.environ:
        # Workers must agree on the CSRF signing key or a form from one fails on another.
        import secrets

        os.environ["POSTCHECK_WEB_SECRET_KEY"] = secrets.token_urlsafe(32)
    if moderation:
        os.environ["POSTCHECK_WEB_MODERATION"] = "1"
        if db:
            os.environ["POSTCHECK_DATABASE_URL"] = db
