"""``pml-trials ask``: not written yet."""

from __future__ import annotations

import typer


def command() -> None:
    """Not written yet."""
    typer.echo("not written yet", err=True)
    raise typer.Exit(1)
