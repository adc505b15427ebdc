"""The JSON API: check one post or many, read the guidance and the rules.

The engine is CPU-bound and synchronous, so checks run in worker threads and the event loop
stays free for other requests: one post as a plain `def` endpoint (FastAPI's thread pool), a
batch a few posts at a time, with a look between chunks at whether the client is still there
(work for a closed connection stops instead of running on for minutes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect

from postcheck import __version__, safejson
from postcheck.guidance import GuidanceError, editions, rule, rules, rules_version
from postcheck.report.json import report_json
from postcheck.shapes import Report
from postcheck.web.schemas import (
    FINE_EXAMPLE,
    RISKY_EXAMPLE,
    BatchRequest,
    CheckRequest,
    ErrorOut,
)

log = logging.getLogger("postcheck.web")

#: A batch is checked in chunks of at most this many characters (or CHUNK_POSTS posts):
#: small enough that a disconnect or a shutdown is noticed within a fraction of a second.
CHUNK_CHARS = 50_000
CHUNK_POSTS = 32


def body_problem(body: bytes) -> str | None:
    """Why a JSON body cannot even be parsed safely, or None.

    FastAPI's own parser answers a non-UTF-8 body, or one nested deep enough to exhaust
    the interpreter's recursion, with a bare 400; this says what is wrong, as a 422 like
    any other body that is not a valid post.
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})"
    try:
        safejson.check_depth(body)
    except safejson.TooDeep as exc:
        return str(exc)
    return None


class CheckedBodyRoute(APIRoute):
    """A route whose JSON body is checked by `body_problem` before FastAPI parses it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            if request.method == "POST":
                try:
                    body = await request.body()  # cached: FastAPI reads it from here again
                except ClientDisconnect:
                    # Gone, or cut off as too large (that 413 is already sent): no one reads this.
                    return Response(status_code=400)
                problem = body_problem(body) if body else None
                if problem is not None:
                    raise RequestValidationError(
                        [{"type": "value_error", "loc": ("body",), "msg": problem}]
                    )
            return await handler(request)

        return checked


router = APIRouter(route_class=CheckedBodyRoute)

EditionParam = Annotated[
    str | None,
    Query(
        description="Guidance edition to cite (`public-servants` or `state-servants`); "
        "default: the edition in force on the post's date.",
        max_length=64,
    ),
]

CHECK_EXAMPLES: dict[str, Any] = {
    "risky": {
        "summary": "Political comment on LinkedIn by an adviser on that issue",
        "value": RISKY_EXAMPLE,
    },
    "fine": {"summary": "An ordinary personal post", "value": FINE_EXAMPLE},
    "minimal": {"summary": "Text only (context defaults)", "value": {"text": "Kia ora!"}},
}

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "Body over the size limit."},
    415: {"model": ErrorOut, "description": "Body is not JSON."},
    422: {"model": ErrorOut, "description": "Body is not a valid post (the detail says why)."},
}


def check_one(item: CheckRequest, edition: str | None) -> dict[str, Any]:
    """Run the shared engine on one draft and return the CLI's versioned Report JSON."""
    from postcheck.detect.encoder import mode_for
    from postcheck.engine import InputError, default_engine

    try:
        report = default_engine().check(item.to_post(), edition=edition, mode=mode_for(single=True))
    except (GuidanceError, InputError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return report_json(report)


@router.post(
    "/api/check",
    tags=["check"],
    summary="Check one post",
    responses={
        **ERRORS,
        200: {"model": Report, "description": "The Report, as `postcheck check --format json`."},
    },
)
def api_check(
    item: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)],
    edition: EditionParam = None,
) -> JSONResponse:
    """Check one post in its context. The body is one line of `postcheck check --input`
    JSONL; the answer is the same versioned Report JSON the CLI prints. One post is read
    thoroughly (the transformer reads it whatever the fast model thinks); the batch call
    reads like a scan."""
    # report_json is already plain JSON: returning a response skips FastAPI's generic
    # encoder, which would cost as much again as the check itself.
    return JSONResponse(check_one(item, edition))


@router.post(
    "/api/check/batch",
    tags=["check"],
    summary="Check many posts",
    responses={
        **ERRORS,
        413: {
            "model": ErrorOut,
            "description": "Body over the size limit, or more posts or characters of text "
            "than one batch may hold (`max_batch_posts`, `max_batch_chars`).",
        },
        200: {"description": "`reports`: one Report per post, in order."},
    },
)
async def api_check_batch(
    request: Request, batch: BatchRequest, edition: EditionParam = None
) -> Response:
    """Check up to `max_batch_posts` posts (1000 by default) holding at most
    `max_batch_chars` characters of text in all (1,000,000 by default) in one call, in
    order."""
    settings = request.app.state.settings
    posts = batch.posts
    if len(posts) > settings.max_batch_posts:
        raise HTTPException(
            status_code=413,
            detail=f"Batch has {len(posts)} posts; the limit is {settings.max_batch_posts} a "
            "request.",
        )
    chars = sum(len(p.text) for p in posts)
    if chars > settings.max_batch_chars:
        raise HTTPException(
            status_code=413,
            detail=f"Batch has {chars:,} characters of text; the limit is "
            f"{settings.max_batch_chars:,} a request: split it.",
        )
    from postcheck.engine import InputError, validate_text

    # A post the engine would refuse fails the whole batch: find it before doing the work.
    for i, item in enumerate(posts):
        try:
            validate_text(item.text)
        except InputError as exc:
            raise HTTPException(status_code=422, detail=f"posts.{i}: {exc}") from None
    # Requests are small and replicas scale out, so a process pool per request would cost
    # more than it saves: check in a worker thread, a chunk at a time.
    reports: list[dict[str, Any]] = []
    for start, chunk in _chunks(posts):
        if await request.is_disconnected():
            log.info("batch abandoned after %d of %d posts: client went away", start, len(posts))
            return Response(status_code=499)  # nginx's "client closed request"; never seen
        reports += await anyio.to_thread.run_sync(_check_chunk, chunk, start, edition)
    return JSONResponse({"reports": reports})


def _chunks(posts: Sequence[CheckRequest]) -> Iterator[tuple[int, Sequence[CheckRequest]]]:
    start = 0
    while start < len(posts):
        end, size = start, 0
        while end < len(posts) and end - start < CHUNK_POSTS:
            size += len(posts[end].text)
            end += 1
            if size >= CHUNK_CHARS:
                break
        yield start, posts[start:end]
        start = end


def _check_chunk(
    chunk: Sequence[CheckRequest], start: int, edition: str | None
) -> list[dict[str, Any]]:
    """One chunk read like a scan: one vectorised model pass (Engine.check_many) in the
    bulk mode. The first post that cannot be checked fails the request, naming it."""
    from postcheck.detect.encoder import mode_for
    from postcheck.engine import InputError, default_engine

    posts = [item.to_post() for item in chunk]
    results = default_engine().check_many(posts, edition, mode=mode_for(), chunk=len(posts))
    reports: list[dict[str, Any]] = []
    try:
        for result in results:
            if isinstance(result, InputError):
                raise HTTPException(422, f"posts.{start + len(reports)}: {result}")
            reports.append(report_json(result))
    except GuidanceError as exc:  # raised while checking the post after the last report
        raise HTTPException(422, f"posts.{start + len(reports)}: {exc}") from None
    return reports


@router.get("/api/guidance", tags=["guidance"], summary="Both editions and the rule set")
def api_guidance() -> dict[str, Any]:
    """Every edition with its clauses, and a summary of every rule with the clauses it
    implements."""
    return {
        "rules_version": rules_version(),
        "editions": {k: ed.model_dump(mode="json") for k, ed in editions().items()},
        "rules": [
            {
                "id": r.id,
                "title": r.title,
                "level": r.level.value,
                "clauses": list(r.clauses),
                "law": list(r.law),
                "source": r.source,
                "url": f"/api/rules/{r.id}",
            }
            for r in rules()
        ],
    }


@router.get(
    "/api/rules/{rule_id}",
    tags=["guidance"],
    summary="One rule in full",
    responses={404: {"model": ErrorOut, "description": "No rule with that id."}},
)
def api_rule(rule_id: str) -> dict[str, Any]:
    """A rule's clauses, conditions, message, why, fixes and its flag/pass examples."""
    try:
        found = rule(rule_id)
    except KeyError:
        raise HTTPException(
            status_code=404,
            detail=f"No rule {rule_id[:64]!r}; GET /api/guidance lists the rule ids.",
        ) from None
    return found.model_dump(mode="json", by_alias=True)


@router.get("/healthz", tags=["service"], summary="Liveness and versions")
def healthz() -> dict[str, str]:
    return {"status": "ok", "postcheck_version": __version__, "rules_version": rules_version()}
