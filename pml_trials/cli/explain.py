"""``pml-trials explain PROFILE``: every verdict, criterion by criterion."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pml_trials.cli import options

if TYPE_CHECKING:
    from datetime import date

    from pml_trials.engine import ScreeningResult
    from pml_trials.studies.model import Study


class ExplainFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    html = "html"


def command(
    profile: Annotated[
        str,
        typer.Argument(
            metavar="PROFILE", help="A patient profile (a JSON file), or - to read standard input."
        ),
    ],
    trial: options.Trial = None,
    output_format: Annotated[
        ExplainFormat,
        typer.Option(
            "--format",
            "-f",
            help="text for the terminal; markdown or html for a report to print or file.",
        ),
    ] = ExplainFormat.text,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="Write to this file (replaced atomically, readable by you only) instead of "
            "standard output.",
        ),
    ] = None,
    as_of: options.AsOf = None,
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
) -> None:
    """Explain a patient's verdicts: for each trial, every criterion with its text, its
    status, the patient's values it read and its rule; for a trial that needs information,
    the questions that would decide it, in the order to ask them.

    An invalid profile is reported one problem per line on stderr (exit 3).
    """
    from pml_trials.cli.common import as_of_date, studies_for_screening, user_errors
    from pml_trials.engine import screen

    with user_errors():
        validated = _read_profile(profile)
        studies = studies_for_screening(criteria, no_bundled, trial)
        day = as_of_date(as_of)
        result = screen(validated, studies, day, profile)
        text = _render(result, studies, day, output_format, to_file=output is not None)
        if text is None:
            return
        if output is None or str(output) == "-":
            sys.stdout.write(text)
        else:
            from pml_trials.render.report.file import write_private

            write_private(output, text)


def _read_profile(source: str) -> dict[str, Any]:
    """The validated profile; each problem of an invalid one on its own stderr line."""
    from pml_trials.cli.common import report_error
    from pml_trials.errors import ExitCode, ProfileError
    from pml_trials.profile.validate import InvalidProfileError, validate_json

    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read the file: {exc.strerror}", source=source) from None
    try:
        return validate_json(data, source=source)
    except InvalidProfileError as exc:
        for problem in exc.problems:
            report_error(problem)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None


def _render(
    result: ScreeningResult,
    studies: tuple[Study, ...],
    as_of: date,
    output_format: ExplainFormat,
    *,
    to_file: bool,
) -> str | None:
    """The report's text, or ``None`` once the text format was printed to the terminal."""
    if output_format is ExplainFormat.text:
        return _text(result, to_file=to_file)
    from datetime import UTC, datetime

    from pml_trials.engine.run import RunInfo, Tally
    from pml_trials.render.report.html_writer import HtmlWriter
    from pml_trials.render.report.markdown_writer import MarkdownWriter

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = RunInfo(studies=studies, screened_at=now, as_of=as_of)
    kind = HtmlWriter if output_format is ExplainFormat.html else MarkdownWriter
    writer = kind(run)
    tally = Tally()
    tally.add(result)
    return writer.header() + writer.emit(writer.render(result)) + writer.footer(tally)


def _text(result: ScreeningResult, *, to_file: bool) -> str | None:
    from pml_trials.render.terminal.explain import render_explanation

    if not to_file:
        from pml_trials.cli.common import stdout

        stdout().print(render_explanation(result))
        return None
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    console = Console(file=buffer, width=100, color_system=None, highlight=False)
    console.print(render_explanation(result))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
