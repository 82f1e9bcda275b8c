"""Rows of a table to profiles: through a mapping file, or (a REDCap export of the
generated instrument, or any sheet whose columns are the profile keys) without one."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pml_trials.engine.run import InputProblem
from pml_trials.importers.provenance import Evidence, Imported
from pml_trials.importers.tabular.cells import Cell, CellError, convert
from pml_trials.importers.tabular.mapping import Mapping
from pml_trials.importers.tabular.read import TableError, read_table
from pml_trials.profile.fields import BY_KEY
from pml_trials.record import Record, field

CHECKBOX = "___"  # REDCap exports a checkbox option as <variable>___<code>


class Row(Record, frozen=False):
    """One data row: its line, the profile read from it, and what was changed or wrong."""

    line: int
    profile: dict[str, Any] | None
    changes: list[str] = field(default_factory=list)
    cells: dict[str, tuple[str, Any]] = field(default_factory=dict)  # field -> (column, cell)
    problems: list[InputProblem] = field(default_factory=list)


class Plan(Record):
    """What each column of this file is: (index, field, checkbox choice or None)."""

    columns: tuple[tuple[int, str, str | None], ...]
    names: tuple[str, ...] = ()  # the header


def _plan(header: list[str], mapping: Mapping | None, label: str) -> Plan | list[InputProblem]:
    problems: list[InputProblem] = []
    columns: list[tuple[int, str, str | None]] = []
    boxes: dict[str, set[str]] = {}
    for index, name in enumerate(header):
        if mapping is not None:
            if name in mapping.columns:
                columns.append((index, mapping.columns[name], None))
            elif name not in mapping.ignore and name:
                problems.append(
                    InputProblem(
                        label,
                        None,
                        f"column {name!r} is not in the mapping {mapping.source}: map it under [columns] or list it in ignore",
                    )
                )
            continue
        if name.startswith("redcap_") or name.endswith("_complete") or not name:
            continue  # REDCap's event, repeat and form-status columns
        key, _, choice = name.partition(CHECKBOX)
        spec = BY_KEY.get(key)
        if spec is not None and choice and spec.kind == "enum_list" and choice in spec.choices:
            columns.append((index, key, choice))
            boxes.setdefault(key, set()).add(choice)
        elif spec is not None and not choice:
            columns.append((index, key, None))
        else:
            close = difflib.get_close_matches(key, BY_KEY, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                InputProblem(
                    label,
                    None,
                    f"column {name!r} is not a profile field{hint}: give a mapping file with --mapping, or rename the column",
                )
            )
    if mapping is not None:
        missing = [c for c in mapping.columns if c not in header]
        problems += [
            InputProblem(
                label,
                None,
                f"column {c!r} of the mapping is not in the file (columns: {', '.join(header)[:200]})",
            )
            for c in missing
        ]
    for key, seen in boxes.items():
        absent = [c for c in BY_KEY[key].choices if c not in seen]
        if absent:
            problems.append(
                InputProblem(
                    label,
                    None,
                    f"{key}: the export lacks the checkbox columns {', '.join(key + CHECKBOX + a for a in absent)}; export every option (a partial list would read as complete)",
                )
            )
    fields = [f for _, f, c in columns if c is None]
    repeated = sorted({f for f in fields if fields.count(f) > 1})
    if repeated:
        problems.append(
            InputProblem(
                label, None, f"several columns give {', '.join(repeated)}; map each field once"
            )
        )
    if not any(f == "patient_id" for _, f, _ in columns):
        problems.append(
            InputProblem(
                label, None, "no column gives patient_id (a pseudonymous id, never a name)"
            )
        )
    return problems or Plan(tuple(columns), tuple(header))


def table_rows(
    path: Path, label: str, mapping: Mapping | None, lenient: bool
) -> Iterator[Row | InputProblem]:
    """Each data row as a :class:`Row`; a file that cannot be read at all as problems."""
    try:
        header, rows, close = read_table(path, mapping.sheet if mapping else None)
    except TableError as exc:
        yield InputProblem(label, None, str(exc))
        return
    plan = _plan(header, mapping, label)
    if not isinstance(plan, Plan):
        close()
        yield from plan
        return
    try:
        for line, cells in rows:
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            yield _row(plan, mapping, lenient, label, line, cells)
    except TableError as exc:
        yield InputProblem(label, None, f"reading stopped: {exc}")
    finally:
        close()


def _row(
    plan: Plan, mapping: Mapping | None, lenient: bool, label: str, line: int, cells: list[Cell]
) -> Row:
    row = Row(line, None)
    where = f"{label}:{line}"
    profile: dict[str, Any] = {}
    ticked: dict[str, list[str]] = {}
    for index, key, choice in plan.columns:
        cell = cells[index] if index < len(cells) else None
        spec = BY_KEY[key]
        if choice is not None:
            text = "" if cell is None else str(cell).strip()
            if text not in ("", "0", "1"):
                row.problems.append(
                    InputProblem(
                        where,
                        f"{key}{CHECKBOX}{choice}",
                        f"{cell!r}: a checkbox column holds 1 or 0",
                    )
                )
            ticked.setdefault(key, [])
            if text == "1":
                ticked[key].append(choice)
            continue
        table = (mapping.values.get(key) if mapping else None) or {}
        try:
            if spec.kind == "enum_list" and isinstance(cell, str) and table:
                parts = [p.strip() for p in cell.replace(";", ",").split(",") if p.strip()]
                value: Any = [table.get(p, p) for p in parts]
                value = [
                    convert(spec, p, lenient, row.changes, f"{where}: {key}") for p in value
                ] or None
            elif isinstance(cell, str) and cell.strip() in table:
                value = table[cell.strip()]
            else:
                value = convert(spec, cell, lenient, row.changes, f"{where}: {key}")
        except CellError as exc:
            row.problems.append(InputProblem(where, key, str(exc)))
            continue
        factor = mapping.units.get(key) if mapping else None
        if value is not None and factor is not None and isinstance(value, int | float):
            value = round(value * factor, 6)
        if value is not None:
            profile[key] = value
            row.cells[key] = (plan.names[index] if index < len(plan.names) else "", cell)
    # Nothing ticked is unanswered, not "none" (none_identified is an option of its own).
    profile.update({key: chosen for key, chosen in ticked.items() if chosen})
    if not row.problems:
        row.profile = profile
    return row


def table_imports(
    path: Path, label: str, mapping: Mapping | None, lenient: bool
) -> Iterator[Imported | InputProblem]:
    """``import table``: each row as an :class:`Imported` (validated, with the column and
    cell of each value as its provenance), or its problems."""
    import json

    from pml_trials.profile.validate import InvalidProfileError, validate_json

    rule = "mapping " + mapping.source if mapping else "columns named as the profile keys"
    for row in table_rows(path, label, mapping, lenient):
        if isinstance(row, InputProblem):
            yield row
            continue
        where = f"{label}:{row.line}"
        yield from row.problems
        if row.profile is None:
            continue
        try:
            validate_json(json.dumps(row.profile), source=label, line=row.line)
        except InvalidProfileError as exc:
            yield from (InputProblem(where, p.field, p.message) for p in exc.problems)
            continue
        out = Imported(where, row.profile)
        out.warnings = [c.removeprefix(f"{where}: ") + " (--lenient)" for c in row.changes]
        for key, (column, cell) in row.cells.items():
            if key != "patient_id":
                out.evidence.append(
                    Evidence(
                        key, row.profile[key], f"row {row.line}", "", "", f"{column}={cell!s}", rule
                    )
                )
        yield out
