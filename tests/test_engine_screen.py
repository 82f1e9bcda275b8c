"""screen(): verdicts from criterion values, missing fields that can still matter, and the
date the rules count to."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pml_trials.engine import screen
from pml_trials.engine.examples import run_examples
from pml_trials.profile.validate import validate_json
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict
from tests import rules_driver as driver

AS_OF = date(2026, 11, 25)
ELIGIBLE, INELIGIBLE, NEEDS = Verdict.ELIGIBLE, Verdict.INELIGIBLE, Verdict.NEEDS_INFORMATION

# two inclusions and one exclusion over three boolean fields
STUDY_RULES = [(False, "pml_progressing"), (False, "able_to_consent"), (True, "natalizumab_ever")]
T, F = True, False


def profile(**values: Any) -> dict[str, Any]:
    return {"patient_id": "p-1", **values}


@pytest.mark.parametrize(
    ("progressing", "consent", "natalizumab", "verdict"),
    [
        # an inclusion not met: ineligible, whatever is unknown elsewhere
        (F, None, None, INELIGIBLE),
        (None, F, None, INELIGIBLE),
        (F, T, F, INELIGIBLE),
        # an exclusion that applies: ineligible, whatever is unknown elsewhere
        (None, None, T, INELIGIBLE),
        (T, T, T, INELIGIBLE),
        # every inclusion met and no exclusion applies: eligible
        (T, T, F, ELIGIBLE),
        # otherwise: needs information
        (T, T, None, NEEDS),
        (None, T, F, NEEDS),
        (None, None, None, NEEDS),
        (T, None, F, NEEDS),
    ],
)
def test_verdict_table(
    progressing: bool | None, consent: bool | None, natalizumab: bool | None, verdict: Verdict
) -> None:
    study = driver.study(STUDY_RULES)
    values = {
        "pml_progressing": progressing,
        "able_to_consent": consent,
        "natalizumab_ever": natalizumab,
    }
    given = profile(**{k: v for k, v in values.items() if v is not None})
    (trial,) = screen(given, (study,), AS_OF)
    assert trial.verdict is verdict
    assert [c.value for c in trial.criteria] == [progressing, consent, natalizumab]
    decisive = [c.criterion.id for c in trial.criteria if c.decisive]
    assert [c.criterion.id for c in trial.reasons] == decisive
    assert bool(decisive) == (verdict is INELIGIBLE)
    expected_missing = [k for k, v in values.items() if v is None] if verdict is NEEDS else []
    assert sorted(trial.missing_fields) == sorted(expected_missing)


def test_a_study_without_exclusions() -> None:
    study = driver.study([(False, "pml_progressing")])
    assert screen(profile(pml_progressing=True), (study,), AS_OF).verdicts == (ELIGIBLE,)


def test_statuses_in_the_contracts_words() -> None:
    study = driver.study(STUDY_RULES)
    (trial,) = screen(profile(pml_progressing=True, able_to_consent=False), (study,), AS_OF)
    assert [c.status for c in trial.criteria] == ["met", "not met", "unknown"]
    (trial,) = screen(profile(natalizumab_ever=True), (study,), AS_OF)
    assert trial.criteria[2].status == "applies"
    (trial,) = screen(profile(natalizumab_ever=False), (study,), AS_OF)
    assert trial.criteria[2].status == "does not apply"


# -- missing fields ------------------------------------------------------------------------------


def test_missing_fields_leave_out_what_cannot_matter() -> None:
    """In ``a or b`` with ``a`` true, ``b`` does not matter."""
    study = driver.study([(False, "pml_iris or hiv_positive"), (False, "age_years >= 18")])
    (trial,) = screen(profile(pml_iris=True), (study,), AS_OF)
    assert trial.verdict is NEEDS
    assert trial.missing_fields == ("age_years",)
    assert trial.criteria[0].value is True and trial.criteria[0].missing == ()
    assert trial.criteria[0].fields == {"pml_iris": True, "hiv_positive": None}


@pytest.mark.parametrize(
    ("rule", "given", "missing"),
    [
        ("pml_iris and hiv_positive", {}, ("hiv_positive", "pml_iris")),
        ("pml_iris and hiv_positive", {"pml_iris": True}, ("hiv_positive",)),
        ("pml_iris or hiv_positive", {"pml_iris": False}, ("hiv_positive",)),
        ("pml_iris or (hiv_positive and age_years > 1)", {"hiv_positive": False}, ("pml_iris",)),
        ("not (pml_iris and hiv_positive)", {"pml_iris": True}, ("hiv_positive",)),
        ("weight_kg / age_years > 1", {"weight_kg": 70.0}, ("age_years",)),
        ("sex == 'female' and pregnant_or_breastfeeding", {}, ("sex", "pregnant_or_breastfeeding")),
        ("days_since(pml_diagnosis_date) < 30 or pml_iris", {}, ("pml_diagnosis_date", "pml_iris")),
    ],
)
def test_missing_fields_of_an_undecided_criterion(
    rule: str, given: dict[str, Any], missing: tuple[str, ...]
) -> None:
    study = driver.study([(True, rule)])
    (trial,) = screen(profile(**given), (study,), AS_OF)
    assert trial.verdict is NEEDS
    # in the profile's declaration order, not the rule's
    assert trial.missing_fields == tuple(sorted(missing, key=_declared))
    assert trial.criteria[0].missing == trial.missing_fields


def _declared(key: str) -> int:
    from pml_trials.profile.fields import FIELDS

    return [s.key for s in FIELDS].index(key)


def test_a_decided_trial_has_no_missing_fields() -> None:
    study = driver.study([(False, "pml_progressing"), (False, "age_years >= 18")])
    (trial,) = screen(profile(pml_progressing=False), (study,), AS_OF)
    assert trial.verdict is INELIGIBLE
    assert trial.missing_fields == ()
    assert trial.criteria[1].missing == ("age_years",)  # the criterion itself is unknown


def test_division_by_zero_is_undecidable_with_nothing_missing() -> None:
    study = driver.study([(False, "age_years / gvhd_grade > 1")])
    (trial,) = screen(profile(age_years=40, gvhd_grade=0), (study,), AS_OF)
    assert trial.verdict is NEEDS
    assert trial.criteria[0].value is None
    assert trial.missing_fields == ()


# -- the date the rules count to ---------------------------------------------------------------

WINDOW = [(False, "days_since(pml_diagnosis_date) <= 30")]


def test_date_windows_count_to_the_screening_date() -> None:
    given = profile(screening_date=date(2026, 11, 25), pml_diagnosis_date=date(2026, 11, 1))
    result = screen(given, (driver.study(WINDOW),), date(2027, 6, 1))
    assert result.screening_date == date(2026, 11, 25)
    assert result.verdicts == (ELIGIBLE,)


def test_without_a_screening_date_they_count_to_the_runs_date() -> None:
    given = profile(pml_diagnosis_date=date(2026, 11, 1))
    early = screen(given, (driver.study(WINDOW),), date(2026, 11, 25))
    late = screen(given, (driver.study(WINDOW),), date(2027, 6, 1))
    assert (early.screening_date, early.verdicts) == (date(2026, 11, 25), (ELIGIBLE,))
    assert (late.screening_date, late.verdicts) == (date(2027, 6, 1), (INELIGIBLE,))
    assert screen(profile(screening_date=None), (), AS_OF).screening_date == AS_OF


def test_the_screening_date_named_in_a_rule_is_never_missing() -> None:
    study = driver.study([(False, "screening_date <= date('2026-12-31')"), (False, "pml_iris")])
    (trial,) = screen(profile(), (study,), date(2026, 11, 25))
    assert trial.criteria[0].value is True
    assert trial.criteria[0].fields == {"screening_date": date(2026, 11, 25)}
    assert trial.missing_fields == ("pml_iris",)
    (later,) = screen(profile(), (study,), date(2027, 1, 1))
    assert later.verdict is INELIGIBLE


# -- the result as a whole -------------------------------------------------------------------


def test_result_names_the_patient_and_keeps_the_study_order(studies: tuple[Study, ...]) -> None:
    result = screen(profile(), studies, AS_OF, source="in.jsonl:3")
    assert (result.patient_id, result.source) == ("p-1", "in.jsonl:3")
    assert [t.study.id for t in result] == [s.id for s in studies]
    assert result.trial(studies[-1].id).study is studies[-1]
    assert len(result.verdicts) == len(studies)


def test_screen_is_pure(studies: tuple[Study, ...], example_paths: list[Path]) -> None:
    for path in example_paths:
        given = validate_json(path.read_bytes())
        before = json.dumps(given, default=str, sort_keys=True)
        first = screen(given, studies, AS_OF)
        second = screen(given, studies, AS_OF)
        assert first.outcomes == second.outcomes
        assert json.dumps(given, default=str, sort_keys=True) == before


def test_an_empty_profile_needs_information_for_every_bundled_study(
    studies: tuple[Study, ...],
) -> None:
    result = screen(profile(), studies, AS_OF)
    assert set(result.verdicts) == {NEEDS}
    for trial in result:
        assert trial.missing_fields  # something to ask
        assert "screening_date" not in trial.missing_fields


def test_the_bundled_examples_get_their_expected_verdicts(studies: tuple[Study, ...]) -> None:
    for study in studies:
        outcomes = run_examples(study, AS_OF)
        assert outcomes, study.id
        failed = [o.example.name for o in outcomes if not o.passed]
        assert not failed, (study.id, failed)


def test_the_example_patients_show_every_verdict(
    studies: tuple[Study, ...], example_paths: list[Path]
) -> None:
    verdicts: set[Verdict] = set()
    for path in example_paths:
        given = validate_json(path.read_bytes())
        result = screen(given, studies, AS_OF)
        verdicts.update(result.verdicts)
        for trial in result:
            assert bool(trial.missing_fields) == (trial.verdict is NEEDS), (path.name, trial)
            assert all(given.get(key) is None for key in trial.missing_fields)
    assert verdicts == {ELIGIBLE, INELIGIBLE, NEEDS}
