"""What every command shares: exit codes, the one-line usage error, the risk threshold,
the edition check and the options more than one command takes, declared once so they read
the same everywhere.

Imports nothing from the command modules, so they can all import it without a cycle.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A usage or input problem: reported in one line, exit 2."""


def fail(message: str) -> NoReturn:
    raise UsageError(message)


class RiskThreshold(StrEnum):
    """`--fail-on`: exit 1 when a finding is at or above this risk; `never` always exits 0."""

    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    never = "never"

    def fails(self, risk_rank: int) -> bool:
        """Whether a report of this risk rank reaches the threshold (a clean report never
        does, even with `none`)."""
        if self is RiskThreshold.never:
            return False
        from postcheck.shapes import Risk

        return risk_rank >= max(Risk(self.value).rank, 1)

    def exit_code(self, risk_rank: int) -> int:
        return EXIT_FINDINGS if self.fails(risk_rank) else EXIT_CLEAN


def fail_on_option(help: str) -> Any:
    """The `--fail-on` option; each command says in its own words what reaching it means."""
    return typer.Option("--fail-on", help=help)


def checked_edition(edition: str | None) -> str | None:
    """The --edition every command takes, checked in one place: None (by date) or a known id."""
    if edition is None:
        return None
    from postcheck.guidance import editions

    known = editions()
    if edition not in known:
        fail(f"unknown edition {edition!r} (choose from: {', '.join(sorted(known))})")
    return edition


def choice(value: str | None, enum: Any, what: str) -> str | None:
    """A case-insensitive choice from `enum` (platform aliases such as twitter accepted)."""
    if value is None:
        return None
    v = value.strip().lower()
    from postcheck.shapes import PLATFORM_ALIASES

    if what == "platform" and v in PLATFORM_ALIASES:
        return PLATFORM_ALIASES[v].value
    allowed = [e.value for e in enum]
    if v not in allowed:
        fail(f"unknown {what} {value!r} (choose from: {', '.join(allowed)})")
    return v


ThoroughOpt = Annotated[
    bool,
    typer.Option(
        "--thorough",
        help="Let the transformer read every post of a batch or scan, not only those the "
        "fast models are unsure of: more accurate, at about half the speed. A single draft is "
        "always read this way (unless $POSTCHECK_ENCODER says otherwise).",
    ),
]
AuthorFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="TOML file describing you (employer, role, seniority...). "
        "Default: profile.toml in your postcheck config directory.",
        dir_okay=False,
    ),
]
PlatformOpt = Annotated[
    str | None,
    typer.Option(
        help="linkedin, facebook, x, instagram, threads, mastodon, bluesky, reddit, "
        "tiktok, website or other."
    ),
]
KindOpt = Annotated[str | None, typer.Option(help="post, reply, comment, share, like or bio.")]
VisibilityOpt = Annotated[
    str | None, typer.Option(help="public, followers, friends, group or private.")
]
DateOpt = Annotated[
    str | None,
    typer.Option(help="When it will be posted: YYYY-MM-DD or an ISO date-time. Default: now."),
]
AccountOpt = Annotated[
    str | None, typer.Option(help="personal (default) or official (out of scope).")
]
EmployerOpt = Annotated[str | None, typer.Option(help="Your employer (agency).")]
RoleOpt = Annotated[str | None, typer.Option(help="Your job title.")]
SeniorityOpt = Annotated[
    str | None, typer.Option(help="staff, manager, senior, executive or board.")
]
AdvisesOpt = Annotated[
    bool | None,
    typer.Option("--advises-ministers/--no-advises-ministers", help="You advise Ministers."),
]
RepresentsOpt = Annotated[
    bool | None,
    typer.Option(
        "--represents-agency/--no-represents-agency",
        help="You speak for your agency publicly.",
    ),
]
TopicOpt = Annotated[
    list[str] | None, typer.Option("--topic", help="A subject you work on (repeatable).")
]
ShowsOpt = Annotated[
    bool | None,
    typer.Option(
        "--shows-employer/--no-shows-employer",
        help="The account or its bio shows who you work for.",
    ),
]
BioOpt = Annotated[str | None, typer.Option(help="The bio or headline of the account.")]
EditionOpt = Annotated[
    str | None,
    typer.Option(help="Guidance edition: public-servants or state-servants. Default: by date."),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Plain text output.")]
