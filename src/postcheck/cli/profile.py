"""`postcheck profile`: audit a bio, headline or about text (and positions)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from postcheck.cli.options import (
    NoColorOpt,
    RiskThreshold,
    checked_edition,
    fail,
    fail_on_option,
)

if TYPE_CHECKING:
    from postcheck.shapes import Post, Report
    from postcheck.sources.base import Profile


class ProfileFormat(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add `profile` to the main app."""
    app.command("profile")(profile)


TargetArg = Annotated[
    str,
    typer.Argument(
        help="An export (zip, folder or file) whose profile to audit, or the bio / "
        "headline text itself (- to read it from standard input).",
        show_default=False,
    ),
]
PlatformOpt = Annotated[
    str | None,
    typer.Option(help="For text: where the bio is (linkedin, x, facebook, ...)."),
]
EmployerOpt = Annotated[str | None, typer.Option(help="For text: the employer the profile shows.")]
RoleOpt = Annotated[str | None, typer.Option(help="For text: your job title.")]
PositionOpt = Annotated[
    list[str] | None,
    typer.Option("--position", help="For text: a current position line (repeatable)."),
]
FormatOpt = Annotated[ProfileFormat, typer.Option("--format", "-f", help="text or json.")]
FailOnOpt = Annotated[
    RiskThreshold, fail_on_option("Exit 1 at or above this risk (never: always 0).")
]
EditionOpt = Annotated[
    str | None, typer.Option(help="Guidance edition: public-servants or state-servants.")
]

PLATFORM_ALIAS = {"twitter": "x", "fb": "facebook", "ig": "instagram"}


def profile(
    target: TargetArg,
    platform: PlatformOpt = None,
    employer: EmployerOpt = None,
    role: RoleOpt = None,
    position: PositionOpt = None,
    format: FormatOpt = ProfileFormat.text,
    fail_on: FailOnOpt = RiskThreshold.medium,
    edition: EditionOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Audit a bio, headline or about text (and positions) for what the guidance cares about."""
    from postcheck.engine import InputError
    from postcheck.profile_audit import audit_profile, profile_post

    edition = checked_edition(edition)
    prof = _read_profile(target, platform, employer, role, position)
    post = profile_post(prof)
    try:
        report = audit_profile(prof, edition)
    except InputError as exc:
        fail(str(exc))
    if report is None or post is None:
        fail("the profile has no text to check")
    if format is ProfileFormat.json:
        print(json.dumps(_profile_json(prof, post, report), ensure_ascii=False, indent=2))
    else:
        _print_profile(prof, post, report, no_color)
    raise typer.Exit(fail_on.exit_code(report.risk.rank))


def _read_profile(
    target: str,
    platform: str | None,
    employer: str | None,
    role: str | None,
    position: list[str] | None,
) -> Profile:
    """The profile of an export at `target`, or one made from `target` as the bio text."""
    from postcheck.profile_audit import text_profile
    from postcheck.shapes import Platform
    from postcheck.sources import SourceError, open_source
    from postcheck.sources.authors import Position, author_from

    path = Path(target)
    if target != "-" and len(target) < 4096 and "\n" not in target and path.exists():
        prof = None
        try:
            with open_source(path) as reader:
                prof = reader.profile()
        except SourceError as exc:
            fail(str(exc))
        if prof is None or not prof.audit_text.strip():
            fail(f"{target}: no profile (bio, headline, about or positions) in this export")
        return prof
    text = sys.stdin.read() if target == "-" else target
    if not text.strip():
        fail("the profile text is empty")
    try:
        plat = Platform(PLATFORM_ALIAS.get((platform or "other").lower(), platform or "other"))
    except ValueError:
        fail(f"unknown platform {platform!r}")
    positions = [Position(company=employer or "", title=line) for line in (position or []) if line]
    full = "\n".join([text.strip(), *(position or [])])
    author = author_from(bio=text, positions=positions, employer=employer, role=role)
    return text_profile(full, plat, author)


def _profile_json(prof: Profile, post: Post, report: Report) -> dict[str, Any]:
    from postcheck.profile_audit import disclaimer_note, has_disclaimer
    from postcheck.report.json import report_json

    disclaimer = has_disclaimer(post.text)
    return {
        "schema": "postcheck.profile",
        "schema_version": "1.0",
        "profile": {
            "platform": prof.platform.value,
            "handle": prof.handle,
            "texts": [{"label": k, "text": v} for k, v in prof.texts],
            "author": prof.author.model_dump(mode="json"),
        },
        "disclaimer": disclaimer,
        "disclaimer_note": disclaimer_note(report) if disclaimer else None,
        "report": report_json(report),
    }


def _print_profile(prof: Profile, post: Post, report: Report, no_color: bool) -> None:
    from rich.console import Console

    from postcheck.profile_audit import disclaimer_note, has_disclaimer
    from postcheck.report.text import render_text

    console = Console(no_color=no_color, highlight=False)
    who = f"{prof.platform.value} profile" + (f" ({prof.handle})" if prof.handle else "")
    console.print(f"[bold]{who}[/bold]")
    if prof.author.employer:
        console.print(f"Employer shown: {prof.author.employer}", markup=False)
    console.print()
    render_text(report, post.text, console)
    if has_disclaimer(post.text):
        console.print(f"About disclaimers: {disclaimer_note(report)}", markup=False)
