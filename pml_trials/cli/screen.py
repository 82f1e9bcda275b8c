"""``pml-trials screen PATH...``: batch screening of patient profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pml_trials.cli import options
from pml_trials.cli.choices import EngineName
from pml_trials.render.formats import FormatName, format_help

Paths = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH...",
        help="Profile files (*.json), JSON Lines files (*.jsonl, *.ndjson), folders of "
        "them (recursive), or - for standard input (JSON or JSON Lines).",
        show_default=False,
    ),
]
Format = Annotated[
    FormatName | None,
    typer.Option(
        "--format",
        "-f",
        help=format_help(),
        show_default=False,
    ),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the report to this file (replaced only once complete; mode 0600) "
        "instead of standard output.",
        dir_okay=False,
        show_default=False,
    ),
]
Workers = Annotated[
    int,
    typer.Option(
        "--workers",
        "-w",
        metavar="N",
        min=0,
        max=64,
        help="Processes that screen in parallel (at most 64); the output keeps the input order. 0: "
        "one process for small inputs (under 32 MiB of files, or 4 MiB of standard input "
        "at once), every CPU for larger ones.",
    ),
]


Engine = Annotated[
    EngineName,
    typer.Option(
        "--engine",
        "-e",
        help="What evaluates the rules: python (the engine), or duckdb (the compiled SQL, "
        "embedded; reads *.parquet and *.csv files too; needs the duckdb extra), or auto "
        "(duckdb for a *.parquet file, or for CSV files of 4 MiB or more without --mapping, "
        "--lenient or --codes; else python, faster on JSON). Every format's output is the "
        "same.",
    ),
]


def command(
    paths: Paths,
    trial: options.Trial = None,
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
    as_of: options.AsOf = None,
    output_format: Format = None,
    output: Output = None,
    workers: Workers = 0,
    mapping: options.MappingFile = None,
    lenient: options.Lenient = False,
    codes: options.Codes = None,
    within: options.Within = None,
    paper: options.Paper = options.PaperSize.a4,
    detail: options.Detail = options.DetailLevel.actionable,
    engine: Engine = EngineName.python,
) -> None:
    """Screen patient profiles against the studies and report every verdict.

    A folder gives its *.json, *.jsonl and *.ndjson files, recursively, in name order
    (hidden ones skipped). A profile file, a JSON Lines line or a document on standard
    input may be at most 1 MiB. Each invalid input gets one line on stderr
    (path[:line]: field: what is wrong) and every valid profile is still screened;
    the exit code is then 3. Two inputs with the same patient_id get a warning, and
    both are screened.

    Also read: FHIR R4 Bundles and NDJSON (imported as `pml-trials import fhir` does,
    screening date --as-of), CSV/TSV/XLSX tables (with --mapping, or with columns named
    as the profile keys, as a REDCap export of `pml-trials redcap dictionary` is), and
    with --lenient JSON arrays of profiles and loosely written values (each change is
    reported).

    Formats: table (a patient x trial matrix; one row per trial past 50 patients),
    json and jsonl (the result contract, RESULTS.md), csv (one row per patient and
    trial), markdown and html (the clinic report: a patient x trial overview first,
    then, per --detail, each patient's pages: verdicts, reasons, next steps, a reviewer
    block, and the criterion-by-criterion detail).
    """
    from pml_trials.cli.screen_run import run

    code = run(
        paths,
        trial,
        criteria,
        no_bundled,
        as_of,
        output_format,
        output,
        workers,
        mapping,
        lenient,
        codes,
        within,
        paper,
        detail,
        engine,
    )
    raise typer.Exit(code)
