"""Start-up fast path: a plain ``pml-trials screen`` command line without typer.

Importing typer and building the command's options costs about as much CPU time as
everything a one-file screen does after it (issue 20: ``python -X importtime``). So
:func:`screen_arguments` parses a ``screen`` command line itself when it is one of the
plain forms below, and :func:`run` calls the same implementation the typer command
calls (:func:`pml_trials.cli.screen_run.run`). Anything else returns None and goes to
the full typer application, which parses it and explains every mistake: help, other
commands, a misspelt or repeated option, a value typer would reject or convert in an
unusual way, ``--``, ``-`` (standard input), options attached to their short name
(``-fcsv``), and the options not listed in :data:`OPTIONS`. On any doubt it defers: the
fast path never reports an error of its own.

What it accepts, typer accepts with the same values: ``tests/test_cli_fast.py`` reads
the typer command's parameters and checks :data:`OPTIONS` against them (names,
spellings, choices, ranges, date formats), compares the two parsers on generated
command lines, and runs both paths on the example patients, byte for byte.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from pml_trials.cli.choices import DetailLevel, EngineName, PaperSize
from pml_trials.render.formats import FormatName

COMMAND = "screen"
COMPLETE = "_PML_TRIALS_COMPLETE"  # click's shell-completion variable for this program


class DeferError(Exception):
    """This command line is for typer to parse."""


def _choice(kind: type[FormatName | PaperSize | DetailLevel | EngineName]) -> Callable[[str], Any]:
    def convert(value: str) -> Any:
        try:
            return kind(value)  # exact values: typer's choices are case-sensitive
        except ValueError:
            raise DeferError from None

    return convert


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _date(value: str) -> datetime:
    """As typer's ``formats=["%Y-%m-%d"]`` reads it, for the plain form only (strptime
    also takes ``2026-1-5``; those go to typer)."""
    if not _DATE.fullmatch(value):
        raise DeferError
    try:
        return datetime(int(value[:4]), int(value[5:7]), int(value[8:]))  # noqa: DTZ001 - as strptime
    except ValueError:
        raise DeferError from None


_WORKERS = re.compile(r"[0-9]{1,2}", re.ASCII)
WORKERS_RANGE = (0, 64)


def _workers(value: str) -> int:
    if not _WORKERS.fullmatch(value):
        raise DeferError
    number = int(value)
    if not WORKERS_RANGE[0] <= number <= WORKERS_RANGE[1]:
        raise DeferError
    return number


def _output(value: str) -> Path:
    """As typer's path type with ``dir_okay=False`` reads it: a path that does not exist
    yet, or an existing one that is not a folder and can be read (else typer says why)."""
    try:
        info = os.stat(value)  # noqa: PTH116 - exactly what typer checks
    except OSError:
        return Path(value)
    if stat.S_ISDIR(info.st_mode) or not os.access(value, os.R_OK):
        raise DeferError
    return Path(value)


def _text(value: str) -> str:
    return value


# Each option the fast path takes: its spellings, the parameter of the typer command it
# sets, how its value is read (None: a flag), and whether it may be repeated.
OPTIONS: dict[str, tuple[tuple[str, ...], Callable[[str], Any] | None, bool]] = {
    "output_format": (("--format", "-f"), _choice(FormatName), False),
    "output": (("--output", "-o"), _output, False),
    "as_of": (("--as-of",), _date, False),
    "trial": (("--trial", "-t"), _text, True),
    "workers": (("--workers", "-w"), _workers, False),
    "no_bundled": (("--no-bundled",), None, False),
    "paper": (("--paper",), _choice(PaperSize), False),
    "detail": (("--detail",), _choice(DetailLevel), False),
    "engine": (("--engine", "-e"), _choice(EngineName), False),
}
_SPELLINGS = {
    spelling: name for name, (spellings, _, _) in OPTIONS.items() for spelling in spellings
}


def screen_arguments(args: Sequence[str]) -> dict[str, Any] | None:
    """The keyword arguments of :func:`~.screen_run.run` for a plain ``screen`` command
    line, or None when typer should parse it."""
    if not args or args[0] != COMMAND or COMPLETE in os.environ:
        return None
    try:
        return _parse(args[1:])
    except DeferError:
        return None


def _parse(args: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    paths: list[str] = []
    tokens = iter(args)
    for token in tokens:
        if not token.startswith("-"):
            paths.append(token)
            continue
        spelling, attached = token, None
        if token.startswith("--") and "=" in token:
            spelling, attached = token.split("=", 1)
        name = _SPELLINGS.get(spelling)
        if name is None:  # --help, --, -, -fcsv, an option not listed, a typo
            raise DeferError
        _, convert, repeatable = OPTIONS[name]
        if name in values and not repeatable:
            raise DeferError
        if convert is None:
            if attached is not None:
                raise DeferError
            values[name] = True
            continue
        value = attached if attached is not None else next(tokens, None)
        if value is None or value.startswith("-"):
            raise DeferError
        if repeatable:
            values.setdefault(name, []).append(convert(value))
        else:
            values[name] = convert(value)
    if not paths or "" in paths:
        raise DeferError
    return {"paths": paths, **values}


def run(arguments: dict[str, Any]) -> NoReturn:
    """Screen, and exit as the typer application would have (typer's own handling of
    what escapes a command: an end of input, Ctrl-C, a reader gone away, ``Exit``)."""
    from pml_trials.cli.screen_run import run as screen

    try:
        code = screen(**arguments)
    except EOFError:
        sys.stderr.write("\nAborted!\n")
        sys.stderr.flush()
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        sys.exit(1)
    except Exception as exc:
        _exit_if_typer_exit(exc)
        raise
    sys.exit(code)


def _exit_if_typer_exit(exc: Exception) -> None:
    """``typer.Exit`` from a command (:func:`~.common.leave`) is an exit with its code;
    typer is loaded only if one was raised."""
    typer = sys.modules.get("typer")
    if typer is not None and isinstance(exc, typer.Exit):
        sys.exit(exc.exit_code)
