"""CLI commands for the scan door: `postcheck scan` and `postcheck profile`.

Registered on the main app by postcheck.cli. Judgement stays in the engine; these commands
read exports, hand posts to the engine and write what it says.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from postcheck.cli_options import ThoroughOpt, use_thorough
from postcheck.sources.registry import FORMATS, describe

if TYPE_CHECKING:
    from postcheck.baseline import Baseline
    from postcheck.scan import ScanResult


#: Posts listed in an HTML report unless --limit says otherwise.
HTML_LIMIT = 1000


class ScanFormat(StrEnum):
    html = "html"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class MinRisk(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"


class FailLevel(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    never = "never"


if TYPE_CHECKING:
    SourceFormat = str
else:
    # The choices are the reader registry's (sources/registry.py); a StrEnum member is the
    # format name itself, so it goes straight to open_source.
    SourceFormat = StrEnum("SourceFormat", [(f, f) for f in FORMATS])


class ProfileFormat(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add this door's commands to the main app."""
    app.command("scan")(scan)
    app.command("profile")(profile)


def scan(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Exports to audit: a zip, an unpacked folder or a single file (X, Facebook, "
            "LinkedIn, Instagram/Threads, Mastodon, Bluesky CAR, or CSV/JSONL of posts). "
            "Several may be given; the format is detected from the content.",
            show_default=False,
        ),
    ],
    format: Annotated[
        ScanFormat, typer.Option("--format", "-f", help="html (default), json, jsonl or csv.")
    ] = ScanFormat.html,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write (- for standard output). Default: postcheck-scan.html for "
            "html, standard output for the others.",
        ),
    ] = None,
    min_risk: Annotated[
        MinRisk,
        typer.Option(help="List only posts at or above this risk (counts always cover all)."),
    ] = MinRisk.low,
    fail_on: Annotated[
        FailLevel,
        typer.Option(
            help="Exit 1 when a post or profile is at or above this risk (never: always 0)."
        ),
    ] = FailLevel.medium,
    source_format: Annotated[
        SourceFormat | None,
        typer.Option(
            "--source-format",
            help=f"Skip detection and read every PATH as this ({describe()}).",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="List at most this many posts, worst first (0: all). Default: 1000 for html "
            "(a browser page stays usable; the counts and chart still cover everything), all "
            "for json, jsonl and csv.",
        ),
    ] = None,
    processes: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: all cores).")
    ] = None,
    edition: Annotated[
        str | None,
        typer.Option(
            help="Guidance edition: public-servants or state-servants. Default: by "
            "each post's date."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = (
        False
    ),
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile",
            dir_okay=False,
            help="TOML file describing you (employer, role, seniority...), as for `check`. "
            "Default: profile.toml in your postcheck config directory, if there is one.",
        ),
    ] = None,
    employer: Annotated[
        str | None,
        typer.Option(help="Your employer, if the exports don't show it (colleagues know)."),
    ] = None,
    role: Annotated[str | None, typer.Option(help="Your job title.")] = None,
    seniority: Annotated[
        str | None, typer.Option(help="staff, manager, senior, executive or board.")
    ] = None,
    advises_ministers: Annotated[
        bool | None,
        typer.Option("--advises-ministers/--no-advises-ministers", help="You advise Ministers."),
    ] = None,
    topic: Annotated[
        list[str] | None, typer.Option("--topic", help="A subject you work on (repeatable).")
    ] = None,
    thorough: ThoroughOpt = False,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            dir_okay=False,
            help="File of reviewed posts (see --update-baseline): they are counted but not "
            "listed again unless their text or the rules that fired change.",
        ),
    ] = None,
    update_baseline: Annotated[
        bool,
        typer.Option(
            "--update-baseline",
            help="Add every post listed by this scan to the --baseline file (created if "
            "missing), with a reason to fill in.",
        ),
    ] = False,
) -> None:
    """Audit a whole posting history and report what to review, worst first.

    Who you are matters as much as what you wrote: the exports' profiles fill in the
    employer the audience can see; --profile or --role/--seniority/--advises-ministers add
    what they can't.
    """
    from postcheck.cli import (
        EXIT_CLEAN,
        EXIT_FINDINGS,
        EXIT_USAGE,
        FailOn,
        _fails,
        fail,
    )
    from postcheck.guidance import editions
    from postcheck.model import Risk
    from postcheck.report.scan_files import jsonl_item, jsonl_summary
    from postcheck.scan import scan as run_scan

    use_thorough(thorough)
    fail_level = FailOn(fail_on.value)
    fmt_name = source_format
    if edition is not None and edition not in editions():
        fail(f"unknown edition {edition!r} (choose from: {', '.join(sorted(editions()))})")
    declared = _declared(profile, employer, role, seniority, advises_ministers, topic)
    reviewed = _load_baseline(baseline, update_baseline)
    if limit is None:
        limit = HTML_LIMIT if format is ScanFormat.html else 0
    target = output or ("postcheck-scan.html" if format is ScanFormat.html else "-")
    if target != "-" and Path(target).is_dir():
        fail(f"--output {target} is a folder; give a file name")
    # A path that is not there is an error for that path only: the others are still read
    # and reported (exit 2 says something was missing).
    missing = [f"{p}: no such file or folder" for p in paths if not p.exists()]
    paths = [p for p in paths if p.exists()]
    if not paths:
        for line in missing[:-1]:
            print(f"postcheck: error: {line}", file=sys.stderr)
        fail(missing[-1])

    from rich.console import Console

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    sink = _Sink(target)
    on_item = None
    if format is ScanFormat.jsonl:

        def on_item(item: dict[str, Any]) -> None:
            sink.handle.write(jsonl_item(item))

    with _progress(err, quiet) as progress:
        result = run_scan(
            paths,
            source_format=fmt_name,
            processes=processes,
            edition=edition,
            min_risk=Risk(min_risk.value),
            declared=declared,
            on_item=on_item,
            progress=progress,
            baseline=reviewed,
        )
    try:
        failed = [s for s in result.sources if s.error]
        errors = missing + [str(s.error) for s in failed]
        if len(failed) == len(result.sources) and not result.summary.posts:
            sink.discard()
            for e in errors:
                err.print(f"postcheck: error: {e}", markup=False)
            raise typer.Exit(EXIT_USAGE)
        if format is ScanFormat.jsonl:
            sink.handle.write(jsonl_summary(result))
        else:
            _write(result, format, sink.handle, limit or None, reviewed, baseline)
        sink.commit()
        added = None
        if update_baseline and baseline is not None and reviewed is not None:
            added = _update_baseline(result, reviewed, baseline)
        if not quiet:
            _summary(err, result, target, format)
            if added is not None:
                err.print(
                    f"postcheck: {baseline}: {added} post(s) added as reviewed; write why "
                    "each is acceptable in its reason",
                    markup=False,
                )
        for e in errors:
            err.print(f"postcheck: error: {e}", markup=False)
        for why in result.summary.incomplete:
            err.print(f"postcheck: incomplete: {why}", markup=False)
        if result.summary.interrupted:
            err.print("postcheck: interrupted; the report covers the posts checked so far")
            raise typer.Exit(130)
        if errors:
            raise typer.Exit(EXIT_USAGE)
        raise typer.Exit(EXIT_FINDINGS if _fails(result.worst.rank, fail_level) else EXIT_CLEAN)
    finally:
        sink.discard()
        result.close()


def _declared(
    profile: Path | None,
    employer: str | None,
    role: str | None,
    seniority: str | None,
    advises_ministers: bool | None,
    topic: list[str] | None,
) -> dict[str, Any]:
    """Author fields from the profile TOML and flags (flags win)."""
    from postcheck.cli import fail
    from postcheck.model import Author, Seniority
    from postcheck.profile import ProfileError, load_profile

    try:
        author, _ = load_profile(profile)
    except ProfileError as exc:
        fail(str(exc))
    if seniority is not None:
        allowed = [s.value for s in Seniority]
        if seniority.strip().lower() not in allowed:
            fail(f"unknown seniority {seniority!r} (choose from: {', '.join(allowed)})")
        seniority = seniority.strip().lower()
    flags = {
        "employer": employer,
        "role": role,
        "seniority": seniority,
        "advises_ministers": advises_ministers,
        "topics": list(topic) if topic else None,
    }
    author.update({k: v for k, v in flags.items() if v is not None})
    Author.model_validate(author)  # load_profile validated the file; flags are checked here
    return author


def _load_baseline(path: Path | None, update: bool) -> Baseline | None:
    from postcheck.baseline import Baseline, BaselineError
    from postcheck.cli import fail

    if path is None:
        if update:
            fail("--update-baseline needs --baseline FILE (the file to write)")
        return None
    if update and not path.exists():
        return Baseline()
    try:
        return Baseline.load(path)
    except BaselineError as exc:
        fail(str(exc))


def _update_baseline(result: ScanResult, reviewed: Baseline, path: Path) -> int:
    """Everything listed joins the file; entries from other exports or runs are kept."""
    from postcheck.baseline import BaselineError
    from postcheck.cli import fail

    added = 0
    for item in result.spool.worst_first():
        post, rules = item["post"], [f["rule"] for f in item["report"]["findings"]]
        if rules:
            added += reviewed.add(
                post["platform"], post["id"], post["text"], rules, result.rules_version
            )
    try:
        reviewed.save(path)
    except BaselineError as exc:
        fail(str(exc))
    return added


def _write(
    result: ScanResult,
    format: ScanFormat,
    out: IO[str],
    limit: int | None,
    reviewed: Baseline | None = None,
    baseline: Path | None = None,
) -> None:
    if format is ScanFormat.html:
        from postcheck.report.scan_html import render_html

        render_html(result, out, limit, reviewed, baseline.name if baseline else "reviewed.json")
    elif format is ScanFormat.json:
        from postcheck.report.scan_files import write_json

        write_json(result, out, limit)
    else:
        from postcheck.report.scan_files import write_csv

        write_csv(result, out, limit)


class _Sink:
    """The output: standard output, or a temp file renamed into place only when complete."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._tmp: str | None = None
        if target == "-":
            self.handle: IO[str] = sys.stdout
            return
        dest = Path(target)
        try:
            fd, self._tmp = tempfile.mkstemp(
                prefix=f".{dest.name}.", dir=dest.parent if str(dest.parent) else "."
            )
        except OSError as exc:
            from postcheck.cli import fail

            fail(f"cannot write {target}: {exc.strerror}")
        self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> None:
        if self._tmp is not None:
            self.handle.close()
            os.replace(self._tmp, self.target)
            self._tmp = None
        else:
            self.handle.flush()

    def discard(self) -> None:
        if self._tmp is not None:
            self.handle.close()
            Path(self._tmp).unlink(missing_ok=True)
            self._tmp = None


class _progress:
    """A Rich progress line on stderr while posts are checked (off when not a terminal)."""

    def __init__(self, console: Any, quiet: bool) -> None:
        self.console = console
        self.enabled = not quiet and console.is_terminal
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import (
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]checking[/bold] {task.description}"),
            TextColumn("{task.completed:,} posts"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("", total=None, rate="")

        def update(n: int, label: str) -> None:
            elapsed = self._progress.tasks[0].elapsed or 0.0
            rate = f"{n / elapsed:,.0f}/s" if elapsed > 0 else ""
            self._progress.update(
                self._task, completed=n, description=Path(label).name if label else "", rate=rate
            )

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _summary(err: Any, result: ScanResult, target: str, format: ScanFormat) -> None:
    s = result.summary
    by = ", ".join(f"{s.by_risk.get(r, 0)} {r}" for r in ("high", "medium", "low")) + " risk"
    if s.reviewed:
        by += f" ({s.reviewed} already reviewed, not listed)"
    secs = ((result.finished or result.started) - result.started).total_seconds()
    rate = f", {s.posts / secs:,.0f} posts/s" if secs > 0 and s.posts else ""
    err.print(
        f"postcheck: checked {s.checked} post(s) in {secs:.1f}s{rate}: {by}; {s.kept} listed",
        markup=False,
    )
    for src in result.sources:
        skipped = src.stats.total_skipped
        if skipped:
            reasons = "; ".join(f"{n} {k}" for k, n in src.stats.skipped.most_common(3))
            err.print(f"postcheck: {src.path}: {skipped} skipped ({reasons})", markup=False)
    for reason, n in s.failed.items():
        err.print(f"postcheck: {n} post(s) could not be checked: {reason}", markup=False)
    for src in result.sources:
        if src.profile_report is not None and src.profile_report.findings:
            err.print(
                f"postcheck: {src.profile.platform.value if src.profile else ''} profile: "
                f"{src.profile_report.risk.value} risk ({src.profile_report.summary})",
                markup=False,
            )
    if target != "-":
        err.print(f"postcheck: {format.value} report written to {target}", markup=False)


def profile(
    target: Annotated[
        str,
        typer.Argument(
            help="An export (zip, folder or file) whose profile to audit, or the bio / "
            "headline text itself (- to read it from standard input).",
            show_default=False,
        ),
    ],
    platform: Annotated[
        str | None,
        typer.Option(help="For text: where the bio is (linkedin, x, facebook, ...)."),
    ] = None,
    employer: Annotated[
        str | None, typer.Option(help="For text: the employer the profile shows.")
    ] = None,
    role: Annotated[str | None, typer.Option(help="For text: your job title.")] = None,
    position: Annotated[
        list[str] | None,
        typer.Option("--position", help="For text: a current position line (repeatable)."),
    ] = None,
    format: Annotated[
        ProfileFormat, typer.Option("--format", "-f", help="text or json.")
    ] = ProfileFormat.text,
    fail_on: Annotated[
        FailLevel, typer.Option(help="Exit 1 at or above this risk (never: always 0).")
    ] = FailLevel.medium,
    edition: Annotated[
        str | None, typer.Option(help="Guidance edition: public-servants or state-servants.")
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain text output.")] = False,
) -> None:
    """Audit a bio, headline or about text (and positions) for what the guidance cares about."""
    from rich.console import Console

    from postcheck.cli import EXIT_CLEAN, EXIT_FINDINGS, FailOn, _fails, fail
    from postcheck.engine import InputError
    from postcheck.guidance import editions
    from postcheck.model import Platform
    from postcheck.profile_audit import (
        DISCLAIMER_EXPLAINED,
        audit_profile,
        has_disclaimer,
        profile_post,
        text_profile,
    )
    from postcheck.report.json import report_json
    from postcheck.sources import SourceError, open_source
    from postcheck.sources.authors import author_from

    fail_level = FailOn(fail_on.value)
    if edition is not None and edition not in editions():
        fail(f"unknown edition {edition!r} (choose from: {', '.join(sorted(editions()))})")
    path = Path(target)
    prof = None
    if target != "-" and len(target) < 4096 and "\n" not in target and path.exists():
        try:
            with open_source(path) as reader:
                prof = reader.profile()
        except SourceError as exc:
            fail(str(exc))
        if prof is None or not prof.audit_text.strip():
            fail(f"{target}: no profile (bio, headline, about or positions) in this export")
    else:
        text = sys.stdin.read() if target == "-" else target
        if not text.strip():
            fail("the profile text is empty")
        try:
            plat = Platform(PLATFORM_ALIAS.get((platform or "other").lower(), platform or "other"))
        except ValueError:
            fail(f"unknown platform {platform!r}")
        from postcheck.sources.authors import Position

        positions = [
            Position(company=employer or "", title=line) for line in (position or []) if line
        ]
        full = "\n".join([text.strip(), *(position or [])])
        author = author_from(bio=text, positions=positions, employer=employer, role=role)
        prof = text_profile(full, plat, author)
    post = profile_post(prof)
    try:
        report = audit_profile(prof, edition)
    except InputError as exc:
        fail(str(exc))
    if report is None or post is None:
        fail("the profile has no text to check")
    disclaimer = has_disclaimer(post.text)
    if format is ProfileFormat.json:
        out = {
            "schema": "postcheck.profile",
            "schema_version": "1.0",
            "profile": {
                "platform": prof.platform.value,
                "handle": prof.handle,
                "texts": [{"label": k, "text": v} for k, v in prof.texts],
                "author": prof.author.model_dump(mode="json"),
            },
            "disclaimer": disclaimer,
            "disclaimer_note": DISCLAIMER_EXPLAINED if disclaimer else None,
            "report": report_json(report),
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        from postcheck.report.text import render_text

        console = Console(no_color=no_color, highlight=False)
        who = f"{prof.platform.value} profile" + (f" ({prof.handle})" if prof.handle else "")
        console.print(f"[bold]{who}[/bold]")
        if prof.author.employer:
            console.print(f"Employer shown: {prof.author.employer}", markup=False)
        console.print()
        render_text(report, post.text, console)
        if disclaimer:
            console.print(f"About disclaimers: {DISCLAIMER_EXPLAINED}", markup=False)
    raise typer.Exit(EXIT_FINDINGS if _fails(report.risk.rank, fail_level) else EXIT_CLEAN)


PLATFORM_ALIAS = {"twitter": "x", "fb": "facebook", "ig": "instagram"}
