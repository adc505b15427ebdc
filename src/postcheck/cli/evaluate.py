"""`postcheck evaluate`: measure every signal on labelled data."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class EvalFormat(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the `evaluate` command to the main app."""
    app.command("evaluate")(evaluate)


def evaluate(
    errors_out: Annotated[
        Path | None,
        typer.Option("--errors-out", help="Write the ten worst errors per signal (Markdown) here."),
    ] = None,
    anchors: Annotated[
        bool,
        typer.Option(
            "--anchors/--no-anchors",
            help="Also measure alt-profanity-check and better-profanity (test extra).",
        ),
    ] = True,
    include_test: Annotated[
        bool,
        typer.Option(
            "--include-test",
            help="Also report the project's own held-out test files (never for tuning).",
        ),
    ] = False,
    fmt: Annotated[EvalFormat, typer.Option("--format", help="text or json")] = (EvalFormat.text),
) -> None:
    """Precision, recall and F1 per signal on the validation splits (needs the shared
    datasets: set POSTCHECK_DATASETS if they are not beside the repository)."""
    from postcheck.evaluate import run

    code = run(errors_out, anchors, include_test, fmt.value)
    raise typer.Exit(code)
