"""Server-rendered pages: check, guidance, archive upload and its progress and report."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
import yaml
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from postcheck import __version__
from postcheck.guidance import (
    CURRENT_EDITION,
    GUIDANCE_DIR,
    GuidanceError,
    editions,
    rules,
    rules_version,
)
from postcheck.shapes import Kind, Platform, Seniority, Visibility
from postcheck.web.security import (
    CSP,
    CSRF_COOKIE,
    CSRF_FIELD,
    csrf_valid,
    new_csrf_token,
)
from postcheck.web.upload import UploadError, receive_upload

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
UPLOAD_PATH = "/archive/upload"

router = APIRouter(include_in_schema=False)

PLATFORM_LABELS = {
    Platform.linkedin: "LinkedIn",
    Platform.facebook: "Facebook",
    Platform.x: "X (Twitter)",
    Platform.instagram: "Instagram",
    Platform.threads: "Threads",
    Platform.mastodon: "Mastodon",
    Platform.bluesky: "Bluesky",
    Platform.reddit: "Reddit",
    Platform.tiktok: "TikTok",
    Platform.website: "My own website or blog",
    Platform.other: "Somewhere else",
}
KIND_LABELS = {
    Kind.post: "A post of my own",
    Kind.reply: "A reply",
    Kind.comment: "A comment on someone's post",
    Kind.share: "Sharing someone else's post",
    Kind.like: "Liking someone else's post",
    Kind.bio: "My profile bio or headline",
}
VISIBILITY_LABELS = {
    Visibility.public: "Anyone (public)",
    Visibility.followers: "My followers or connections",
    Visibility.friends: "Friends only",
    Visibility.group: "A group",
    Visibility.private: "A private message or chat",
}
SENIORITY_LABELS = {
    Seniority.staff: "Staff",
    Seniority.manager: "Manager",
    Seniority.senior: "Senior leader",
    Seniority.executive: "Chief executive",
    Seniority.board: "Board member",
}


@functools.cache
def agency_names() -> tuple[str, ...]:
    """Employer suggestions for the profile form, from the agencies lexicon."""
    data = yaml.safe_load((GUIDANCE_DIR / "lexicons" / "agencies.yaml").read_text("utf-8"))
    return tuple(sorted({e["name"] for e in data.get("entries", []) if e.get("name")}))


def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(TEMPLATES_DIR))


def _render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    base = {
        "version": __version__,
        "rules_version": rules_version(),
        "path": request.url.path,
    }
    tmpl: Jinja2Templates = request.app.state.templates
    return tmpl.TemplateResponse(request, name, {**base, **ctx}, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return _render(request, "error.html", status=status, status_code=status, message=message)


LABELS: dict[str, dict[str, str]] = {
    "platform": {k.value: v for k, v in PLATFORM_LABELS.items()},
    "kind": {k.value: v for k, v in KIND_LABELS.items()},
    "visibility": {k.value: v for k, v in VISIBILITY_LABELS.items()},
    "seniority": {k.value: v for k, v in SENIORITY_LABELS.items()},
}
PROFILE_TEXT = ("employer", "role", "topics", "bio")
PROFILE_FLAGS = ("advises_ministers", "represents_agency", "shows_employer")
FORM_FIELDS = ("text", "platform", "kind", "visibility", "date", "edition", "seniority")
PLATFORM_MISSING = (
    "Choose where you will post it: the same words can be fine on one platform and a "
    "problem on another."
)


def _check_context(form: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "platforms": PLATFORM_LABELS,
        "kinds": KIND_LABELS,
        "visibilities": VISIBILITY_LABELS,
        "seniorities": SENIORITY_LABELS,
        "editions": editions(),
        "current_edition": CURRENT_EDITION,
        "agencies": agency_names(),
        "form": form or {},
        "result": None,
        "errors": {},
        **extra,
    }


@router.get("/", response_class=HTMLResponse)
def check_page(request: Request) -> HTMLResponse:
    return _render(request, "check.html", **_check_context())


async def _read_form(request: Request) -> dict[str, str]:
    # The draft may be long: allow one large field, few fields in all.
    data = await request.form(max_files=0, max_fields=40, max_part_size=1024 * 1024)
    out = {}
    for key, value in data.items():
        if isinstance(value, str) and key in (*FORM_FIELDS, *PROFILE_TEXT, *PROFILE_FLAGS):
            out[key] = value
    return out


def _run_check(form: dict[str, str]) -> tuple[Any, dict[str, str]]:
    """Check the submitted form; returns (ResultView or None, errors by field)."""
    from pydantic import ValidationError

    from postcheck.detect.encoder import mode_for
    from postcheck.engine import InputError, default_engine
    from postcheck.web.result_view import result_view
    from postcheck.web.schemas import CheckRequest, validation_errors

    errors: dict[str, str] = {}
    if not form.get("text", "").strip():
        errors["text"] = "Type or paste a draft to check it."
    if not form.get("platform"):
        errors["platform"] = PLATFORM_MISSING
    if errors:
        return None, errors
    topics = [t.strip() for t in form.get("topics", "").split(",") if t.strip()]
    author: dict[str, Any] = {
        "seniority": form.get("seniority") or "staff",
        "topics": topics,
        **{f: form.get(f) in ("on", "true", "1") for f in PROFILE_FLAGS},
    }
    for f in ("employer", "role", "bio"):
        if form.get(f, "").strip():
            author[f] = form[f].strip()
    body: dict[str, Any] = {
        "text": form["text"],
        "platform": form["platform"],
        "kind": form.get("kind") or "post",
        "visibility": form.get("visibility") or "public",
        "date": form.get("date") or None,
        "author": author,
    }
    try:
        post = CheckRequest.model_validate(body).to_post()
        report = default_engine().check(
            post, edition=form.get("edition") or None, mode=mode_for(single=True)
        )
    except ValidationError as exc:
        for e in validation_errors(exc.errors())[1]:
            errors[e["field"].split(".")[-1]] = e["message"]
        return None, errors
    except (GuidanceError, InputError) as exc:
        return None, {"text": str(exc)}
    return result_view(report, post, LABELS), {}


@router.post("/", response_class=HTMLResponse)
async def check_submit(request: Request) -> HTMLResponse:
    """The check without JavaScript: a POST (the draft never lands in the address bar or
    the history), answered with the whole page and the result rendered on the server."""
    form = await _read_form(request)
    result, errors = await anyio.to_thread.run_sync(_run_check, form)
    return _render(
        request,
        "check.html",
        status=422 if errors else 200,
        **_check_context(form, result=result, errors=errors),
    )


@router.post("/check/result", response_class=HTMLResponse)
async def check_fragment(request: Request) -> HTMLResponse:
    """The same result as a fragment, for the page's own script to swap in as you type: one
    renderer for both, so the page reads the same with or without JavaScript."""
    form = await _read_form(request)
    result, errors = await anyio.to_thread.run_sync(_run_check, form)
    return _render(
        request,
        "_fragment.html",
        status=422 if errors else 200,
        **_check_context(form, result=result, errors=errors),
    )


@router.get("/guidance", response_class=HTMLResponse)
def guidance_page(request: Request) -> HTMLResponse:
    from postcheck.web.guidance_view import compare
    from postcheck.web.result_view import CLAUSE_TITLES, RISK_WORDS, example_context

    return _render(
        request,
        "guidance.html",
        cmp=compare(),
        clause_titles=CLAUSE_TITLES,
        risk_words=RISK_WORDS,
        example_context=lambda ctx: example_context(dict(ctx), LABELS),
    )


@router.get("/rules/{rule_id}", response_class=HTMLResponse)
def rule_page(request: Request, rule_id: str) -> HTMLResponse:
    from postcheck.web.result_view import rule_view

    found = next((r for r in rules() if r.id == rule_id), None)
    if found is None:
        raise HTTPException(
            404, "There is no rule with that name. The guidance page lists them all."
        )
    view = rule_view(found, editions()[CURRENT_EDITION], LABELS)
    return _render(request, "rule.html", view=view, rule=found)


@router.get("/guidance/{edition_id}/{clause_id}", response_class=HTMLResponse)
def clause_page(request: Request, edition_id: str, clause_id: str) -> HTMLResponse:
    from postcheck.web.result_view import RISK_WORDS, clause_view, rules_for_clause

    ed = editions().get(edition_id)
    clause = next((c for c in ed.clauses if c.id == clause_id), None) if ed else None
    if ed is None or clause is None:
        raise HTTPException(
            404, "There is no such clause in that edition. The guidance page lists them all."
        )
    others = [
        (other, clause_view(other.clause(clause_id), other))
        for other in editions().values()
        if other.id != ed.id and any(c.id == clause_id for c in other.clauses)
    ]
    return _render(
        request,
        "clause.html",
        edition=ed,
        clause=clause_view(clause, ed),
        others=others,
        current=ed.id == CURRENT_EDITION,
        rules=rules_for_clause(clause_id),
        risk_words=RISK_WORDS,
    )


def _csrf_token(request: Request) -> tuple[str, bool]:
    secret = request.app.state.settings.secret_key
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and csrf_valid(secret, existing, existing):
        return existing, False
    return new_csrf_token(secret), True


@router.get("/archive", response_class=HTMLResponse)
def archive_page(request: Request) -> HTMLResponse:
    token, fresh = _csrf_token(request)
    settings = request.app.state.settings
    response = _render(
        request,
        "archive.html",
        csrf_field=CSRF_FIELD,
        csrf_token=token,
        max_upload_bytes=settings.max_upload_bytes,
        max_upload_mib=settings.max_upload_bytes // (1024 * 1024),
        max_jobs=settings.max_jobs,
    )
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies,
            path="/archive",
        )
    return response


def _same_origin(request: Request) -> bool:
    """A foreign Origin is refused outright; the signed form token is what proves the form
    came from us. "null" is let through to that token check: our own pages send
    `Referrer-Policy: no-referrer`, under which Chromium posts a plain form with
    `Origin: null`, so refusing it would break the upload without JavaScript."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.post(UPLOAD_PATH)
async def archive_upload(request: Request) -> Response:
    settings = request.app.state.settings
    if not _same_origin(request):
        raise HTTPException(403, "Cross-site upload refused.")
    if request.app.state.jobs.busy():
        raise HTTPException(
            503,
            "postcheck is busy scanning other archives; try again in a minute.",
            headers={"retry-after": "60"},
        )
    cookie = request.cookies.get(CSRF_COOKIE)
    if not csrf_valid(settings.secret_key, cookie, cookie):
        # Checked before reading a byte of the body: no token, no upload.
        raise HTTPException(
            403, "The form has expired or did not come from this site: reload the page."
        )
    try:
        upload = await receive_upload(request, settings.upload_root(), settings.max_upload_bytes)
    except UploadError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    if not csrf_valid(settings.secret_key, cookie, upload.fields.get(CSRF_FIELD)):
        upload.discard()
        raise HTTPException(
            403, "The form has expired or did not come from this site: reload the page."
        )
    if upload.path is None or upload.filename is None:
        raise HTTPException(422, "Choose an archive file to upload.")
    if upload.path.stat().st_size == 0:
        upload.discard()
        raise HTTPException(422, "The uploaded file is empty.")
    job = request.app.state.jobs.submit(upload.path, Path(upload.filename).name)
    page = f"/archive/jobs/{job.id}"
    if _wants_json(request):
        return JSONResponse(
            {"id": job.id, "page_url": page, "status_url": f"{page}/status"}, status_code=202
        )
    return RedirectResponse(page, status_code=303)


def _job(request: Request, job_id: str) -> Any:
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "No such scan: it may have expired. Upload the archive again.")
    return job


@router.get("/archive/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> HTMLResponse:
    return _render(request, "job.html", job=_job(request, job_id))


@router.get("/archive/jobs/{job_id}/status")
def job_status(request: Request, job_id: str) -> JSONResponse:
    return JSONResponse(_job(request, job_id).status())


_INLINE = re.compile(r"<(script|style)\b[^>]*>(.*?)</\1\s*>", re.S | re.I)
_STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def hashed_csp(html: str) -> str:
    """The scan report is a standalone file with its own inline style and script (and a few
    style attributes): allow exactly those by hash rather than weaken the policy with
    unsafe-inline. Attribute hashes need 'unsafe-hashes', which still admits only them."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in _INLINE.findall(html):
        hashes[tag.lower()].append(_sha(body))
    attrs = sorted({a or b for a, b in _STYLE_ATTR.findall(html)})
    if attrs:
        hashes["style"] += ["'unsafe-hashes'"] + [_sha(a) for a in attrs]
    policy = CSP
    for tag in ("script", "style"):
        if hashes[tag]:
            allowed = " ".join(dict.fromkeys(hashes[tag]))
            policy = policy.replace(f"{tag}-src 'self'", f"{tag}-src 'self' {allowed}")
    return policy


@router.get("/archive/jobs/{job_id}/report", response_class=HTMLResponse)
def job_report(request: Request, job_id: str) -> Response:
    job = _job(request, job_id)
    html = request.app.state.jobs.report_html(job_id) if job.state == "done" else None
    if html is None:
        raise HTTPException(409, "The scan has not finished yet.")
    return HTMLResponse(html, headers={"content-security-policy": hashed_csp(html)})
