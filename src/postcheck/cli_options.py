"""Options that more than one command takes, declared once so they read the same everywhere."""

from __future__ import annotations

import os
from typing import Annotated

import typer

ThoroughOpt = Annotated[
    bool,
    typer.Option(
        "--thorough",
        help="Let the transformer read every post of a batch or scan, not only those the "
        "fast models are unsure of: more accurate on abuse, about ten times slower. A single "
        "draft is always read this way (unless $POSTCHECK_ENCODER says otherwise).",
    ),
]


def use_thorough(on: bool) -> None:
    """Switch the detectors' transformer stage to read every post (before any engine or
    worker process starts, so the workers inherit it)."""
    if on:
        from postcheck.detect.encoder import reset_mode

        os.environ["POSTCHECK_ENCODER"] = "thorough"
        reset_mode()
