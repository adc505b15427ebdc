"""Plain words for the owner's pages: risk levels instead of scores, times in the owner's time
zone, reasons and history as sentences. Scores and internal action names stay in the store
and the API; nothing here ever shows a comment's text in a log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from postcheck.moderation.policy import CATEGORY_LABELS
from postcheck.moderation.redact import describe
from postcheck.moderation.screening import explain
from postcheck.moderation.settings import DEFAULT_TIME_ZONE, ConfigError

log = logging.getLogger(__name__)

#: Short names for the risk line ("high risk: harassment").
SHORT: dict[str, str] = {
    "disrespect": "abuse",
    "hate": "hate",
    "threat": "threat",
    "harassment": "harassment",
    "sexual": "sexual content",
    "privacy": "personal details",
    "confidential": "confidential information",
    "allegation": "allegation against a named person",
    "spam": "spam",
    "bait": "political bait",
    "blocklist": "blocked word",
    "validation": "not ordinary text",
    "screening-error": "could not be checked",
}
STATUS: dict[str, str] = {
    "held": "Held for review",
    "published": "Published",
    "rejected": "Rejected",
}
#: Past tense of the owner's decisions, for messages ("Comment approved").
DONE: dict[str, str] = {"approve": "approved", "reject": "rejected", "hold": "held"}


def zone(name: str) -> ZoneInfo:
    """The owner's time zone; an unknown name is a setting to fix, not a page error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_TIME_ZONE:
            # No time zone database on this system (Windows without tzdata): show UTC
            # rather than refuse to start.
            log.warning("time zone %s not available; showing times in UTC", name)
            return ZoneInfo("UTC")
        raise ConfigError(
            f"unknown time zone {name!r} (use an IANA name such as Pacific/Auckland)"
        ) from None


class Clock:
    """Formats stored UTC times for the owner: "Sat 6 Dec, 2:14 pm" in their zone."""

    def __init__(self, tz: ZoneInfo):
        self.tz = tz

    def local(self, d: dt.datetime) -> dt.datetime:
        return d.astimezone(self.tz)

    def when(self, d: dt.datetime | None) -> str:
        if d is None:
            return ""
        t = self.local(d)
        hour = t.hour % 12 or 12
        day = f"{t:%a} {t.day} {t:%b}"
        if t.year != dt.datetime.now(self.tz).year:
            day += f" {t.year}"
        return f"{day}, {hour}:{t.minute:02d} {'am' if t.hour < 12 else 'pm'}"

    def iso(self, d: dt.datetime | None) -> str:
        return self.local(d).isoformat(timespec="minutes") if d else ""


def acting(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reasons that held or refused the comment (the others were below the thresholds)."""
    return [r for r in reasons if r.get("action") in ("hold", "reject")]


def risk_level(risk: float) -> str:
    if risk >= 0.8:
        return "high"
    if risk >= 0.5:
        return "medium"
    if risk > 0.0:
        return "low"
    return "no"


def risk_words(risk: float, reasons: list[dict[str, Any]]) -> str:
    """ "high risk: harassment, threat" from a score and the reasons behind it."""
    level = risk_level(risk)
    cats = list(dict.fromkeys(SHORT.get(r["category"], r["category"]) for r in acting(reasons)))
    return f"{level} risk" + (": " + ", ".join(cats) if cats else "")


def why(reason: Mapping[str, Any]) -> str:
    """A reason in plain words. Comments screened before reasons were worded this way carry
    only their category's label as the message ("Harassment."): explain those again."""
    category = str(reason.get("category", ""))
    message = str(reason.get("message", "")).strip()
    label = CATEGORY_LABELS.get(category, category)
    if not message or message.rstrip(".") == label:
        matched = [str(s.get("text", "")) for s in reason.get("spans", [])]
        return explain(category, matched, reason.get("evidence", []))
    return message


def history(action: str, detail: Mapping[str, Any], actor: str, site: str | None) -> str:
    """One audit entry as a sentence, without internal names or Python reprs."""
    cats = detail.get("categories") or []
    risk = detail.get("risk")
    if action.startswith("screened_"):
        outcome = {
            "screened_publish": "Published it",
            "screened_hold": "Held it for you to review",
            "screened_reject": "Refused it",
        }.get(action, "Checked it")
        if isinstance(risk, int | float) and (cats or risk):
            named = ", ".join(SHORT.get(c, c) for c in cats)
            outcome += f" ({risk_level(float(risk))} risk{': ' + named if named else ''})"
        return outcome + "."
    if action in DONE:
        before = STATUS.get(str(detail.get("from", "")), "").lower()
        text = {"approve": "Approved and published", "reject": "Rejected", "hold": "Held"}[action]
        return text + (f" (was {before})." if before else ".")
    if action == "redact":
        removed = detail.get("removed") or {}
        return f"Removed personal details: {describe(dict(removed))}."
    if action == "edit":
        was, now = detail.get("before_chars"), detail.get("after_chars")
        if isinstance(was, int) and isinstance(now, int):
            return f"Edited the text ({was} characters before, {now} after)."
        return "Edited the text."
    where = f" {site}" if site else ""
    simple = {
        "login": "Signed in.",
        "logout": "Signed out.",
        "login_failed": "A sign-in failed (wrong username or password).",
        "login_failures_cleared": "Cleared the record of failed sign-ins.",
        "owner_created": "Created the owner account.",
        "owner_password_changed": "Changed the owner's password.",
        "site_created": f"Added the site{where}.",
        "key_rotated": f"Issued a new key for{where or ' the site'}.",
        "policy_changed": f"Changed the policy for{where or ' a site'}.",
    }
    return simple.get(action, action.replace("_", " ").capitalize() + ".")


def who(actor: str) -> str:
    return {
        "screening": "Screening",
        "cli": "Command line",
        "anonymous": "Someone signing in",
    }.get(actor, actor)
