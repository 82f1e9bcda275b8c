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
    paper: options.Paper = options.PaperSize.a4,
    as_of: options.AsOf = None,
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
    provenance: Annotated[
        Path | None,
        typer.Option(
            "--provenance",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            help="The provenance file of `pml-trials import` (default: PROFILE's "
            "*.provenance.jsonl beside it, if there is one).",
        ),
    ] = None,
) -> None:
    """Explain a patient's verdicts: for each trial, every criterion with its text, its
    status, the patient's values it read and its rule; for a trial that needs information,
    the questions that would decide it, in the order to ask them. First, the next steps
    across trials: what to order or ask, and which trials each could decide.

    html is the chart copy to print from a browser (A4 unless --paper letter): a first
    page with the verdicts, reasons, next steps and a reviewer block to sign, then the
    detail; every printed page carries the patient id, screening date and page x of y.

    PROFILE may also be a FHIR Bundle of one patient (detected by resourceType): it is
    imported as `pml-trials import fhir` does, and the explanation ends with every
    imported value and the record it came from, and the questions left to ask.

    An invalid profile is reported one problem per line on stderr (exit 3).
    """
    from pml_trials.cli.common import as_of_date, studies_for_screening, user_errors
    from pml_trials.engine import screen

    with user_errors():
        if output is not None:
            from pml_trials.files.guard import refuse_unsupported

            refuse_unsupported(output, "--output", "text, Markdown (.md) or HTML (.html)")
        day = as_of_date(as_of)
        validated, record = _read_profile(profile, day, provenance)
        studies = studies_for_screening(criteria, no_bundled, trial)
        if output is not None:
            from pml_trials.cli.common import refuse_run_files

            refuse_run_files(output, [profile], criteria, no_bundled)
        result = screen(validated, studies, day, profile)
        text = _render(result, studies, day, output_format, paper, to_file=output is not None)
        text = _with_provenance(text, record, result, output_format)
        if text is None:
            return
        if output is None or str(output) == "-":
            sys.stdout.write(text)
        else:
            from pml_trials.files.write import write_text

            write_text(output, text, what="the report")
            _wrote(output_format, output)


def _wrote(output_format: ExplainFormat, output: Path) -> None:
    """One line on stderr: what was written where."""
    from pml_trials.cli.common import say

    say(f"wrote the {output_format.value} explanation to {output}")


def _with_provenance(
    text: str | None, record: dict[str, Any] | None, result: ScreeningResult, fmt: ExplainFormat
) -> str | None:
    """The provenance block after the explanation (in HTML, before the footer)."""
    if record is None:
        return text
    from pml_trials.importers.explain import provenance_text

    deciding = [k for trial in result for k in trial.missing_fields]
    block = provenance_text(record, deciding)
    if fmt is ExplainFormat.html and text is not None:
        import html

        section = (
            '<section class="provenance"><h2>Provenance of imported values</h2>\n<pre>'
            + html.escape(block.strip("\n"))
            + "</pre></section>\n"
        )
        cut = text.rfind("<footer>")
        return text[:cut] + section + text[cut:] if cut >= 0 else text + section
    if fmt is ExplainFormat.markdown:
        block = "\n## Provenance of imported values\n\n```text" + block + "```\n"
    if text is None:  # the text format was printed to the terminal
        sys.stdout.write(block)
        return None
    return text + block


def _read_profile(
    source: str, as_of: date, provenance: Path | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The validated profile and its provenance record, if any (a FHIR bundle imported, or
    the sidecar of an imported profile); each problem on its own stderr line."""
    from pml_trials.cli.common import report_error
    from pml_trials.errors import ExitCode, ProfileError
    from pml_trials.files.read import MAX_DOCUMENT, NotReadableError
    from pml_trials.importers.explain import (
        FhirInputError,
        profile_from_fhir,
        read_profile_or_bundle,
        sidecar_record,
    )
    from pml_trials.importers.fhir.run import looks_like_fhir
    from pml_trials.profile.validate import InvalidProfileError, validate_json

    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_DOCUMENT + 1)
            if len(data) > MAX_DOCUMENT:
                raise NotReadableError(f"more than {MAX_DOCUMENT:,} bytes; at most that is read")
        else:
            data = read_profile_or_bundle(Path(source))
    except NotReadableError as exc:
        raise ProfileError(str(exc), source=source) from None
    except OSError as exc:
        from pml_trials.files.failure import environment_failure

        raise environment_failure(exc, "reading standard input", source) from None
    record = None
    try:
        if looks_like_fhir(data):
            data, record = profile_from_fhir(data, source, as_of)
        profile = validate_json(data, source=source, as_of=as_of)
        if record is None:
            record = sidecar_record(source, profile["patient_id"], provenance)
        return profile, record
    except (InvalidProfileError, FhirInputError) as exc:
        for problem in exc.problems:
            report_error(problem)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None


def _render(
    result: ScreeningResult,
    studies: tuple[Study, ...],
    as_of: date,
    output_format: ExplainFormat,
    paper: options.PaperSize,
    *,
    to_file: bool,
) -> str | None:
    """The report's text, or ``None`` once the text format was printed to the terminal."""
    if output_format is ExplainFormat.text:
        return _text(result, to_file=to_file)
    from datetime import UTC, datetime

    from pml_trials.engine.run import RunInfo, Tally
    from pml_trials.render.report.chart import Paper, ReportOptions
    from pml_trials.render.report.html_writer import HtmlWriter
    from pml_trials.render.report.markdown_writer import MarkdownWriter

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = RunInfo(studies=studies, screened_at=now, as_of=as_of)
    kind = HtmlWriter if output_format is ExplainFormat.html else MarkdownWriter
    writer = kind(run, ReportOptions(paper=Paper(paper.value), overview=False))
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
