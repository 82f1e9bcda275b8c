"""The table of ``pml-trials check``: each study's examples, expected and got."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from pml_trials.engine.examples import ExampleOutcome
from pml_trials.studies.model import Study


def examples_table(
    outcomes: Sequence[tuple[Study, Sequence[ExampleOutcome]]], broken: Sequence[Path | str]
) -> Table:
    """One row per example (pass/FAIL), a section per study, a FAIL row per broken file."""
    table = Table(title="Criteria files and their examples", title_justify="left")
    table.add_column("study", no_wrap=True)
    table.add_column("example", ratio=1, min_width=24)
    for column in ("expected", "got", ""):
        table.add_column(column, no_wrap=True)
    for study, study_outcomes in outcomes:
        if not study_outcomes:
            table.add_row(study.id, "(no examples)", "", "", "")
        for index, outcome in enumerate(study_outcomes):
            table.add_row(
                study.id if index == 0 else "",
                outcome.example.name,
                outcome.example.expect.value,
                outcome.result.verdict.value,
                "pass" if outcome.passed else "FAIL",
            )
        table.add_section()
    for path in broken:
        table.add_row(Path(path).name, "(file has errors: see above)", "", "", "FAIL")
    return table
