"""``pml-trials sql``: the studies as SQL queries over a profile table, for a database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pml_trials.cli import options
from pml_trials.sql.dialects import Dialect

if TYPE_CHECKING:
    from pml_trials.studies.model import Study

DialectOption = Annotated[
    Dialect,
    typer.Option(
        "--dialect",
        "-d",
        help="The SQL engine to write for. Executed by the tests: duckdb, spark, postgres; "
        "trino and bigquery are written and parsed back, not executed.",
    ),
]
Table = Annotated[
    str,
    typer.Option(
        "--table",
        metavar="NAME",
        help="The profile table (or view) the queries read: one row per patient, one "
        "column per profile field (see --schema).",
    ),
]
Schema = Annotated[
    bool,
    typer.Option("--schema", help="Print the CREATE TABLE of the profile table instead."),
]
Missing = Annotated[
    bool,
    typer.Option(
        "--missing-fields/--no-missing-fields",
        help="Compute missing_fields in SQL (the fields whose answers could still decide "
        "a needs-information verdict).",
    ),
]


def command(
    dialect: DialectOption = Dialect.duckdb,
    trial: options.Trial = None,
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
    as_of: options.AsOf = None,
    table: Table = "profiles",
    schema: Schema = False,
    missing: Missing = True,
) -> None:
    """Print each study as one SQL query, commented with its criterion ids and words.

    Each query yields one row per patient: patient_id, screening_date (the date windows
    counted to), trial_id, verdict (eligible, ineligible, needs-information), one
    column per criterion (named by its id: true, false, or NULL for unknown) and
    missing_fields. Without --as-of, a profile without screening_date counts to the
    database's CURRENT_DATE. Needs the duckdb extra (for sqlglot):
    pip install 'pml-trials[duckdb]'.
    """
    from pml_trials.cli.common import as_of_date, studies_for_screening, user_errors
    from pml_trials.errors import MissingComponentError

    with user_errors():
        try:
            from pml_trials.sql.compile import render, study_query
            from pml_trials.sql.table import create_table
        except ModuleNotFoundError as exc:
            if exc.name != "sqlglot":
                raise
            raise MissingComponentError(
                "writing SQL needs sqlglot: pip install 'pml-trials[duckdb]'"
            ) from None
        if schema:
            typer.echo(create_table(table, dialect) + ";")
            return
        studies = studies_for_screening(criteria, no_bundled, trial)
        day = as_of_date(as_of) if as_of else None
        parts = [_header(dialect, table, day)]
        for study in studies:
            query = study_query(study, dialect, day, table, missing=missing)
            parts.append(_study_header(study) + render(query, dialect) + ";\n")
        typer.echo("\n".join(parts), nl=False)


def _header(dialect: Dialect, table: str, day: object) -> str:
    from pml_trials import DISCLAIMER, __version__

    counted = f"{day}" if day else "CURRENT_DATE (pass --as-of for a fixed date)"
    return (
        f"-- pml-trials {__version__}: the studies as SQL for {dialect.value}.\n"
        f"-- {DISCLAIMER}\n"
        f"-- Reads {table}: one row per patient, one column per profile field; NULL is\n"
        "-- unknown, never false (`pml-trials sql --schema` gives its CREATE TABLE).\n"
        f"-- A profile without screening_date counts date windows to {counted}.\n"
        "-- Each criterion column is true, false or NULL (unknown); comments quote the\n"
        "-- criterion's source words and its rule.\n"
    )


def _study_header(study: Study) -> str:
    from pml_trials.sql.compile import one_line

    return (
        f"\n-- Study {study.id}: {one_line(study.title)}\n"
        f"-- File {study.path.name}, sha256 {study.sha256}, last reviewed "
        f"{study.last_reviewed.isoformat()}\n"
    )
