"""The owner's pages: sign in, the queue (riskiest first), one comment, bulk actions, search,
the audit log and each site's policy. Server-rendered, no external assets, no inline script.

Every action is a plain form post, so the queue works with JavaScript off; queue.js only adds
select-all and keyboard shortcuts. Scores stay in the API: the pages say "high risk" and why,
in the owner's time zone (`Settings.time_zone`).

Comment text is untrusted: templates autoescape everything, and highlighted spans are built
as (text, highlighted) segments in Python so no markup is ever assembled from comment text.
Every POST carries the session's CSRF token; every page sends a strict Content-Security-Policy.

One router per concern, all built from one `PageKit` (pagekit.py); sites and policies are in
policy_pages.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from postcheck.moderation import redact, view
from postcheck.moderation.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, TooManyAttempts, csrf_ok
from postcheck.moderation.pagekit import (
    HERE,
    PAGE_SIZE,
    PageKit,
    detail_names,
    page_count,
    segments,
    wait_words,
)
from postcheck.moderation.policy_pages import policy_file_router, sites_router
from postcheck.moderation.service import Moderation
from postcheck.moderation.store import NotFound
from postcheck.moderation.tables import AuditEntry, Comment, Status

ACTIONS = ("approve", "reject", "hold")
EMBED_FILES = {
    "postcheck-comments.js": "text/javascript",
    "comment-form.html": "text/html; charset=utf-8",
}


def pages_router(mod: Moderation) -> APIRouter:
    kit = PageKit.build(mod)
    router = APIRouter(prefix=kit.prefix, include_in_schema=False)
    parts: list[Callable[[PageKit], APIRouter]] = [
        signin_router,
        queue_router,
        comment_router,
        audit_router,
        sites_router,
        policy_file_router,
        static_router,
    ]
    for part in parts:
        router.include_router(part(kit))
    return router


# -- sign in / out --------------------------------------------------------------------


def signin_router(kit: PageKit) -> APIRouter:
    router = APIRouter()

    def login_page(
        request: Request, csrf: str, next: str | None, error: str | None, http_status: int = 200
    ) -> HTMLResponse:
        return kit.render(
            request,
            "login.html",
            http_status=http_status,
            csrf=csrf,
            next=kit.safe_next(next),
            error=error,
        )

    @router.get("/login")
    async def login_form(request: Request, next: str | None = None) -> Response:
        token = secrets.token_urlsafe(32)
        resp = login_page(request, token, next, None)
        resp.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=kit.settings.secure_cookies,
            path=kit.prefix + "/login",
            max_age=3600,
        )
        return resp

    @router.post("/login")
    async def login(
        request: Request,
        username: Annotated[str, Form(max_length=200)] = "",
        password: Annotated[str, Form(max_length=1000)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
        next: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
            error = "The sign-in form expired. Please try again."
            return login_page(request, csrf, next, error, 403)
        try:
            address = request.client.host if request.client else None
            token = await run_in_threadpool(kit.mod.auth.login, username, password, address)
        except TooManyAttempts as exc:
            error = f"Too many failed sign-ins from here. Try again in {wait_words(exc)}."
            throttled = login_page(request, csrf, next, error, 429)
            throttled.headers["Retry-After"] = str(exc.retry_after)
            return throttled
        if token is None:
            error = "Wrong username or password."
            return login_page(request, csrf, next, error, 401)
        return _start_session(kit, token, next)

    @router.post("/logout")
    async def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        user = await kit.require(request, csrf)
        await run_in_threadpool(kit.mod.auth.logout, user)
        resp = kit.redirect(f"{kit.prefix}/login?msg=Signed+out")
        resp.delete_cookie(SESSION_COOKIE, path=kit.prefix + "/")
        return resp

    return router


def _start_session(kit: PageKit, token: str, next: str) -> RedirectResponse:
    settings = kit.settings
    resp = kit.redirect(kit.safe_next(next))
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path=kit.prefix + "/",
        max_age=settings.session_max_seconds,
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path=kit.prefix + "/login")
    return resp


# -- queue ----------------------------------------------------------------------------


def queue_router(kit: PageKit) -> APIRouter:
    router = APIRouter()

    @router.get("/")
    async def queue(
        request: Request,
        status: str = Status.held,
        site: str = "",
        q: str = "",
        page: int = 1,
    ) -> Response:
        user = await kit.signed_in(request)
        if user is None:
            return kit.to_login(request)
        ctx = await _queue_view(kit, status, site, q, max(1, page))
        return kit.render(request, "queue.html", user=user, **ctx)

    @router.post("/bulk")
    async def bulk(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        action: Annotated[str, Form(max_length=20)] = "",
        ids: Annotated[list[int] | None, Form()] = None,
        back: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        user = await kit.require(request, csrf)
        if action not in ACTIONS:
            raise HTTPException(400, "unknown action")
        chosen = list(dict.fromkeys(ids or []))[:1000]
        n = await run_in_threadpool(kit.mod.store.decide, chosen, action, user.username)
        return kit.back_to(back, f"{n} comment{'s' if n != 1 else ''} {view.DONE[action]}.")

    return router


async def _queue_view(kit: PageKit, status: str, site: str, q: str, page: int) -> dict[str, Any]:
    store = kit.mod.store
    status_filter = status if status in Status.ALL else None
    rows, total = await run_in_threadpool(
        lambda: store.queue(
            status=status_filter,
            site=site or None,
            search=q.strip()[:200] or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    )
    counts = await run_in_threadpool(store.counts)
    sites = await run_in_threadpool(store.sites)
    items = [
        {
            "c": c,
            "segments": segments(c.text, [s for r in c.reasons for s in r.get("spans", [])]),
            "details": detail_names(redact.find(c.text)),
        }
        for c in rows
    ]
    query = {"status": status if status_filter else "all", "site": site, "q": q}
    return {
        "items": items,
        "total": total,
        "page": page,
        "pages": page_count(total),
        "counts": counts,
        "sites": sites,
        "status": query["status"],
        "site": site,
        "q": q,
        "back": f"{kit.prefix}/?" + urlencode(query | {"page": page}),
        "query": urlencode(query),
    }


# -- one comment ----------------------------------------------------------------------


def comment_router(kit: PageKit) -> APIRouter:
    router = APIRouter()
    store = kit.mod.store

    @router.get("/comments/{comment_id}")
    async def comment_page(request: Request, comment_id: int) -> Response:
        user = await kit.signed_in(request)
        if user is None:
            return kit.to_login(request)
        c = await _comment(kit, comment_id)
        history, _ = await run_in_threadpool(lambda: store.audit(comment_id=comment_id, limit=200))
        return kit.render(request, "comment.html", user=user, **_comment_view(c, history))

    @router.post("/comments/{comment_id}/decide")
    async def decide(
        request: Request,
        comment_id: int,
        csrf: Annotated[str, Form(max_length=200)] = "",
        action: Annotated[str, Form(max_length=20)] = "",
        back: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        user = await kit.require(request, csrf)
        if action not in ACTIONS:
            raise HTTPException(400, "unknown action")
        c = await _comment(kit, comment_id)
        await run_in_threadpool(store.decide, [comment_id], action, user.username)
        message = f"Comment from {c.author_name} {view.DONE[action]}."
        # From a queue row the owner goes back to the queue, to the next comment.
        return kit.back_to(back or f"{kit.prefix}/comments/{comment_id}", message)

    @router.post("/comments/{comment_id}/redact")
    async def redact_approve(
        request: Request,
        comment_id: int,
        csrf: Annotated[str, Form(max_length=200)] = "",
        back: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        user = await kit.require(request, csrf)
        try:
            c = await run_in_threadpool(store.comment, comment_id)
            removed = await run_in_threadpool(
                redact.redact_and_approve, store, comment_id, user.username
            )
        except NotFound:
            raise HTTPException(404, "no such comment") from None
        what = f"removed {redact.describe(removed)} and " if removed else ""
        message = f"Comment from {c.author_name}: {what}approved."
        return kit.back_to(back or f"{kit.prefix}/comments/{comment_id}", message)

    @router.post("/comments/{comment_id}/edit")
    async def edit(
        request: Request,
        comment_id: int,
        csrf: Annotated[str, Form(max_length=200)] = "",
        text: Annotated[str, Form(max_length=100_000)] = "",
    ) -> Response:
        user = await kit.require(request, csrf)
        text = text.replace("\r\n", "\n")
        if not text.strip():
            raise HTTPException(400, "the edited comment is empty: reject it instead")
        try:
            await run_in_threadpool(store.edit, comment_id, text, user.username)
        except NotFound:
            raise HTTPException(404, "no such comment") from None
        return kit.redirect(f"{kit.prefix}/comments/{comment_id}?msg=Saved")

    return router


async def _comment(kit: PageKit, comment_id: int) -> Comment:
    try:
        return await run_in_threadpool(kit.mod.store.comment, comment_id)
    except NotFound:
        raise HTTPException(404, "no such comment") from None


def _comment_view(c: Comment, history: list[tuple[AuditEntry, str | None]]) -> dict[str, Any]:
    shown = c.original_text or c.text
    reasons = [r | {"segments": segments(shown, r.get("spans", []))} for r in c.reasons]
    details = redact.find(c.text)
    return {
        "c": c,
        "reasons": reasons,
        "history": history,
        "details": details,
        "detail_names": detail_names(details),
        "redacted": redact.redacted(c.text, details) if details else "",
        "segments": segments(shown, [s for r in c.reasons for s in r.get("spans", [])]),
    }


# -- audit log ------------------------------------------------------------------------


def audit_router(kit: PageKit) -> APIRouter:
    router = APIRouter()

    @router.get("/audit")
    async def audit(request: Request, page: int = 1) -> Response:
        user = await kit.signed_in(request)
        if user is None:
            return kit.to_login(request)
        page = max(1, page)
        rows, total = await run_in_threadpool(
            lambda: kit.mod.store.audit(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        )
        return kit.render(
            request,
            "audit.html",
            user=user,
            rows=rows,
            total=total,
            page=page,
            pages=page_count(total),
        )

    return router


# -- static and embed -----------------------------------------------------------------


def static_router(kit: PageKit) -> APIRouter:
    router = APIRouter()

    @router.get("/static/moderate.css")
    async def css() -> Response:
        return FileResponse(HERE / "templates" / "moderate.css", media_type="text/css")

    @router.get("/static/queue.js")
    async def queue_js() -> Response:
        return FileResponse(HERE / "templates" / "queue.js", media_type="text/javascript")

    @router.get("/embed/{name}")
    async def embed(name: str) -> Response:
        if name not in EMBED_FILES:
            raise HTTPException(404, "not found")
        return FileResponse(
            HERE / "embed" / name,
            media_type=EMBED_FILES[name],
            headers={"Access-Control-Allow-Origin": "*"},
        )

    return router
