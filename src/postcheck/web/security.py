"""Security for the web door: headers, body size limits, CSRF tokens, log hygiene.

The middleware here is plain ASGI rather than Starlette's BaseHTTPMiddleware so that a body
over the limit is refused while it streams in, before anything buffers it whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("postcheck.web")

#: Same-origin everything; no inline script or style, so injected markup cannot run.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response, and no-store to anything dynamic:
    a report repeats the draft it judged, which should not linger in shared caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def send_json_error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimitMiddleware:
    """Refuses bodies over a per-path limit with 413: at once when Content-Length says so,
    otherwise as soon as the streamed bytes pass it (chunked uploads have no length)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        refusal = _declared_length_refusal(scope, limit)
        if refusal is not None:
            await send_json_error(send, *refusal)
            return
        body = _LimitedBody(receive, send, limit)
        await self.app(scope, body.receive, body.send)


def _declared_length_refusal(scope: Scope, limit: int) -> tuple[int, str] | None:
    """The status and message that refuse a request at once for its Content-Length (not a
    number, or over `limit`); None when it may stream in."""
    declared = _header(scope, b"content-length")
    if declared is None:
        return None
    try:
        length = int(declared)
    except ValueError:
        return 400, "Content-Length is not a number."
    return (413, _too_large(limit)) if length > limit else None


class _LimitedBody:
    """One request's receive and send, counting the body as it streams in: past `limit`
    bytes the client gets a 413 and the app is told the client went away."""

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.seen = 0
        self.started = False
        self.refused = False

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                # Answer now and tell the app the client went away: frameworks turn an
                # exception raised while reading the body into their own 400, whereas a
                # disconnect just ends the request.
                self.refused = True
                if not self.started:
                    await send_json_error(self._send, 413, _too_large(self.limit))
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return  # the 413 has been sent; whatever the app says now goes nowhere
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _too_large(limit: int) -> str:
    return f"Request body is larger than the limit of {describe_bytes(limit)}."


def describe_bytes(n: int) -> str:
    """A size limit in words, exact and readable: "465,536 bytes (454.6 KiB)". The docs
    quote the defaults in this same form (a test holds them to it)."""
    exact = f"{n:,} bytes"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            amount = f"{n / size:.1f}".removesuffix(".0")
            return f"{exact} ({amount} {unit})"
    return exact


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


JSON_ONLY = "Send the request body as JSON (Content-Type: application/json)."


def is_json_type(content_type: str | None) -> bool:
    ctype = (content_type or "").split(";")[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


class JsonOnlyApiMiddleware:
    """POSTs to /api/ must say they are JSON. A cross-site HTML form can only send form or
    text bodies, so this is what keeps the JSON API safe from CSRF without tokens."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith("/api/")
            and not is_json_type(_header(scope, b"content-type"))
        ):
            await send_json_error(send, 415, JSON_ONLY)
            return
        await self.app(scope, receive, send)


class AccessLogMiddleware:
    """One log line per request with method, path, status and time, and nothing else: no
    query string, no body, no headers, so no draft ever reaches a log file."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def capture(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except Exception as exc:
            # Swallowed here, inside Starlette's error middleware, because a traceback (which
            # uvicorn would log) can quote the post: pydantic errors carry their input.
            log.error("unhandled %s on %s", type(exc).__name__, _loggable_path(scope["path"]))
            if not started:
                await send_json_error(send, 500, "Internal error.")
        except asyncio.CancelledError:
            # uvicorn cancels what is still running when a stopping server's grace time is
            # over (serve --shutdown-timeout). Not re-raised: uvicorn would log a traceback
            # and answer a bare 500, where a 503 tells the client to try again.
            log.warning("%s cancelled: the server is stopping", _loggable_path(scope["path"]))
            if not started:
                status = 503
                with contextlib.suppress(Exception):
                    await send_json_error(send, 503, "The server is shutting down; try again.")
        finally:
            log.info(
                "%s %s %d %.1fms",
                scope["method"],
                _loggable_path(scope["path"]),
                status,
                (time.perf_counter() - start) * 1000,
            )


_JOB_PATH = re.compile(r"^/archive/jobs/[^/]+")


def _loggable_path(path: str) -> str:
    # A job id is the only key to someone's report, so it never reaches a log; anything
    # else a client invents is cut short so a path cannot smuggle text into the log.
    path = _JOB_PATH.sub("/archive/jobs/<id>", path)
    return path if len(path) <= 80 else path[:80] + "…"


# --- CSRF: a signed double-submit token -----------------------------------------------------

CSRF_COOKIE = "postcheck_csrf"
CSRF_FIELD = "csrf_token"


def new_csrf_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def csrf_valid(secret: str, cookie: str | None, submitted: str | None) -> bool:
    """The form field must equal the cookie, and the token must carry our signature: a
    sibling subdomain that can set cookies still cannot mint one."""
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        return False
    nonce, _, sig = cookie.partition(".")
    return bool(nonce) and hmac.compare_digest(sig, _sign(secret, nonce))


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:32]
