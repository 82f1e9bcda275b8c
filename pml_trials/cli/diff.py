"""``pml-trials diff OLD NEW [PATIENTS...]``: what an amendment changes, and for whom."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from pml_trials.cli import options

if TYPE_CHECKING:
    from pml_trials.batch.read import Source
    from pml_trials.render.diff import Version


class DiffFormat(StrEnum):
    text = "text"
    json = "json"


def command(
    old: Annotated[
        str,
        typer.Argument(
            metavar="OLD",
            help="The earlier version of the criteria file, or - for standard input "
            "(e.g. `git show REV:criteria/x.toml | pml-trials diff - criteria/x.toml`).",
        ),
    ],
    new: Annotated[
        str, typer.Argument(metavar="NEW", help="The later version, or - for standard input.")
    ],
    patients: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[PATIENTS]...",
            help="Profiles to screen against both versions: JSON / JSON Lines files or "
            "folders of them, as `screen` reads them.",
        ),
    ] = None,
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="text for people, json for scripts.")
    ] = DiffFormat.text,
    as_of: options.AsOf = None,
) -> None:
    """Compare two versions of a study: criteria added, removed, reworded, moved; rules
    changed (as checked rules in normal form, not TOML lines); definitions, sources,
    examples and metadata changed. With PATIENTS, list the patients whose verdict differs
    between the versions and the criteria that changed for each.

    Exit 0 compared (whether or not anything changed), 2 usage, 3 a version does not
    load or a patient input is invalid (the others are still compared).
    """
    from pml_trials.cli.common import as_of_date, user_errors
    from pml_trials.errors import ExitCode, UsageError
    from pml_trials.maintain.diff import compare
    from pml_trials.render import diff as render

    with user_errors():
        if old == "-" and new == "-":
            raise UsageError("only one of OLD and NEW can be standard input (-)")
        if patients and "-" in patients and "-" in (old, new):
            raise UsageError("standard input (-) cannot be both a criteria file and patients")
        before, after = _version(old), _version(new)
    changes = compare(before.study, after.study)
    found = None
    invalid = 0
    if patients:
        found, invalid = _screen(before, after, patients, as_of_date(as_of))
    write = render.as_json if output_format is DiffFormat.json else render.text
    sys.stdout.write(write(before, after, changes, found))
    sys.stdout.flush()
    if invalid:  # each was reported on stderr as it was found
        raise typer.Exit(ExitCode.INVALID_INPUT)


def _version(name: str) -> Version:
    """One version, from a file or standard input; all its problems, or exit 3."""
    from pathlib import Path

    from pml_trials.cli.common import report_error
    from pml_trials.errors import CriteriaError, CriteriaFileError, ExitCode
    from pml_trials.render.diff import Version
    from pml_trials.studies.load import MAX_FILE_BYTES, load_version

    label = "<stdin>" if name == "-" else name
    try:
        raw = (
            sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            if name == "-"
            else _read_file(Path(name), MAX_FILE_BYTES + 1)
        )
        study = load_version(raw, label)
    except OSError as exc:
        raise CriteriaError(f"cannot read the file: {exc.strerror}", source=label) from None
    except CriteriaFileError as exc:
        for error in exc.errors:
            report_error(error)
        sys.stderr.write(f"error: {label}: this version has errors; nothing was compared\n")
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    return Version(study, label)


def _read_file(path: Any, limit: int) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(2, "no such file (or not a regular file)")
    with path.open("rb") as handle:
        data: bytes = handle.read(limit)
    return data


def _screen(before: Version, after: Version, args: list[str], as_of: Any) -> tuple[Any, int]:
    """Every valid profile screened against both versions; problems on stderr."""
    from pml_trials.maintain.diff import verdict_change
    from pml_trials.render.diff import Patients

    changed = []
    screened = invalid = 0
    for item in _profiles(args):
        if isinstance(item, str):
            sys.stderr.write(f"error: {item}\n")
            invalid += 1
            continue
        profile, source = item
        screened += 1
        change = verdict_change(profile, before.study, after.study, as_of, source)
        if change is not None:
            changed.append(change)
    return Patients(screened, invalid, tuple(changed)), invalid


def _profiles(args: list[str]) -> Iterator[tuple[dict[str, Any], str] | str]:
    """Each valid profile with its source, or one line per problem, in input order."""
    from pml_trials.batch.inputs import find_inputs
    from pml_trials.batch.read import Document, Files, Lines, Span, read_document, read_span, units
    from pml_trials.engine.run import InputProblem
    from pml_trials.profile.validate import InvalidProfileError, validate_json

    def one(
        data: bytes, label: str, line: int | None
    ) -> Iterator[tuple[dict[str, Any], str] | str]:
        source = label if line is None else f"{label}:{line}"
        try:
            yield validate_json(data, source=label, line=line), source
        except InvalidProfileError as exc:
            for problem in exc.problems:
                yield ": ".join(p for p in (source, problem.field, problem.message) if p)

    def lines(unit: Lines) -> Iterator[tuple[dict[str, Any], str] | str]:
        for number, line in enumerate(unit.data.split(b"\n"), start=unit.first):
            if line.strip():
                yield from one(line, unit.label, number)

    stdin = cast("Source", sys.stdin.buffer)
    for unit in units(find_inputs(args), stdin):
        if isinstance(unit, InputProblem):
            yield unit.line()
        elif isinstance(unit, Files):
            for item in unit.inputs:
                data = read_document(item)
                if isinstance(data, InputProblem):
                    yield data.line()
                else:
                    yield from one(data, item.label, None)
        elif isinstance(unit, Document):
            yield from one(unit.data, unit.label, None)
        elif isinstance(unit, Span):
            read = read_span(unit)
            if isinstance(read, InputProblem):
                yield read.line()
            else:
                yield from lines(read)
        elif isinstance(unit, Lines):
            yield from lines(unit)
        else:  # pragma: no cover - slices come only with spans=True
            raise TypeError(f"{type(unit).__name__} is read only by workers")
