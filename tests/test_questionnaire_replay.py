"""Issue 6: answering the questionnaire from a patient's file gives the file's verdicts,
asks only useful questions, and stops as soon as nothing useful is left."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pml_trials.engine import screen
from pml_trials.profile.validate import validate_json
from pml_trials.questionnaire.replay import replay
from pml_trials.studies.model import Study

AS_OF = date(2026, 11, 25)
EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / "patients").glob("*.json"))
NOT_CONFIRMED = {"ex-12-not-pml-ms-relapse", "ex-13-possible-pml-sarcoidosis"}


def test_the_examples_are_all_here(example_paths: list[Path]) -> None:
    assert example_paths == EXAMPLES
    assert {p.stem for p in EXAMPLES} >= NOT_CONFIRMED


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_replayed_verdicts_equal_screening_the_file(path: Path, studies: tuple[Study, ...]) -> None:
    profile = validate_json(path.read_bytes())
    run = replay(profile, studies, AS_OF)
    expected = screen(profile, studies, AS_OF)
    assert run.result.verdicts == expected.verdicts
    for got, want in zip(run.result, expected, strict=True):
        assert got.missing_fields == want.missing_fields
        # It stops at the first decisive criterion; the file may show more of them.
        reasons = {c.criterion.id for c in got.reasons}
        assert reasons <= {c.criterion.id for c in want.reasons}
        assert bool(reasons) == bool(want.reasons)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_question_was_useful_and_it_stopped_in_time(
    path: Path, studies: tuple[Study, ...]
) -> None:
    run = replay(validate_json(path.read_bytes()), studies, AS_OF)
    assert run.steps
    for step in run.steps:
        assert step.key in step.useful
    assert run.left == frozenset()
    assert len({s.key for s in run.steps}) == len(run.steps)


@pytest.mark.parametrize("stem", sorted(NOT_CONFIRMED))
def test_unconfirmed_pml_is_done_in_at_most_four_questions(
    stem: str, studies: tuple[Study, ...]
) -> None:
    path = next(p for p in EXAMPLES if p.stem == stem)
    run = replay(validate_json(path.read_bytes()), studies, AS_OF)
    assert len(run.steps) <= 4
    assert {s.key for s in run.steps} <= {
        "csf_jcv_pcr",
        "brain_biopsy_jcv",
        "mri_compatible_with_pml",
        "clinical_features_compatible_with_pml",
    }


@pytest.mark.parametrize("study_id", ["tcell-transfer", "checkpoint-inhibitor", "cmx001"])
def test_one_study_asks_only_its_own_fields(study_id: str, studies: tuple[Study, ...]) -> None:
    (study,) = [s for s in studies if s.id == study_id]
    for path in EXAMPLES:
        profile = validate_json(path.read_bytes())
        run = replay(profile, [study], AS_OF)
        assert {s.key for s in run.steps} <= set(study.fields)
        assert run.result.verdicts == screen(profile, [study], AS_OF).verdicts


def test_a_file_without_screening_date_uses_as_of(studies: tuple[Study, ...]) -> None:
    profile = {"patient_id": "r-1", "csf_jcv_pcr": "not_detected", "brain_biopsy_jcv": "negative"}
    run = replay(profile, studies, AS_OF)
    assert run.result.screening_date == AS_OF
    assert [s.key for s in run.steps] == ["csf_jcv_pcr", "brain_biopsy_jcv"]
    assert [s.value for s in run.steps] == ["not_detected", "negative"]
