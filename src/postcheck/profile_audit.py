"""Audit an account's profile (bio, headline, about, current positions) with the one engine.

A profile is checked as a post of kind `bio` whose author is the profile itself, so the
engine sees both the words and the employer the profile shows. Nothing is judged here.
"""

from __future__ import annotations

import re

from postcheck.shapes import Author, Context, Kind, Platform, Post, Report
from postcheck.sources.base import Profile

#: Why a disclaimer doesn't help, in the guidance's logic (shown next to a profile audit).
DISCLAIMER_EXPLAINED = (
    'A "views my own" disclaimer does not neutralise a political bio: readers still see a '
    "public servant of that agency holding those politics, and the guidance asks you to keep "
    "personal political comment apart from your working life (and never tie it to a work "
    "profile such as LinkedIn). Separate the accounts, or drop either the employer or the "
    "political identity from the profile."
)

#: The same point for a profile with nothing political in it: the disclaimer is harmless, but
#: it would not protect later political posts from this account.
DISCLAIMER_HARMLESS = (
    "This profile says your views are your own. That is fine in itself, but it doesn't make "
    "political posts from this account safe while the profile shows your employer: readers "
    "still see a public servant of that agency holding those views."
)


def disclaimer_note(report: Report) -> str:
    """What to say about a "views my own" line: the full reason only where the profile has
    something the disclaimer is meant to cover, so a clean profile is not told it is political."""
    return DISCLAIMER_EXPLAINED if report.findings else DISCLAIMER_HARMLESS


_DISCLAIMER = re.compile(
    r"(views?|opinions?|tweets?|posts?|thoughts?)\s+(are\s+)?(my\s+own|mine)"
    r"|personal\s+(account|views)|not\s+(the\s+views\s+of|representing|speaking\s+for)"
    r"|rts?\s*(≠|!=|are\s+not|aren'?t)\s*endorse",
    re.IGNORECASE,
)


def has_disclaimer(text: str) -> bool:
    return bool(_DISCLAIMER.search(text or ""))


def profile_post(profile: Profile) -> Post | None:
    """The profile as one `bio` post, or None if it has no text to check."""
    text = profile.audit_text.strip()
    if not text:
        return None
    return Post(
        text=text,
        id=f"profile:{profile.platform.value}",
        url=profile.url,
        context=Context(platform=profile.platform, kind=Kind.bio, date=None, author=profile.author),
    )


def text_profile(
    text: str, platform: Platform = Platform.other, author: Author | None = None
) -> Profile:
    """A Profile from a pasted bio/headline; the bio becomes the author's bio too."""
    base = author or Author.model_validate({})
    if not base.bio:
        base = base.model_copy(update={"bio": text.strip()})
    if base.employer and not base.shows_employer and base.employer.lower() in text.lower():
        base = base.model_copy(update={"shows_employer": True})
    return Profile(platform=platform, author=base, texts=(("bio", text.strip()),))


def audit_profile(profile: Profile, edition: str | None = None) -> Report | None:
    from postcheck.engine import default_engine

    post = profile_post(profile)
    if post is None:
        return None
    return default_engine().check(post, edition=edition)
