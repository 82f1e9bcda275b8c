"""Issue 16: the next steps across trials are the engine's missing fields, grouped by the
action each field declares, and ordered by how many undecided trials they could decide."""

from __future__ import annotations

import functools
import itertools
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pml_trials.engine import ScreeningResult, screen
from pml_trials.engine.missing import fields_of
from pml_trials.engine.next_steps import (
    NextStep,
    actions_by_answered,
    actions_by_masks,
    actions_by_trial,
    answered_actions,
    next_steps,
    ranked_actions,
    steps_for,
)
from pml_trials.profile.fields import ACTIONS, BY_KEY, FIELDS, FieldSpec, action_of
from pml_trials.profile.validate import validate_json
from pml_trials.studies.load import bundled_dir, load_dirs
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict
from tests.strategies import missing_masks, partial_profiles

AS_OF = date(2026, 11, 25)


def check_against_missing_fields(result: ScreeningResult) -> tuple[NextStep, ...]:
    """Every invariant the next steps promise, against the per-trial missing fields."""
    steps = next_steps(result)
    undecided = [t for t in result if t.verdict is Verdict.NEEDS_INFORMATION]
    missing = {key for t in undecided for key in t.missing_fields}
    listed = [key for step in steps for key in step.fields]
    assert sorted(listed) == sorted(missing)  # the same set, each field exactly once
    for step in steps:
        assert {action_of(BY_KEY[key])[0] for key in step.fields} == {step.action}
        assert step.text == action_of(BY_KEY[step.fields[0]])[1]
        expected = [t.study.id for t in undecided if set(t.missing_fields) & set(step.fields)]
        assert list(step.trials) == expected
        assert list(step.fields) == [s.key for s in FIELDS if s.key in step.fields]
    counts = [len(step.trials) for step in steps]
    assert counts == sorted(counts, reverse=True)
    order = list(ACTIONS)
    for before, after in itertools.pairwise(steps):
        if len(before.trials) == len(after.trials):
            assert order.index(before.action) < order.index(after.action)
    return steps


def test_every_field_declares_an_action_and_every_action_is_used() -> None:
    assert [s.key for s in FIELDS if s.action not in ACTIONS] == []
    assert set(ACTIONS) == {s.action for s in FIELDS}
    shared = [a for a in ACTIONS if sum(s.action == a for s in FIELDS) > 1]
    assert {"jcv", "hla", "cd4"} <= set(shared)  # several fields, one order or one test


def test_a_field_without_a_declared_action_is_its_own_step() -> None:
    spec = FieldSpec("site_extra", "boolean", "Site", "Any site-specific finding?", "")
    assert action_of(spec) == ("ask:site_extra", "ask: Any site-specific finding?")


def test_next_steps_match_the_missing_fields_of_every_example_patient(
    studies: tuple[Study, ...], example_paths: list[Path]
) -> None:
    seen_some = 0
    for path in example_paths:
        profile = validate_json(path.read_bytes(), source=path.name)
        steps = check_against_missing_fields(screen(profile, studies, AS_OF, path.name))
        seen_some += bool(steps)
    assert seen_some >= 4  # the examples do exercise the grouping


def test_an_empty_profile_starts_with_the_diagnosis_for_every_trial(
    studies: tuple[Study, ...],
) -> None:
    result = screen({"patient_id": "p-1"}, studies, AS_OF)
    steps = check_against_missing_fields(result)
    first = steps[0]
    assert first.action == "jcv"
    assert set(first.fields) == {
        "csf_jcv_pcr",
        "brain_biopsy_jcv",
    }  # the load only counts once detected
    assert set(first.trials) == {s.id for s in studies}
    hla = next(s for s in steps if s.action == "hla")
    assert set(hla.fields) <= {"hla_typing_available", "matched_donor_available"}
    assert "tcell-transfer" in hla.trials


def test_a_decided_patient_has_no_next_steps(studies: tuple[Study, ...]) -> None:
    path = Path(__file__).resolve().parent.parent / "examples/patients/ex-08-icl.json"
    result = screen(validate_json(path.read_bytes()), studies, AS_OF)
    assert set(result.verdicts) == {Verdict.ELIGIBLE}
    assert next_steps(result) == ()


@functools.cache
def _bundled() -> tuple[Study, ...]:
    return tuple(load_dirs([bundled_dir()]).studies)


@given(partial_profiles())
def test_next_steps_match_the_missing_fields_of_any_profile(profile: dict[str, Any]) -> None:
    check_against_missing_fields(screen(profile, _bundled(), AS_OF))


_KEYS = [spec.key for spec in FIELDS if spec.kind != "id"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["cmx001", "tcell-transfer", "checkpoint-inhibitor", "t4", "t5"]),
            st.lists(st.sampled_from(_KEYS), min_size=1, max_size=12, unique=True),
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda pair: pair[0],
    )
)
def test_actions_by_trial_are_the_steps_that_name_each_trial(
    pairs: list[tuple[str, list[str]]],
) -> None:
    """The CSV's next-step keys per trial, computed without building the steps, are what
    the steps give (fields in declaration order, as missing_fields holds them)."""
    order = {spec.key: index for index, spec in enumerate(FIELDS)}
    undecided = tuple(
        (trial_id, tuple(sorted(keys, key=order.__getitem__))) for trial_id, keys in pairs
    )
    steps = steps_for(undecided)
    expected = tuple(
        " ".join(s.action for s in steps if trial_id in s.trials) for trial_id, _ in undecided
    )
    assert actions_by_trial(undecided) == expected
    assert actions_by_trial(undecided) == expected  # remembered


@given(missing_masks())
def test_actions_by_masks_are_the_actions_by_trial(masks: tuple[int, ...]) -> None:
    """The CSV's next-step keys from each trial's missing fields as a mask (an empty
    list: a decided trial, or one undecided with no missing field) are what
    ``actions_by_trial`` gives for the trials with missing fields; "" for the others."""
    ids = [f"t{number}" for number in range(len(masks))]
    asked = [number for number, mask in enumerate(masks) if mask]
    words = actions_by_trial(tuple((ids[n], fields_of(masks[n])) for n in asked))
    expected = dict(zip(asked, words, strict=True))
    assert actions_by_masks(masks) == tuple(expected.get(n, "") for n in range(len(masks)))


@given(missing_masks())
def test_actions_by_answered_are_the_actions_by_masks(masks: tuple[int, ...]) -> None:
    """The CSV's next-step keys from the actions each trial needs (one look-up per
    missing field, issue 20) are what ``actions_by_masks`` gives from the masks, and the
    actions a mask needs are the ranked actions answering one of its fields."""
    for mask in masks:
        expected = sum(
            1 << place for place, (_, fields) in enumerate(ranked_actions()) if mask & fields
        )
        assert answered_actions(mask) == expected
    answered = tuple(map(answered_actions, masks))
    assert actions_by_answered(answered) == actions_by_masks(masks)


@given(missing_masks(3))
def test_the_json_next_steps_from_masks_are_the_steps(masks: tuple[int, ...]) -> None:
    """jsonl's ``next_steps`` text, built from each trial's missing-field mask (and
    remembered by the masks), is the contract's objects of ``steps_for``."""
    from pml_trials.render.json_writer import ResultEncoder, _compact, step_object

    studies = _bundled()[: len(masks)]
    undecided = tuple(
        (study.id, fields_of(mask)) for study, mask in zip(studies, masks, strict=True) if mask
    )
    expected = _compact([step_object(step) for step in steps_for(undecided)])
    encoder = ResultEncoder(studies)
    assert encoder._steps(masks) == expected
    assert encoder._steps(masks) == expected  # remembered
