"""``pml-trials trials``: list the studies."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from pml_trials.cli import options


class ListFormat(StrEnum):
    table = "table"
    json = "json"


def command(
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
    output_format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = ListFormat.table,
    as_of: options.AsOf = None,
    max_review_age: options.MaxReviewAge = None,
) -> None:
    """List the studies: id, category, phase, registry ids, criteria, last reviewed (and
    how long ago, flagged STALE past --max-review-age days)."""
    from pml_trials.cli.common import as_of_date, studies_for_screening, user_errors
    from pml_trials.maintain.review import Review
    from pml_trials.maintain.review import max_review_age as max_review_age_days

    with user_errors():
        max_days = max_review_age_days(max_review_age)
        studies = studies_for_screening(criteria, no_bundled, None)
    today = as_of_date(as_of)
    reviews = {s.id: Review(s.last_reviewed, today, max_days) for s in studies}
    if output_format is ListFormat.json:
        rows = [
            {
                "id": s.id,
                "title": s.title,
                "category": s.category,
                "phase": s.phase,
                "registry_ids": list(s.registry_ids),
                "status": s.status,
                "criteria": len(s.criteria),
                "last_reviewed": s.last_reviewed.isoformat(),
                "review_age_days": reviews[s.id].days,
                "review_stale": reviews[s.id].stale,
                "file": str(s.path),
                "sha256": s.sha256,
            }
            for s in studies
        ]
        import json

        from pml_trials.cli.common import write_stdout

        write_stdout(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    from pml_trials.cli.common import stdout
    from pml_trials.render.terminal.trials_list import trials_list

    console = stdout()
    for line in trials_list(studies, reviews):
        console.print(line)
