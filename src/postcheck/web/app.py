"""The FastAPI application: pages, JSON API, static assets and the security around them.

`create_app` is a factory so tests, `postcheck serve` and an agency's own ASGI server can each
build an app with their own settings; nothing is configured at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from postcheck import __version__
from postcheck.web import api, pages
from postcheck.web.schemas import validation_errors
from postcheck.web.security import (
    AccessLogMiddleware,
    BodySizeLimitMiddleware,
    JsonOnlyApiMiddleware,
    SecurityHeadersMiddleware,
)
from postcheck.web.settings import WebSettings

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"

DESCRIPTION = """\
Check social media posts by New Zealand public servants against the Public Service
Commission's guidance on personal use of social media. Runs offline; nothing you send is
stored or logged. `POST /api/check` takes one line of `postcheck check --input` JSONL and
returns the same versioned Report JSON as `postcheck check --format json`.
"""


#: Set by `postcheck serve --moderation`: mount the moderation queue in this app too.
MODERATION_ENV = "POSTCHECK_WEB_MODERATION"


def create_served_app() -> FastAPI:
    """The app `postcheck serve` runs (a uvicorn factory, so every worker builds its own):
    the web door, plus the moderation queue and comment API when asked for."""
    import os

    routers: list[APIRouter] = []
    if os.environ.get(MODERATION_ENV) == "1":
        from postcheck.moderation.app import moderation_router

        routers.append(moderation_router())
    return create_app(extra_routers=routers)


def create_app(
    settings: WebSettings | None = None,
    *,
    extra_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """Build the web app. `extra_routers` lets other doors (the moderation queue) mount
    their own routes under the same security middleware and templates."""
    settings = settings or WebSettings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load lexicons and models before the first request rather than during it.
        from postcheck.engine import default_engine

        await asyncio.to_thread(default_engine)
        yield
        app.state.jobs.shutdown()

    app = FastAPI(
        title="postcheck",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # The bundled Swagger UI and ReDoc pages load their code from a CDN, which the
        # offline promise and the CSP both forbid; the schema itself is served.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.templates = pages.templates()
    from postcheck.web.jobs import JobStore

    app.state.jobs = JobStore(settings)

    app.include_router(api.router)
    app.include_router(pages.router)
    for router in extra_routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    _install_error_handlers(app)

    # Outermost last: the access log sees every response, headers go on every response,
    # and oversized or non-JSON bodies are refused before any route reads them.
    app.add_middleware(JsonOnlyApiMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, limit_for=_limits(settings))
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app


def _limits(settings: WebSettings) -> Any:
    def limit_for(path: str) -> int:
        if path == "/api/check/batch":
            return settings.max_batch_body_bytes
        if path == pages.UPLOAD_PATH:
            # Multipart framing and the CSRF field ride along with the file.
            return settings.max_upload_bytes + 64 * 1024
        return settings.max_body_bytes

    return limit_for


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        summary, errors = validation_errors(exc.errors())
        return JSONResponse(status_code=422, content={"detail": summary, "errors": errors})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_html(request):
            return pages.error_page(request, exc.status_code, str(exc.detail))
        return JSONResponse(
            status_code=exc.status_code,
            content={"detail": exc.detail},
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(500)
    async def server_error(request: Request, exc: Exception) -> Response:
        # Never echo the exception: its message may quote the post.
        if _wants_html(request):
            return pages.error_page(request, 500, "Something went wrong on our side.")
        return JSONResponse(status_code=500, content={"detail": "Internal error."})
