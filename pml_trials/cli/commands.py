"""The commands, and the typer application that holds them.

Typer builds the options of every command an application holds from the command
function's signature, on every call: importing and building all eight costs about
4.5 ms of start-up (issue 8), and a call runs one. So ``pml-trials <command> ...`` gets
an application holding only that command (:func:`application`); anything else (``--help``,
no command, a misspelt one) gets them all, as ``pml_trials.cli.app.app`` does.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence

import typer

from pml_trials import DISCLAIMER

# Each is a module pml_trials.cli.<name> with a function ``command``; --help lists them
# in this order.
COMMANDS = (
    "screen",
    "ask",
    "explain",
    "form",
    "check",
    "trials",
    "show",
    "new",
    "diff",
    "schema",
    "fields",
    "import",
    "redcap",
)
MODULES = {"import": "imports"}  # command names that are Python keywords
HELP = (
    "Pre-screen patients with progressive multifocal leukoencephalopathy (PML) against "
    f"clinical trials. {DISCLAIMER}\n\n"
    "Exit codes: 0 done (whatever the verdicts), 1 internal error, 2 usage error, "
    "3 invalid input (the rest is still processed), 4 environment failure (disk full, "
    "output closed, worker killed), 128+N stopped by signal N."
)


def build(names: Iterable[str] = COMMANDS) -> typer.Typer:
    """An application holding the named commands."""
    names = tuple(names)
    app = typer.Typer(
        name="pml-trials",
        help=HELP,
        # With one command and no callback typer would make the command the application
        # itself (``pml-trials x.json`` instead of ``pml-trials screen x.json``).
        callback=_nothing if len(names) == 1 else None,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,  # plain help: rich's help formatter costs ~20 ms per call
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,  # locals hold patient data
    )
    for name in names:
        command = importlib.import_module(f"pml_trials.cli.{MODULES.get(name, name)}").command
        if isinstance(command, typer.Typer):  # a group of subcommands (import, redcap)
            app.add_typer(command, name=name)
        else:
            app.command(name)(command)
    return app


def application(args: Sequence[str]) -> typer.Typer:
    """The application for a command line: only the command named first, if one is
    (the application itself has no option that takes a value), else all of them."""
    if args and args[0] in COMMANDS:
        return build([args[0]])
    return build()


def _nothing() -> None:
    pass
