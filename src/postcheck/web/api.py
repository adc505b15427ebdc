"""The JSON API: check one post or many, read the guidance and the rules.

Endpoints are plain `def`: the engine is CPU-bound and synchronous, so FastAPI runs each call
in its worker thread pool and the event loop stays free for other requests.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from postcheck import __version__
from postcheck.guidance import GuidanceError, editions, rule, rules, rules_version
from postcheck.model import Report
from postcheck.report.json import report_json
from postcheck.web.schemas import (
    FINE_EXAMPLE,
    RISKY_EXAMPLE,
    BatchRequest,
    CheckRequest,
    ErrorOut,
)

router = APIRouter()

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
    """Run the shared engine on one request and return the CLI's versioned Report JSON."""
    from postcheck.engine import InputError, default_engine

    try:
        report = default_engine().check(item.to_post(), edition=edition)
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
    from postcheck.detect.encoder import one_draft

    # report_json is already plain JSON: returning a response skips FastAPI's generic
    # encoder, which would cost as much again as the check itself.
    with one_draft():
        return JSONResponse(check_one(item, edition))


@router.post(
    "/api/check/batch",
    tags=["check"],
    summary="Check many posts",
    responses={**ERRORS, 200: {"description": "`reports`: one Report per post, in order."}},
)
def api_check_batch(
    request: Request, batch: BatchRequest, edition: EditionParam = None
) -> JSONResponse:
    """Check up to `max_batch_posts` posts (1000 by default) in one call, in order."""
    limit = request.app.state.settings.max_batch_posts
    if len(batch.posts) > limit:
        raise HTTPException(
            status_code=413,
            detail=f"Batch has {len(batch.posts)} posts; the limit is {limit} a request.",
        )
    # Requests are small and replicas scale out, so a process pool per request would cost
    # more than it saves: check in this worker thread.
    reports = []
    for i, item in enumerate(batch.posts):
        try:
            reports.append(check_one(item, edition))
        except HTTPException as exc:
            raise HTTPException(exc.status_code, f"posts.{i}: {exc.detail}") from None
    return JSONResponse({"reports": reports})


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
