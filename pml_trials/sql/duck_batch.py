"""``screen --engine duckdb``: a batch screened by the compiled SQL on DuckDB.

Every output format stays the Python engine's, byte for byte: DuckDB computes each
criterion's value and each verdict; the report writers render the same
:class:`~pml_trials.engine.ScreeningResult` from them, and ``missing_fields`` comes from
the same memoised reference interpreter (for the needs-information trials only).

Inputs:

- JSON and JSON Lines (files, folders, standard input) are read and validated by the
  Python reader, so each problem is reported in the same words and the profile values
  are the same; the valid profiles' text goes to DuckDB in blocks of :data:`BLOCK_ROWS`.
- Parquet (``*.parquet``) and CSV (``*.csv``) files are read by DuckDB itself. Their
  columns are profile keys (others are refused, as unknown keys are); a value is checked
  in SQL against the field's declared type, range and choices and by the validator's
  checks across fields (:mod:`pml_trials.sql.checks`), and a row that fails is
  validated again in Python, which words its problems (``path:row``, 1 = the first row
  of data).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

from pml_trials.batch.inputs import Input
from pml_trials.batch.read import (
    BLOCK,
    TOO_LONG,
    Files,
    Lines,
    Source,
    read_document,
    units,
)
from pml_trials.batch.read import Document as StdinDocument
from pml_trials.batch.screening import Done, _problems
from pml_trials.engine import ScreeningResult
from pml_trials.engine.run import InputProblem
from pml_trials.files.read import MAX_DOCUMENT
from pml_trials.profile.fields import BY_KEY, FIELDS, PATIENT_ID_PATTERN, FieldSpec
from pml_trials.profile.residence import COUNTRY, TOWN
from pml_trials.profile.validate import InvalidProfileError, validate_json, validate_python
from pml_trials.render.base import ReportWriter
from pml_trials.sql.checks import place_problems, refused_sql
from pml_trials.sql.compile import render, screening_query
from pml_trials.sql.dialects import TEXT_REGEX, Dialect, neutral_type
from pml_trials.sql.duck import connect
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

if TYPE_CHECKING:
    import duckdb

BLOCK_ROWS = 8192  # profiles per DuckDB query on the JSON path (~25 MB of dicts at most)
FETCH = 4096  # rows fetched at once from a Parquet or CSV query
TABLE_SUFFIXES = (".parquet", ".csv")
_VERDICTS = {v.value: v for v in Verdict}
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
_INTEGER_TYPES = frozenset((*_INTEGERS, *(f"U{t}" for t in _INTEGERS)))
_DECIMALS = frozenset(("FLOAT", "DOUBLE"))
# Inside an expression, ``x IN (...)`` compares each value with every choice: for the
# 250 country codes that was 0.46 s per million rows on one core, a cast to an ENUM of
# the choices (a hash lookup, NULL for any other text, exact case) 0.015 s.
_IN_LIST = 16


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duck_type(spec: FieldSpec) -> str:
    """The DuckDB column type of a field (``VARCHAR[]`` for the list)."""
    return neutral_type(spec.kind).replace("ARRAY<TEXT>", "VARCHAR[]").replace("TEXT", "VARCHAR")


def _struct_type(spec: FieldSpec) -> str:
    """The type json_transform reads a field as."""
    kind = _duck_type(spec)
    return '["VARCHAR"]' if kind == "VARCHAR[]" else kind


def _json_structure() -> str:
    pieces = [
        f'"{s.key}": ' + (t if (t := _struct_type(s)).startswith("[") else f'"{t}"') for s in FIELDS
    ]
    return "{" + ", ".join(pieces) + "}"


class DuckScreener:
    """Screens inputs against ``studies`` through one DuckDB connection."""

    def __init__(
        self,
        studies: Sequence[Study],
        as_of: date,
        writer: ReportWriter,
        threads: int | None = None,
    ) -> None:
        self.studies = tuple(studies)
        self.as_of = as_of
        self.render = writer.render
        self.threads = threads
        self.con: duckdb.DuckDBPyConnection = connect(threads)
        query, self.parts = screening_query(
            self.studies, Dialect.duckdb, as_of, "src", keep=("_pos",), missing=False
        )
        # no ORDER BY: the query only projects rows of one scan, which DuckDB keeps in
        # order (preserve_insertion_order), and a sort would hold the whole input
        self.query = render(query, Dialect.duckdb, pretty=False)
        keep = ("_pos", "_valid", "_bad", *(s.key for s in FIELDS))
        table_query, _ = screening_query(
            self.studies, Dialect.duckdb, as_of, "src", keep=keep, missing=False
        )
        self.table_query = render(table_query, Dialect.duckdb, pretty=False)
        # two lists zipped by unnest in one SELECT: indexing $1[i] would copy the list
        # for each row (quadratic)
        self.json_source = (
            "SELECT _pos, _source, UNNEST(json_transform(_text, "
            f"{_quote(_json_structure())})) FROM (SELECT UNNEST(range(1, len($1) + 1)) AS _pos, "
            "UNNEST($1) AS _text, UNNEST($2) AS _source)"
        )

    # -- the outcomes of one row ---------------------------------------------------------

    def outcomes(
        self, row: Sequence[Any], start: int
    ) -> tuple[tuple[Verdict, tuple[Any, ...]], ...]:
        """Each study's (verdict, criterion values) from a row whose study columns begin
        at ``start``."""
        found = []
        at = start
        for part in self.parts:
            count = len(part.names)
            values = tuple(row[at : at + count])
            found.append((_VERDICTS[row[at + count]], values))
            at += count + 1
        return tuple(found)

    def results(self, found: Sequence[Input | InputProblem], stdin: Source) -> Iterator[Done]:
        """What each part of the batch produced, in input order."""
        pending: list[Input | InputProblem] = []
        for item in found:
            if isinstance(item, Input) and item.path.lower().endswith(TABLE_SUFFIXES):
                if pending:
                    yield from self._json_inputs(pending, stdin)
                    pending = []
                yield from self._table(item)
            else:
                pending.append(item)
        if pending:
            yield from self._json_inputs(pending, stdin)

    # -- JSON and JSON Lines: validated in Python, evaluated in DuckDB ---------------------

    def _json_inputs(self, found: list[Input | InputProblem], stdin: Source) -> Iterator[Done]:
        block: list[Any] = []  # InputProblem, or (profile, source, text)
        rows = 0
        size = 0
        for unit in units(found, stdin, BLOCK, spans=False):
            for entry in self._validated(unit):
                block.append(entry)
                rows += not isinstance(entry, InputProblem)
            size += len(unit.data) if isinstance(unit, Lines | StdinDocument) else 0
            if rows >= BLOCK_ROWS:
                yield self._json_block(block, size)
                block, rows, size = [], 0, 0
        if block:
            yield self._json_block(block, size)

    def _validated(self, unit: object) -> Iterator[Any]:
        if isinstance(unit, InputProblem):
            yield unit
        elif isinstance(unit, Lines):
            number = unit.first - 1
            for line in unit.data.split(b"\n"):
                number += 1
                if not line or line.isspace():
                    continue
                if len(line) > MAX_DOCUMENT:
                    yield InputProblem(f"{unit.label}:{number}", None, TOO_LONG)
                    continue
                yield from self._one(line, unit.label, number)
        elif isinstance(unit, Files):
            for item in unit.inputs:
                data = read_document(item)
                if isinstance(data, InputProblem):
                    yield data
                else:
                    yield from self._one(data, item.label, None)
        elif isinstance(unit, StdinDocument):
            yield from self._one(unit.data, unit.label, None)

    def _one(self, data: bytes, label: str, line: int | None) -> Iterator[Any]:
        try:
            profile = validate_json(data, source=label, line=line, as_of=self.as_of)
        except InvalidProfileError as exc:
            yield from _problems(exc, data, label, line)
            return
        text = data.decode("utf-8-sig")
        yield (profile, label if line is None else f"{label}:{line}", text)

    def _json_block(self, block: list[Any], size: int) -> Done:
        texts = [entry[2] for entry in block if not isinstance(entry, InputProblem)]
        done = Done(size=size)
        rows: Iterator[Any] = iter(())
        if texts:
            sql = f"WITH src AS ({self.json_source}), " + self.query.removeprefix("WITH ")
            sources = [entry[1] for entry in block if not isinstance(entry, InputProblem)]
            rows = iter(self.con.execute(sql, [texts, sources]).fetchall())
        for entry in block:
            if isinstance(entry, InputProblem):
                done.items.append(entry)
                continue
            profile, source, _ = entry
            self._add(done, profile, source, next(rows), 1)
        return done

    def _add(
        self, done: Done, profile: dict[str, Any], source: str, row: Sequence[Any], start: int
    ) -> None:
        today = profile.get("screening_date") or self.as_of
        outcomes = self.outcomes(row, start)
        result = ScreeningResult(
            profile["patient_id"], today, profile, self.studies, outcomes, source
        )
        done.items.append(self.render(result))
        done.ids.append(result.patient_id)
        done.sources.append(source)
        done.verdicts[tuple(v for v, _ in outcomes)] += 1

    # -- Parquet and CSV: read and checked by DuckDB ----------------------------------------

    def _table(self, item: Input) -> Iterator[Done]:
        try:
            source, problems = table_source(self.con, item, self.as_of)
        except OSError as exc:  # pragma: no cover - races with the listing
            yield Done(items=[InputProblem(item.label, None, str(exc))])
            return
        if problems:
            yield Done(items=list(problems), size=item.size or 0)
            return
        sql = f"WITH src AS ({source}), " + self.table_query.removeprefix("WITH ")
        try:
            cursor = self.con.execute(sql)
        except Exception as exc:  # a damaged file: duckdb's error types are not public API
            yield Done(items=[InputProblem(item.label, None, _duck_message(exc))])
            return
        first = 3 + len(FIELDS)
        csv = item.path.lower().endswith(".csv")  # a CSV row's place is its line
        while batch := cursor.fetchmany(FETCH):
            done = Done()
            for row in batch:
                position, valid, bad = row[0], row[1], row[2]
                values = row[3:first]
                label = f"{item.label}:{position + 1 if csv else position}"
                raw = {s.key: v for s, v in zip(FIELDS, values, strict=True) if v is not None}
                if not valid:
                    done.items.extend(_row_problems(raw, label, bad, self.as_of))
                    continue
                self._add(done, raw, label, row, first)
            yield done
        yield Done(size=item.size or 0)


def _a(spec: FieldSpec) -> str:
    return {
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "date": "a date YYYY-MM-DD",
    }.get(spec.kind, "a valid value")


def _duck_message(exc: Exception) -> str:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"cannot be read: {first}"


def _row_problems(
    raw: dict[str, Any], label: str, unparsed: list[dict[str, str]], as_of: date
) -> list[InputProblem]:
    """The Python validator's words for a row the SQL checks refused; first the CSV
    cells that do not read as their field's type."""
    found = []
    for cell in unparsed:
        spec = BY_KEY[cell["k"]]
        shown = json.dumps(cell["v"], ensure_ascii=False)
        found.append(
            InputProblem(label, spec.key, f"{shown} is not {_a(spec)} (allowed: {spec.allowed()})")
        )
        raw.pop(spec.key, None)
    try:
        validate_python(raw, source=label, as_of=as_of)
    except InvalidProfileError as exc:
        return found + [InputProblem(label, p.field, p.message) for p in exc.problems]
    if found:
        return found
    # never expected: SQL refuses only what the validator refuses (tested); stay safe
    return [InputProblem(label, None, "the row was refused by the SQL checks")]


# -- the source table of a Parquet or CSV file ---------------------------------------------


def _accepts(spec: FieldSpec, column_type: str) -> bool:
    """Whether a Parquet column's type holds the field's values without conversion."""
    expected = _duck_type(spec)
    if expected in ("BIGINT", "DOUBLE"):
        numeric = column_type in _INTEGER_TYPES or column_type in _DECIMALS
        return numeric or column_type.startswith("DECIMAL")
    return column_type == expected


def _check(spec: FieldSpec, column: str) -> str:
    """SQL that is true when the column's value is valid for the field (NULL: unknown)."""
    tests: list[str] = []
    kind = spec.kind
    match kind:
        case "id":
            return (
                f"({column} IS NOT NULL AND regexp_full_match({column}, "
                f"{_quote(PATIENT_ID_PATTERN)}) AND NOT regexp_full_match({column}, '[.]+'))"
            )
        case "enum":
            choices = ", ".join(map(_quote, spec.choices))
            if len(spec.choices) > _IN_LIST:  # e.g. 250 countries
                tests.append(f"TRY_CAST({column} AS ENUM({choices})) IS NOT NULL")
            else:
                tests.append(f"{column} IN ({choices})")
        case "enum_list":
            choices = "[" + ", ".join(map(_quote, spec.choices)) + "]"
            tests.append(
                f"len(list_filter({column}, lambda x: x IS NULL OR NOT "
                f"list_contains({choices}, x))) = 0"
            )
        case "text":
            high = int(spec.maximum or 0)
            tests.append(f"length({column}) BETWEEN 1 AND {high}")
            tests.append(f"regexp_full_match({column}, {_quote(TEXT_REGEX)})")
        case "integer" | "number":
            value = f"CAST({column} AS DOUBLE)"
            tests.append(f"isfinite({value})")
            if kind == "integer":
                tests.append(f"{value} = trunc({value})")
            if spec.minimum is not None:
                tests.append(f"{column} >= {spec.minimum!r}")
            if spec.maximum is not None:
                tests.append(f"{column} <= {spec.maximum!r}")
            if spec.multiple_of:
                tests.append(f"{value} % {spec.multiple_of} = 0")
        case "date" | "boolean":
            return "TRUE"  # the column's type is the check
        case _:
            assert_never(kind)
    return f"({column} IS NULL OR ({' AND '.join(tests)}))"


def _value(spec: FieldSpec, column: str) -> str:
    """The column as the profile table holds it (an integer field as BIGINT)."""
    if spec.kind == "integer":
        return f"CAST({column} AS BIGINT)"
    return column


def table_source(
    con: duckdb.DuckDBPyConnection,
    item: Input,
    as_of: date,
    rows: tuple[int, int] | None = None,
) -> tuple[str, list[InputProblem]]:
    """The SQL of a Parquet or CSV file as the profile table with ``_pos`` (1-based row)
    and ``_valid`` (every value valid, and no check across fields refuses the row), or
    the problems that refuse the whole file (unknown or mistyped columns, no
    patient_id). ``rows`` = (low, high): only a Parquet file's rows low + 1 to high,
    filtered in the scan itself (so that its other row groups are not read)."""
    path = _quote(item.path)
    if item.path.lower().endswith(".csv"):
        try:
            header = _csv_header(item)
        except (OSError, UnicodeDecodeError) as exc:
            return "", [InputProblem(item.label, None, f"cannot be read: {exc}")]
        names = ", ".join(f"{_quote(name)}: 'VARCHAR'" for name in header)
        read = (
            f"read_csv({path}, header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', columns = {{{names}}})"
        )
    else:
        read = f"read_parquet({path}, file_row_number = true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {read}").fetchall()
    except Exception as exc:  # duckdb's error types: see _table
        return "", [InputProblem(item.label, None, _duck_message(exc))]
    types = {str(name): str(kind) for name, kind, *_ in described}
    types.pop("file_row_number", None)
    problems = []
    for name, kind in types.items():
        spec = BY_KEY.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, BY_KEY, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(InputProblem(item.label, name, f"unknown column{hint}"))
        elif not item.path.lower().endswith(".csv") and not _accepts(spec, kind):
            problems.append(
                InputProblem(
                    item.label,
                    name,
                    f"the column has type {kind}; expected {spec.type_name} "
                    "(values are never converted)",
                )
            )
    if "patient_id" not in types:
        problems.append(InputProblem(item.label, "patient_id", "the column is required"))
    if problems:
        return "", problems
    if item.path.lower().endswith(".csv"):
        return _with_checks(con, _csv_source(read, types), types, as_of), []
    columns = []
    checks = []
    for spec in FIELDS:
        column = f'"{spec.key}"' if spec.key in types else f"CAST(NULL AS {_sql_type(spec)})"
        columns.append(f"{_value(spec, column)} AS {spec.key}")
        checks.append(_check(spec, column))
    select = ", ".join(columns)
    valid = " AND ".join(checks)
    within = f" WHERE file_row_number >= {rows[0]} AND file_row_number < {rows[1]}" if rows else ""
    source = (
        f"SELECT file_row_number + 1 AS _pos, COALESCE({valid}, FALSE) AS _valid, "
        f"CAST([] AS STRUCT(k VARCHAR, v VARCHAR)[]) AS _bad, {select} FROM {read}{within}"
    )
    return _with_checks(con, source, types, as_of), []


def _with_checks(
    con: duckdb.DuckDBPyConnection, source: str, types: dict[str, str], as_of: date
) -> str:
    """``source`` whose ``_valid`` also holds the validator's checks across fields
    (:mod:`pml_trials.sql.checks`); the towns are looked up once per distinct pair."""
    places: list[tuple[str, str | None]] = []
    if TOWN in types:
        pairs = con.execute(
            f"SELECT DISTINCT {TOWN}, {COUNTRY} FROM ({source}) WHERE _valid AND {TOWN} IS NOT NULL"
        ).fetchall()
        places = place_problems(pairs)
    refused = refused_sql(Dialect.duckdb, as_of, places)
    return f"SELECT * REPLACE (_valid AND NOT {refused} AS _valid) FROM ({source})"


def _sql_type(spec: FieldSpec) -> str:
    return _duck_type(spec)


# -- CSV ---------------------------------------------------------------------------------------

_CSV_SAFE = re.compile(r"[A-Za-z0-9_ .-]*")


def _csv_header(item: Input) -> list[str]:
    """The column names of a CSV file's first line (DuckDB is asked to read every cell
    as text, so that no value is converted behind the checks)."""
    import csv

    with Path(item.path).open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    return [name.strip() for name in header]


def _csv_source(read: str, types: dict[str, str]) -> str:
    """A CSV file's text cells as typed values, each checked. The cell rules are the
    import wing's strict ones (``pml_trials.importers.tabular.cells``, the Python engine's
    reading of a sheet whose columns are the profile keys), so a CSV gives the same
    profiles on either engine: a blank cell is unknown; ``true``/``1``, ``false``/``0``;
    numbers as written (no unit, no comma); ``YYYY-MM-DD``; a choice exactly as written;
    a list as its values separated by ``;``, ``,`` or ``|``."""
    columns: list[str] = []
    bad: list[str] = []
    for spec in FIELDS:
        if spec.key in types:
            cell = f'"{spec.key}"'
            raw = f"CASE WHEN trim({cell}, {_SPACE}) = '' THEN NULL ELSE {cell} END"
            trimmed = f"NULLIF(trim({cell}, {_SPACE}), '')"
        else:
            raw = trimmed = "CAST(NULL AS VARCHAR)"
        value, parses = _csv_cell(spec, raw, trimmed)
        columns.append(f"{value} AS {spec.key}")
        bad.append(
            f"CASE WHEN {raw} IS NOT NULL AND NOT COALESCE({parses}, FALSE) "
            f"THEN struct_pack(k := {_quote(spec.key)}, v := {raw}) END"
        )
    select = ", ".join(columns)
    unparsed = f"list_filter([{', '.join(bad)}], lambda x: x IS NOT NULL)"
    inner = f"SELECT row_number() OVER () AS _pos, {select}, {unparsed} AS _bad FROM {read}"
    valid = " AND ".join(_check(spec, spec.key) for spec in FIELDS)
    fields = ", ".join(spec.key for spec in FIELDS)
    return (
        f"SELECT _pos, COALESCE(len(_bad) = 0 AND {valid}, FALSE) AS _valid, _bad, "
        f"{fields} FROM ({inner})"
    )


# what Python's str.strip() removes from a cell (ASCII whitespace)
_SPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
_NUMBER = r"[-+]?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?"


def _csv_cell(spec: FieldSpec, raw: str, trimmed: str) -> tuple[str, str]:
    """(typed value, test that the cell reads as the field's type) for one CSV cell:
    ``raw`` as written, ``trimmed`` without surrounding white space (NULL when blank)."""
    kind = spec.kind
    if kind in ("integer", "number"):
        number = f"TRY_CAST({trimmed} AS DOUBLE)"
        parses = f"regexp_full_match({trimmed}, {_quote(_NUMBER)}) AND {number} IS NOT NULL"
        if kind == "number":
            return number, parses
        whole = f"TRY_CAST({number} AS BIGINT)"
        return whole, f"{parses} AND {number} = trunc({number}) AND {whole} IS NOT NULL"
    if kind == "boolean":
        return f"({trimmed} IN ('true', '1'))", f"{trimmed} IN ('true', 'false', '1', '0')"
    if kind == "date":
        return (
            f"TRY_CAST({trimmed} AS DATE)",
            f"regexp_full_match({trimmed}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
            f"AND TRY_CAST({trimmed} AS DATE) IS NOT NULL",
        )
    if kind == "enum_list":
        parts = f"regexp_split_to_array({raw}, '[;,|]')"
        return f"list_filter({parts}, lambda x: trim(x, {_SPACE}) <> '')", "TRUE"
    return raw, "TRUE"
