"""The typer application; each command lives in a module of its own."""

from __future__ import annotations

import typer

from pml_trials import DISCLAIMER
from pml_trials.cli import ask, check, explain, fields, schema, screen, show, trials

app = typer.Typer(
    name="pml-trials",
    help=(
        "Pre-screen patients with progressive multifocal leukoencephalopathy (PML) against "
        f"clinical trials. {DISCLAIMER}\n\n"
        "Exit codes: 0 done (whatever the verdicts), 1 internal error, 2 usage error, "
        "3 invalid input (the rest is still processed)."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich's help formatter costs ~20 ms per call
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals hold patient data
)

app.command("screen")(screen.command)
app.command("ask")(ask.command)
app.command("explain")(explain.command)
app.command("check")(check.command)
app.command("trials")(trials.command)
app.command("show")(show.command)
app.command("schema")(schema.command)
app.command("fields")(fields.command)
