"""Issue 6: the pure choice of the next question."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pml_trials.engine import ScreeningResult, screen
from pml_trials.engine.choose import (
    can_rule_out,
    next_question,
    probe_values,
    rank_questions,
)
from pml_trials.profile.fields import BY_KEY
from pml_trials.profile.validate import validate_json, validate_python
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

AS_OF = date(2026, 11, 25)
DIAGNOSIS = [
    "csf_jcv_pcr",
    "brain_biopsy_jcv",
    "mri_compatible_with_pml",
    "clinical_features_compatible_with_pml",
]
CONFIRMED = {
    "csf_jcv_pcr": "detected",
    "mri_compatible_with_pml": True,
    "clinical_features_compatible_with_pml": True,
}


def result_of(studies: tuple[Study, ...], **answers: Any) -> ScreeningResult:
    return screen(validate_python({"patient_id": "t-1", **answers}), studies, AS_OF)


def useful(result: ScreeningResult, skip: set[str] | frozenset[str] = frozenset()) -> set[str]:
    return {
        key
        for trial in result
        if trial.verdict is Verdict.NEEDS_INFORMATION
        for key in trial.missing_fields
        if key not in skip
    }


def test_an_empty_profile_starts_with_the_diagnosis(studies: tuple[Study, ...]) -> None:
    ranked = rank_questions(result_of(studies))
    assert ranked[:4] == DIAGNOSIS
    assert next_question(result_of(studies)) == "csf_jcv_pcr"


def test_a_negative_csf_asks_the_biopsy_next(studies: tuple[Study, ...]) -> None:
    result = result_of(studies, csf_jcv_pcr="not_detected")
    assert next_question(result) == "brain_biopsy_jcv"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, ["mri_compatible_with_pml", "clinical_features_compatible_with_pml"]),
        ({"mri_compatible_with_pml": True}, ["clinical_features_compatible_with_pml"]),
        # The clinical pathway closed ("no" or "unknown"): only the biopsy can confirm.
        ({"mri_compatible_with_pml": False}, ["brain_biopsy_jcv"]),
        ({"mri_compatible_with_pml": None}, ["brain_biopsy_jcv"]),
        ({"clinical_features_compatible_with_pml": None}, ["brain_biopsy_jcv"]),
    ],
)
def test_a_detected_csf_asks_mri_and_signs_before_the_biopsy(
    studies: tuple[Study, ...], answers: dict[str, Any], expected: list[str]
) -> None:
    result = result_of(studies, csf_jcv_pcr="detected", **answers)
    skip = {key for key, value in answers.items() if value is None}
    ranked = rank_questions(result, skip)
    assert ranked[: len(expected)] == expected
    assert "brain_biopsy_jcv" in ranked  # still asked when they do not confirm PML


def test_a_null_not_asked_ranks_as_an_absent_key(studies: tuple[Study, ...]) -> None:
    # A registry row spells missing as null, a JSON file leaves the key out: same order.
    absent = rank_questions(result_of(studies, csf_jcv_pcr="detected"))
    null = rank_questions(
        result_of(
            studies,
            csf_jcv_pcr="detected",
            mri_compatible_with_pml=None,
            clinical_features_compatible_with_pml=None,
            brain_biopsy_jcv=None,
        )
    )
    assert null == absent


def test_every_trial_decided_means_no_question(studies: tuple[Study, ...]) -> None:
    result = result_of(studies, csf_jcv_pcr="not_detected", brain_biopsy_jcv="not_done")
    assert all(t.verdict is Verdict.INELIGIBLE for t in result)
    assert rank_questions(result) == []
    assert next_question(result) is None


def test_skipped_fields_are_not_offered_again(studies: tuple[Study, ...]) -> None:
    result = result_of(studies)
    assert "csf_jcv_pcr" not in rank_questions(result, {"csf_jcv_pcr"})
    assert next_question(result, {"csf_jcv_pcr"}) == "brain_biopsy_jcv"


def test_only_fields_of_undecided_trials_are_offered(studies: tuple[Study, ...]) -> None:
    # Prior natalizumab ends the T-cell study; its own fields are no longer asked.
    result = result_of(studies, **CONFIRMED, natalizumab_ever=True)
    ranked = set(rank_questions(result))
    assert result.trial("tcell-transfer").verdict is Verdict.INELIGIBLE
    assert {"matched_donor_available", "pml_progressing", "weight_kg"}.isdisjoint(ranked)
    assert ranked == useful(result)


def test_a_field_that_can_rule_out_alone_comes_before_one_that_cannot(
    studies: tuple[Study, ...],
) -> None:
    ranked = rank_questions(result_of(studies, **CONFIRMED))
    # The dose divided by the weight decides nothing until both are known.
    assert ranked.index("matched_donor_available") < ranked.index("weight_kg")
    assert ranked.index("age_years") < ranked.index("prednisone_equivalent_mg_per_day")
    # Consent and life expectancy each end all three studies (issue 11 gave every study a
    # minimum life expectancy): they are the most useful single answers.
    assert set(ranked[:2]) == {"able_to_consent", "life_expectancy_weeks"}


def test_once_the_dose_is_known_the_weight_can_rule_out(studies: tuple[Study, ...]) -> None:
    tcell = result_of(studies, **CONFIRMED).trial("tcell-transfer")
    assert not can_rule_out(tcell, "weight_kg")
    dosed = result_of(studies, **CONFIRMED, prednisone_equivalent_mg_per_day=40.0)
    assert can_rule_out(dosed.trial("tcell-transfer"), "weight_kg")


def test_ranking_is_pure_and_repeatable(studies: tuple[Study, ...]) -> None:
    result = result_of(studies, **CONFIRMED, sex="female")
    before = dict(result.profile)
    assert rank_questions(result, {"age_years"}) == rank_questions(result, {"age_years"})
    assert dict(result.profile) == before


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("pml_iris", (True, False)),
        ("sex", ("female", "male")),
        ("age_years", (0, 120)),
        ("weight_kg", (1, 400)),
        ("screening_date", (date(1926, 11, 25), AS_OF)),
    ],
)
def test_probe_values_cover_each_kind(key: str, expected: tuple[Any, ...]) -> None:
    assert probe_values(key, AS_OF) == expected


def test_probe_values_of_a_list_try_each_choice_alone() -> None:
    values = probe_values("predisposing_conditions", AS_OF)
    assert values == tuple([c] for c in BY_KEY["predisposing_conditions"].choices)
    assert probe_values("patient_id", AS_OF) == ()


@given(data=st.data())
def test_ranked_fields_are_exactly_the_useful_ones(
    data: st.DataObject, studies: tuple[Study, ...], example_paths: list[Path]
) -> None:
    path = data.draw(st.sampled_from(example_paths))
    profile = validate_json(path.read_bytes())
    known = sorted(k for k in profile if k != "patient_id")
    kept = data.draw(st.lists(st.booleans(), min_size=len(known), max_size=len(known)))
    skipped = {data.draw(st.sampled_from(sorted(BY_KEY))) for _ in range(3)}
    partial = {
        "patient_id": "t-1",
        **{k: profile[k] for k, keep in zip(known, kept, strict=True) if keep},
    }
    if "residence_country" not in partial:  # a town is valid only with its country
        partial.pop("residence_town", None)
    result = screen(validate_python(partial), studies, AS_OF)
    ranked = rank_questions(result, skipped)
    assert len(ranked) == len(set(ranked))
    assert set(ranked) == useful(result, skipped)
    assert next_question(result, skipped) == (ranked[0] if ranked else None)
