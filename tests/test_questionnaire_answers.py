"""Issue 6: what a person types becomes a typed answer, or a reason to ask again."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pml_trials.profile.fields import BY_KEY
from pml_trials.profile.validate import validate_json
from pml_trials.questionnaire.answers import (
    AnswerError,
    Censored,
    PerUpperLimit,
    command,
    format_value,
    hint,
    parse,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("?", "help"), ("help", "help"), ("u", "unknown"), (" Unknown ", "unknown"),
     ("<", "back"), ("BACK", "back"), ("y", None), ("", None)],
)  # fmt: skip
def test_commands(text: str, expected: str | None) -> None:
    assert command(text) == expected


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("pml_iris", "y", True),
        ("pml_iris", "Yes", True),
        ("pml_iris", "n", False),
        ("pml_iris", "NO", False),
        ("csf_jcv_pcr", "detected", "detected"),
        ("csf_jcv_pcr", "2", "not_detected"),
        ("csf_jcv_pcr", "Not done", "not_done"),
        ("predisposing_conditions", "hiv", ["hiv"]),
        ("predisposing_conditions", "3, hiv,3", ["hematologic_malignancy", "hiv"]),
        ("age_years", "44", 44),
        ("age_years", " 7 ", 7),
        ("weight_kg", "68.5", 68.5),
        ("weight_kg", "70", 70),
        ("csf_jcv_copies_per_ml", "1e4", 1e4),
        ("pml_diagnosis_date", "2026-09-02", date(2026, 9, 2)),
        ("patient_id", "p-001", "p-001"),
    ],
)
def test_each_kind_parses(key: str, text: str, expected: Any) -> None:
    value = parse(BY_KEY[key], text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("key", "text", "reason"),
    [
        ("pml_iris", "maybe", "'maybe' is not yes or no"),
        ("pml_iris", "", "please type an answer"),
        ("csf_jcv_pcr", "4", "'4' is not one of the listed values (or numbers 1-3)"),
        ("csf_jcv_pcr", "0", "not one of the listed values"),
        ("predisposing_conditions", " , ", "please name at least one value"),
        ("predisposing_conditions", "hiv, flu", "'flu' is not one of the listed values"),
        ("age_years", "44.5", "'44.5' is not a whole number (an integer 0–120 years)"),
        ("age_years", "forty", "not a whole number"),
        ("weight_kg", "70 cm", "'cm' is not a unit this field takes: type the value in kg"),
        ("platelets_per_ul", "210,000", "could be 210000 or 210: type 210000 or 210"),
        ("weight_kg", "nan", "not a number"),
        (
            "pml_diagnosis_date",
            "02/09/2026",
            "write it as YYYY-MM-DD, e.g. 2026-09-02 or 2026-02-09",
        ),
        ("pml_diagnosis_date", "2026-02-30", "'2026-02-30' is not a date in the calendar"),
    ],
)
def test_text_of_the_wrong_kind_says_why(key: str, text: str, reason: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse(BY_KEY[key], text)
    assert reason in caught.value.reason


def test_parsing_leaves_ranges_to_the_validator() -> None:
    # Out of range is still a number: the profile's validator rejects it, not the parser.
    assert parse(BY_KEY["age_years"], "130") == 130
    assert parse(BY_KEY["karnofsky_score"], "55") == 55


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("pml_iris", "y or n"),
        ("csf_jcv_pcr", "the value or its number"),
        ("predisposing_conditions", "values or numbers, separated by commas"),
        ("pml_diagnosis_date", "a date YYYY-MM-DD"),
        ("karnofsky_score", "an integer 0–100 in steps of 10 points"),
        ("cd4_cells_per_ul", "a number 0–5000 cells/µL"),
    ],
)
def test_hints_come_from_the_declaration(key: str, expected: str) -> None:
    assert hint(BY_KEY[key]) == expected


def test_every_example_value_survives_typing_it(example_paths: list[Path]) -> None:
    for path in example_paths:
        profile = validate_json(path.read_bytes())
        for key, value in profile.items():
            spec = BY_KEY[key]
            text = format_value(spec, value)
            if value is None:
                assert text == "u"
                continue
            assert parse(spec, text) == value, (path.name, key)


NATURAL: list[tuple[str, str, Any]] = [
    # enum values by unambiguous prefix or a synonym declared on the field
    ("sex", "m", "male"),
    ("sex", "F", "female"),
    ("sex", "fem", "female"),
    ("csf_jcv_pcr", "positive", "detected"),
    ("csf_jcv_pcr", "pos", "detected"),
    ("csf_jcv_pcr", "+", "detected"),
    ("csf_jcv_pcr", "neg", "not_detected"),
    ("csf_jcv_pcr", "not-de", "not_detected"),
    ("brain_biopsy_jcv", "not", "not_done"),
    ("predisposing_conditions", "hiv, multiple", ["hiv", "multiple_sclerosis"]),
    # yes/no synonyms
    ("pml_iris", "true", True),
    ("pml_iris", "False", False),
    # units: the field's own, converted, or a lab value with its upper limit asked
    ("weight_kg", "70 kg", 70),
    ("weight_kg", "70kg", 70),
    ("weight_kg", "154 lb", 69.9),
    ("age_years", "44 years", 44),
    ("age_years", "44y", 44),
    ("karnofsky_score", "70%", 70),
    ("cd4_cells_per_ul", "0,2 G/L", 200.0),
    ("cd4_cells_per_ul", "180 /µL", 180),
    ("prednisone_equivalent_mg_per_day", "20 mg", 20),
    ("alt_x_uln", "2.1 x ULN", 2.1),
    ("alt_x_uln", "84 U/L", PerUpperLimit(84.0, "U/L")),
    ("total_bilirubin_x_uln", "30 µmol/L", PerUpperLimit(30.0, "µmol/L")),
    # decimal comma, thousands separators where unambiguous
    ("weight_kg", "68,5", 68.5),
    ("platelets_per_ul", "210 000", 210000),
    ("platelets_per_ul", "1,210,000", 1210000),
    ("platelets_per_ul", "1.210.000", 1210000),
    ("csf_jcv_copies_per_ml", "12.500,5", 12500.5),
    ("cd4_cells_per_ul", "0,500", 0.5),
    # dates with the year first and a slash
    ("pml_diagnosis_date", "2026/9/2", date(2026, 9, 2)),
]


@pytest.mark.parametrize(("key", "text", "expected"), NATURAL)
def test_natural_answers(key: str, text: str, expected: Any) -> None:
    assert parse(BY_KEY[key], text) == expected


@pytest.mark.parametrize(
    ("key", "text", "reason"),
    [
        ("csf_jcv_pcr", "not", "'not' could be not_detected or not_done: type more letters"),
        ("csf_jcv_pcr", "detcted", "did you mean detected?"),
        ("sex", "mael", "did you mean male?"),
        ("weight_kg", "70 mg", "'mg' is not a unit this field takes: type the value in kg"),
        ("age_years", "44 kg", "type the value in years"),
        ("age_years", ">90", "is a bound, not a value: type the value itself"),
        ("pml_diagnosis_date", "13/11/2026", "write it as YYYY-MM-DD, e.g. 2026-11-13"),
        ("weight_kg", "1 2 3", "is not one number"),
        ("weight_kg", "1.2.3", "is not a number written with separators"),
    ],
)
def test_natural_answers_refused_with_the_reason(key: str, text: str, reason: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse(BY_KEY[key], text)
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("key", "text"),
    [("egfr_ml_min_1_73m2", ">90"), ("hiv_rna_copies_per_ml", "<20"), ("cd4_cells_per_ul", "< 5")],
)
def test_censored_values_are_recorded_as_unknown_with_a_note(key: str, text: str) -> None:
    value = parse(BY_KEY[key], text)
    assert isinstance(value, Censored)
    assert "recorded as unknown" in value.note


def test_na_explains_instead_of_answering() -> None:
    assert command("n/a") == "why"
    assert command("N/A") == "why"
