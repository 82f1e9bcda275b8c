"""Issue 4: what the bundled criteria files must hold."""

from __future__ import annotations

from datetime import date

import pytest

from pml_trials.engine.examples import run_examples
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

DIAGNOSIS = {
    "clinical_features_compatible_with_pml",
    "mri_compatible_with_pml",
    "csf_jcv_pcr",
    "brain_biopsy_jcv",
}
CATEGORIES = {
    "tcell-transfer": "t-cell-transfer",
    "checkpoint-inhibitor": "checkpoint-inhibitor",
    "cmx001": "antiviral",
}


def test_the_three_studies_are_bundled_with_their_categories(studies: tuple[Study, ...]) -> None:
    assert {s.id: s.category for s in studies} == CATEGORIES


@pytest.mark.parametrize("study_id", sorted(CATEGORIES))
def test_each_study_is_complete(studies: tuple[Study, ...], study_id: str) -> None:
    study = next(s for s in studies if s.id == study_id)
    assert len(study.criteria) >= 8
    assert study.path.stem == study.id
    assert study.last_reviewed == date(2026, 12, 2)
    assert "\n\n" not in study.summary, "the summary is one paragraph"
    for criterion in study.criteria:
        assert criterion.text and study.source(criterion.source) is not None
    for source in study.sources:
        assert (
            source.url is None
            or source.url.startswith("https://")
            or source.url.startswith("http://")
        )


@pytest.mark.parametrize("study_id", sorted(CATEGORIES))
def test_each_study_requires_confirmed_pml_first(studies: tuple[Study, ...], study_id: str) -> None:
    study = next(s for s in studies if s.id == study_id)
    first = study.criteria[0]
    assert first.kind == "inclusion"
    assert set(first.fields) == DIAGNOSIS


@pytest.mark.parametrize("study_id", sorted(CATEGORIES))
def test_each_study_has_examples_of_every_verdict(
    studies: tuple[Study, ...], study_id: str
) -> None:
    study = next(s for s in studies if s.id == study_id)
    assert len(study.examples) >= 6
    assert {e.expect for e in study.examples} == set(Verdict)
    outcomes = run_examples(study, date(2026, 11, 25))
    assert all(o.passed for o in outcomes), [o.example.name for o in outcomes if not o.passed]


@pytest.mark.parametrize("study_id", sorted(CATEGORIES))
def test_eligible_examples_know_every_field_the_study_reads(
    studies: tuple[Study, ...], study_id: str
) -> None:
    study = next(s for s in studies if s.id == study_id)
    for example in study.examples:
        if example.expect is Verdict.ELIGIBLE:
            result = next(iter(run_examples_one(study, example.profile)))
            assert all(c.value is not None for c in result.criteria), example.name


def run_examples_one(study: Study, profile: dict[str, object]):  # type: ignore[no-untyped-def]
    from pml_trials.engine import screen

    return screen(profile, (study,), date(2026, 11, 25))


@pytest.mark.parametrize("study_id", sorted(CATEGORIES))
def test_borrowed_or_interpreted_criteria_say_so(studies: tuple[Study, ...], study_id: str) -> None:
    """Every criterion either quotes a source that states it or carries a note."""
    study = next(s for s in studies if s.id == study_id)
    with_notes = [c for c in study.criteria if c.note]
    assert len(with_notes) >= len(study.criteria) // 2
