"""The typer application with every command; each command lives in a module of its own
(see :mod:`.commands`, which also builds the one-command application a call runs)."""

from __future__ import annotations

from pml_trials.cli.commands import build

app = build()
