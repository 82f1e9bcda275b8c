"""The memo behind missing_fields gives exactly what the reference interpreter gives."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given

from pml_trials.engine import result as engine_result
from pml_trials.engine import screen
from pml_trials.rules.interpret import evaluate
from pml_trials.studies.model import Study
from tests.strategies import partial_profiles

AS_OF = date(2026, 11, 25)


def fresh(study: Study, values: tuple[bool | None, ...], profile: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    today = profile.get("screening_date") or AS_OF
    for criterion, value in zip(study.criteria, values, strict=True):
        if value is None:
            found |= evaluate(criterion.node, profile.get, today)[1]
    return found


@given(first=partial_profiles(), second=partial_profiles())
def test_remembered_missing_fields_equal_the_interpreter(
    studies: tuple[Study, ...], first: dict[str, Any], second: dict[str, Any]
) -> None:
    for profile in (first, second, first):  # the third is answered from the memo
        for trial in screen(profile, studies, AS_OF):
            if trial.verdict.value == "needs-information":
                assert set(trial.missing_fields) == fresh(trial.study, trial.values, profile)
                for c in trial.criteria:
                    assert set(c.missing) == (
                        evaluate(c.criterion.node, profile.get, trial.screening_date)[1]
                        if c.value is None
                        else set()
                    )


def test_the_memo_stays_bounded(studies: tuple[Study, ...]) -> None:
    engine_result._MEMO.clear()
    for age in range(engine_result._MEMO_LIMIT // 3 + 50):  # each age a new key per criterion
        for trial in screen(
            {"patient_id": "p", "age_years": age % 121, "weight_kg": 1 + age}, studies, AS_OF
        ):
            _ = trial.missing_fields
    assert 0 < len(engine_result._MEMO) <= engine_result._MEMO_LIMIT
