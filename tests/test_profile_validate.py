"""Issue 2's profile contract: every field's type and range, never a conversion, unknown
keys with a suggestion, null and absence both unknown, and the JSON edge cases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given

from pml_trials.profile.fields import FIELDS, FieldSpec
from pml_trials.profile.validate import InvalidProfileError, validate_json, validate_python
from tests import strategies

NUMERIC = [s for s in FIELDS if s.kind in ("number", "integer")]
OPTIONAL = [s for s in FIELDS if s.kind != "id"]
ID = "p-1"


def problems(document: dict[str, Any] | bytes | str) -> list[tuple[str | None, str]]:
    """(field, message) of each problem; the document must be invalid."""
    data = document if isinstance(document, bytes | str) else json.dumps(document)
    with pytest.raises(InvalidProfileError) as caught:
        validate_json(data, source="p.json")
    assert all(p.source == "p.json" for p in caught.value.problems)
    return [(p.field, p.message) for p in caught.value.problems]


def one(key: str, value: Any) -> tuple[str | None, str]:
    (problem,) = problems({"patient_id": ID, key: value})
    return problem


def valid(spec: FieldSpec) -> Any:
    """A valid JSON value of the field."""
    if spec.kind in ("enum", "enum_list"):
        return spec.choices[0] if spec.kind == "enum" else [spec.choices[-1]]
    if spec.kind == "integer":
        return int(spec.maximum or 0)
    if spec.kind == "text":
        return "Hannover"
    return {"boolean": True, "date": "2026-01-31", "number": spec.minimum}[spec.kind]


def ids(specs: list[FieldSpec]) -> list[str]:
    return [s.key for s in specs]


# -- ranges --------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", NUMERIC, ids=ids(NUMERIC))
def test_the_ends_of_the_range_are_valid(spec: FieldSpec) -> None:
    low, high = spec.minimum, spec.maximum
    assert low is not None and high is not None
    for value in (low, high):
        given_value = int(value) if spec.kind == "integer" else value
        profile = validate_json(json.dumps({"patient_id": ID, spec.key: given_value}))
        assert profile[spec.key] == value
        assert type(profile[spec.key]) is (int if spec.kind == "integer" else float)


@pytest.mark.parametrize("spec", NUMERIC, ids=ids(NUMERIC))
def test_below_the_minimum(spec: FieldSpec) -> None:
    assert spec.minimum is not None
    step = spec.multiple_of or 1
    below = int(spec.minimum) - step if spec.kind == "integer" else spec.minimum - 0.5
    field, message = one(spec.key, below)
    assert field == spec.key
    assert message.startswith(
        f"{json.dumps(below)} is below the minimum {spec.minimum:g} (allowed: "
    )
    assert spec.range_text() in message


@pytest.mark.parametrize("spec", NUMERIC, ids=ids(NUMERIC))
def test_above_the_maximum(spec: FieldSpec) -> None:
    assert spec.maximum is not None
    step = spec.multiple_of or 1
    above = int(spec.maximum) + step if spec.kind == "integer" else spec.maximum * 2
    field, message = one(spec.key, above)
    assert field == spec.key
    assert f"is above the maximum {spec.maximum:g} (allowed: {spec.range_text()})" in message


def test_steps_of_ten() -> None:
    assert one("karnofsky_score", 55) == (
        "karnofsky_score",
        "55 is not a multiple of 10 (allowed: an integer 0–100 in steps of 10 points)",
    )


# -- types: never converted ---------------------------------------------------------------

WRONG: dict[str, list[Any]] = {
    "boolean": ["true", "false", 1, 0, "yes", [True], {"v": True}],
    "integer": ["4", 4.0, 4.5, True, [4], 1e1],
    "number": ["70", True, [70], {"v": 70}, "NaN"],
    "enum": [1, True, ["x"]],
    "enum_list": ["hiv", 1, True, {"hiv": True}],
    "date": [20260131, True, ["2026-01-31"]],
    "text": [1, True, ["Hannover"], {"v": "Hannover"}],
}


def _wrong_cases() -> list[Any]:
    return [
        pytest.param(spec, value, id=f"{spec.key}={json.dumps(value)}")
        for spec in OPTIONAL
        for value in WRONG[spec.kind]
    ]


@pytest.mark.parametrize(("spec", "value"), _wrong_cases())
def test_wrong_types_are_refused_never_converted(spec: FieldSpec, value: Any) -> None:
    field, message = one(spec.key, value)
    assert field == spec.key
    assert "(values are never converted)" in message or "not an allowed value" in message
    if spec.kind == "enum_list" and not isinstance(value, list | dict):
        assert "expected a list [...] holding any of" in message


@pytest.mark.parametrize("spec", [s for s in OPTIONAL if s.kind == "boolean"], ids=str)
def test_strings_are_never_booleans(spec: FieldSpec) -> None:
    assert one(spec.key, "true") == (
        spec.key,
        'expected true or false, got the string "true" (values are never converted)',
    )


@pytest.mark.parametrize("spec", NUMERIC, ids=ids(NUMERIC))
def test_strings_are_never_numbers(spec: FieldSpec) -> None:
    field, message = one(spec.key, "5")
    assert field == spec.key and 'got the string "5" (values are never converted)' in message


@pytest.mark.parametrize("spec", [s for s in NUMERIC if s.kind == "integer"], ids=str)
def test_integers_are_not_written_as_decimals(spec: FieldSpec) -> None:
    raw = f'{{"patient_id": "{ID}", "{spec.key}": {int(spec.minimum or 0)}.0}}'
    field, message = problems(raw)[0]
    assert field == spec.key
    assert message.startswith("expected an integer") and "got the number" in message


@pytest.mark.parametrize("spec", [s for s in OPTIONAL if s.kind == "enum"], ids=str)
def test_enum_values_are_exact(spec: FieldSpec) -> None:
    changed = spec.choices[0].lower() if spec.vocabulary else spec.choices[0].upper()
    field, message = one(spec.key, changed)
    assert field == spec.key
    allowed = spec.vocabulary or ", ".join(spec.choices)
    assert message == f'"{changed}" is not an allowed value (allowed: {allowed})'


def test_a_list_item_is_named_by_its_position() -> None:
    field, message = one("predisposing_conditions", ["hiv", "hiv_infection"])
    assert field == "predisposing_conditions[1]"
    assert message.startswith('"hiv_infection" is not an allowed value (allowed: any of hiv, ')


@pytest.mark.parametrize(
    "value",
    ["2026-02-29", "2026-1-31", "2026-01-31T00:00:00", "31/01/2026", " 2026-01-31", "2026-13-01"],
)
def test_dates_are_iso_calendar_dates(value: str) -> None:
    field, message = one("pml_diagnosis_date", value)
    assert field == "pml_diagnosis_date"
    assert message.startswith(f'"{value}" is not a valid date')
    assert message.endswith("(allowed: a date YYYY-MM-DD, not after the screening date)")


# -- unknown, null, absent ------------------------------------------------------------------


@pytest.mark.parametrize("spec", OPTIONAL, ids=ids(OPTIONAL))
def test_null_and_absence_are_both_unknown(spec: FieldSpec) -> None:
    with_null = validate_json(json.dumps({"patient_id": ID, spec.key: None}))
    without = validate_json(json.dumps({"patient_id": ID}))
    assert with_null == {"patient_id": ID, spec.key: None}
    assert without == {"patient_id": ID}
    assert with_null.get(spec.key) is None and without.get(spec.key) is None


@pytest.mark.parametrize("spec", OPTIONAL, ids=ids(OPTIONAL))
def test_every_field_takes_a_valid_value(spec: FieldSpec) -> None:
    document = {"patient_id": ID, spec.key: valid(spec)}
    if spec.kind == "text":  # a town needs its country
        document["residence_country"] = "DE"
    profile = validate_json(json.dumps(document))
    assert spec.key in profile and profile[spec.key] is not None


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("agee_years", "age_years"),
        ("Age_years", "age_years"),
        ("weight", "weight_kg"),
        ("cd4", "cd4_cells_per_ul"),
        ("cd4_count", "cd4_cells_per_ul"),
        ("patientid", "patient_id"),
        ("pml_progressive", "pml_progressing"),
    ],
)
def test_unknown_keys_are_errors_with_a_suggestion(key: str, suggestion: str) -> None:
    assert one(key, 1) == (key, f"unknown key (did you mean '{suggestion}'?)")


def test_an_unknown_key_without_a_near_miss_points_at_the_schema() -> None:
    assert one("xyz", 1) == ("xyz", "unknown key (see `pml-trials schema profile`)")


def test_every_problem_is_reported() -> None:
    found = problems({"patient_id": ID, "age_years": 200, "sex": "f", "wieght_kg": 70})
    assert [field for field, _ in found] == ["age_years", "sex", "wieght_kg"]


# -- JSON edge cases --------------------------------------------------------------------------


def test_a_byte_order_mark_is_accepted() -> None:
    document = json.dumps({"patient_id": ID, "age_years": 40})
    assert validate_json(b"\xef\xbb\xbf" + document.encode()) == {"patient_id": ID, "age_years": 40}
    assert validate_json("\ufeff" + document) == {"patient_id": ID, "age_years": 40}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize("spec", [s for s in NUMERIC if s.kind == "number"], ids=str)
def test_nan_and_infinity_are_refused(spec: FieldSpec, literal: str) -> None:
    field, message = problems(f'{{"patient_id": "{ID}", "{spec.key}": {literal}}}')[0]
    assert field == spec.key
    assert message.startswith("NaN and Infinity are not allowed")


@pytest.mark.parametrize(
    "document",
    [
        '{"patient_id": "p-1", "sex": "male", "sex": "male"}',
        '{"patient_id": "p-1", "sex": null, "sex": "male"}',
        '{"patient_id": "p-1", "age_years": "x", "age_years": 40}',
        '{"patient_id": "p-1", "patient_id": "p-2"}',
    ],
)
def test_duplicate_keys_are_refused(document: str) -> None:
    (problem,) = problems(document)
    assert problem[1] == "the key appears more than once (give each key once)"
    assert problem[0] in ("sex", "age_years", "patient_id")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[1]", "the top level must be a JSON object {...} holding one patient"),
        ('"p-1"', "the top level must be a JSON object {...} holding one patient"),
        ('{"patient_id": "p-1",}', "invalid JSON: trailing comma at line 1 column 22"),
        ("", "invalid JSON: EOF while parsing a value at line 1 column 0"),
    ],
)
def test_not_a_profile(document: str, message: str) -> None:
    assert problems(document) == [(None, message)]


# -- patient_id ----------------------------------------------------------------------------------


@pytest.mark.parametrize("patient_id", ["p-1", "A.b_C-9", "x" * 64, ".hidden", "1"])
def test_valid_patient_ids(patient_id: str) -> None:
    assert validate_json(json.dumps({"patient_id": patient_id}))["patient_id"] == patient_id


@pytest.mark.parametrize(
    ("patient_id", "message"),
    [
        ("", "is not a valid id"),
        ("x" * 65, "is not a valid id"),
        ("Jane Doe", "is not a valid id"),
        ("a/b", "is not a valid id"),
        ("ä", "is not a valid id"),
        ("..", "an id of only dots could be read as a path"),
        (".", "an id of only dots could be read as a path"),
        (5, "got the number (values are never converted)"),
        (None, "got null (values are never converted)"),
    ],
)
def test_invalid_patient_ids(patient_id: Any, message: str) -> None:
    field, text = problems({"patient_id": patient_id})[0]
    assert field == "patient_id" and message in text


def test_patient_id_is_required() -> None:
    assert problems({"age_years": 40}) == [
        ("patient_id", "is required (a pseudonymous id, never a name)")
    ]


def test_python_profiles_are_validated_the_same_way() -> None:
    with pytest.raises(InvalidProfileError) as caught:
        validate_python({"patient_id": ID, "age_years": "40", "sexx": "male"})
    assert [p.field for p in caught.value.problems] == ["age_years", "sexx"]


@given(strategies.partial_profiles())
def test_the_test_strategies_make_valid_profiles(profile: dict[str, Any]) -> None:
    assert validate_python(profile) == profile


@given(strategies.full_profiles())
def test_full_profiles_round_trip_through_json(profile: dict[str, Any]) -> None:
    document = json.dumps(profile, default=str)
    assert validate_json(document) == profile
