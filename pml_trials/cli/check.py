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
    from pml_trials.maintain.review import Review


def command(
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
    as_of: options.AsOf = None,
    max_review_age: options.MaxReviewAge = None,
) -> None:
    """Check criteria files: contract, rules, examples. Exit 0 only if all hold.

    Every file is loaded and checked; a broken file is reported with file, line,
    criterion and a caret under the problem, and the others still load. A criterion
    whose note says its text is borrowed or not stated by its source must be marked
    wording = "file". Then each study's [[example]] cases are screened and compared
    with their expected verdict. A study last reviewed more than --max-review-age days
    ago gets a warning on stderr (the exit code does not change).
    """
    from pml_trials import DISCLAIMER
    from pml_trials.cli.common import as_of_date, load, report_error, stdout, user_errors
    from pml_trials.engine.examples import provenance_problems, run_examples
    from pml_trials.maintain.review import Review
    from pml_trials.maintain.review import max_review_age as max_review_age_days
    from pml_trials.render.terminal.checks import examples_table

    with user_errors():
        max_days = max_review_age_days(max_review_age)
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
    stale = _review_warnings(
        [Review(s.last_reviewed, as_of_date(as_of), max_days) for s in report.studies],
        [s.path for s in report.studies],
    )
    console = stdout()
    console.print(table)
    bad = failures + len(report.errors) + len(unmarked)
    total = sum(len(s.examples) for s in report.studies)
    console.print(
        f"{len(report.studies)} studies loaded, {len(report.broken)} files with errors; "
        f"{total - failures}/{total} examples pass"
        + (f"; {len(unmarked)} criteria not marked as the file's wording." if unmarked else ".")
    )
    if stale:
        console.print(
            f"{stale} studies last reviewed more than {max_days} days ago (warnings on "
            "stderr; they do not change the exit code)."
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


def _review_warnings(reviews: list[Review], paths: list[Path]) -> int:
    """A warning on stderr per study reviewed too long ago (or dated in the future);
    the number of stale studies."""
    stale = 0
    for review, path in zip(reviews, paths, strict=True):
        when = review.last_reviewed.isoformat()
        if review.stale:
            stale += 1
            sys.stderr.write(
                f"warning: {path}: last_reviewed is {when}, {review.describe()} (more than "
                f"{review.max_days} days): check the file against its sources and update "
                "last_reviewed\n"
            )
        elif review.future:
            sys.stderr.write(
                f"warning: {path}: last_reviewed is {when}, {review.describe()}: a review "
                "cannot be in the future; check the date\n"
            )
    return stale
