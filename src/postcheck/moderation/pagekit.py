"""What every owner's page shares: templates, security headers, the signed-in owner and where
a form may send the owner next. The routes themselves are in `pages` and `policy_pages`.

Comment text is untrusted: templates autoescape everything, and highlighted spans are built
as (text, highlighted) segments in Python so no markup is ever assembled from comment text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from postcheck.moderation import redact, view
from postcheck.moderation.auth import SESSION_COOKIE, SignedIn, TooManyAttempts, csrf_ok
from postcheck.moderation.policy import CATEGORY_LABELS, Policy
from postcheck.moderation.service import Moderation
from postcheck.moderation.settings import Settings
from postcheck.moderation.store import NotFound
from postcheck.report.spans import Mark
from postcheck.report.spans import segments as cut

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


def wait_words(exc: TooManyAttempts) -> str:
    secs = exc.retry_after
    if secs < 90:
        return f"{secs} second{'s' if secs != 1 else ''}"
    return f"{math.ceil(secs / 60)} minutes"


def page_count(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def segments(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """Split text into (piece, highlighted) runs from possibly overlapping spans, with the
    reports' one span cutter (`report.spans`).

    Spans come from screening the submitted text; one whose words are no longer at its place
    (the owner edited or redacted the comment) is left unmarked rather than marking the wrong
    words.
    """
    marks = []
    for s in spans:
        start, end = max(0, int(s.get("start", 0))), min(len(text), int(s.get("end", 0)))
        if "text" in s and text[start:end] != s["text"]:
            continue
        marks.append(Mark(start, end, 1))
    return [(seg.text, seg.rank is not None) for seg in cut(text, marks, strongest=True)]


def detail_names(details: list[redact.Detail]) -> list[str]:
    return list(dict.fromkeys(redact.NOUN[d.kind][0] for d in details))


def templates_for(clock: view.Clock) -> Jinja2Templates:
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


@dataclass(frozen=True)
class PageKit:
    """The service and the page helpers each group of routes is built with."""

    mod: Moderation
    prefix: str
    templates: Jinja2Templates

    @classmethod
    def build(cls, mod: Moderation) -> PageKit:
        settings = mod.settings
        clock = view.Clock(view.zone(settings.time_zone))
        return cls(mod, settings.pages_prefix.rstrip("/"), templates_for(clock))

    @property
    def settings(self) -> Settings:
        return self.mod.settings

    def render(
        self, request: Request, name: str, http_status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        ctx.setdefault("user", None)
        ctx.setdefault("flash", request.query_params.get("msg"))
        ctx["prefix"] = self.prefix
        resp = self.templates.TemplateResponse(request, name, ctx, status_code=http_status)
        resp.headers.update(SECURITY_HEADERS)
        return resp

    def redirect(self, url: str) -> RedirectResponse:
        resp = RedirectResponse(url, status_code=303)
        resp.headers.update(SECURITY_HEADERS)
        return resp

    def to_login(self, request: Request) -> RedirectResponse:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return self.redirect(f"{self.prefix}/login?" + urlencode({"next": target}))

    async def signed_in(self, request: Request) -> SignedIn | None:
        """The owner a page is shown to; a page sends a visitor without one to `to_login`."""
        return await run_in_threadpool(self.mod.auth.session, request.cookies.get(SESSION_COOKIE))

    async def require(self, request: Request, csrf: str | None) -> SignedIn:
        """The owner posting a form, whose CSRF token must match the session's."""
        user = await self.signed_in(request)
        if user is None:
            raise HTTPException(403, "not signed in")
        if not csrf_ok(user.csrf_token, csrf):
            raise HTTPException(
                403, "form expired or forged (CSRF token mismatch): reload the page"
            )
        return user

    def safe_next(self, value: str | None) -> str:
        # Only ever send the owner back into these pages (no open redirect).
        if (
            value
            and value.startswith(self.prefix + "/")
            and not value.startswith("//")
            and "\\" not in value
        ):
            return value
        return self.prefix + "/"

    def back_to(self, back: str, message: str) -> RedirectResponse:
        target = self.safe_next(back)
        sep = "&" if "?" in target else "?"
        return self.redirect(f"{target}{sep}" + urlencode({"msg": message}))

    async def load_policy(self, name: str) -> Policy:
        try:
            site = await run_in_threadpool(self.mod.store.site, name)
        except NotFound:
            raise HTTPException(404, "no such site") from None
        return Policy.from_json(site.policy)
