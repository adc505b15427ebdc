"""The `postcheck` command line: the app, its commands (one module per group) and `main`.

    check.py     check (one draft, or a batch with --input)
    guidance.py  guidance, explain, rules, elections, schema
    scan.py      scan (a whole posting history)
    profile.py   profile (a bio, headline or about text)
    web.py       serve (the web app)
    moderate.py  moderate ... (comment moderation for your own site)
    evaluate.py  evaluate (signal quality on labelled data)
    options.py   what they share: exit codes, fail(), --fail-on, --edition, shared options

Exit codes follow linters: 0 when nothing reaches `--fail-on`, 1 when a finding does, 2 for
usage or input errors. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from postcheck import __version__
from postcheck.cli import check, evaluate, guidance, moderate, profile, scan, web
from postcheck.cli.options import EXIT_CLEAN, EXIT_USAGE, UsageError

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


# The order commands are listed in `postcheck --help`.
for _group in (check, guidance, scan, profile, web, moderate, evaluate):
    _group.register(app)


def main() -> None:
    """Console entry point: one line on stderr for any error, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        print(f"postcheck: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except ValueError as exc:  # InputError, GuidanceError, AuthorFileError: bad input or data
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


__all__ = ["app", "main"]
