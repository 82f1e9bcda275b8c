"""``pml-trials import fhir|table``: real data in, as patient profiles with provenance."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pml_trials.cli import options

group = typer.Typer(
    name="import",
    help="Turn FHIR R4 exports or registry spreadsheets into patient profiles (JSON Lines), "
    "each imported value with its provenance. A missing record is never a 'no'.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)

Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        dir_okay=False,
        help="Write the profiles (JSON Lines) to FILE (replaced only once complete; mode "
        "0600), and their provenance to FILE's *.provenance.jsonl beside it.",
        show_default=False,
    ),
]
Provenance = Annotated[
    Path | None,
    typer.Option(
        "--provenance",
        metavar="FILE",
        dir_okay=False,
        help="Where to write the provenance (one JSON object per patient). Default: beside "
        "--output; without --output it is written only when given.",
        show_default=False,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Do not print each warning (records ignored or not readable); they are still "
        "in the provenance file. Problems are always printed.",
    ),
]


@group.command("fhir")
def fhir(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE|DIR...",
            help="FHIR R4/R4B Bundles (*.json), Bulk-Data NDJSON (*.ndjson), single resources, "
            "folders of them, or - for standard input.",
            show_default=False,
        ),
    ],
    output: Output = None,
    provenance: Provenance = None,
    as_of: options.AsOf = None,
    patient_id: Annotated[
        str | None,
        typer.Option(
            "--patient-id",
            metavar="ID",
            help="The pseudonymous id to give the patient (only for an input with one patient).",
        ),
    ] = None,
    id_salt: Annotated[
        str,
        typer.Option(
            "--id-salt",
            envvar="PML_TRIALS_ID_SALT",
            metavar="TEXT",
            help="A site secret mixed into the pseudonymous ids (fhir-<16 hex> from the Patient's "
            "FHIR id, never an MRN or name). Without it anyone holding the FHIR id can "
            "recompute the pseudonym.",
            show_default=False,
        ),
    ] = "",
    sex_from_gender: Annotated[
        bool,
        typer.Option(
            "--sex-from-gender",
            help="Where no us-core-birthsex is recorded, take Patient.gender (administrative "
            "gender) as sex at birth.",
        ),
    ] = False,
    codes: options.Codes = None,
    quiet: Quiet = False,
) -> None:
    """Import FHIR R4/R4B exports: one profile per Patient, with screening_date set to
    --as-of (default today) and every date window counted to it.

    Records dated after the screening date, entered-in-error and preliminary ones are
    ignored; per field the latest record inside its window wins (see `pml-trials fields`,
    section "FHIR import"); units outside a field's list, censored results (<20) and
    conflicting results of the same moment leave the field unknown with a warning.
    predisposing_conditions is never filled. Patient identifiers and names are never
    copied. Each problem is one line on stderr and the rest is still imported (exit 3).
    """
    from pml_trials.cli.common import as_of_date, user_errors
    from pml_trials.errors import UsageError
    from pml_trials.importers.codes import load_codes
    from pml_trials.importers.fhir.build import Options
    from pml_trials.importers.fhir.mapping import CONCEPTS
    from pml_trials.importers.fhir.run import import_fhir
    from pml_trials.importers.write import sidecar_path, write_imported

    with user_errors():
        if patient_id is not None:
            _check_id(patient_id)
        code_list = load_codes(codes or (), known=CONCEPTS)
        opts = Options(as_of_date(as_of), patient_id, id_salt, sex_from_gender)
        side = str(provenance) if provenance else (sidecar_path(str(output)) if output else None)
        _check_outputs(paths, str(output) if output else None, side)
        outputs = [o for o in (str(output) if output else None, side) if o]
        items = (
            list(import_fhir(paths, code_list, opts, outputs))
            if patient_id
            else import_fhir(paths, code_list, opts, outputs)
        )
        if patient_id is not None and sum(1 for i in items if hasattr(i, "profile")) > 1:
            raise UsageError("--patient-id names one patient, but the input holds several")
        summary = write_imported(items, str(output) if output else None, side, _say, not quiet)
    _finish(summary, side)


def _check_outputs(inputs: list[str], *outputs: str | None) -> None:
    """Refuse an --output or --provenance file that is one of the inputs (or the other
    output): an import never overwrites what it reads."""
    from pml_trials.errors import UsageError

    targets = [Path(o).resolve() for o in outputs if o]
    if len(set(targets)) < len(targets):
        raise UsageError("--output and --provenance name the same file")
    for name in inputs:
        path = Path(name).resolve()
        for target in targets:
            if target == path:
                raise UsageError(f"{name} is an input; writing there would overwrite it")


def _check_id(value: str) -> None:
    from pml_trials.errors import UsageError
    from pml_trials.profile.validate import InvalidProfileError, validate_python

    try:
        validate_python({"patient_id": value})
    except InvalidProfileError as exc:
        raise UsageError(f"--patient-id: {exc.problems[0].message}") from None


def _say(line: str) -> None:
    """A problem or warning: one line, its data made safe for the terminal."""
    from pml_trials.terminal import safe_line

    sys.stderr.write(safe_line(line) + "\n")


def _finish(summary: object, side: str | None) -> None:
    from pml_trials.errors import ExitCode
    from pml_trials.importers.write import Summary

    assert isinstance(summary, Summary)
    where = f"; provenance in {side}" if side else " (no provenance written: see --provenance)"
    sys.stderr.write(
        f"pml-trials import: {summary.patients} patient(s), {summary.filled} value(s) imported, "
        f"{summary.warnings} warning(s), {summary.problems} problem(s){where}. The rest is "
        "unknown: `pml-trials ask --from` asks it.\n"
    )
    raise typer.Exit(ExitCode.INVALID_INPUT if summary.problems else ExitCode.OK)


command = group


@group.command("table")
def table(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="CSV, TSV or XLSX files (a header row, one patient a row).",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ],
    mapping: options.MappingFile = None,
    lenient: options.Lenient = False,
    output: Output = None,
    provenance: Provenance = None,
    quiet: Quiet = False,
) -> None:
    """Import registry spreadsheets: one profile per row, through a mapping file
    (--mapping: column -> field, value maps, units), or with columns named as the profile
    keys (a REDCap export of `pml-trials redcap dictionary`, raw values). Every column must
    be mapped or ignored; each problem is one line on stderr, naming file:line, and the
    other rows are still imported (exit 3). An empty cell is unknown."""
    from itertools import chain

    from pml_trials.cli.common import user_errors
    from pml_trials.importers.tabular.convert import table_imports
    from pml_trials.importers.tabular.mapping import load_mapping
    from pml_trials.importers.write import sidecar_path, write_imported

    with user_errors():
        plan = load_mapping(mapping) if mapping else None
        side = str(provenance) if provenance else (sidecar_path(str(output)) if output else None)
        _check_outputs([str(p) for p in paths], str(output) if output else None, side)
        items = chain.from_iterable(table_imports(p, str(p), plan, lenient) for p in paths)
        summary = write_imported(items, str(output) if output else None, side, _say, not quiet)
    _finish(summary, side)


@group.command("codes")
def codes_command(codes: options.Codes = None) -> None:
    """Print the code list the FHIR import uses (CSV: concept,system,code,meaning,source,
    origin), the bundled one and each --codes file after checking it. Copy its header to
    start a site list; the concepts are those of the bundled list."""
    import csv

    from pml_trials.cli.common import user_errors
    from pml_trials.importers.codes import COLUMNS, load_codes
    from pml_trials.importers.fhir.mapping import CONCEPTS

    with user_errors():
        rows = load_codes(codes or (), known=CONCEPTS).rows
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow((*COLUMNS, "origin"))
    for row in rows:
        writer.writerow((row.concept, row.system, row.code, row.meaning, row.source, row.origin))
