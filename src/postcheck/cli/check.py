"""`postcheck check`: one draft, or a batch of posts with --input.

Exit codes follow linters: 0 when nothing reaches `--fail-on`, 1 when a finding does, 2 for
usage or input errors (see postcheck.cli.options).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, TextIO

import typer
from rich.console import Console

from postcheck.cli.options import (
    EXIT_USAGE,
    AccountOpt,
    AdvisesOpt,
    AuthorFileOpt,
    BioOpt,
    DateOpt,
    EditionOpt,
    EmployerOpt,
    KindOpt,
    NoColorOpt,
    PlatformOpt,
    RepresentsOpt,
    RiskThreshold,
    RoleOpt,
    SeniorityOpt,
    ShowsOpt,
    ThoroughOpt,
    TopicOpt,
    VisibilityOpt,
    checked_edition,
    choice,
    fail,
    fail_on_option,
)

if TYPE_CHECKING:
    from postcheck.shapes import Report


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"


TextArg = Annotated[
    str | None,
    typer.Argument(help="The post to check, or - to read it from standard input."),
]
InputOpt = Annotated[
    str | None,
    typer.Option(
        "--input",
        "-i",
        help="JSON Lines file of posts (one object a line; - for stdin). "
        "See docs/report-schema.md for the fields.",
    ),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="text, json, jsonl or sarif. With --input, json is one JSON array of reports "
        "and jsonl one report a line.",
    ),
]
FailOnOpt = Annotated[
    RiskThreshold,
    fail_on_option("Exit 1 when a finding is at or above this risk (never: always 0)."),
]
ProcessesOpt = Annotated[
    int | None, typer.Option(help="Worker processes for --input (default: all cores).")
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show every signal.")]


def register(app: typer.Typer) -> None:
    """Add `check` to the main app."""
    app.command()(check)


def check(
    text: TextArg = None,
    input: InputOpt = None,
    format: FormatOpt = OutputFormat.text,
    fail_on: FailOnOpt = RiskThreshold.medium,
    author_file: AuthorFileOpt = None,
    platform: PlatformOpt = None,
    kind: KindOpt = None,
    visibility: VisibilityOpt = None,
    date: DateOpt = None,
    account: AccountOpt = None,
    employer: EmployerOpt = None,
    role: RoleOpt = None,
    seniority: SeniorityOpt = None,
    advises_ministers: AdvisesOpt = None,
    represents_agency: RepresentsOpt = None,
    topic: TopicOpt = None,
    shows_employer: ShowsOpt = None,
    bio: BioOpt = None,
    edition: EditionOpt = None,
    processes: ProcessesOpt = None,
    verbose: VerboseOpt = False,
    no_color: NoColorOpt = False,
    thorough: ThoroughOpt = False,
) -> None:
    """Check a draft post (or a batch with --input) and say how risky it is, and why."""
    from postcheck.detect.encoder import mode_for
    from postcheck.engine import InputError
    from postcheck.guidance import GuidanceError

    edition = checked_edition(edition)
    if (text is None) == (input is None):
        fail("give the post text (or - for stdin), or --input FILE, but not both")
    author, ctx = _context_args(
        author_file,
        platform,
        kind,
        visibility,
        date,
        account,
        employer,
        role,
        seniority,
        advises_ministers,
        represents_agency,
        topic,
        shows_employer,
        bio,
    )
    try:
        if input is not None:
            mode = mode_for(thorough=thorough)
            code = _check_batch(input, author, ctx, format, fail_on, edition, processes, mode)
        else:
            mode = mode_for(thorough=thorough, single=True)
            code = _check_one(
                text or "", author, ctx, format, fail_on, edition, verbose, no_color, mode
            )
    except (InputError, GuidanceError) as exc:
        fail(str(exc))
    raise typer.Exit(code)


def _context_args(
    author_file: Path | None,
    platform: str | None,
    kind: str | None,
    visibility: str | None,
    date: str | None,
    account: str | None,
    employer: str | None,
    role: str | None,
    seniority: str | None,
    advises_ministers: bool | None,
    represents_agency: bool | None,
    topic: list[str] | None,
    shows_employer: bool | None,
    bio: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    from postcheck.author_file import AuthorFileError, load_author_file
    from postcheck.inputs import parse_date
    from postcheck.shapes import AccountType, Kind, Platform, Seniority, Visibility

    try:
        author, defaults = load_author_file(author_file)
    except AuthorFileError as exc:
        fail(str(exc))
    overrides = {
        "employer": employer,
        "role": role,
        "seniority": choice(seniority, Seniority, "seniority"),
        "advises_ministers": advises_ministers,
        "represents_agency": represents_agency,
        "topics": list(topic) if topic else None,
        "shows_employer": shows_employer,
        "bio": bio,
    }
    author.update({k: v for k, v in overrides.items() if v is not None})
    ctx = dict(defaults)
    for key, val in (
        ("platform", choice(platform, Platform, "platform")),
        ("kind", choice(kind, Kind, "kind")),
        ("visibility", choice(visibility, Visibility, "visibility")),
        ("account", choice(account, AccountType, "account")),
    ):
        if val is not None:
            ctx[key] = val
    if date is not None:
        ctx["date"] = parse_date(date)
    return author, ctx


def _check_one(
    text: str,
    author: dict[str, Any],
    ctx: dict[str, Any],
    fmt: OutputFormat,
    fail_on: RiskThreshold,
    edition: str | None,
    verbose: bool,
    no_color: bool,
    mode: str,
) -> int:
    from postcheck.engine import default_engine
    from postcheck.inputs import check_argument_text, decode_text
    from postcheck.shapes import MAX_TEXT_CHARS, Author, Context, Post

    if text == "-":
        if sys.stdin is None or sys.stdin.isatty():
            fail("reading the post from standard input, but nothing was piped in")
        cap = MAX_TEXT_CHARS * 4  # no character takes more than four bytes
        raw = sys.stdin.buffer.read(cap + 1)
        if len(raw) > cap:
            # Only the first bytes were read, so the real length is unknown: say "over".
            fail(
                f"the post on standard input is over {MAX_TEXT_CHARS:,} characters "
                f"(more than {cap:,} bytes); the limit is {MAX_TEXT_CHARS:,}"
            )
        text = decode_text(raw, "standard input")
    else:
        text = check_argument_text(text)
    from postcheck.engine import validate_text

    validate_text(text)
    post = Post(text=text, context=Context.model_validate({**ctx, "author": Author(**author)}))
    report = default_engine().check(post, edition=edition, mode=mode)
    _emit([(report, text)], fmt, no_color=no_color, verbose=verbose)
    return fail_on.exit_code(report.risk.rank)


def _emit(
    items: list[tuple[Any, str]],
    fmt: OutputFormat,
    *,
    no_color: bool = False,
    verbose: bool = False,
) -> None:
    from postcheck.report.json import report_json

    if fmt == OutputFormat.text:
        from postcheck.report.text import render_text

        console = Console(no_color=no_color, highlight=False)
        # Piped output keeps each paragraph on one line, for grep and for other programs.
        console.soft_wrap = not console.is_terminal
        for report, text in items:
            render_text(report, text, console, verbose=verbose)
    elif fmt == OutputFormat.json:
        data = [report_json(r) for r, _ in items]
        print(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2))
    elif fmt == OutputFormat.jsonl:
        for r, _ in items:
            print(json.dumps(report_json(r), ensure_ascii=False))
    else:
        from postcheck.report.sarif import sarif_log

        log = sarif_log((r, t, f"post:{r.id or i}") for i, (r, t) in enumerate(items, 1))
        print(json.dumps(log, ensure_ascii=False, indent=2))


def _open_input(source: str) -> BinaryIO:
    """The --input stream. Pipes (`<(cmd)`) and devices are read like files; a folder or
    an unreadable path says so instead of "not found"."""
    if source == "-":
        if sys.stdin is None:
            fail("reading posts from standard input, but there is none")
        return sys.stdin.buffer
    path = Path(source)
    try:
        if path.is_dir():
            fail(f"{source} is a directory, not a JSONL file (`postcheck scan` reads folders)")
        return path.open("rb")
    except FileNotFoundError:
        fail(f"input file not found: {source}")
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}")


def _check_batch(
    source: str,
    author: dict[str, Any],
    ctx: dict[str, Any],
    fmt: OutputFormat,
    fail_on: RiskThreshold,
    edition: str | None,
    processes: int | None,
    mode: str,
) -> int:
    from postcheck.batch import check_outcomes
    from postcheck.engine import InputError
    from postcheck.inputs import read_jsonl

    bad = 0

    def on_line_error(line: int, why: str) -> None:
        nonlocal bad
        bad += 1
        print(f"postcheck: {source}:{line}: {why}", file=sys.stderr)

    stream = _open_input(source)
    worst = 0
    count = 0
    posts = read_jsonl(stream, on_line_error, author, ctx)
    output = _BatchOutput(fmt, sys.stdout)
    finished = False
    try:
        for o in check_outcomes(posts, processes=processes, edition=edition, mode=mode):
            if o.report is None:
                line = int(o.post_id) if o.post_id and o.post_id.isdigit() else 0
                on_line_error(line, o.error or "could not be checked")
                continue
            count += 1
            worst = max(worst, o.report.risk.rank)
            output.add(o.report)
        finished = True
    except InputError as exc:  # the input as a whole is not JSON Lines (binary, CSV, ...)
        fail(f"{source}: {exc}")
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}")
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
        output.close(finished)
    output.finish()
    print(f"postcheck: checked {count} post(s), {bad} skipped", file=sys.stderr)
    if bad:
        return EXIT_USAGE
    return fail_on.exit_code(worst)


class _BatchOutput:
    """A batch's reports in the chosen format, written as they arrive (SARIF, one document
    for the whole run, is written at the end)."""

    def __init__(self, fmt: OutputFormat, out: TextIO) -> None:
        self.fmt = fmt
        self.out = out
        self.array_open = False
        self.sarif_items: list[tuple[Any, str]] = []
        writers: dict[OutputFormat, Callable[[Report], None]] = {
            OutputFormat.json: self._json_element,
            OutputFormat.jsonl: self._json_line,
            OutputFormat.sarif: self._sarif_result,
            OutputFormat.text: self._table_row,
        }
        self.add = writers[fmt]

    def _json_element(self, report: Report) -> None:
        from postcheck.report.json import report_json

        # One JSON array, written as reports arrive: memory stays flat, and an
        # interrupted run still leaves valid JSON (the array is closed by close()).
        self.out.write(",\n" if self.array_open else "[\n")
        self.array_open = True
        self.out.write(json.dumps(report_json(report), ensure_ascii=False))

    def _json_line(self, report: Report) -> None:
        from postcheck.report.json import report_json

        self.out.write(json.dumps(report_json(report), ensure_ascii=False) + "\n")

    def _sarif_result(self, report: Report) -> None:
        # The batch keeps no post texts (memory stays flat), so results carry none.
        self.sarif_items.append((report, ""))

    def _table_row(self, report: Report) -> None:
        ids = report.id or "?"
        rules = ",".join(f.rule for f in report.findings)
        self.out.write(f"{ids}\t{report.risk.value}\t{report.verdict}\t{rules}\n")

    def close(self, finished: bool) -> None:
        """Close the JSON array, also when the run stopped part way (not when it failed
        before its first report: then no array was opened)."""
        if self.fmt == OutputFormat.json and (self.array_open or finished):
            with contextlib.suppress(BrokenPipeError):
                self.out.write("\n]\n" if self.array_open else "[]\n")

    def finish(self) -> None:
        if self.fmt == OutputFormat.sarif:
            _emit(self.sarif_items, self.fmt)
