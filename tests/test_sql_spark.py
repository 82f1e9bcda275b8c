"""Differential tests on local Spark: the compiled SQL against the Python engine.

One Spark session serves the whole module (starting one costs ~20 s); ``.ci/run``
installs the spark extra so CI runs these. Skipped when pyspark or Java is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
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


def test_the_spark_command_writes_what_the_json_report_holds(
    spark: Any, tmp_path: Path, example_profiles: dict[str, dict[str, Any]]
) -> None:
    """``pml-trials spark`` on the module's session (getOrCreate finds it), Parquet in
    and out; one refused row is worded by the validator and the rest are screened."""
    import json

    from typer.testing import CliRunner

    from pml_trials.cli.app import app

    profiles = random_profiles(120, seed=18, unknown=0.3, templates=list(example_profiles.values()))
    frame = spark.createDataFrame(profile_rows(profiles), schema())
    bad = spark.createDataFrame([("bad-1", 500)], "patient_id string, age_years bigint")
    frame.unionByName(bad, allowMissingColumns=True).write.parquet(str(tmp_path / "in"))
    jsonl = tmp_path / "in.jsonl"
    lines = [json.dumps(p, default=str) for p in profiles]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    args = ["--as-of", "2026-11-25"]
    result = runner.invoke(
        app,
        [
            "spark",
            "--from-parquet",
            str(tmp_path / "in"),
            "--to-parquet",
            str(tmp_path / "out"),
            *args,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 3, result.stderr
    assert "age_years: 500 is above the maximum 120" in result.stderr
    assert "1 invalid row(s) not screened" in result.stderr
    report = json.loads(runner.invoke(app, ["screen", str(jsonl), "-f", "json", *args]).stdout)
    expected = sorted(
        (
            r["patient_id"],
            t["trial_id"],
            t["verdict"],
            tuple(t["missing_fields"]),
            tuple(c["value"] for c in t["criteria"]),
        )
        for r in report["results"]
        for t in r["trials"]
    )
    got = sorted(
        (
            r["patient_id"],
            r["trial_id"],
            r["verdict"],
            tuple(r["missing_fields"]),
            tuple(r["criterion_values"]),
        )
        for r in spark.read.parquet(str(tmp_path / "out")).collect()
    )
    assert got == expected


def test_the_spark_command_refuses_the_rows_the_validator_refuses_across_fields(
    spark: Any, tmp_path: Path
) -> None:
    """Contradictions, past dates after the screening date and towns: the checks across
    fields run in Spark SQL from the validator's declarations, so exactly the rows the
    Python engine refuses are refused, and the others give the same results."""
    import json
    import re
    from datetime import date

    from typer.testing import CliRunner

    from pml_trials.cli.app import app
    from pml_trials.profile.fields import BY_KEY
    from tests.sql_driver import crossed_profiles

    profiles = crossed_profiles(300, seed=15)
    typed = [
        {
            k: date.fromisoformat(v) if v is not None and BY_KEY[k].kind == "date" else v
            for k, v in p.items()
        }
        for p in profiles
    ]
    spark.createDataFrame(profile_rows(typed), schema()).write.parquet(str(tmp_path / "in"))
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("\n".join(json.dumps(p) for p in profiles) + "\n", encoding="utf-8")
    runner = CliRunner()
    args = ["--as-of", "2026-11-25"]
    python = runner.invoke(app, ["screen", str(jsonl), "-f", "json", *args])
    found = re.search(r"([\d,]+) invalid inputs? not screened", python.stderr)
    assert found is not None, python.stderr
    refused = int(found.group(1).replace(",", ""))
    assert 100 < refused < 250
    result = runner.invoke(
        app,
        [
            "spark",
            *("--from-parquet", str(tmp_path / "in"), "--to-parquet", str(tmp_path / "out")),
            *args,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 3, result.stderr
    assert f"{refused} invalid row(s) not screened" in result.stderr
    report = json.loads(python.stdout)
    expected = sorted(
        (r["patient_id"], t["trial_id"], t["verdict"], tuple(t["missing_fields"]))
        for r in report["results"]
        for t in r["trials"]
    )
    got = sorted(
        (r["patient_id"], r["trial_id"], r["verdict"], tuple(r["missing_fields"]))
        for r in spark.read.parquet(str(tmp_path / "out")).collect()
    )
    assert got == expected
    # the worded problems are the validator's (the first rows Spark refused)
    worded = {
        line.split(": ", 2)[-1] for line in result.stderr.splitlines() if "patient_id" in line
    }
    from pml_trials.profile.validate import InvalidProfileError, validate_json

    everything: set[str] = set()
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        try:
            validate_json(line, as_of=date(2026, 11, 25))
        except InvalidProfileError as exc:
            everything.update(f"{p.field}: {p.message}" for p in exc.problems)
    assert len(worded) > 5
    assert worded <= everything
