"""The owner's sites and each site's policy: the form, saving it, and export/import as YAML."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import FormData

from postcheck.moderation.pagekit import SECURITY_HEADERS, PageKit
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

#: Largest policy file an import reads.
MAX_POLICY_FILE = 256 * 1024


def sites_router(kit: PageKit) -> APIRouter:
    router = APIRouter()
    store = kit.mod.store

    @router.get("/sites")
    async def sites(request: Request) -> Response:
        user = await kit.signed_in(request)
        if user is None:
            return kit.to_login(request)
        return kit.render(
            request, "sites.html", user=user, sites=await run_in_threadpool(store.sites)
        )

    @router.get("/sites/{name}/policy")
    async def policy_form(request: Request, name: str) -> Response:
        user = await kit.signed_in(request)
        if user is None:
            return kit.to_login(request)
        policy = await kit.load_policy(name)
        return kit.render(request, "policy.html", user=user, **_policy_view(name, policy))

    @router.post("/sites/{name}/policy")
    async def policy_save(request: Request, name: str) -> Response:
        form = await request.form()
        user = await kit.require(request, str(form.get("csrf", "")))
        current = await kit.load_policy(name)
        try:
            policy = _policy_from_form(form, current)
        except (ValueError, PolicyError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else "invalid policy"
            ctx = _policy_view(name, current, error=msg)
            return kit.render(request, "policy.html", http_status=400, user=user, **ctx)
        await run_in_threadpool(store.set_policy, name, policy, user.username)
        return kit.redirect(f"{kit.prefix}/sites/{name}/policy?msg=Policy+saved")

    return router


def policy_file_router(kit: PageKit) -> APIRouter:
    router = APIRouter()

    @router.get("/sites/{name}/policy.yaml")
    async def policy_export(request: Request, name: str) -> Response:
        if await kit.signed_in(request) is None:
            return kit.to_login(request)
        policy = await kit.load_policy(name)
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
        user = await kit.require(request, csrf)
        current = await kit.load_policy(name)
        content = await file.read(MAX_POLICY_FILE + 1)
        try:
            if len(content) > MAX_POLICY_FILE:
                raise PolicyError("policy file too large (limit 256 KB)")
            policy = Policy.from_file(content)
        except PolicyError as exc:
            ctx = _policy_view(name, current, error=f"Import failed: {exc}")
            return kit.render(request, "policy.html", http_status=400, user=user, **ctx)
        await run_in_threadpool(kit.mod.store.set_policy, name, policy, user.username)
        return kit.redirect(f"{kit.prefix}/sites/{name}/policy?msg=Policy+imported")

    return router


def _policy_view(name: str, policy: Policy, error: str | None = None) -> dict[str, Any]:
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
    return {
        "site": name,
        "policy": policy,
        "error": error,
        "rows": rows,
        "levels": [lv.value for lv in Level],
        "allow_text": format_word_lines(policy.allow, block=False),
        "block_text": format_word_lines(policy.block, block=True),
    }


def _policy_from_form(form: FormData, current: Policy) -> Policy:
    """The policy the form describes; raises ValueError or PolicyError on what it refuses.
    Limits the form leaves out keep the current policy's."""
    # The page shows only the first error: thresholds are read before the other fields, so
    # when several are wrong it is a threshold's.
    thresholds = _thresholds_from_form(form)
    return Policy(
        level=Level(str(form.get("level", "normal"))),
        thresholds=thresholds,
        allow=parse_word_lines(str(form.get("allow", "")), block=False),
        block=parse_word_lines(str(form.get("block", "")), block=True),
        max_chars=int(str(form.get("max_chars", current.max_chars))),
        max_links=int(str(form.get("max_links", current.max_links))),
    )


def _thresholds_from_form(form: FormData) -> dict[str, Threshold]:
    thresholds: dict[str, Threshold] = {}
    for cat in CATEGORIES:
        hold = str(form.get(f"hold_{cat}", "")).strip()
        reject = str(form.get(f"reject_{cat}", "")).strip()
        if hold or reject:
            thresholds[cat] = Threshold(
                hold_at=_score(hold, f"{cat} hold"),
                reject_at=_score(reject, f"{cat} reject"),
            )
    return thresholds


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
