"""``pml-trials spark``: the compiled SQL on a Spark session, table or Parquet in and out.

The input is a table of the session's catalogue or a Parquet path, holding profile
columns (:mod:`.table`; absent ones are unknown, unknown ones refuse the run). Each row
is checked against the fields' declared types, ranges and choices and by the
validator's checks across fields (:mod:`.checks`) in Spark SQL; a row that fails is not
screened, and the first of them are worded by the Python validator.
The output (a table or a Parquet path) has the columns of ``screen --format parquet``:
``patient_id, screening_date, trial_id, verdict, reasons, missing_fields,
criterion_values, disclaimer`` (no ``source``: a row of a table has no file and line);
``criterion_values`` are in the order of the study's criteria (``pml-trials show ID``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, assert_never

from pml_trials.engine.run import InputProblem
from pml_trials.errors import ProfileError
from pml_trials.profile.fields import BY_KEY, FIELDS, PATIENT_ID_PATTERN, FieldSpec
from pml_trials.sql.checks import place_problems, refused_sql
from pml_trials.sql.compile import criterion_column, render, study_query
from pml_trials.sql.dialects import TEXT_REGEX, Dialect, neutral_type
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

SHOWN = 20  # refused rows worded one by one; the rest are counted

_NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double")
_SPARK_TYPES = {
    "TEXT": ("string",),
    "DATE": ("date",),
    "BOOLEAN": ("boolean",),
    "ARRAY<TEXT>": ("array<string>",),
    "BIGINT": _NUMBERS,
    "DOUBLE": _NUMBERS,
}


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _check(spec: FieldSpec) -> str:
    """Spark SQL that is true when the column's value is valid (NULL: unknown)."""
    column = f"`{spec.key}`"
    tests: list[str] = []
    kind = spec.kind
    match kind:
        case "id":
            return (
                f"({column} IS NOT NULL AND {column} RLIKE {_quote(PATIENT_ID_PATTERN)} "
                f"AND NOT {column} RLIKE '^[.]+$')"
            )
        case "enum":
            tests.append(f"{column} IN ({', '.join(map(_quote, spec.choices))})")
        case "enum_list":
            choices = f"array({', '.join(map(_quote, spec.choices))})"
            tests.append(
                f"size(filter({column}, x -> x IS NULL OR NOT array_contains({choices}, x))) = 0"
            )
        case "text":
            tests.append(f"length({column}) BETWEEN 1 AND {int(spec.maximum or 0)}")
            tests.append(f"{column} RLIKE {_quote(TEXT_REGEX)}")
        case "integer" | "number":
            value = f"CAST({column} AS DOUBLE)"
            tests.append(f"NOT isnan({value}) AND abs({value}) < double('inf')")
            if kind == "integer":
                tests.append(f"{value} = floor({value})")
            if spec.minimum is not None:
                tests.append(f"{value} >= {spec.minimum!r}")
            if spec.maximum is not None:
                tests.append(f"{value} <= {spec.maximum!r}")
            if spec.multiple_of:
                tests.append(f"{value} % {spec.multiple_of} = 0")
        case "date" | "boolean":
            return "TRUE"  # the column's type is the check
        case _:
            assert_never(kind)
    return f"({column} IS NULL OR ({' AND '.join(tests)}))"


def _column(spec: FieldSpec, present: bool) -> str:
    spark_type = neutral_type(spec.kind).replace("TEXT", "STRING")
    if not present:
        return f"CAST(NULL AS {spark_type}) AS `{spec.key}`"
    if spec.kind == "integer":
        return f"CAST(`{spec.key}` AS BIGINT) AS `{spec.key}`"
    return f"`{spec.key}`"


def _long(studies: Sequence[Study], as_of: date, disclaimer: str) -> str:
    selects = []
    for study in studies:
        query = render(study_query(study, Dialect.spark, as_of, "pml_valid"), Dialect.spark)
        values = []
        reasons = []
        for criterion in study.criteria:
            value = f"`{criterion_column(criterion.id)}`"
            values.append(value)
            decisive = value if criterion.kind == "exclusion" else f"NOT {value}"
            reasons.append(f"CASE WHEN COALESCE({decisive}, FALSE) THEN {_quote(criterion.id)} END")
        selects.append(
            "SELECT patient_id, screening_date, trial_id, verdict, "
            f"filter(array({', '.join(reasons)}), x -> x IS NOT NULL) AS reasons, "
            f"missing_fields, array({', '.join(values)}) AS criterion_values, "
            f"{_quote(disclaimer)} AS disclaimer FROM ({query}) AS q"
        )
    return " UNION ALL ".join(selects)


def run_spark(
    spark: Any,
    source: str,
    source_is_table: bool,
    target: str,
    target_is_table: bool,
    studies: Sequence[Study],
    as_of: date,
    disclaimer: str,
    mode: str,
    problem: Callable[[InputProblem], None],
) -> tuple[int, dict[str, Counter[Verdict]]]:
    """Screen ``source`` into ``target``; returns the refused rows' count and the verdicts
    counted per study."""
    frame = spark.table(source) if source_is_table else spark.read.parquet(source)
    types = {field.name: field.dataType.simpleString() for field in frame.schema.fields}
    problems = []
    for name, kind in types.items():
        spec = BY_KEY.get(name)
        if spec is None:
            problems.append(InputProblem(source, name, "unknown column"))
        elif kind not in _SPARK_TYPES[neutral_type(spec.kind)] and not (
            spec.kind in ("integer", "number") and kind.startswith("decimal")
        ):
            problems.append(
                InputProblem(source, name, f"the column has type {kind}; expected {spec.type_name}")
            )
    if "patient_id" not in types:
        problems.append(InputProblem(source, "patient_id", "the column is required"))
    if problems:
        for item in problems:
            problem(item)
        raise ProfileError(
            f"{source}: the input's columns are not the profile's; nothing was screened"
        )
    frame.createOrReplaceTempView("pml_source")
    columns = ", ".join(_column(s, s.key in types) for s in FIELDS)
    valid = " AND ".join(_check(s) for s in FIELDS if s.key in types)
    checked = spark.sql(f"SELECT {columns}, COALESCE({valid}, FALSE) AS pml_ok FROM pml_source")
    checked.createOrReplaceTempView("pml_checked")
    # the validator's checks across fields, rendered from its declarations
    # (pml_trials.sql.checks); the town of a country once per distinct pair, in Python
    places: list[tuple[str, str | None]] = []
    if "residence_town" in types:
        pairs = spark.sql(
            "SELECT DISTINCT residence_town, residence_country FROM pml_checked "
            "WHERE pml_ok AND residence_town IS NOT NULL"
        ).collect()
        places = place_problems((r[0], r[1]) for r in pairs)
    crossed = refused_sql(Dialect.spark, as_of, places)
    spark.sql(f"SELECT * FROM pml_checked WHERE pml_ok AND NOT {crossed}").drop(
        "pml_ok"
    ).createOrReplaceTempView("pml_valid")
    refused = spark.sql(f"SELECT * FROM pml_checked WHERE NOT pml_ok OR {crossed}")
    count = refused.count()
    for row in refused.limit(SHOWN).collect():
        raw = {k: v for k, v in row.asDict().items() if v is not None and k != "pml_ok"}
        from pml_trials.profile.validate import InvalidProfileError, validate_python

        label = f"{source}: patient_id {raw.get('patient_id', '?')}"
        try:
            validate_python(raw, source=label, as_of=as_of)
        except InvalidProfileError as exc:
            for p in exc.problems:
                problem(InputProblem(label, p.field, p.message))
        else:  # pragma: no cover - refused in SQL, yet valid: say so rather than drop it
            problem(InputProblem(label, None, "the row was refused by the SQL checks"))
    results = spark.sql(_long(studies, as_of, disclaimer))
    writer = results.write.mode(mode)
    if target_is_table:
        writer.saveAsTable(target)
        written = spark.table(target)
    else:
        writer.parquet(target)
        written = spark.read.parquet(target)
    tally: dict[str, Counter[Verdict]] = {}
    for row in written.groupBy("trial_id", "verdict").count().collect():
        tally.setdefault(row["trial_id"], Counter())[Verdict(row["verdict"])] += row["count"]
    return count, tally
