"""A batch line's one generated call gives what each study's own function gives.

A batch's loop calls :func:`pml_trials.studies.model.compile_line` once per line
instead of each study's ``evaluate``: the bundled studies, and generated studies that
share a definition name with different bodies (each file's definitions are its own),
on partial profiles.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pml_trials.profile.contradictions import plainly_consistent
from pml_trials.profile.fast import struct_of
from pml_trials.studies.load import load_dirs
from pml_trials.studies.model import Study, compile_line
from tests import rules_driver as driver
from tests import strategies as gen

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 25)
_BUNDLED = tuple(load_dirs([ROOT / "criteria"]).studies)


def _today(profile: dict[str, Any]) -> date:
    return profile.get("screening_date") or AS_OF


def _check_line(studies: tuple[Study, ...], profile: dict[str, Any]) -> None:
    """``compile_line(studies)`` on the profile's Struct gives each study's own outcome,
    its verdicts and the date counted to; or ``None`` exactly when the profile fails the
    validator's checks across fields (then the validator words why)."""
    profile = {"patient_id": "p-1", **profile}
    found = compile_line(studies)(struct_of(profile), AS_OF)
    if not plainly_consistent(profile, AS_OF):
        assert found is None
        return
    today = _today(profile)
    expected = tuple(study.evaluate(profile.get, today) for study in studies)
    assert found == (today, expected, tuple(verdict for verdict, _ in expected))


@settings(max_examples=200, deadline=None)
@given(
    first=st.lists(st.tuples(st.booleans(), gen.rules(2)), max_size=4),
    second=st.lists(st.tuples(st.booleans(), gen.rules(2)), max_size=4),
    bodies=st.tuples(gen.rules(1), gen.rules(1)),
    profile=gen.partial_profiles(),
)
def test_generated_studies_with_their_own_definitions(
    first: list[tuple[bool, str]],
    second: list[tuple[bool, str]],
    bodies: tuple[str, str],
    profile: dict[str, Any],
) -> None:
    studies = (
        driver.study([*first, (True, "def0 and not def0")], {"def0": bodies[0]}),
        driver.study([*second, (False, "def0 or def0")], {"def0": bodies[1]}),
        driver.study([]),  # no criteria: eligible
    )
    _check_line(studies, profile)


@settings(max_examples=200, deadline=None)
@given(
    rules=st.lists(st.tuples(st.booleans(), gen.rules(2)), min_size=1, max_size=4),
    bodies=st.tuples(gen.rules(1), gen.rules(1)),
    profile=gen.partial_profiles(),
)
def test_values_generated_again_are_computed_once_and_right(
    rules: list[tuple[bool, str]],
    bodies: tuple[str, str],
    profile: dict[str, Any],
) -> None:
    """The same rules and definitions in several studies are computed once (issue 20):
    each study still gets what its own function gives, with a definition of the same
    name and another body kept apart."""
    uses = [(True, "def0 and not def0"), (False, "def0 or def0")]
    studies = (
        driver.study([*rules, *uses], {"def0": bodies[0]}),
        driver.study([*uses, *rules], {"def0": bodies[0]}),
        driver.study([*rules, *uses], {"def0": bodies[1]}),
        driver.study(rules[::-1]),
    )
    _check_line(studies, profile)


@settings(max_examples=400, deadline=None)
@given(profile=gen.partial_profiles())
def test_a_batch_lines_one_call_gives_what_each_study_gives(profile: dict[str, Any]) -> None:
    _check_line(_BUNDLED, profile)
