"""The language-neutral case tables in tests/cases/*.json, each row run two ways.

A value row ``{rule, profile, expect[, as_of][, definitions]}`` is screened through the
compiled study function and evaluated by the reference interpreter; both must give
``expect`` (true, false or null = unknown). An error row ``{rule, error, offset}`` must
be refused when loaded with a :class:`RuleError` whose message contains ``error`` and
whose offset is ``offset``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pml_trials.errors import RuleError
from tests import rules_driver as driver

VALUE_TABLES = ("logic", "operators", "functions")


def _rows(*names: str) -> list[Any]:
    return [
        pytest.param(row, id=f"{name}:{index}:{row['rule'][:50]}")
        for name in names
        for index, row in enumerate(driver.load_table(name))
    ]


@pytest.mark.parametrize("row", _rows(*VALUE_TABLES))
def test_value(row: dict[str, Any]) -> None:
    profile = driver.json_profile(row["profile"])
    as_of = date.fromisoformat(row.get("as_of", driver.AS_OF.isoformat()))
    compiled, reference = driver.both(row["rule"], profile, as_of, row.get("definitions"))
    assert (compiled, reference) == (row["expect"], row["expect"])


@pytest.mark.parametrize("row", _rows("errors"))
def test_error(row: dict[str, Any]) -> None:
    with pytest.raises(RuleError) as caught:
        driver.rule_node(row["rule"], row.get("definitions"))
    assert row["error"] in caught.value.message
    assert caught.value.offset == row["offset"]


def test_the_tables_cover_every_operator() -> None:
    """A row with known and one with unknown operands exists for every operator."""
    rules = [(r["rule"], r["expect"]) for name in VALUE_TABLES for r in driver.load_table(name)]
    needles = [
        " and ", " or ", "not ", "==", "!=", " < ", "<=", " > ", ">=", " in [", " not in [",
        "in predisposing_conditions", " + ", " - ", " * ", " / ", "-age_years", "days_since(",
        "weeks_since(", "date('",
    ]  # fmt: skip
    for needle in needles:
        outcomes = {expect for rule, expect in rules if needle in rule}
        assert outcomes >= {True, False, None}, needle


def test_every_table_row_is_well_formed() -> None:
    for name in (*VALUE_TABLES, "errors"):
        for row in driver.load_table(name):
            keys = set(row)
            assert keys <= {"rule", "profile", "expect", "as_of", "definitions", "error", "offset"}
            assert ("expect" in keys) != ("error" in keys), row
