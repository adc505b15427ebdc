"""`postcheck scan`: audit a whole posting history and report what to review, worst first.

Judgement stays in the engine; this command reads exports, hands posts to the engine (in
the reading mode --thorough asks for) and writes what it says.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from postcheck.cli.options import (
    EXIT_USAGE,
    AdvisesOpt,
    RiskThreshold,
    RoleOpt,
    SeniorityOpt,
    ThoroughOpt,
    TopicOpt,
    checked_edition,
    choice,
    fail,
    fail_on_option,
)
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
    """`--min-risk`: which posts are listed. Not a pass/fail threshold, so no `never`."""

    none = "none"
    low = "low"
    medium = "medium"
    high = "high"


if TYPE_CHECKING:
    SourceFormat = str
else:
    # The choices are the reader registry's (sources/registry.py); a StrEnum member is the
    # format name itself, so it goes straight to open_source.
    SourceFormat = StrEnum("SourceFormat", [(f, f) for f in FORMATS])


PathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Exports to audit: a zip, an unpacked folder or a single file (X, Facebook, "
        "LinkedIn, Instagram/Threads, Mastodon, Bluesky CAR, or CSV/JSONL of posts). "
        "Several may be given; the format is detected from the content.",
        show_default=False,
    ),
]
ScanFormatOpt = Annotated[
    ScanFormat, typer.Option("--format", "-f", help="html (default), json, jsonl or csv.")
]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Where to write (- for standard output). Default: postcheck-scan.html for "
        "html, standard output for the others.",
    ),
]
MinRiskOpt = Annotated[
    MinRisk,
    typer.Option(help="List only posts at or above this risk (counts always cover all)."),
]
FailOnOpt = Annotated[
    RiskThreshold,
    fail_on_option("Exit 1 when a post or profile is at or above this risk (never: always 0)."),
]
SourceFormatOpt = Annotated[
    SourceFormat | None,
    typer.Option(
        "--source-format",
        help=f"Skip detection and read every PATH as this ({describe()}).",
    ),
]
LimitOpt = Annotated[
    int | None,
    typer.Option(
        min=0,
        help="List at most this many posts, worst first (0: all). Default: 1000 for html "
        "(a browser page stays usable; the counts and chart still cover everything), all "
        "for json, jsonl and csv.",
    ),
]
ProcessesOpt = Annotated[
    int | None, typer.Option(min=1, help="Worker processes (default: all cores).")
]
EditionOpt = Annotated[
    str | None,
    typer.Option(
        help="Guidance edition: public-servants or state-servants. Default: by each post's date."
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")]
AuthorFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        dir_okay=False,
        help="TOML file describing you (employer, role, seniority...), as for `check`. "
        "Default: profile.toml in your postcheck config directory, if there is one.",
    ),
]
EmployerOpt = Annotated[
    str | None,
    typer.Option(help="Your employer, if the exports don't show it (colleagues know)."),
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        dir_okay=False,
        help="File of reviewed posts (see --update-baseline): they are counted but not "
        "listed again unless their text or the rules that fired change.",
    ),
]
UpdateBaselineOpt = Annotated[
    bool,
    typer.Option(
        "--update-baseline",
        help="Add every post listed by this scan to the --baseline file (created if "
        "missing), with a reason to fill in.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add `scan` to the main app."""
    app.command("scan")(scan)


def scan(
    paths: PathsArg,
    format: ScanFormatOpt = ScanFormat.html,
    output: OutputOpt = None,
    min_risk: MinRiskOpt = MinRisk.low,
    fail_on: FailOnOpt = RiskThreshold.medium,
    source_format: SourceFormatOpt = None,
    limit: LimitOpt = None,
    processes: ProcessesOpt = None,
    edition: EditionOpt = None,
    quiet: QuietOpt = False,
    author_file: AuthorFileOpt = None,
    employer: EmployerOpt = None,
    role: RoleOpt = None,
    seniority: SeniorityOpt = None,
    advises_ministers: AdvisesOpt = None,
    topic: TopicOpt = None,
    thorough: ThoroughOpt = False,
    baseline: BaselineOpt = None,
    update_baseline: UpdateBaselineOpt = False,
) -> None:
    """Audit a whole posting history and report what to review, worst first.

    Who you are matters as much as what you wrote: the exports' profiles fill in the
    employer the audience can see; --profile or --role/--seniority/--advises-ministers add
    what they can't.
    """
    from rich.console import Console

    from postcheck.detect.encoder import mode_for
    from postcheck.report.scan_files import jsonl_item
    from postcheck.scan import scan as run_scan
    from postcheck.shapes import Risk

    edition = checked_edition(edition)
    declared = _declared(author_file, employer, role, seniority, advises_ministers, topic)
    reviewed = _load_baseline(baseline, update_baseline)
    if limit is None:
        limit = HTML_LIMIT if format is ScanFormat.html else 0
    target = output or ("postcheck-scan.html" if format is ScanFormat.html else "-")
    if target != "-" and Path(target).is_dir():
        fail(f"--output {target} is a folder; give a file name")
    paths, missing = _existing(paths)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    sink = _Sink(target)
    on_item = None
    if format is ScanFormat.jsonl:

        def on_item(item: dict[str, Any]) -> None:
            sink.handle.write(jsonl_item(item))

    with _progress(err, quiet) as progress:
        result = run_scan(
            paths,
            source_format=source_format,
            processes=processes,
            edition=edition,
            min_risk=Risk(min_risk.value),
            declared=declared,
            on_item=on_item,
            progress=progress,
            baseline=reviewed,
            mode=mode_for(thorough=thorough),
        )
    try:
        added = _finish(
            result, err, sink, format, limit, missing, reviewed, baseline, update_baseline
        )
        if not quiet:
            _summary(err, result, target, format)
            if added is not None:
                err.print(_added_line(baseline, added), markup=False)
        raise typer.Exit(_exit_code(err, result, missing, fail_on))
    finally:
        sink.discard()
        result.close()


def _existing(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The paths that are there, and an error line for each that is not. A missing path is
    an error for that path only: the others are still read and reported (exit 2 says
    something was missing); when none is there, that is the usage error."""
    missing = [f"{p}: no such file or folder" for p in paths if not p.exists()]
    present = [p for p in paths if p.exists()]
    if not present:
        for line in missing[:-1]:
            print(f"postcheck: error: {line}", file=sys.stderr)
        fail(missing[-1])
    return present, missing


def _added_line(baseline: Path | None, added: int) -> str:
    return (
        f"postcheck: {baseline}: {added} post(s) added as reviewed; write why each is "
        "acceptable in its reason"
    )


def _finish(
    result: ScanResult,
    err: Any,
    sink: _Sink,
    format: ScanFormat,
    limit: int,
    missing: list[str],
    reviewed: Baseline | None,
    baseline: Path | None,
    update_baseline: bool,
) -> int | None:
    """Write the report (or, when nothing at all could be read, say why and exit 2) and
    add its posts to the baseline file when asked (how many were added)."""
    from postcheck.report.scan_files import jsonl_summary

    failed = [s for s in result.sources if s.error]
    if len(failed) == len(result.sources) and not result.summary.posts:
        sink.discard()
        for e in missing + [str(s.error) for s in failed]:
            err.print(f"postcheck: error: {e}", markup=False)
        raise typer.Exit(EXIT_USAGE)
    if format is ScanFormat.jsonl:
        sink.handle.write(jsonl_summary(result))
    else:
        _write(result, format, sink.handle, limit or None, reviewed, baseline)
    sink.commit()
    if update_baseline and baseline is not None and reviewed is not None:
        return _update_baseline(result, reviewed, baseline)
    return None


def _exit_code(err: Any, result: ScanResult, missing: list[str], fail_on: RiskThreshold) -> int:
    """Say what could not be read or was cut short; 130 when interrupted, 2 when a source
    failed, else 1 or 0 by --fail-on."""
    errors = missing + [str(s.error) for s in result.sources if s.error]
    for e in errors:
        err.print(f"postcheck: error: {e}", markup=False)
    for why in result.summary.incomplete:
        err.print(f"postcheck: incomplete: {why}", markup=False)
    if result.summary.interrupted:
        err.print("postcheck: interrupted; the report covers the posts checked so far")
        return 130
    if errors:
        return EXIT_USAGE
    return fail_on.exit_code(result.worst.rank)


def _declared(
    author_file: Path | None,
    employer: str | None,
    role: str | None,
    seniority: str | None,
    advises_ministers: bool | None,
    topic: list[str] | None,
) -> dict[str, Any]:
    """Author fields from the author file (--profile) and flags (flags win)."""
    from postcheck.author_file import AuthorFileError, load_author_file
    from postcheck.shapes import Author, Seniority

    try:
        author, _ = load_author_file(author_file)
    except AuthorFileError as exc:
        fail(str(exc))
    flags = {
        "employer": employer,
        "role": role,
        "seniority": choice(seniority, Seniority, "seniority"),
        "advises_ministers": advises_ministers,
        "topics": list(topic) if topic else None,
    }
    author.update({k: v for k, v in flags.items() if v is not None})
    Author.model_validate(author)  # load_author_file validated the file; flags are checked here
    return author


def _load_baseline(path: Path | None, update: bool) -> Baseline | None:
    from postcheck.baseline import Baseline, BaselineError

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
