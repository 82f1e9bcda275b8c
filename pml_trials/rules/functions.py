"""The rule functions: one table, read by every part of the rule language.

Each :class:`RuleFunction` says once what a function is called, the types of its
arguments, the type it returns and what it computes. The parser checks calls against
it, :mod:`.interpret` and :mod:`.codegen` run its ``implementation``, :mod:`.stored`
refuses names that are not in it, :mod:`.bounds` reads ``whole_bound``, and a SQL
compiler reads ``doc`` (and the implementation, the reference) for the semantics it
has to reproduce. Adding a function is one entry here plus its tests
(``tests/cases/functions.json``, ``criteria/README.md``).

Every function counts to the screening date (the profile's ``screening_date``, else the
run's date), passed as ``today``, and is strict: unknown as soon as an argument is (the
callers handle that; an implementation only sees known values).

Month and year counts are *completed calendar* months and years, the way an age is
counted: the count goes up on the same day of the month as the start date, and a start
on a day the month does not have (the 29th-31st, Feb 29) is completed only on the 1st of
the next month. For a date after the screening date the counts are negative (floor).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pml_trials.record import Record
from pml_trials.rules.nodes import TypeKind


class RuleFunction(Record):
    """One function of the rule language."""

    name: str
    parameters: tuple[TypeKind, ...]  # the argument types, in order (the arity)
    returns: TypeKind
    implementation: Callable[..., Any]  # (today, *arguments) -> value, arguments known
    whole_bound: float | None  # largest size of a whole-number result; None if decimal
    doc: str  # one line for error messages, docs and other backends


def days_since(today: date, start: date) -> int:
    """Whole days from ``start`` to ``today`` (negative when ``start`` is later)."""
    return (today - start).days


def weeks_since(today: date, start: date) -> float:
    """Days from ``start`` to ``today`` divided by 7 (a decimal: 10 days is 1.43)."""
    return (today - start).days / 7


def months_since(today: date, start: date) -> int:
    """Completed calendar months from ``start`` to ``today``, as an age in months."""
    months = (today.year - start.year) * 12 + (today.month - start.month)
    return months - 1 if today.day < start.day else months


def years_since(today: date, start: date) -> int:
    """Completed calendar years from ``start`` to ``today``, as an age in years."""
    return months_since(today, start) // 12


_DAYS = float((date.max - date.min).days)  # the most a day count can be

FUNCTIONS: Mapping[str, RuleFunction] = {
    f.name: f
    for f in (
        RuleFunction(
            "days_since",
            ("date",),
            "number",
            days_since,
            _DAYS,
            "whole days from the date to the screening date: today - date",
        ),
        RuleFunction(
            "weeks_since",
            ("date",),
            "number",
            weeks_since,
            None,
            "days_since(date) / 7, a decimal",
        ),
        RuleFunction(
            "months_since",
            ("date",),
            "number",
            months_since,
            _DAYS / 28 + 1,
            "completed calendar months to the screening date: 12*(years) + (months), "
            "minus 1 when the screening date's day of month is before the date's",
        ),
        RuleFunction(
            "years_since",
            ("date",),
            "number",
            years_since,
            _DAYS / 365 + 1,
            "completed calendar years to the screening date: floor(months_since / 12)",
        ),
    )
}
"""Every rule function by name, in the order the docs list them."""

# ``date('YYYY-MM-DD')`` looks like a call but is a literal, checked by the parser.
DATE_LITERAL = "date"
NAMES: tuple[str, ...] = (*FUNCTIONS, DATE_LITERAL)
