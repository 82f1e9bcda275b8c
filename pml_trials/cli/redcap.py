"""``pml-trials redcap dictionary``: the REDCap instrument, generated from the profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

group = typer.Typer(
    name="redcap",
    help="REDCap: the data dictionary of a pre-screening instrument. An export of it (CSV, "
    "raw values) screens as it is: `pml-trials screen export.csv`.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)


@group.command("dictionary")
def dictionary(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", dir_okay=False, help="Write the CSV to FILE."
        ),
    ] = None,
) -> None:
    """Write the REDCap data dictionary (CSV) of the profile fields: upload it in Project
    Setup > Data Dictionary to create the instrument in one step. Variable names are the
    profile keys; yes/no fields export as 1/0, the list field as key___choice columns."""
    from pml_trials.batch.output import report_stream
    from pml_trials.cli.common import user_errors
    from pml_trials.importers.redcap.dictionary import data_dictionary

    with user_errors(), report_stream(str(output) if output else None) as out:
        out.write(data_dictionary())


command = group
