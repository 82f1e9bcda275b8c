"""``pml-trials check``: load and check every criteria file and run its examples."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pml_trials.cli import options
from pml_trials.errors import ExitCode

if TYPE_CHECKING:
    from pml_trials.engine.examples import ExampleOutcome


def command(
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
    as_of: options.AsOf = None,
) -> None:
    """Check criteria files: contract, rules, examples. Exit 0 only if all hold.

    Every file is loaded and checked; a broken file is reported with file, line,
    criterion and a caret under the problem, and the others still load. A criterion
    whose note says its text is borrowed or not stated by its source must be marked
    wording = "file". Then each study's [[example]] cases are screened and compared
    with their expected verdict.
    """
    from pml_trials import DISCLAIMER
    from pml_trials.cli.common import as_of_date, load, report_error, stdout
    from pml_trials.engine.examples import provenance_problems, run_examples
    from pml_trials.render.terminal.checks import examples_table

    report = load(criteria, no_bundled)
    for error in report.errors:
        report_error(error)
    unmarked = [p for study in report.studies for p in provenance_problems(study)]
    for error in unmarked:
        report_error(error)
    outcomes = [(study, run_examples(study, as_of_date(as_of))) for study in report.studies]
    failures = 0
    for _, study_outcomes in outcomes:
        for outcome in study_outcomes:
            if not outcome.passed:
                failures += 1
                _explain_failure(outcome.study.path, outcome.example.line, outcome)
    table = examples_table(outcomes, report.broken)
    console = stdout()
    console.print(table)
    bad = failures + len(report.errors) + len(unmarked)
    total = sum(len(s.examples) for s in report.studies)
    console.print(
        f"{len(report.studies)} studies loaded, {len(report.broken)} files with errors; "
        f"{total - failures}/{total} examples pass"
        + (f"; {len(unmarked)} criteria not marked as the file's wording." if unmarked else ".")
    )
    console.print(DISCLAIMER, style="italic")
    if bad:
        raise typer.Exit(ExitCode.INVALID_INPUT)


def _explain_failure(path: Path, line: int | None, outcome: ExampleOutcome) -> None:
    """On stderr: which criteria stood in the way, and what was missing."""
    result = outcome.result
    where = f"{path}:{line}" if line else str(path)
    blocking = [c for c in result.criteria if c.value is not (c.criterion.kind == "inclusion")]
    detail = ", ".join(f"{c.criterion.id} {c.status}" for c in blocking)
    missing = ", ".join(result.missing_fields)
    sys.stderr.write(
        f"error: {where}: example '{outcome.example.name}': expected "
        f"{outcome.example.expect.value}, got {result.verdict.value}"
        + (f" ({detail})" if detail else "")
        + (f"; missing: {missing}" if missing else "")
        + "\n"
    )
