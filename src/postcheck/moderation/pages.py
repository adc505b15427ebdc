"""The owner's pages: sign in, the queue (riskiest first), one comment, bulk actions, search,
the audit log and each site's policy. Server-rendered, no external assets, no inline script.

Every action is a plain form post, so the queue works with JavaScript off; queue.js only adds
select-all and keyboard shortcuts. Scores stay in the API: the pages say "high risk" and why,
in the owner's time zone (`Settings.time_zone`).

Comment text is untrusted: templates autoescape everything, and highlighted spans are built
as (text, highlighted) segments in Python so no markup is ever assembled from comment text.
Every POST carries the session's CSRF token; every page sends a strict Content-Security-Policy.
"""

from __future__ import annotations

import math
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from postcheck.moderation import redact, view
from postcheck.moderation.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SignedIn,
    TooManyAttempts,
    csrf_ok,
)
from postcheck.moderation.models import Status
from postcheck.moderation.policy import (
    CATEGORIES,
    CATEGORY_LABELS,
    PRESETS,
    Level,
    Policy,
    PolicyError,
    Threshold,
    format_word_lines,
    parse_word_lines,
)
from postcheck.moderation.service import Moderation
from postcheck.moderation.store import NotFound

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 50
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _wait(exc: TooManyAttempts) -> str:
    secs = exc.retry_after
    if secs < 90:
        return f"{secs} second{'s' if secs != 1 else ''}"
    return f"{math.ceil(secs / 60)} minutes"


def segments(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """Split text into (piece, highlighted) runs from possibly overlapping spans.

    Spans come from screening the submitted text; one whose words are no longer at its place
    (the owner edited or redacted the comment) is left unmarked rather than marking the wrong
    words.
    """
    marks = [False] * len(text)
    for s in spans:
        start, end = max(0, int(s.get("start", 0))), min(len(text), int(s.get("end", 0)))
        if "text" in s and text[start:end] != s["text"]:
            continue
        for i in range(start, end):
            marks[i] = True
    out: list[tuple[str, bool]] = []
    for i, ch in enumerate(text):
        if out and out[-1][1] == marks[i]:
            out[-1] = (out[-1][0] + ch, marks[i])
        else:
            out.append((ch, marks[i]))
    return out


def _templates(clock: view.Clock) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        CATEGORY_LABELS=CATEGORY_LABELS,
        STATUS=view.STATUS,
        risk_words=view.risk_words,
        risk_level=view.risk_level,
        why=view.why,
        acting=view.acting,
        event_text=view.history,
        who=view.who,
        time_zone=clock.tz.key,
    )
    env.filters["when"] = clock.when
    env.filters["iso"] = clock.iso
    return Jinja2Templates(env=env)


class LoginRequired(Exception):
    def __init__(self, next_url: str):
        self.next_url = next_url


def pages_router(mod: Moderation) -> APIRouter:
    settings = mod.settings
    prefix = settings.pages_prefix.rstrip("/")
    router = APIRouter(prefix=prefix, include_in_schema=False)
    templates = _templates(view.Clock(view.zone(settings.time_zone)))

    def render(request: Request, name: str, http_status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("user", None)
        ctx.setdefault("flash", request.query_params.get("msg"))
        ctx["prefix"] = prefix
        resp = templates.TemplateResponse(request, name, ctx, status_code=http_status)
        resp.headers.update(SECURITY_HEADERS)
        return resp

    def redirect(url: str) -> RedirectResponse:
        resp = RedirectResponse(url, status_code=303)
        resp.headers.update(SECURITY_HEADERS)
        return resp

    def to_login(request: Request) -> RedirectResponse:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return redirect(f"{prefix}/login?" + urlencode({"next": target}))

    async def signed_in(request: Request) -> SignedIn | None:
        return await run_in_threadpool(mod.auth.session, request.cookies.get(SESSION_COOKIE))

    async def require(request: Request, csrf: str | None = None, *, post: bool = False) -> SignedIn:
        user = await signed_in(request)
        if user is None:
            if post:
                raise HTTPException(403, "not signed in")
            raise LoginRequired(request.url.path)
        if post and not csrf_ok(user.csrf_token, csrf):
            raise HTTPException(
                403, "form expired or forged (CSRF token mismatch): reload the page"
            )
        return user

    def safe_next(value: str | None) -> str:
        # Only ever send the owner back into these pages (no open redirect).
        if (
            value
            and value.startswith(prefix + "/")
            and not value.startswith("//")
            and "\\" not in value
        ):
            return value
        return prefix + "/"

    # -- sign in / out ----------------------------------------------------------------

    @router.get("/login")
    async def login_form(request: Request, next: str | None = None) -> Response:
        token = secrets.token_urlsafe(32)
        resp = render(request, "login.html", csrf=token, next=safe_next(next), error=None)
        resp.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies,
            path=prefix + "/login",
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
            return render(
                request,
                "login.html",
                http_status=403,
                csrf=csrf,
                next=safe_next(next),
                error="The sign-in form expired. Please try again.",
            )
        try:
            address = request.client.host if request.client else None
            token = await run_in_threadpool(mod.auth.login, username, password, address)
        except TooManyAttempts as exc:
            throttled = render(
                request,
                "login.html",
                http_status=429,
                csrf=csrf,
                next=safe_next(next),
                error=f"Too many failed sign-ins from here. Try again in {_wait(exc)}.",
            )
            throttled.headers["Retry-After"] = str(exc.retry_after)
            return throttled
        if token is None:
            return render(
                request,
                "login.html",
                http_status=401,
                csrf=csrf,
                next=safe_next(next),
                error="Wrong username or password.",
            )
        resp = redirect(safe_next(next))
        resp.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies,
            path=prefix + "/",
            max_age=settings.session_max_seconds,
        )
        resp.delete_cookie(LOGIN_CSRF_COOKIE, path=prefix + "/login")
        return resp

    @router.post("/logout")
    async def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        user = await require(request, csrf, post=True)
        await run_in_threadpool(mod.auth.logout, user)
        resp = redirect(f"{prefix}/login?msg=Signed+out")
        resp.delete_cookie(SESSION_COOKIE, path=prefix + "/")
        return resp

    # -- queue ------------------------------------------------------------------------

    @router.get("/")
    async def queue(
        request: Request,
        status: str = Status.held,
        site: str = "",
        q: str = "",
        page: int = 1,
    ) -> Response:
        try:
            user = await require(request)
        except LoginRequired:
            return to_login(request)
        status_filter = status if status in Status.ALL else None
        page = max(1, page)
        rows, total = await run_in_threadpool(
            lambda: mod.store.queue(
                status=status_filter,
                site=site or None,
                search=q.strip()[:200] or None,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
        )
        counts = await run_in_threadpool(mod.store.counts)
        sites = await run_in_threadpool(mod.store.sites)
        items = [
            {
                "c": c,
                "segments": segments(c.text, [s for r in c.reasons for s in r.get("spans", [])]),
                "details": _detail_names(redact.find(c.text)),
            }
            for c in rows
        ]
        query = {"status": status if status_filter else "all", "site": site, "q": q}
        return render(
            request,
            "queue.html",
            user=user,
            items=items,
            total=total,
            page=page,
            pages=max(1, math.ceil(total / PAGE_SIZE)),
            counts=counts,
            sites=sites,
            status=query["status"],
            site=site,
            q=q,
            back=f"{prefix}/?" + urlencode(query | {"page": page}),
            query=urlencode(query),
        )

    @router.post("/bulk")
    async def bulk(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        action: Annotated[str, Form(max_length=20)] = "",
        ids: Annotated[list[int] | None, Form()] = None,
        back: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        user = await require(request, csrf, post=True)
        if action not in ("approve", "reject", "hold"):
            raise HTTPException(400, "unknown action")
        chosen = list(dict.fromkeys(ids or []))[:1000]
        n = await run_in_threadpool(mod.store.decide, chosen, action, user.username)
        return back_to(back, f"{n} comment{'s' if n != 1 else ''} {view.DONE[action]}.")

    def back_to(back: str, message: str) -> RedirectResponse:
        target = safe_next(back)
        sep = "&" if "?" in target else "?"
        return redirect(f"{target}{sep}" + urlencode({"msg": message}))

    # -- one comment ------------------------------------------------------------------

    @router.get("/comments/{comment_id}")
    async def comment_page(request: Request, comment_id: int) -> Response:
        try:
            user = await require(request)
        except LoginRequired:
            return to_login(request)
        try:
            c = await run_in_threadpool(mod.store.comment, comment_id)
        except NotFound:
            raise HTTPException(404, "no such comment") from None
        history, _ = await run_in_threadpool(
            lambda: mod.store.audit(comment_id=comment_id, limit=200)
        )
        reasons = [
            r | {"segments": segments(c.original_text or c.text, r.get("spans", []))}
            for r in c.reasons
        ]
        details = redact.find(c.text)
        return render(
            request,
            "comment.html",
            user=user,
            c=c,
            reasons=reasons,
            history=history,
            details=details,
            detail_names=_detail_names(details),
            redacted=redact.redacted(c.text, details) if details else "",
            segments=segments(
                c.original_text or c.text, [s for r in c.reasons for s in r.get("spans", [])]
            ),
        )

    @router.post("/comments/{comment_id}/decide")
    async def decide(
        request: Request,
        comment_id: int,
        csrf: Annotated[str, Form(max_length=200)] = "",
        action: Annotated[str, Form(max_length=20)] = "",
        back: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        user = await require(request, csrf, post=True)
        if action not in ("approve", "reject", "hold"):
            raise HTTPException(400, "unknown action")
        try:
            c = await run_in_threadpool(mod.store.comment, comment_id)
        except NotFound:
            raise HTTPException(404, "no such comment") from None
        await run_in_threadpool(mod.store.decide, [comment_id], action, user.username)
        message = f"Comment from {c.author_name} {view.DONE[action]}."
        # From a queue row the owner goes back to the queue, to the next comment.
        return back_to(back or f"{prefix}/comments/{comment_id}", message)

    @router.post("/comments/{comment_id}/redact")
    async def redact_approve(
        request: Request,
        comment_id: int,
        csrf: Annotated[str, Form(max_length=200)] = "",
        back: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        user = await require(request, csrf, post=True)
        try:
            c = await run_in_threadpool(mod.store.comment, comment_id)
            removed = await run_in_threadpool(
                redact.redact_and_approve, mod.store, comment_id, user.username
            )
        except NotFound:
            raise HTTPException(404, "no such comment") from None
        what = f"removed {redact.describe(removed)} and " if removed else ""
        message = f"Comment from {c.author_name}: {what}approved."
        return back_to(back or f"{prefix}/comments/{comment_id}", message)

    @router.post("/comments/{comment_id}/edit")
    async def edit(
        request: Request,
        comment_id: int,
        csrf: Annotated[str, Form(max_length=200)] = "",
        text: Annotated[str, Form(max_length=100_000)] = "",
    ) -> Response:
        user = await require(request, csrf, post=True)
        text = text.replace("\r\n", "\n")
        if not text.strip():
            raise HTTPException(400, "the edited comment is empty: reject it instead")
        try:
            await run_in_threadpool(mod.store.edit, comment_id, text, user.username)
        except NotFound:
            raise HTTPException(404, "no such comment") from None
        return redirect(f"{prefix}/comments/{comment_id}?msg=Saved")

    # -- audit log --------------------------------------------------------------------

    @router.get("/audit")
    async def audit(request: Request, page: int = 1) -> Response:
        try:
            user = await require(request)
        except LoginRequired:
            return to_login(request)
        page = max(1, page)
        rows, total = await run_in_threadpool(
            lambda: mod.store.audit(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        )
        return render(
            request,
            "audit.html",
            user=user,
            rows=rows,
            total=total,
            page=page,
            pages=max(1, math.ceil(total / PAGE_SIZE)),
        )

    # -- sites and policies -----------------------------------------------------------

    @router.get("/sites")
    async def sites(request: Request) -> Response:
        try:
            user = await require(request)
        except LoginRequired:
            return to_login(request)
        return render(
            request, "sites.html", user=user, sites=await run_in_threadpool(mod.store.sites)
        )

    async def load_policy(name: str) -> Policy:
        try:
            site = await run_in_threadpool(mod.store.site, name)
        except NotFound:
            raise HTTPException(404, "no such site") from None
        return Policy.from_json(site.policy)

    def policy_page(
        request: Request,
        user: SignedIn,
        name: str,
        policy: Policy,
        error: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        rows = [
            {
                "category": cat,
                "label": CATEGORY_LABELS.get(cat, cat),
                "override": policy.thresholds.get(cat),
                "preset": PRESETS[policy.level].get(cat),
                "effective": policy.threshold(cat),
            }
            for cat in CATEGORIES
        ]
        return render(
            request,
            "policy.html",
            http_status=status,
            user=user,
            site=name,
            policy=policy,
            rows=rows,
            levels=[lv.value for lv in Level],
            error=error,
            allow_text=format_word_lines(policy.allow, block=False),
            block_text=format_word_lines(policy.block, block=True),
        )

    @router.get("/sites/{name}/policy")
    async def policy_form(request: Request, name: str) -> Response:
        try:
            user = await require(request)
        except LoginRequired:
            return to_login(request)
        return policy_page(request, user, name, await load_policy(name))

    @router.post("/sites/{name}/policy")
    async def policy_save(request: Request, name: str) -> Response:
        form = await request.form()
        user = await require(request, str(form.get("csrf", "")), post=True)
        current = await load_policy(name)
        try:
            thresholds: dict[str, Threshold] = {}
            for cat in CATEGORIES:
                hold, reject = (
                    str(form.get(f"hold_{cat}", "")).strip(),
                    str(form.get(f"reject_{cat}", "")).strip(),
                )
                if hold or reject:
                    thresholds[cat] = Threshold(
                        hold_at=_score(hold, f"{cat} hold"),
                        reject_at=_score(reject, f"{cat} reject"),
                    )
            policy = Policy(
                level=Level(str(form.get("level", "normal"))),
                thresholds=thresholds,
                allow=parse_word_lines(str(form.get("allow", "")), block=False),
                block=parse_word_lines(str(form.get("block", "")), block=True),
                max_chars=int(str(form.get("max_chars", current.max_chars))),
                max_links=int(str(form.get("max_links", current.max_links))),
            )
        except (ValueError, PolicyError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else "invalid policy"
            return policy_page(request, user, name, current, error=msg, status=400)
        await run_in_threadpool(mod.store.set_policy, name, policy, user.username)
        return redirect(f"{prefix}/sites/{name}/policy?msg=Policy+saved")

    @router.get("/sites/{name}/policy.yaml")
    async def policy_export(request: Request, name: str) -> Response:
        try:
            await require(request)
        except LoginRequired:
            return to_login(request)
        policy = await load_policy(name)
        return Response(
            policy.to_file(site=name),
            media_type="application/yaml",
            headers={
                "Content-Disposition": f'attachment; filename="postcheck-policy-{name}.yaml"',
                **SECURITY_HEADERS,
            },
        )

    @router.post("/sites/{name}/policy/import")
    async def policy_import(
        request: Request,
        name: str,
        file: UploadFile,
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        user = await require(request, csrf, post=True)
        current = await load_policy(name)
        content = await file.read(256 * 1024 + 1)
        try:
            if len(content) > 256 * 1024:
                raise PolicyError("policy file too large (limit 256 KB)")
            policy = Policy.from_file(content)
        except PolicyError as exc:
            return policy_page(
                request, user, name, current, error=f"Import failed: {exc}", status=400
            )
        await run_in_threadpool(mod.store.set_policy, name, policy, user.username)
        return redirect(f"{prefix}/sites/{name}/policy?msg=Policy+imported")

    # -- static and embed -------------------------------------------------------------

    @router.get("/static/moderate.css")
    async def css() -> Response:
        return FileResponse(HERE / "templates" / "moderate.css", media_type="text/css")

    @router.get("/static/queue.js")
    async def queue_js() -> Response:
        return FileResponse(HERE / "templates" / "queue.js", media_type="text/javascript")

    @router.get("/embed/{name}")
    async def embed(name: str) -> Response:
        files = {
            "postcheck-comments.js": "text/javascript",
            "comment-form.html": "text/html; charset=utf-8",
        }
        if name not in files:
            raise HTTPException(404, "not found")
        return FileResponse(
            HERE / "embed" / name,
            media_type=files[name],
            headers={"Access-Control-Allow-Origin": "*"},
        )

    return router


def _detail_names(details: list[redact.Detail]) -> list[str]:
    return list(dict.fromkeys(redact.NOUN[d.kind][0] for d in details))


def _score(value: str, what: str) -> float | None:
    if not value:
        return None
    try:
        score = float(value)
    except ValueError:
        raise ValueError(f"{what}: {value!r} is not a number between 0 and 1") from None
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"{what}: {value!r} is not between 0 and 1")
    return score
