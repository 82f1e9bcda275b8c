"""``pml-trials new --from-ctgov RECORD.json``: a criteria file skeleton from a registry record."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pml_trials.cli import options

if TYPE_CHECKING:
    from pml_trials.maintain.skeleton import Skeleton

MAX_RECORD_BYTES = 32 * 1024 * 1024  # the largest records (many sites, results) are ~5 MB


def command(
    record: Annotated[
        str,
        typer.Option(
            "--from-ctgov",
            metavar="RECORD.json",
            help="A ClinicalTrials.gov API v2 study record you downloaded "
            "(https://clinicaltrials.gov/api/v2/studies/NCT...), or - for standard input. "
            "Nothing is fetched: no network.",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the skeleton to FILE (criteria/NAME.toml; the study id is NAME) "
            "instead of standard output. An existing file is never replaced unless --force.",
            dir_okay=False,
        ),
    ] = None,
    study_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            metavar="ID",
            help="The study id (default: the -o file's name, else the "
            "record's acronym, else its NCT number).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the -o file if it exists.")
    ] = False,
    as_of: options.AsOf = None,
) -> None:
    """Start a criteria file from a registry record: metadata, sources, sites, age and
    sex rules, and one criterion per line of the free-text inclusion and exclusion lists
    with the registry's words and rule = "TODO".

    `pml-trials check` refuses the file, naming each TODO with file, line and criterion
    id, until a person has written every rule. Exit 0 written, 2 usage (e.g. the output
    exists), 3 the record cannot be read.
    """
    from pml_trials.cli.common import as_of_date, user_errors
    from pml_trials.errors import UsageError

    with user_errors():
        if output is not None:
            if study_id is None:
                study_id = output.stem
            elif study_id != output.stem:
                raise UsageError(
                    f"the file of study '{study_id}' must be named {study_id}.toml "
                    f"(the loader requires it), not {output.name}"
                )
            if (output.exists() or output.is_symlink()) and not force:
                raise UsageError(
                    "exists; nothing was written (give --force to replace it, or another name)",
                    source=str(output),
                )
        made = _skeleton(record, as_of_date(as_of), study_id)
        for warning in made.warnings:
            sys.stderr.write(f"warning: {warning}\n")
        if output is None:
            sys.stdout.write(made.text)
            sys.stdout.flush()
        else:
            from pml_trials.files.guard import refuse_own_file
            from pml_trials.files.write import write_text

            refuse_own_file(output, [record], "-o")
            write_text(output, made.text, what="the criteria file")
        where = str(output) if output else "the skeleton"
        sys.stderr.write(
            f"{where}: study '{made.study_id}' from {made.nct_id}; {made.todo} criteria have "
            'rule = "TODO": write each rule, then run `pml-trials check --criteria '
            f"{output.parent if output else 'DIR'}`\n"
        )


def _skeleton(record: str, today: date, study_id: str | None) -> Skeleton:
    """The skeleton of the record file (or standard input)."""
    import json

    from pml_trials.maintain.skeleton import RecordError, skeleton, study_record

    data = _read(record)
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise RecordError(f"not UTF-8 text (byte {exc.start})", source=record) from None
    except json.JSONDecodeError as exc:
        raise RecordError(
            f"not JSON: {exc.msg}", source=record, line=exc.lineno, column=exc.colno
        ) from None
    except RecursionError:
        raise RecordError("JSON nested too deeply", source=record) from None
    return skeleton(study_record(parsed, record), today=today, source=record, study_id=study_id)


def _read(record: str) -> bytes:
    from pml_trials.maintain.skeleton import RecordError

    try:
        if record == "-":
            data = sys.stdin.buffer.read(MAX_RECORD_BYTES + 1)
        else:
            path = Path(record)
            if not path.is_file():
                raise RecordError("no such file (or not a regular file)", source=record)
            with path.open("rb") as handle:
                data = handle.read(MAX_RECORD_BYTES + 1)
    except OSError as exc:
        raise RecordError(f"cannot read the record: {exc.strerror}", source=record) from None
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(
            f"larger than {MAX_RECORD_BYTES // (1024 * 1024)} MB: not a single study record",
            source=record,
        )
    return data
