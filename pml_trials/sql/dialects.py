"""What differs between the SQL engines, in one place, each difference a function.

Each function returns a sqlglot expression written so that the engine computes what the
Python engine computes (see ``docs/sql.md`` for the traps and how they were measured).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, assert_never

from pml_trials.profile.fields import Kind

if TYPE_CHECKING:
    from sqlglot import expressions as exp

# Free text (the patient's town) as a regular expression for RE2 (DuckDB) and Java (Spark):
# profile.fields.TEXT_PATTERN with its control characters written as escapes.
TEXT_REGEX = "^[^:\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]+$"


def neutral_type(kind: Kind) -> str:
    """The profile table's column type of a field kind, in sqlglot's neutral names. Every
    kind-dependent part of the SQL layer starts here: a new kind fails mypy at once."""
    match kind:
        case "id" | "enum" | "text":
            return "TEXT"
        case "date":
            return "DATE"
        case "integer":
            return "BIGINT"
        case "number":
            return "DOUBLE"
        case "boolean":
            return "BOOLEAN"
        case "enum_list":
            return "ARRAY<TEXT>"
        case _:
            assert_never(kind)


class Dialect(StrEnum):
    """The values of ``--dialect``: sqlglot's names for the engines."""

    duckdb = "duckdb"
    postgres = "postgres"
    spark = "spark"
    trino = "trino"
    bigquery = "bigquery"


# Engines on which the tests execute the compiled queries; the others are only rendered
# (and parsed back by sqlglot in their dialect).
EXECUTED = (Dialect.duckdb, Dialect.spark, Dialect.postgres)


def sql_type(kind: Kind, dialect: Dialect) -> exp.DataType:
    """The column type of a profile field of ``kind`` (a FieldSpec kind)."""
    from sqlglot import expressions as exp

    if kind == "enum_list" and dialect is Dialect.bigquery:
        # BigQuery cannot store a NULL array (it reads back as []), which would turn an
        # unknown list into a known empty one: the list is a JSON text column there.
        return exp.DataType.build("TEXT")
    return exp.DataType.build(neutral_type(kind))


def double(value: exp.Expr) -> exp.Expr:
    """``CAST(value AS DOUBLE)``: arithmetic is IEEE double everywhere, as in Python
    (a decimal literal is DECIMAL on DuckDB and Spark and NUMERIC on PostgreSQL, exact
    where Python's float is not; PostgreSQL divides integers as integers)."""
    from sqlglot import expressions as exp

    return exp.Cast(this=value, to=exp.DataType.build("DOUBLE"))


def days_between(start: exp.Expr, end: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Whole days from ``start`` to ``end`` (two DATEs), as ``(end - start).days``."""
    from sqlglot import expressions as exp

    if dialect is Dialect.postgres:  # date - date is an integer count of days
        return exp.Paren(this=exp.Sub(this=end, expression=start))
    if dialect is Dialect.spark:  # the two-argument form counts calendar days of DATEs
        return exp.Anonymous(this="DATEDIFF", expressions=[end, start])
    return exp.DateDiff(this=end, expression=start, unit=exp.var("DAY"))


def contains(container: exp.Expr, item: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Whether a known list holds a known item (both guarded by the caller)."""
    from sqlglot import expressions as exp

    if dialect is Dialect.duckdb:
        return exp.Anonymous(this="LIST_CONTAINS", expressions=[container, item])
    if dialect is Dialect.postgres:  # the lists never hold NULL elements (validated)
        return exp.EQ(this=item, expression=exp.Any(this=exp.Paren(this=container)))
    if dialect is Dialect.bigquery:
        values = exp.Anonymous(this="JSON_VALUE_ARRAY", expressions=[container])
        return exp.In(this=item, unnest=exp.Unnest(expressions=[values]))
    if dialect is Dialect.trino:
        return exp.Anonymous(this="CONTAINS", expressions=[container, item])
    return exp.Anonymous(this="ARRAY_CONTAINS", expressions=[container, item])


def compact(items: list[exp.Expr], dialect: Dialect) -> exp.Expr:
    """The array of ``items`` without its NULLs (an array of text, possibly empty)."""
    from sqlglot import expressions as exp

    array = exp.Array(expressions=items)
    if dialect is Dialect.postgres:
        return exp.Anonymous(this="ARRAY_REMOVE", expressions=[array, exp.Null()])
    if dialect is Dialect.bigquery:
        return exp.Array(
            expressions=[
                exp.select("x")
                .from_(exp.Unnest(expressions=[array], alias=exp.TableAlias(this="x")))
                .where(exp.column("x").is_(exp.Null()).not_())
            ]
        )
    if dialect is Dialect.trino:
        x = exp.to_identifier("x")
        test = exp.Not(this=exp.Is(this=exp.column(x), expression=exp.Null()))
        return exp.Anonymous(
            this="FILTER", expressions=[array, exp.Lambda(this=test, expressions=[x])]
        )
    return exp.ArrayCompact(this=array)
