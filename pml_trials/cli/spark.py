"""``pml-trials spark``: screen a table or Parquet data set on a Spark session."""

from __future__ import annotations

from typing import Annotated

import typer

from pml_trials.cli import options


def command(
    from_table: Annotated[
        str | None,
        typer.Option("--from-table", metavar="NAME", help="Read this table of the catalogue."),
    ] = None,
    from_parquet: Annotated[
        str | None,
        typer.Option("--from-parquet", metavar="PATH", help="Read this Parquet file or folder."),
    ] = None,
    to_table: Annotated[
        str | None,
        typer.Option("--to-table", metavar="NAME", help="Write the results as this table."),
    ] = None,
    to_parquet: Annotated[
        str | None,
        typer.Option("--to-parquet", metavar="PATH", help="Write the results as Parquet here."),
    ] = None,
    master: Annotated[
        str | None,
        typer.Option(
            "--master",
            metavar="URL",
            help="Spark master (local[4], spark://host:7077, yarn, k8s://...). Default: "
            "what spark-submit or $SPARK_* configure, else local[*].",
        ),
    ] = None,
    conf: Annotated[
        list[str] | None,
        typer.Option("--conf", metavar="KEY=VALUE", help="A Spark setting; repeatable."),
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            "--mode", help="When the target exists: error (the default), overwrite or append."
        ),
    ] = "error",
    trial: options.Trial = None,
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
    as_of: options.AsOf = None,
) -> None:
    """Screen profiles on a Spark session with the studies compiled to Spark SQL.

    The input holds one row per patient and one column per profile field (absent
    columns are unknown; see `pml-trials sql --schema --dialect spark`); every row is
    checked against the fields' types, ranges and choices, and a row that fails is
    not screened (exit 3; the first 20 are described on stderr). The output has one
    row per patient and trial: patient_id, screening_date, trial_id, verdict, reasons,
    missing_fields, criterion_values (in the study's criteria order) and the disclaimer. Needs the
    spark extra and Java 17: pip install 'pml-trials[spark]'.
    """
    import sys

    from pml_trials import DISCLAIMER
    from pml_trials.cli.common import as_of_date, studies_for_screening, user_errors
    from pml_trials.errors import ExitCode, UsageError

    with user_errors():
        if (from_table is None) == (from_parquet is None):
            raise UsageError("give one input: --from-table NAME or --from-parquet PATH")
        if (to_table is None) == (to_parquet is None):
            raise UsageError("give one output: --to-table NAME or --to-parquet PATH")
        if mode not in ("error", "overwrite", "append"):
            raise UsageError(f"--mode is error, overwrite or append, not {mode!r}")
        settings = {}
        for item in conf or ():
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise UsageError(f"--conf takes KEY=VALUE, not {item!r}")
            settings[key.strip()] = value
        studies = studies_for_screening(criteria, no_bundled, trial)
        from pml_trials.sql.spark import session
        from pml_trials.sql.spark_run import run_spark

        spark = session(master, settings)

        def problem(item: object) -> None:
            sys.stderr.write(f"{item.line()}\n")  # type: ignore[attr-defined]

        refused, tally = run_spark(
            spark,
            from_table or from_parquet or "",
            from_table is not None,
            to_table or to_parquet or "",
            to_table is not None,
            studies,
            as_of_date(as_of),
            DISCLAIMER,
            mode,
            problem,
        )
    counts = "; ".join(
        f"{study}: " + ", ".join(f"{n} {v.value}" for v, n in sorted(c.items()))
        for study, c in tally.items()
    )
    sys.stderr.write(f"pml-trials: {counts}. {DISCLAIMER}\n")
    if refused:
        sys.stderr.write(f"pml-trials: {refused} invalid row(s) not screened\n")
    raise typer.Exit(ExitCode.INVALID_INPUT if refused else ExitCode.OK)
