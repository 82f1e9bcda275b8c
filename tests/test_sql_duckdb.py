"""Differential tests: the compiled SQL on DuckDB against the Python engine.

Every criterion value, verdict and missing_fields list must agree, for the bundled
studies on many generated profiles (a third of the fields unknown, zero divisors,
empty and unknown lists, with and without a screening_date), and for generated rules
covering every construct of the language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pml_trials.profile.fields import FIELDS
from pml_trials.profile.validate import validate_python
from pml_trials.sql.compile import render, study_query
from pml_trials.sql.dialects import Dialect
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
    trap_profiles,
)
from tests.strategies import partial_profiles, rules

require_engine("duckdb", "duckdb")

from pml_trials.sql.duck import connect, load_profiles  # noqa: E402


def duckdb_rows(
    profiles: Sequence[dict[str, Any]], studies: Sequence[Study], as_of: date = AS_OF
) -> list[Row]:
    con = connect(threads=1)
    load_profiles(con, profiles)
    rows: list[Row] = []
    by_id = {p["patient_id"]: i for i, p in enumerate(profiles)}
    for study in studies:
        sql = render(study_query(study, Dialect.duckdb, as_of), Dialect.duckdb)
        rows.extend(engine_row(r) for r in con.execute(sql).fetchall())
    order = {s.id: i for i, s in enumerate(studies)}
    rows.sort(key=lambda r: (by_id[r[0]], order[r[1]]))
    return rows


def test_bundled_studies_agree_on_generated_profiles(
    studies: tuple[Study, ...], example_profiles: dict[str, dict[str, Any]]
) -> None:
    profiles = random_profiles(
        3000, seed=15, unknown=0.2, templates=list(example_profiles.values())
    )
    expected = python_rows(profiles, studies)
    got = duckdb_rows(profiles, studies)
    assert len(got) == len(expected) == 3000 * len(studies)
    mismatches = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert not mismatches, mismatches[:3]
    verdicts = {row[2] for row in expected}
    assert verdicts == {"eligible", "ineligible", "needs-information"}  # all three occur


def test_bundled_studies_agree_on_the_example_patients(
    studies: tuple[Study, ...], example_profiles: dict[str, dict[str, Any]]
) -> None:
    profiles = [validate_python(_dates(raw)) for raw in example_profiles.values()]
    assert python_rows(profiles, studies) == duckdb_rows(profiles, studies)


def _dates(raw: dict[str, Any]) -> dict[str, Any]:
    dated = {s.key for s in FIELDS if s.kind == "date"}
    return {k: date.fromisoformat(v) if k in dated and v else v for k, v in raw.items()}


def test_as_of_is_used_without_a_screening_date(
    studies: tuple[Study, ...], example_profiles: dict[str, dict[str, Any]]
) -> None:
    profiles = [
        p
        for p in random_profiles(400, seed=7, templates=list(example_profiles.values()))
        if p.get("screening_date") is None
    ]
    for as_of in (date(2020, 2, 29), date(2031, 1, 1)):
        assert python_rows(profiles, studies, as_of) == duckdb_rows(profiles, studies, as_of)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(st.tuples(st.booleans(), rules()), min_size=1, max_size=4),
    profiles=st.lists(partial_profiles(), min_size=1, max_size=25),
)
def test_generated_rules_agree(
    texts: list[tuple[bool, str]], profiles: list[dict[str, Any]]
) -> None:
    study = rules_driver.study(texts)
    numbered = [{**p, "patient_id": f"p-{i}"} for i, p in enumerate(profiles)]
    assert python_rows(numbered, [study]) == duckdb_rows(numbered, [study])


def test_every_trap_gives_the_python_value() -> None:
    study = rules_driver.study([(False, rule) for rule, _ in TRAPS])
    profiles = trap_profiles()
    assert python_rows(profiles, [study]) == duckdb_rows(profiles, [study])


def test_duckdb_spills_only_into_a_private_folder(tmp_path: Any, monkeypatch: Any) -> None:
    """DuckDB's default spill folder is ``.tmp`` in the working directory: patient rows
    would land wherever the command was started. The connection names a 0700 folder."""
    import os
    import stat
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    con = connect()
    row = con.execute("SELECT current_setting('temp_directory')").fetchone()
    assert row is not None
    folder = Path(row[0])
    assert folder.is_dir()
    assert not folder.is_relative_to(tmp_path)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert folder.stat().st_uid == os.getuid()
    con.close()
