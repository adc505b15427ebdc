"""FastAPI assembly: a router the main web app mounts, and a standalone app for
`postcheck moderate serve`."""

from __future__ import annotations

import html

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from postcheck import __version__
from postcheck.moderation.api import CORS_HEADERS, comments_router
from postcheck.moderation.pagekit import SECURITY_HEADERS
from postcheck.moderation.pages import pages_router
from postcheck.moderation.screening import Screener
from postcheck.moderation.service import Moderation
from postcheck.moderation.settings import Settings
from postcheck.web.schemas import validation_errors


def moderation_router(
    settings: Settings | None = None, *, screener: Screener | None = None
) -> APIRouter:
    """Everything moderation serves (API, owner pages, embed files) as one router.

    Opens the store and, unless `settings.migrate_on_start` is off, migrates it now.
    """
    mod = Moderation.open(settings or Settings(), screener=screener)
    router = APIRouter()
    router.include_router(comments_router(mod))
    router.include_router(pages_router(mod))
    router.moderation = mod  # type: ignore[attr-defined]  # for tests and the CLI
    return router


def create_app(settings: Settings | None = None, *, screener: Screener | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        # Swagger UI and ReDoc load their code from a CDN: the service must work offline,
        # so only the schema is served.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        title="postcheck moderation",
        version=__version__,
        description=(
            "Comment screening for public servants who run their own website: comments are "
            "checked by the postcheck engine and published, held for the owner or rejected."
        ),
    )
    router = moderation_router(settings, screener=screener)
    app.include_router(router)
    app.state.moderation = router.moderation  # type: ignore[attr-defined]
    prefix = settings.pages_prefix.rstrip("/")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # The owner's pages answer errors with a page, the API with {"detail": ...}.
        if request.url.path.startswith(prefix + "/") and request.method != "OPTIONS":
            body = (
                "<!doctype html><html lang=en><meta charset=utf-8>"
                f"<title>{exc.status_code}</title>"
                f'<link rel="stylesheet" href="{prefix}/static/moderate.css">'
                f"<main><h1>{exc.status_code}</h1><p>{html.escape(str(exc.detail))}</p>"
                f'<p><a href="{prefix}/">Back to the queue</a></p></main></html>'
            )
            return HTMLResponse(body, status_code=exc.status_code, headers=SECURITY_HEADERS)
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's default answer is a list of pydantic errors, each echoing its input;
        # every other error here is one line, and a site's script reads them all the same way.
        summary, _ = validation_errors(exc.errors())
        headers = CORS_HEADERS if request.url.path.startswith("/api/") else None
        return JSONResponse({"detail": summary}, status_code=422, headers=headers)

    @app.get("/", include_in_schema=False)
    async def root(request: Request) -> Response:
        return RedirectResponse(prefix + "/", status_code=303)

    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn (`--factory`), used by `moderate serve` so workers can import it.

    Reads POSTCHECK_DATABASE_URL and POSTCHECK_SECURE_COOKIES; the CLI sets them.
    """
    import os

    secure = os.environ.get("POSTCHECK_SECURE_COOKIES", "").lower() in ("1", "true", "yes")
    return create_app(Settings(secure_cookies=secure))
