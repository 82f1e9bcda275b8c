"""The differential harness: the same studies on the Python engine and on an SQL engine.

``python_rows`` screens profiles with :func:`pml_trials.engine.screen`; an engine's rows
come from the compiled query (``pml_trials.sql.compile.study_query``). Both give, per
patient and study, ``(patient_id, trial_id, verdict, values..., missing_fields)``, and
the tests compare them whole.
"""

from __future__ import annotations

import importlib.util
import os
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from pml_trials.engine import screen
from pml_trials.profile.fields import FIELDS, FieldSpec
from pml_trials.profile.validate import InvalidProfileError, validate_python
from pml_trials.studies.model import Study

Row = tuple[Any, ...]
REQUIRE = "PML_TRIALS_REQUIRE_ENGINES"  # set by .ci/run: these engines must be there
AS_OF = date(2026, 11, 25)
ASKABLE = [s for s in FIELDS if s.kind != "id"]


def required(engine: str) -> bool:
    return engine in os.environ.get(REQUIRE, "").split(",")


def require_engine(engine: str, module: str) -> None:
    """Skip the calling test module when ``module`` is not installed, unless the run
    requires ``engine`` (CI), where its absence is a failure, not a skip."""
    if importlib.util.find_spec(module) is None:
        if required(engine):
            pytest.fail(f"{REQUIRE} requires {engine}, but {module} is not installed")
        pytest.skip(f"{module} is not installed", allow_module_level=True)


def python_rows(
    profiles: Iterable[Mapping[str, Any]], studies: Sequence[Study], as_of: date = AS_OF
) -> list[Row]:
    rows: list[Row] = []
    for profile in profiles:
        result = screen(profile, studies, as_of)
        rows.extend(
            (result.patient_id, t.study.id, t.verdict.value, *t.values, tuple(t.missing_fields))
            for t in result
        )
    return rows


def engine_row(row: Sequence[Any]) -> Row:
    """A row of ``study_query`` (patient_id, screening_date, trial_id, verdict, values...,
    missing_fields) in the harness's shape."""
    patient_id, _, trial_id, verdict, *values, missing = row
    return (patient_id, trial_id, verdict, *values, tuple(missing or ()))


def _value(spec: FieldSpec, rng: random.Random) -> Any:
    """A valid value, with the edges rules turn on: zero, range ends, empty lists."""
    if spec.kind == "boolean":
        return rng.random() < 0.5
    if spec.kind == "enum":
        return rng.choice(spec.choices)
    if spec.kind == "text":
        return rng.choice(["Hannover", "Springfield, Illinois", "Köln", "São Paulo"])
    if spec.kind == "enum_list":
        return rng.sample(spec.choices, rng.choice([0, 0, 1, 1, 2, 3]))
    if spec.kind == "date":
        return AS_OF - timedelta(days=rng.randint(-400, 4000))
    low, high = spec.minimum or 0.0, spec.maximum or 0.0
    if spec.kind == "integer":
        step = spec.multiple_of or 1
        if rng.random() < 0.2:
            return int(low) if rng.random() < 0.5 else 0 if low <= 0 else int(low)
        return rng.randint(int(low) // step, int(high) // step) * step
    roll = rng.random()
    if roll < 0.15:
        return max(low, 0.0)  # a zero divisor where the range allows it
    if roll < 0.25:
        return rng.choice([low, high])
    if roll < 0.6:
        return float(rng.randint(int(low), int(min(high, 200))))
    return rng.uniform(low, high)


def random_profiles(
    count: int,
    seed: int,
    unknown: float = 0.3,
    templates: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Valid profiles, each field unknown (absent or null) with probability ``unknown``,
    ``screening_date`` given in about half. With ``templates`` (e.g. the example
    patients, some eligible), a known field keeps a random template's value in 7 of 10."""
    rng = random.Random(seed)
    profiles = []
    for index in range(count):
        template = rng.choice(templates) if templates else {}
        profile: dict[str, Any] = {"patient_id": f"p-{index}"}
        for spec in ASKABLE:
            if spec.kind == "text":
                continue  # a town must be one of its country's: not drawn at random
            if spec.key == "screening_date":
                if rng.random() < 0.5:
                    profile[spec.key] = _value(spec, rng)
                continue
            roll = rng.random()
            if roll < unknown / 2:
                profile[spec.key] = None
            elif roll >= unknown:
                kept = template.get(spec.key)
                if spec.kind == "date" and isinstance(kept, str):
                    kept = date.fromisoformat(kept)
                use = kept is not None and rng.random() < 0.7
                profile[spec.key] = kept if use else _value(spec, rng)
        profiles.append(_consistent(profile))
    return profiles


def _consistent(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile validated, with each field the validator finds contradictory (across
    fields: conditions against HIV status, GVHD without a transplant, ...) made unknown."""
    for _ in range(10):
        try:
            return validate_python(profile, as_of=AS_OF)
        except InvalidProfileError as exc:
            for problem in exc.problems:
                profile[(problem.field or "").split("[")[0]] = None
    return validate_python(profile, as_of=AS_OF)


# Each known trap of SQL engines, as a rule and the profiles that spring it: the engines
# must give the Python engine's value and missing fields for every pair.
TRAPS: tuple[tuple[str, tuple[dict[str, Any], ...]], ...] = (
    # division by zero is unknown (DuckDB: inf or NaN; PostgreSQL and Spark ANSI: an error)
    (
        "cd4_cells_per_ul / cd8_cells_per_ul > 0.5",
        (
            {"cd4_cells_per_ul": 100, "cd8_cells_per_ul": 0},
            {"cd4_cells_per_ul": 0, "cd8_cells_per_ul": 0},
        ),
    ),
    (
        "not (age_years / gvhd_grade >= 1)",
        ({"age_years": 40, "gvhd_grade": 0}, {"age_years": 40, "gvhd_grade": 3}),
    ),
    # whole numbers divide as real numbers (PostgreSQL: 5 / 2 = 2)
    ("age_years / gvhd_grade == 12.5", ({"age_years": 25, "gvhd_grade": 2},)),
    ("karnofsky_score / 3 > 23.3", ({"karnofsky_score": 70},)),
    # arithmetic is binary floating point, as Python's (SQL decimals are exact)
    ("weight_kg * 0.1 == 0.30000000000000004", ({"weight_kg": 3},)),
    ("0.1 * 3 == 0.3", ({},)),
    ("weight_kg * 0.1 * 3 > 0.3", ({"weight_kg": 1},)),
    # membership with an unknown list is unknown; with an empty list false
    (
        "'hiv' in predisposing_conditions",
        (
            {"predisposing_conditions": None},
            {"predisposing_conditions": ["other"]},
            {"predisposing_conditions": ["hiv"]},
        ),
    ),
    (
        "'hiv' not in predisposing_conditions",
        (
            {"predisposing_conditions": None},
            {"predisposing_conditions": ["other"]},
            {"predisposing_conditions": ["hiv"]},
        ),
    ),
    ("sex not in ['female']", ({"sex": None}, {"sex": "male"})),
    ("age_years in [18, 19.0, 20.5]", ({"age_years": 19}, {"age_years": None})),
    # unknown is never rewritten into true or false
    (
        "not (able_to_consent and hiv_positive)",
        ({"able_to_consent": True}, {"hiv_positive": False}),
    ),
    ("able_to_consent or hiv_positive", ({"able_to_consent": False}, {"hiv_positive": True})),
    ("(able_to_consent == hiv_positive) != True", ({"able_to_consent": True},)),
    # dates: whole days to the screening date, or to the run's date without one
    (
        "days_since(pml_diagnosis_date) <= 90",
        (
            {"pml_diagnosis_date": date(2026, 8, 27)},
            {"pml_diagnosis_date": date(2026, 8, 26)},
            {"pml_diagnosis_date": date(2026, 3, 1), "screening_date": date(2026, 5, 30)},
        ),
    ),
    (
        "weeks_since(last_natalizumab_dose_date) > 12.5",
        (
            {"last_natalizumab_dose_date": date(2026, 8, 20)},
            {"last_natalizumab_dose_date": date(2026, 8, 21), "screening_date": date(2026, 11, 25)},
        ),
    ),
    (
        "months_since(pml_symptom_onset_date) >= 2 and years_since(pml_symptom_onset_date) < 1",
        (
            {"pml_symptom_onset_date": date(2026, 9, 25)},
            {"pml_symptom_onset_date": date(2026, 9, 26)},
            {"pml_symptom_onset_date": date(2024, 2, 29), "screening_date": date(2025, 2, 28)},
        ),
    ),
    (
        "years_since(last_investigational_agent_date) >= 1",
        (
            {
                "last_investigational_agent_date": date(2024, 2, 29),
                "screening_date": date(2025, 3, 1),
            },
            {
                "last_investigational_agent_date": date(2024, 2, 29),
                "screening_date": date(2025, 2, 28),
            },
        ),
    ),
    ("screening_date >= date('2026-11-25')", ({}, {"screening_date": date(2024, 2, 29)})),
    ("(18 <= age_years < 80) != False", ({"age_years": 18}, {"age_years": 80}, {})),
    ("-weight_kg < -50", ({"weight_kg": 60.5}, {})),
)


def trap_profiles() -> list[dict[str, Any]]:
    """Every trap's profiles, validated, with ids ``trap-<rule>-<profile>``."""
    found = []
    for rule_index, (_, profiles) in enumerate(TRAPS):
        for index, values in enumerate(profiles):
            profile = {"patient_id": f"trap-{rule_index}-{index}", **values}
            found.append(validate_python(profile, as_of=AS_OF))
    return found


def _witness(profile: dict[str, Any], test: Any) -> None:
    """Set ``profile`` so that one declared contradiction test holds (from the
    declaration itself, so a new test is covered without a new line here)."""
    from pml_trials.profile.contradictions import (
        Above,
        Empty,
        Is,
        Listed,
        ListedWithOthers,
        NotListed,
    )
    from pml_trials.profile.fields import BY_KEY

    key = test.field
    held = profile.get(key)
    current = [v for v in held if v != "none_identified"] if isinstance(held, list) else []
    match test:
        case Is(value=value):
            profile[key] = value
        case Above(bound=bound):
            profile[key] = int(bound) + 1
        case Empty():
            profile[key] = []
        case Listed(value=value):
            profile[key] = [*dict.fromkeys([*current, value])]
        case NotListed(value=value):
            others = [c for c in BY_KEY[key].choices if c not in (value, "none_identified")]
            profile[key] = [v for v in current if v != value] or others[:1]
        case ListedWithOthers(value=value):
            others = [c for c in BY_KEY[key].choices if c != value]
            profile[key] = [value, others[0]]
        case _:  # pragma: no cover - a new kind of test: add it above
            raise AssertionError(test)


def crossed_profiles(count: int, seed: int) -> list[dict[str, Any]]:
    """Profiles (JSON-ready values) of which about half break one or two checks across
    fields: each declared contradiction, a past date one day after the screening date
    (the profile's, or the run's without one), a town without its country or not of its
    country; the others are valid, some with a past date on the screening date."""
    from pml_trials.profile.contradictions import CONTRADICTIONS, PAST

    rng = random.Random(seed)
    base = random_profiles(count, seed, unknown=0.3)
    found = []
    for index, profile in enumerate(base):
        profile = dict(profile)
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            roll = rng.random()
            if roll < 0.6:
                for test in rng.choice(CONTRADICTIONS).when:
                    _witness(profile, test)
            elif roll < 0.85:
                limit = profile.get("screening_date") or AS_OF
                profile[rng.choice(PAST).key] = limit + timedelta(days=1)
            else:
                town, country = rng.choice(
                    [("Hannover", None), ("Springfield", "UG"), ("Hannover", "FR")]
                )
                profile["residence_town"], profile["residence_country"] = town, country
        if rng.random() < 0.1:  # on the limit: valid
            profile[rng.choice(PAST).key] = profile.get("screening_date") or AS_OF
        if index % 7 == 0:
            profile["residence_town"], profile["residence_country"] = "Hannover", "DE"
        found.append(
            {
                k: v.isoformat() if isinstance(v, date) else v
                for k, v in profile.items()
                if v is not None or rng.random() < 0.5
            }
        )
    return found
