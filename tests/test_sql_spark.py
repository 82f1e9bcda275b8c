"""Differential tests on local Spark: the compiled SQL against the Python engine.

One Spark session serves the whole module (starting one costs ~20 s); ``.ci/run``
installs the spark extra so CI runs these. Skipped when pyspark or Java is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pml_trials.sql.compile import render, study_query
from pml_trials.sql.dialects import Dialect
from pml_trials.sql.duck import profile_rows
from pml_trials.studies.model import Study
from tests import rules_driver
from tests.sql_driver import (
    AS_OF,
    TRAPS,
    Row,
    engine_row,
    python_rows,
    random_profiles,
    require_engine,
    required,
    trap_profiles,
)
from tests.strategies import rules

require_engine("spark", "pyspark")
pytestmark = pytest.mark.spark
if shutil.which("java") is None:  # pragma: no cover - CI has Java 17
    if required("spark"):
        pytest.fail("Spark needs Java 17")
    pytest.skip("Spark needs Java 17", allow_module_level=True)

from pml_trials.sql.spark import schema, session  # noqa: E402


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    active = session("local[2]", {"spark.sql.shuffle.partitions": "2"})
    yield active
    active.stop()


def spark_rows(
    spark: Any, profiles: Sequence[dict[str, Any]], studies: Sequence[Study], as_of: date = AS_OF
) -> list[Row]:
    frame = spark.createDataFrame(profile_rows(profiles), schema())
    frame.createOrReplaceTempView("profiles")
    by_id = {p["patient_id"]: i for i, p in enumerate(profiles)}
    order = {s.id: i for i, s in enumerate(studies)}
    rows: list[Row] = []
    for study in studies:
        sql = render(study_query(study, Dialect.spark, as_of), Dialect.spark)
        rows.extend(engine_row(tuple(r)) for r in spark.sql(sql).collect())
    rows.sort(key=lambda r: (by_id[r[0]], order[r[1]]))
    return rows


def test_bundled_studies_agree(
    spark: Any, studies: tuple[Study, ...], example_profiles: dict[str, dict[str, Any]]
) -> None:
    templates = list(example_profiles.values())
    profiles = random_profiles(1500, seed=16, unknown=0.2, templates=templates)
    expected = python_rows(profiles, studies)
    assert spark_rows(spark, profiles, studies) == expected
    assert {row[2] for row in expected} == {"eligible", "ineligible", "needs-information"}


def test_every_trap_gives_the_python_value(spark: Any) -> None:
    study = rules_driver.study([(False, rule) for rule, _ in TRAPS])
    profiles = trap_profiles()
    assert spark_rows(spark, profiles, [study]) == python_rows(profiles, [study])


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(st.tuples(st.booleans(), rules()), min_size=25, max_size=25))
def test_generated_rules_agree(spark: Any, texts: list[tuple[bool, str]]) -> None:
    """Generated rules covering every construct, many per query: a Spark query costs
    about a second, too slow for hypothesis's usual hundred small examples."""
    study = rules_driver.study(texts)
    profiles = random_profiles(200, seed=len(texts[0][1]), unknown=0.35)
    assert spark_rows(spark, profiles, [study]) == python_rows(profiles, [study])
