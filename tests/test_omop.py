"""The OMOP CDM recipe (omop/profiles.sql) on a small synthetic OMOP database in DuckDB:
absence stays unknown, the latest usable value before the screening date is taken, and
the compiled studies give the Python engine's results on the view's profiles."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pml_trials.profile.validate import validate_python
from pml_trials.sql.compile import render, study_query
from pml_trials.sql.dialects import Dialect
from pml_trials.sql.table import column_types
from pml_trials.studies.model import Study
from tests.sql_driver import engine_row, python_rows, require_engine

require_engine("duckdb", "duckdb")

from pml_trials.sql.duck import connect  # noqa: E402

OMOP = Path(__file__).resolve().parent.parent / "omop"
SCREENED = date(2026, 11, 25)
CDM = """
CREATE TABLE person (person_id BIGINT, gender_concept_id BIGINT, year_of_birth INTEGER,
  month_of_birth INTEGER, day_of_birth INTEGER);
CREATE TABLE measurement (measurement_id BIGINT, person_id BIGINT,
  measurement_concept_id BIGINT, measurement_date DATE, value_as_number DOUBLE,
  value_as_concept_id BIGINT, unit_concept_id BIGINT, operator_concept_id BIGINT,
  range_high DOUBLE);
CREATE TABLE condition_occurrence (person_id BIGINT, condition_concept_id BIGINT,
  condition_start_date DATE);
CREATE TABLE drug_exposure (person_id BIGINT, drug_concept_id BIGINT,
  drug_exposure_start_date DATE, drug_exposure_end_date DATE);
CREATE TABLE pml_screening (person_id BIGINT, patient_id VARCHAR, screening_date DATE);
INSERT INTO person VALUES (1, 8532, 1970, 12, 1), (2, 8507, 1980, NULL, NULL), (3, 0, 2000, 1, 1);
INSERT INTO pml_screening VALUES (1, 'omop-1', DATE '2026-11-25'), (2, 'omop-2', DATE '2026-11-25'),
  (3, 'omop-3', DATE '2026-06-01');
INSERT INTO measurement VALUES
  -- person 1: CD4 twice (the later one counts), then one after the screening date
  (1, 1, 3028167, DATE '2026-01-01', 150, NULL, 8784, NULL, NULL),
  (2, 1, 3028167, DATE '2026-10-01', 180, NULL, 8784, 4172703, NULL),
  (3, 1, 3028167, DATE '2026-12-01', 999, NULL, 8784, NULL, NULL),
  -- lymphocytes in thousands per microliter, ALT against its upper limit
  (4, 1, 3004327, DATE '2026-10-01', 0.9, NULL, 8848, NULL, NULL),
  (5, 1, 3006923, DATE '2026-10-01', 80, NULL, 8645, NULL, 40),
  (6, 1, 3025315, DATE '2026-10-01', 61.5, NULL, 9529, NULL, NULL),
  -- person 2: a censored HIV RNA ('<' 20), a CD4 in an unlisted unit, an ALT without limit
  (7, 2, 3010747, DATE '2026-10-01', 20, NULL, 8799, 4171756, NULL),
  (8, 2, 3028167, DATE '2026-10-01', 0.2, NULL, 8848, NULL, NULL),
  (9, 2, 3006923, DATE '2026-10-01', 30, NULL, 8645, NULL, NULL);
INSERT INTO condition_occurrence VALUES (2, 439727, DATE '2020-05-01'), (3, 439727, DATE '2026-07-01');
INSERT INTO drug_exposure VALUES (1, 35603563, DATE '2024-01-01', DATE '2025-03-01'),
  (1, 35603563, DATE '2025-06-01', NULL);
"""


@pytest.fixture(scope="module")
def con() -> Any:
    con = connect(threads=1)
    con.execute(CDM)
    con.execute(
        "CREATE TABLE pml_concept_sets AS SELECT * FROM read_csv(?, header = true, columns = "
        "{'field': 'VARCHAR', 'concept_id': 'BIGINT', 'unit_concept_id': 'BIGINT', "
        "'factor': 'DOUBLE', 'per_uln': 'BOOLEAN', 'status': 'VARCHAR', 'note': 'VARCHAR'})",
        [str(OMOP / "concept_sets.csv")],
    )
    con.execute((OMOP / "profiles.sql").read_text(encoding="utf-8"))
    return con


def profiles(con: Any) -> dict[str, dict[str, Any]]:
    cursor = con.execute("SELECT * FROM profiles ORDER BY patient_id")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_the_view_keeps_absence_unknown(con: Any) -> None:
    found = profiles(con)
    one, two, three = found["omop-1"], found["omop-2"], found["omop-3"]
    assert one["age_years"] == 55 and one["sex"] == "female"
    assert one["cd4_cells_per_ul"] == 180  # the latest before the screening date
    assert one["lymphocytes_per_ul"] == 900  # 0.9 thousand per microliter
    assert one["alt_x_uln"] == 2.0 and one["weight_kg"] == 61.5
    assert one["natalizumab_ever"] is True
    assert one["last_natalizumab_dose_date"] == date(2025, 6, 1)
    assert one["hiv_positive"] is None  # no HIV record: unknown, never false
    assert two["age_years"] is None  # birth month and day unknown
    assert two["hiv_rna_copies_per_ml"] is None  # '<20' is not a value
    assert two["cd4_cells_per_ul"] is None  # an unlisted unit
    assert two["alt_x_uln"] is None  # no upper limit to divide by
    assert two["hiv_positive"] is True and two["natalizumab_ever"] is None
    assert three["sex"] is None and three["age_years"] == 26
    assert three["hiv_positive"] is None  # recorded after its screening date


def test_the_view_is_the_profile_table(con: Any) -> None:
    """Every field, in order, with the profile table's types: the compiled queries and
    ``screen --engine duckdb`` read it as it is."""
    described = con.execute("DESCRIBE profiles").fetchall()
    expected = [(k, t.replace("TEXT", "VARCHAR")) for k, t in column_types(Dialect.duckdb)]
    assert [(name, kind) for name, kind, *_ in described] == expected


def test_compiled_studies_on_the_view_agree_with_the_python_engine(
    con: Any, studies: tuple[Study, ...]
) -> None:
    validated = [
        validate_python({k: v for k, v in p.items() if v is not None})
        for p in profiles(con).values()
    ]
    expected = python_rows(validated, studies, SCREENED)
    got: list[tuple[Any, ...]] = []
    for study in studies:
        sql = render(study_query(study, Dialect.duckdb, SCREENED, "profiles"), Dialect.duckdb)
        got.extend(engine_row(r) for r in con.execute(sql + " ORDER BY patient_id").fetchall())
    order = {s.id: i for i, s in enumerate(studies)}
    got.sort(key=lambda r: (r[0], order[r[1]]))
    expected.sort(key=lambda r: (r[0], order[r[1]]))
    assert got == expected
