"""The validator's checks across fields as SQL predicates, for DuckDB and Spark.

Rendered from the declarations the Python validator evaluates
(:mod:`pml_trials.profile.contradictions`: contradictions and dates after the screening
date), so a row that contradicts itself is refused by every engine. The town of a
country needs the offline gazetteer: it is checked in Python once per distinct
(town, country) pair of the input (:func:`place_problems`), and the pairs it refuses
become a predicate too. A row these predicates refuse is worded by the Python validator,
which is the one authority on the words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, assert_never

from pml_trials.profile.contradictions import (
    CONTRADICTIONS,
    PAST,
    Above,
    Empty,
    Is,
    Listed,
    ListedWithOthers,
    NotListed,
    Test,
)
from pml_trials.profile.residence import COUNTRY, TOWN, residence_problems
from pml_trials.sql.dialects import Dialect

_FUNCTIONS = {
    # (contains, length, the elements other than a value)
    Dialect.duckdb: ("list_contains", "len", "list_filter({column}, lambda x: x <> {value})"),
    Dialect.spark: ("array_contains", "size", "filter({column}, x -> x <> {value})"),
}


def _column(key: str, dialect: Dialect) -> str:
    return f"`{key}`" if dialect is Dialect.spark else f'"{key}"'


def _text(value: str, dialect: Dialect) -> str:
    if dialect is Dialect.spark:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + value.replace("'", "''") + "'"


def _test(test: Test, dialect: Dialect) -> str:
    """SQL for one test: true only on known values, as the Python test."""
    contains, length, other = _FUNCTIONS[dialect]
    column = _column(test.field, dialect)
    known = f"{column} IS NOT NULL"
    match test:
        case Is(value=value):
            return f"({known} AND {column} = {'TRUE' if value else 'FALSE'})"
        case Above(bound=bound):
            return f"({known} AND {column} > {bound!r})"
        case Empty():
            return f"({known} AND {length}({column}) = 0)"
        case Listed(value=value):
            return f"({known} AND {contains}({column}, {_text(value, dialect)}))"
        case NotListed(value=value):
            return f"({known} AND NOT {contains}({column}, {_text(value, dialect)}))"
        case ListedWithOthers(value=value):
            # holds the value and one other: len(set(list)) > 1, without building the set
            text = _text(value, dialect)
            return (
                f"({known} AND {contains}({column}, {text}) "
                f"AND {length}({other.format(column=column, value=text)}) > 0)"
            )
        case _:
            assert_never(test)


def contradiction_sql(dialect: Dialect) -> list[str]:
    """One predicate per declared contradiction, in declaration order."""
    return [" AND ".join(_test(t, dialect) for t in c.when) for c in CONTRADICTIONS]


def late_sql(dialect: Dialect, as_of: date) -> list[str]:
    """One predicate per date of a past event: after the screening date (the profile's,
    else ``as_of``)."""
    limit = f"COALESCE({_column('screening_date', dialect)}, DATE '{as_of.isoformat()}')"
    return [
        f"({_column(s.key, dialect)} IS NOT NULL AND {_column(s.key, dialect)} > {limit})"
        for s in PAST
    ]


def place_problems(pairs: Iterable[tuple[Any, Any]]) -> list[tuple[str, str | None]]:
    """The (town, country) pairs the validator refuses (a town without its country, or
    not one of its country's)."""
    return [
        (town, country)
        for town, country in pairs
        if town is not None and residence_problems({TOWN: town, COUNTRY: country}, "-", None)
    ]


def place_sql(dialect: Dialect, refused: Iterable[tuple[str, str | None]]) -> list[str]:
    """One predicate per refused (town, country) pair."""
    same = "<=>" if dialect is Dialect.spark else "IS NOT DISTINCT FROM"
    town, country = _column(TOWN, dialect), _column(COUNTRY, dialect)
    return [
        f"({town} = {_text(t, dialect)} AND {country} {same} "
        f"{_text(c, dialect) if c is not None else 'NULL'})"
        for t, c in refused
    ]


def refused_sql(
    dialect: Dialect, as_of: date, places: Iterable[tuple[str, str | None]] = ()
) -> str:
    """SQL that is TRUE when a row, valid field by field, is refused by a check across
    fields (never NULL)."""
    tests = [*contradiction_sql(dialect), *late_sql(dialect, as_of), *place_sql(dialect, places)]
    return "COALESCE(" + " OR ".join(f"({t})" for t in tests) + ", FALSE)" if tests else "FALSE"
