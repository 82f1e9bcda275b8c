"""The table of rule functions: its month and year counts, and that docs list each one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pml_trials.rules.functions import FUNCTIONS, months_since, years_since

ROOT = Path(__file__).resolve().parent.parent


def completed_months(start: date, today: date) -> int:
    """Brute force: walk the month anniversaries of ``start``; a day the month lacks
    (the 31st in April) is reached on the 1st of the next month."""
    count, year, month = 0, start.year, start.month
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        try:
            anniversary = date(year, month, start.day)
        except ValueError:  # the month is too short: the next month's 1st
            anniversary = date(year + month // 12, month % 12 + 1, 1)
        if anniversary > today:
            return count
        count += 1


@given(
    start=st.dates(date(1990, 1, 1), date(2030, 12, 31)),
    days=st.integers(0, 2000),
)
def test_months_since_counts_completed_months(start: date, days: int) -> None:
    today = start + timedelta(days=days)
    assert months_since(today, start) == completed_months(start, today)
    assert years_since(today, start) == completed_months(start, today) // 12


@given(start=st.dates(), today=st.dates())
def test_counts_are_monotone_and_signed(start: date, today: date) -> None:
    months = months_since(today, start)
    assert (months < 0) == (today < start)
    if today < date.max:
        later = months_since(today + timedelta(days=1), start)
        assert later in (months, months + 1)
    assert years_since(today, start) == months // 12


@pytest.mark.parametrize(
    ("start", "today", "months", "years"),
    [
        ("2024-02-29", "2025-02-28", 11, 0),  # a leap day's year ends on 1 March
        ("2024-02-29", "2025-03-01", 12, 1),
        ("2024-02-29", "2028-02-29", 48, 4),
        ("2026-01-31", "2026-02-28", 0, 0),  # end of month: the 31st is reached on the 1st
        ("2026-01-31", "2026-03-01", 1, 0),
        ("2026-01-31", "2026-03-31", 2, 0),
        ("2026-12-31", "2027-01-31", 1, 0),
        ("2026-11-26", "2026-11-25", -1, -1),  # a date after the screening date
        ("2026-11-25", "2026-11-25", 0, 0),
    ],
)
def test_edge_cases(start: str, today: str, months: int, years: int) -> None:
    begin, end = date.fromisoformat(start), date.fromisoformat(today)
    assert months_since(end, begin) == months
    assert years_since(end, begin) == years


def test_every_whole_bound_holds() -> None:
    for spec in FUNCTIONS.values():
        if spec.whole_bound is None:
            continue
        for start, today in ((date.min, date.max), (date.max, date.min)):
            value = spec.implementation(today, start)
            assert isinstance(value, int)
            assert abs(value) <= spec.whole_bound


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("doc", ["criteria/README.md"])
def test_each_function_is_documented(name: str, doc: str) -> None:
    assert f"{name}(" in (ROOT / doc).read_text(encoding="utf-8")
