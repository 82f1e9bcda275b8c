"""``pml-trials form``: a blank pre-screen form to print for a ward round."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pml_trials.cli import options


class FormFormat(StrEnum):
    html = "html"
    markdown = "markdown"


def command(
    trial: options.Trial = None,
    output_format: Annotated[
        FormFormat,
        typer.Option("--format", "-f", help="html to print from a browser, or markdown."),
    ] = FormFormat.html,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write to this file."),
    ] = None,
    paper: options.Paper = options.PaperSize.a4,
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
) -> None:
    """Print a blank pre-screen form: the questions the selected studies need, in the
    questionnaire's order with its sections, units and yes / no / unknown boxes, each with
    its profile key and how to find the answer out. Answers are typed in later with
    pml-trials ask. The form holds no patient data.
    """
    from pml_trials.cli.common import studies_for_screening, user_errors
    from pml_trials.render.report.form import html_form, markdown_form

    with user_errors():
        studies = studies_for_screening(criteria, no_bundled, trial)
        if output_format is FormFormat.html:
            text = html_form(studies, paper.value)
        else:
            text = markdown_form(studies)
        if output is None or str(output) == "-":
            sys.stdout.write(text)
        else:
            from pml_trials.files.write import write_text

            write_text(output, text, what="the form")
