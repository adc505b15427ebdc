"""The shared vocabulary: posts, their context, what detectors saw, findings and reports.

Every door (CLI, Python API, web, scan, moderation) builds a `Post` and gets a `Report` back,
so these shapes are the contract between them. They are immutable so that a Report can be
cached, shared between threads and compared in tests.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Bumped when the JSON shape of a Report changes; see docs/report-schema.md.
REPORT_SCHEMA_VERSION = "1.3"

#: Longest post text the engine accepts, in characters. Long enough for any platform's post
#: or a LinkedIn article; beyond it the text is almost certainly not one post.
MAX_TEXT_CHARS = 100_000


class Risk(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"

    @property
    def rank(self) -> int:
        return _RISK_ORDER[self]

    @classmethod
    def from_rank(cls, rank: int) -> Risk:
        rank = max(0, min(rank, 3))
        return _RISKS_BY_RANK[rank]

    def raised(self, by: int) -> Risk:
        return Risk.from_rank(self.rank + by)

    @property
    def verdict(self) -> str:
        return VERDICTS[self]


_RISK_ORDER = {Risk.none: 0, Risk.low: 1, Risk.medium: 2, Risk.high: 3}
_RISKS_BY_RANK = {v: k for k, v in _RISK_ORDER.items()}

#: What each risk level means for the person about to post.
VERDICTS = {
    Risk.none: "fine",
    Risk.low: "take care",
    Risk.medium: "reconsider",
    Risk.high: "don't post",
}


class Platform(StrEnum):
    linkedin = "linkedin"
    facebook = "facebook"
    x = "x"
    instagram = "instagram"
    threads = "threads"
    mastodon = "mastodon"
    bluesky = "bluesky"
    reddit = "reddit"
    tiktok = "tiktok"
    website = "website"
    other = "other"


PLATFORM_ALIASES = {"twitter": Platform.x, "fb": Platform.facebook, "ig": Platform.instagram}


def normalise_platform(v: Any) -> Any:
    """Platform names as people type them ("Twitter", " LinkedIn ") to the enum's values."""
    if isinstance(v, str):
        return PLATFORM_ALIASES.get(v.strip().lower(), v.strip().lower())
    return v


def normalise_choice(v: Any) -> Any:
    return v.strip().lower() if isinstance(v, str) else v


class Kind(StrEnum):
    post = "post"
    reply = "reply"
    comment = "comment"
    share = "share"
    like = "like"
    bio = "bio"


class Visibility(StrEnum):
    public = "public"
    followers = "followers"
    friends = "friends"
    group = "group"
    private = "private"


class AccountType(StrEnum):
    personal = "personal"
    official = "official"


class Seniority(StrEnum):
    staff = "staff"
    manager = "manager"
    senior = "senior"
    executive = "executive"
    board = "board"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Author(_Frozen):
    """The person posting, as far as their audience can tell and as far as it matters."""

    employer: str | None = Field(None, description="Agency the author works for.")
    role: str | None = Field(None, description="Job title, e.g. 'policy adviser'.")
    seniority: Seniority = Seniority.staff
    advises_ministers: bool = False
    represents_agency: bool = Field(
        False, description="Speaks for the agency publicly (spokesperson, frontline face)."
    )
    topics: tuple[str, ...] = Field((), description="Subjects the author works on.")
    shows_employer: bool = Field(
        False, description="The account, bio or profile shows who the author works for."
    )
    bio: str | None = Field(None, description="Bio or headline text of the account.")

    @field_validator("topics", mode="before")
    @classmethod
    def _topics(cls, v: Any) -> Any:
        if isinstance(v, str):
            return tuple(t.strip() for t in v.split(",") if t.strip())
        return v


class Context(_Frozen):
    """Where, when, how and by whom a post is made: decides risk more than wording."""

    platform: Platform = Platform.other
    kind: Kind = Kind.post
    visibility: Visibility = Visibility.public
    date: dt.datetime | dt.date | None = Field(
        None, description="When the post is (or was) published; default: now."
    )
    account: AccountType = AccountType.personal
    author: Author = Author()

    _platform = field_validator("platform", mode="before")(normalise_platform)
    _choices = field_validator("kind", "visibility", "account", mode="before")(normalise_choice)


class Post(_Frozen):
    text: str
    context: Context = Context()
    id: str | None = None
    url: str | None = None

    @property
    def is_own_words(self) -> bool:
        """A share or a like carries someone else's words, but it still endorses them."""
        return self.context.kind not in (Kind.share, Kind.like)


class Span(_Frozen):
    start: int
    end: int
    text: str


class Signal(_Frozen):
    """What one detector saw in one post."""

    name: str
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    fired: bool
    spans: tuple[Span, ...] = ()
    evidence: tuple[str, ...] = Field(
        (), description="Why: lexicon entries, patterns or model features that drove the score."
    )
    uncertain: bool = Field(False, description="Score is near the threshold.")


class ClauseRef(_Frozen):
    edition: str
    id: str
    section: str
    heading: str
    heading_mi: str | None = None
    url: str


class LawRef(_Frozen):
    id: str
    title: str
    provision: str | None = None
    url: str | None = None


class Finding(_Frozen):
    rule: str
    level: Risk
    title: str
    clause: ClauseRef
    also: tuple[ClauseRef, ...] = ()
    law: tuple[LawRef, ...] = ()
    message: str
    why: str
    fix: tuple[str, ...]
    spans: tuple[Span, ...] = ()
    whole_post: bool = Field(
        False,
        description="The model judged the post as a whole: no single words carry the finding, "
        "so none are marked (rather than marking words that do not carry it).",
    )
    signals: tuple[str, ...] = ()
    escalations: tuple[str, ...] = Field((), description="Why the level was raised.")
    lowered: tuple[str, ...] = Field(
        (),
        description="Why the level was lowered: the author is outside those the guidance "
        "binds (1.3).",
    )
    rewrite: str | None = Field(
        None,
        description="The draft with this finding's words taken out or blanked, where the "
        "rule offers a mechanical edit (1.2).",
    )


class ElectionInfo(_Frozen):
    phase: str = Field(description="none, pre_election, polling_day, after_close")
    election: str | None = None
    polling_day: dt.date | None = None


class Report(_Frozen):
    schema_version: str = REPORT_SCHEMA_VERSION
    id: str | None = None
    risk: Risk
    verdict: str
    summary: str
    out_of_scope: bool = False
    uncertain: bool = False
    findings: tuple[Finding, ...] = ()
    signals: tuple[Signal, ...] = ()
    notes: tuple[str, ...] = ()
    edition: str
    rules_version: str
    postcheck_version: str
    election: ElectionInfo | None = None
    text_length: int = 0
