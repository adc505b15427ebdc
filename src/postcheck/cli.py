"""The `postcheck` command line.

Exit codes follow linters: 0 when nothing reaches `--fail-on`, 1 when a finding does, 2 for
usage or input errors. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, BinaryIO, NoReturn

import typer
from rich.console import Console

from postcheck import __version__
from postcheck.cli_options import ThoroughOpt

app = typer.Typer(
    name="postcheck",
    help=(
        "Check social media posts against the NZ Public Service Commission's guidance on "
        "personal use of social media. Runs offline; nothing leaves this machine."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A usage or input problem: reported in one line, exit 2."""


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"


class GuidanceFormat(StrEnum):
    """`guidance` has no per-post findings, so no jsonl or sarif: refused, not ignored."""

    text = "text"
    json = "json"


class FailOn(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    never = "never"


def fail(message: str) -> NoReturn:
    raise UsageError(message)


def _version(value: bool) -> None:
    if value:
        print(f"postcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """postcheck: think before you post."""


def _choice(value: str | None, enum: Any, what: str) -> str | None:
    if value is None:
        return None
    v = value.strip().lower()
    from postcheck.model import PLATFORM_ALIASES

    if what == "platform" and v in PLATFORM_ALIASES:
        return PLATFORM_ALIASES[v].value
    allowed = [e.value for e in enum]
    if v not in allowed:
        fail(f"unknown {what} {value!r} (choose from: {', '.join(allowed)})")
    return v


def _context_args(
    profile: Path | None,
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
    from postcheck.inputs import parse_date
    from postcheck.model import AccountType, Kind, Platform, Seniority, Visibility
    from postcheck.profile import ProfileError, load_profile

    try:
        author, defaults = load_profile(profile)
    except ProfileError as exc:
        fail(str(exc))
    overrides = {
        "employer": employer,
        "role": role,
        "seniority": _choice(seniority, Seniority, "seniority"),
        "advises_ministers": advises_ministers,
        "represents_agency": represents_agency,
        "topics": list(topic) if topic else None,
        "shows_employer": shows_employer,
        "bio": bio,
    }
    author.update({k: v for k, v in overrides.items() if v is not None})
    ctx = dict(defaults)
    for key, val in (
        ("platform", _choice(platform, Platform, "platform")),
        ("kind", _choice(kind, Kind, "kind")),
        ("visibility", _choice(visibility, Visibility, "visibility")),
        ("account", _choice(account, AccountType, "account")),
    ):
        if val is not None:
            ctx[key] = val
    if date is not None:
        ctx["date"] = parse_date(date)
    return author, ctx


def _fails(risk_rank: int, fail_on: FailOn) -> bool:
    if fail_on == FailOn.never:
        return False
    from postcheck.model import Risk

    return risk_rank >= max(Risk(fail_on.value).rank, 1)


# Shared options, declared once so every command documents them the same way.
ProfileOpt = Annotated[
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


@app.command()
def check(
    text: Annotated[
        str | None,
        typer.Argument(help="The post to check, or - to read it from standard input."),
    ] = None,
    input: Annotated[
        str | None,
        typer.Option(
            "--input",
            "-i",
            help="JSON Lines file of posts (one object a line; - for stdin). "
            "See docs/report-schema.md for the fields.",
        ),
    ] = None,
    format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="text, json, jsonl or sarif. With --input, json is one JSON array of reports "
            "and jsonl one report a line.",
        ),
    ] = OutputFormat.text,
    fail_on: Annotated[
        FailOn,
        typer.Option(help="Exit 1 when a finding is at or above this risk (never: always 0)."),
    ] = FailOn.medium,
    profile: ProfileOpt = None,
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
    processes: Annotated[
        int | None, typer.Option(help="Worker processes for --input (default: all cores).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every signal.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain text output.")] = False,
    thorough: ThoroughOpt = False,
) -> None:
    """Check a draft post (or a batch with --input) and say how risky it is, and why."""
    from postcheck.detect.encoder import mode_for
    from postcheck.engine import InputError
    from postcheck.guidance import GuidanceError, editions

    if edition is not None and edition not in editions():
        fail(f"unknown edition {edition!r} (choose from: {', '.join(sorted(editions()))})")
    if (text is None) == (input is None):
        fail("give the post text (or - for stdin), or --input FILE, but not both")
    author, ctx = _context_args(
        profile,
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


def _check_one(
    text: str,
    author: dict[str, Any],
    ctx: dict[str, Any],
    fmt: OutputFormat,
    fail_on: FailOn,
    edition: str | None,
    verbose: bool,
    no_color: bool,
    mode: str,
) -> int:
    from postcheck.engine import default_engine
    from postcheck.inputs import check_argument_text, decode_text
    from postcheck.model import MAX_TEXT_CHARS, Author, Context, Post

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
    return EXIT_FINDINGS if _fails(report.risk.rank, fail_on) else EXIT_CLEAN


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
    fail_on: FailOn,
    edition: str | None,
    processes: int | None,
    mode: str,
) -> int:
    from postcheck.batch import check_outcomes
    from postcheck.engine import InputError
    from postcheck.inputs import read_jsonl
    from postcheck.report.json import report_json

    bad = 0

    def on_line_error(line: int, why: str) -> None:
        nonlocal bad
        bad += 1
        print(f"postcheck: {source}:{line}: {why}", file=sys.stderr)

    stream = _open_input(source)
    worst = 0
    count = 0
    posts = read_jsonl(stream, on_line_error, author, ctx)
    sarif_items: list[tuple[Any, str]] = []
    texts: dict[str | None, str] = {}
    out = sys.stdout
    array_open = finished = False
    try:
        for o in check_outcomes(posts, processes=processes, edition=edition, mode=mode):
            if o.report is None:
                line = int(o.post_id) if o.post_id and o.post_id.isdigit() else 0
                on_line_error(line, o.error or "could not be checked")
                continue
            count += 1
            worst = max(worst, o.report.risk.rank)
            if fmt == OutputFormat.json:
                # One JSON array, written as reports arrive: memory stays flat, and an
                # interrupted run still leaves valid JSON (the array is closed below).
                out.write(",\n" if array_open else "[\n")
                array_open = True
                out.write(json.dumps(report_json(o.report), ensure_ascii=False))
            elif fmt == OutputFormat.jsonl:
                out.write(json.dumps(report_json(o.report), ensure_ascii=False) + "\n")
            elif fmt == OutputFormat.sarif:
                sarif_items.append((o.report, texts.get(o.post_id, "")))
            else:
                r = o.report
                ids = r.id or "?"
                out.write(
                    f"{ids}\t{r.risk.value}\t{r.verdict}\t{','.join(f.rule for f in r.findings)}\n"
                )
        finished = True
    except InputError as exc:  # the input as a whole is not JSON Lines (binary, CSV, ...)
        fail(f"{source}: {exc}")
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}")
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
        if fmt == OutputFormat.json and (array_open or finished):
            with contextlib.suppress(BrokenPipeError):
                out.write("\n]\n" if array_open else "[]\n")
    if fmt == OutputFormat.sarif:
        _emit(sarif_items, fmt)
    print(f"postcheck: checked {count} post(s), {bad} skipped", file=sys.stderr)
    if bad:
        return EXIT_USAGE
    return EXIT_FINDINGS if _fails(worst, fail_on) else EXIT_CLEAN


@app.command()
def guidance(
    edition: EditionOpt = None,
    format: Annotated[GuidanceFormat, typer.Option("--format", "-f", help="text or json.")] = (
        GuidanceFormat.text
    ),
) -> None:
    """List the guidance clauses, both editions side by side (or one with --edition)."""
    from rich.table import Table

    from postcheck.guidance import editions, rules

    eds = editions()
    if edition is not None and edition not in eds:
        fail(f"unknown edition {edition!r} (choose from: {', '.join(sorted(eds))})")
    chosen = [eds[edition]] if edition else [eds["state-servants"], eds["public-servants"]]
    by_clause: dict[str, list[str]] = {}
    for r in rules():
        for c in r.clauses:
            by_clause.setdefault(c, []).append(r.id)
    if format == GuidanceFormat.json:
        data = {
            "editions": [e.model_dump(mode="json") for e in chosen],
            "rules_by_clause": by_clause,
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    for e in chosen:
        dates = f"{e.applies_from or '...'} to {e.applies_to or 'now'}"
        console.print(f"[bold]{e.title}[/bold]" + (f" | {e.title_mi}" if e.title_mi else ""))
        console.print(f"  {e.id}: applies {dates}; {e.url}", style="dim")
    table = Table(show_lines=True)
    table.add_column("clause")
    for e in chosen:
        table.add_column(e.id)
    table.add_column("rules")
    for clause in chosen[-1].clauses:
        row = [f"{clause.id}\n({clause.section})"]
        for e in chosen:
            cl = e.clause(clause.id)
            head = cl.heading + (f"\n{cl.heading_mi}" if cl.heading_mi else "")
            row.append(f"[bold]{head}[/bold]\n{cl.paraphrase}")
        row.append("\n".join(by_clause.get(clause.id, [])))
        table.add_row(*row)
    console.print(table)


@app.command()
def explain(
    rule: Annotated[str, typer.Argument(help="Rule id, e.g. political-work-linked.")],
    edition: EditionOpt = None,
) -> None:
    """Print one rule: its clause, level, reasoning, fixes and examples."""
    from postcheck.guidance import editions, law_for, rules
    from postcheck.guidance import rule as get_rule

    try:
        r = get_rule(rule)
    except KeyError:
        fail(f"unknown rule {rule!r} (see `postcheck rules`): " + ", ".join(x.id for x in rules()))
    eds = editions()
    if edition is not None and edition not in eds:
        fail(f"unknown edition {edition!r}")
    import datetime as dt

    console = Console(highlight=False)
    console.print(f"[bold]{r.id}[/bold]: {r.title}  (level: {r.level.value})")
    console.print(r.message.strip())
    console.print()
    for ed in [eds[edition]] if edition else eds.values():
        for cid in r.clauses:
            c = ed.clause(cid)
            mi = f" | {c.heading_mi}" if c.heading_mi else ""
            console.print(f"Clause ({ed.id} {c.section}) {c.heading}{mi}")
            console.print(f"  {c.paraphrase}", style="dim")
    for ref in r.law:
        inst = law_for(ref, dt.date.today())
        if inst:
            console.print(f"Law: {inst.title}: {inst.paraphrase}")
    console.print()
    console.print(f"Why: {r.why.strip()}")
    console.print("Fix:")
    for f in r.fix:
        console.print(f"  - {f}")
    if r.escalate:
        console.print("Raised when:")
        for esc in r.escalate:
            console.print(f"  +{esc.by}: {esc.because}")
    console.print()
    console.print(f"When: {json.dumps(r.when_data)}", style="dim")
    console.print("Flags:")
    for ex in r.examples.flag:
        console.print(f"  + {ex.text}  {json.dumps(ex.context) if ex.context else ''}")
    console.print("Passes:")
    for ex in r.examples.pass_:
        console.print(f"  - {ex.text}  {json.dumps(ex.context) if ex.context else ''}")


@app.command(name="rules")
def list_rules() -> None:
    """List every rule with its level and clauses."""
    from postcheck.guidance import rules

    for r in rules():
        print(f"{r.id:<32} {r.level.value:<7} {','.join(r.clauses):<40} {r.title}")


@app.command()
def elections() -> None:
    """List the election calendar (add your own in elections.yaml in the config dir)."""
    from postcheck.guidance import elections as all_elections
    from postcheck.guidance import user_config_dir

    for e in all_elections():
        print(
            f"{e.polling_day}  pre-election from {e.pre_election_from}  "
            f"polls close {e.polls_close.strftime('%H:%M')}  {e.name}"
        )
    print(f"(add future elections in {user_config_dir() / 'elections.yaml'})", file=sys.stderr)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the versioned Report format."""
    from postcheck.report.json import json_schema

    print(json.dumps(json_schema(), indent=2))


def _register_doors() -> None:
    from postcheck import cli_evaluate, cli_moderate, cli_scan, cli_web

    for door in (cli_scan, cli_web, cli_moderate, cli_evaluate):
        door.register(app)


_register_doors()


def main() -> None:
    """Console entry point: one line on stderr for any error, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        print(f"postcheck: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except ValueError as exc:  # InputError, GuidanceError, ProfileError: bad input or data
        print(f"postcheck: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("postcheck: aborted", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        print("postcheck: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_CLEAN)
    except Exception as exc:  # a click usage error or a bug: still one line, never a trace
        # Typer bundles its own copy of click, so usage errors are recognised by shape.
        format_message = getattr(exc, "format_message", None)
        if callable(format_message) and hasattr(exc, "exit_code"):
            # Typer's own wording carries pydantic's "Value error, " prefix: noise to a user.
            message = str(format_message()).replace("Value error, ", "")
            print(f"postcheck: error: {message}", file=sys.stderr)
            sys.exit(EXIT_USAGE)
        print(f"postcheck: internal error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else EXIT_CLEAN)
