"""``pml-trials trials``: list the studies."""

from __future__ import annotations

import json
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
) -> None:
    """List the studies: id, category, phase, registry ids, criteria, last reviewed."""
    from pml_trials.cli.common import studies_for_screening, user_errors

    with user_errors():
        studies = studies_for_screening(criteria, no_bundled, None)
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
                "file": str(s.path),
                "sha256": s.sha256,
            }
            for s in studies
        ]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    from pml_trials.cli.common import stdout

    table = Table(
        title="Studies (bundled files are transcriptions of public sources; "
        "check them against the current protocol)",
        title_justify="left",
    )
    for column in ("id", "category", "phase", "registry ids", "criteria", "last reviewed", "title"):
        table.add_column(column, overflow="fold")
    for s in studies:
        table.add_row(
            s.id,
            s.category,
            s.phase or "",
            ", ".join(s.registry_ids) or "-",
            str(len(s.criteria)),
            s.last_reviewed.isoformat(),
            s.title,
        )
    stdout().print(table)
