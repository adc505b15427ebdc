"""The comment API a site talks to: submit comments, list published ones.

    POST /api/sites/{site}/comments   Authorization: Bearer <site key>
         {"id", "author_name", "text", "author_email"?, "url"?}
      -> 201 {"id", "decision", "reasons": [...], "advice": [...]}   (200 for a repeated id)
    GET  /api/sites/{site}/comments   published comments, newest first

The body is read with a hard size cap before anything parses it, decoded as strict UTF-8 and
validated; every failure is a 4xx with a one-line `detail`. A key only opens its own site.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from postcheck import safejson
from postcheck.moderation.service import Moderation
from postcheck.moderation.store import Conflict, NewComment, Submitted
from postcheck.moderation.tables import Site
from postcheck.web.security import JSON_ONLY, describe_bytes, is_json_type

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Max-Age": "600",
}


def _clean(value: str, field: str, *, multiline: bool = False) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{field} contains invalid Unicode (an unpaired surrogate)") from None
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
        raise ValueError(f"{field} contains control characters")
    return value


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    id: str = Field(min_length=1, max_length=200, description="Client's id: makes retries safe.")
    author_name: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1)
    author_email: str | None = Field(None, max_length=320)
    url: str | None = Field(None, max_length=2000)

    @field_validator("id", "author_name")
    @classmethod
    def _line(cls, v: str, info: Any) -> str:
        v = _clean(v, info.field_name).strip()
        if not v:
            raise ValueError("must not be blank")
        return v

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        v = _clean(v, "text", multiline=True)
        if not v.strip():
            raise ValueError("must not be blank")
        return v

    @field_validator("author_email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = _clean(v, "author_email").strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v):
            raise ValueError("is not an email address")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = _clean(v, "url").strip()
        if not (v.startswith(("https://", "http://", "/"))):
            raise ValueError("must be an http(s) URL or a path starting with /")
        return v


class ReasonOut(BaseModel):
    category: str
    phase: str
    score: float
    action: str
    message: str
    spans: list[dict[str, Any]] = []
    evidence: list[str] = []


class CommentOut(BaseModel):
    id: str = Field(description="The client's id, echoed.")
    decision: str = Field(description="publish, hold or reject")
    reasons: list[ReasonOut]
    advice: list[dict[str, Any]] = Field([], description="For the site owner, e.g. bait.")


class PublishedComment(BaseModel):
    id: str
    author_name: str
    text: str
    url: str | None
    published_at: str


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(
        status_code=status, detail=detail, headers={**CORS_HEADERS, **(headers or {})}
    )


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise _error(
            401, "missing Authorization: Bearer <site key>", {"WWW-Authenticate": "Bearer"}
        )
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _error(
            401, "Authorization must be 'Bearer <site key>'", {"WWW-Authenticate": "Bearer"}
        )
    return key.strip()


def comments_router(mod: Moderation) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["moderation"])
    router.include_router(_submit_router(mod))
    router.include_router(_published_router(mod))
    router.include_router(_health_router(mod))
    return router


async def _authorised_site(mod: Moderation, site: str, authorization: str | None) -> Site:
    key = _bearer(authorization)
    found = await run_in_threadpool(mod.store.site_for_key, key)
    if found is None:
        raise _error(401, "unknown site key", {"WWW-Authenticate": "Bearer"})
    if found.name != site:
        # The key is valid but for another site: it opens nothing else.
        raise _error(403, f"this key is not for site {site!r}")
    return found


async def _read_body(request: Request, limit: int) -> bytes:
    too_large = f"request body too large: the limit is {describe_bytes(limit)}"
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            too_big = int(declared) > limit
        except ValueError:
            raise _error(400, "invalid Content-Length header") from None
        if too_big:
            raise _error(413, too_large)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _error(413, too_large)
        chunks.append(chunk)
    return b"".join(chunks)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body_text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(400, f"request body is not valid UTF-8 (byte {exc.start})") from None
    try:
        data = safejson.loads(body_text)
    except json.JSONDecodeError as exc:
        raise _error(
            400,
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from None
    except safejson.TooDeep as exc:
        raise _error(400, f"request body is not acceptable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _error(400, "request body must be a JSON object")
    return data


def _comment_in(data: dict[str, Any], max_chars: int) -> CommentIn:
    try:
        comment = CommentIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        raise _error(422, f"{where}: {msg}") from None
    if len(comment.text) > max_chars:
        raise _error(422, f"text: longer than {max_chars} characters")
    return comment


async def _screen_and_store(
    mod: Moderation, site: Site, comment: CommentIn, slots: anyio.CapacityLimiter
) -> Submitted:
    try:
        # Screening is CPU work under the GIL: a few threads at a time keep it close to
        # first come, first served (forty interleaved threads make every request slow).
        prepared = await anyio.to_thread.run_sync(
            functools.partial(
                mod.prepare,
                site.id,
                site.policy,
                NewComment(
                    client_id=comment.id,
                    author_name=comment.author_name,
                    text=comment.text,
                    author_email=comment.author_email,
                    url=comment.url,
                ),
            ),
            limiter=slots,
        )
        return (
            prepared if isinstance(prepared, Submitted) else await mod.store.submit_async(prepared)
        )
    except Conflict as exc:
        raise _error(409, str(exc)) from None


_SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Same id sent again: the stored comment's decision."},
    400: {"description": "Body is not UTF-8 JSON, or nests deeper than 64 levels."},
    401: {"description": "Missing or unknown site key."},
    403: {"description": "Key belongs to another site."},
    409: {"description": "Id already used for a different comment."},
    413: {"description": "Body too large."},
    415: {"description": "Body not sent as JSON (Content-Type: application/json)."},
    422: {"description": "Fields missing or invalid."},
}


def _submit_router(mod: Moderation) -> APIRouter:
    router = APIRouter()
    settings = mod.settings
    screening_slots = anyio.CapacityLimiter(4)

    @router.post(
        "/sites/{site}/comments",
        status_code=201,
        response_model=CommentOut,
        summary="Submit a comment for screening",
        responses=_SUBMIT_RESPONSES,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": CommentIn.model_json_schema()}},
            }
        },
    )
    async def submit_comment(
        site: str,
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        # As the checker's API does: a page on another site can post a form or text/plain
        # without asking first, but not JSON, so only JSON is taken.
        if not is_json_type(request.headers.get("content-type")):
            raise _error(415, JSON_ONLY)
        found = await _authorised_site(mod, site, authorization)
        raw = await _read_body(request, settings.max_body_bytes)
        comment = _comment_in(_json_object(raw), settings.max_comment_chars)
        result = await _screen_and_store(mod, found, comment, screening_slots)
        body = {
            "id": comment.id,
            "decision": result.decision,
            "reasons": [r.to_json() for r in result.reasons],
            "advice": [a.to_json() for a in result.advice],
        }
        return JSONResponse(body, status_code=201 if result.created else 200, headers=CORS_HEADERS)

    return router


def _published_router(mod: Moderation) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/sites/{site}/comments",
        response_model=list[PublishedComment],
        summary="Published comments of a site, newest first",
    )
    async def published_comments(
        site: str,
        authorization: Annotated[str | None, Header()] = None,
        url: Annotated[str | None, Query(max_length=2000)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        before: Annotated[
            int | None, Query(ge=1, description="Page: comments older than this.")
        ] = None,
    ) -> Response:
        found = await _authorised_site(mod, site, authorization)
        rows = await run_in_threadpool(
            mod.store.published, found.id, limit=limit, before_id=before, url=url
        )
        out = [
            {
                "id": c.client_id,
                "author_name": c.author_name,
                "text": c.text,
                "url": c.url,
                "published_at": c.decided_at.isoformat(),
                "cursor": c.id,
            }
            for c in rows
        ]
        return JSONResponse(out, headers=CORS_HEADERS)

    @router.options("/sites/{site}/comments", include_in_schema=False)
    async def preflight(site: str) -> Response:
        return Response(status_code=204, headers=CORS_HEADERS)

    return router


def _health_router(mod: Moderation) -> APIRouter:
    router = APIRouter()

    @router.get("/moderation/health", summary="Service and database health")
    async def health() -> dict[str, str]:
        def ping() -> str:
            mod.store.check_ready()
            return mod.store.dialect

        try:
            dialect = await run_in_threadpool(ping)
        except Exception as exc:
            raise _error(503, f"database unavailable: {exc.__class__.__name__}") from None
        return {"status": "ok", "database": dialect}

    return router
