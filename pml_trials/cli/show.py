"""``pml-trials show ID``: one study, in full."""

from __future__ import annotations

from typing import Annotated

import typer

from pml_trials.cli import options


def command(
    study_id: Annotated[str, typer.Argument(metavar="ID", help="The study's id (see `trials`).")],
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
) -> None:
    """Show a study: summary, sources, definitions, and each criterion with its text,
    rule and note."""
    from pml_trials.cli.common import stdout, studies_for_screening, user_errors
    from pml_trials.render.terminal.study import render_study

    with user_errors():
        (study,) = studies_for_screening(criteria, no_bundled, [study_id])
    stdout().print(render_study(study))
