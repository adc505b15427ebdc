"""CLI commands for the web door (registered on the main app by postcheck.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this door's commands to the main app."""
