"""Every rule function of the one table has its SQL, computing exactly the table's value."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pml_trials.rules.functions import FUNCTIONS
from tests.sql_driver import require_engine

require_engine("duckdb", "duckdb")

from pml_trials.sql.compile import SQL_FUNCTIONS, render  # noqa: E402
from pml_trials.sql.dialects import Dialect  # noqa: E402
from pml_trials.sql.duck import connect  # noqa: E402


def test_every_function_of_the_table_has_sql() -> None:
    assert set(SQL_FUNCTIONS) == set(FUNCTIONS)


# the month ends, leap days and negative counts where calendar arithmetic goes wrong
DAYS = [
    date(2024, 1, 31),
    date(2024, 2, 29),
    date(2023, 2, 28),
    date(2024, 3, 1),
    date(2024, 12, 31),
]
PAIRS = [
    (start, start + timedelta(days=offset))
    for start in DAYS
    for offset in (-400, -366, -31, -30, -1, 0, 1, 27, 28, 29, 30, 31, 59, 60, 365, 366, 730, 1461)
]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_sql_gives_the_table_value_on_duckdb(name: str) -> None:
    from sqlglot import expressions as exp

    def as_date(day: date) -> exp.Expr:
        return exp.Cast(this=exp.Literal.string(day.isoformat()), to=exp.DataType.build("DATE"))

    con = connect(threads=1)
    for start, today in PAIRS:
        sql = render(
            exp.select(SQL_FUNCTIONS[name](as_date(today), [as_date(start)], Dialect.duckdb)),
            Dialect.duckdb,
        )
        ((got,),) = con.execute(sql).fetchall()
        assert got == FUNCTIONS[name].implementation(today, start), (name, start, today)
