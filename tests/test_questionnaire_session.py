"""Issue 6: the questionnaire's state: answers, unknowns, going back, what is saved."""

from __future__ import annotations

from datetime import date

import pytest

from pml_trials.engine import screen
from pml_trials.profile.validate import InvalidProfileError, validate_json
from pml_trials.questionnaire.save import to_json
from pml_trials.questionnaire.session import Session
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

AS_OF = date(2026, 11, 25)


@pytest.fixture
def session(studies: tuple[Study, ...]) -> Session:
    return Session(studies, AS_OF, {"patient_id": "s-1"})


def test_a_new_session_asks_the_diagnosis_first(session: Session) -> None:
    assert session.next_field() == "csf_jcv_pcr"
    assert session.asked == 0
    assert all(v is Verdict.NEEDS_INFORMATION for v in session.result.verdicts)


def test_an_answer_is_recorded_validated_and_rescreened(session: Session) -> None:
    session.answer("csf_jcv_pcr", "not_detected")
    session.answer("brain_biopsy_jcv", "negative")
    assert session.profile["csf_jcv_pcr"] == "not_detected"
    assert set(session.result.verdicts) == {Verdict.INELIGIBLE}
    assert session.next_field() is None
    assert session.asked == 2


def test_a_number_is_stored_as_the_validator_returns_it(session: Session) -> None:
    session.answer("weight_kg", 70)
    assert session.profile["weight_kg"] == 70.0
    assert isinstance(session.profile["weight_kg"], float)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("age_years", 130, "130 is above the maximum 120"),
        ("karnofsky_score", 55, "55 is not a multiple of 10"),
        ("cd4_cells_per_ul", -5, "-5 is below the minimum 0"),
        ("sex", "other", "not an allowed value"),
    ],
)
def test_an_invalid_answer_changes_nothing(
    session: Session, key: str, value: object, message: str
) -> None:
    with pytest.raises(InvalidProfileError) as caught:
        session.answer(key, value)
    assert message in caught.value.problems[0].message
    assert key not in session.profile
    assert session.history == []


def test_unknown_is_recorded_and_not_asked_again(session: Session) -> None:
    session.answer("csf_jcv_pcr", None)
    assert session.profile["csf_jcv_pcr"] is None
    assert "csf_jcv_pcr" in session.skip
    assert session.next_field() == "brain_biopsy_jcv"
    assert "csf_jcv_pcr" not in session.candidates()


def test_back_undoes_exactly_one_answer(session: Session) -> None:
    session.answer("csf_jcv_pcr", None)
    session.answer("brain_biopsy_jcv", "positive")
    assert session.back() == "brain_biopsy_jcv"
    assert "brain_biopsy_jcv" not in session.profile
    assert session.next_field() == "brain_biopsy_jcv"
    assert session.back() == "csf_jcv_pcr"
    assert session.profile == {"patient_id": "s-1"}
    assert session.skip == set()
    assert session.next_field() == "csf_jcv_pcr"
    assert session.back() is None


def test_back_restores_a_value_from_the_start_profile(studies: tuple[Study, ...]) -> None:
    session = Session(studies, AS_OF, {"patient_id": "s-2", "age_years": None}, {"age_years"})
    session.answer("age_years", 40)  # a caller may re-answer a field given at the start
    assert "age_years" not in session.skip
    session.back()
    assert session.profile["age_years"] is None
    assert session.skip == {"age_years"}


def test_the_saved_profile_reloads_and_screens_the_same(session: Session) -> None:
    for key, value in [
        ("csf_jcv_pcr", "detected"),
        ("mri_compatible_with_pml", True),
        ("clinical_features_compatible_with_pml", True),
        ("able_to_consent", None),
        ("pml_symptom_onset_date", date(2026, 8, 1)),
    ]:
        session.answer(key, value)
    saved = session.saved_profile()
    assert list(saved)[:2] == ["patient_id", "screening_date"]
    assert saved["screening_date"] == AS_OF
    assert saved["able_to_consent"] is None  # "unknown" stays visible as null
    reloaded = validate_json(to_json(saved))
    assert reloaded == saved
    assert screen(reloaded, session.studies, date(2030, 1, 1)).verdicts == session.result.verdicts


def test_a_given_screening_date_is_kept(studies: tuple[Study, ...]) -> None:
    session = Session(studies, AS_OF, {"patient_id": "s-3", "screening_date": date(2026, 1, 2)})
    assert session.saved_profile()["screening_date"] == date(2026, 1, 2)
    assert session.result.screening_date == date(2026, 1, 2)
