"""Answer the questionnaire from a profile that is already known (tests and the bench).

Each question the chooser asks is answered with the profile's value, or "unknown" when
the profile does not have it. The record of every step lets a caller check the rules the
questionnaire promises: each question was useful when asked, and it stopped as soon as
nothing useful was left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pml_trials.engine import ScreeningResult
from pml_trials.questionnaire.session import Session
from pml_trials.record import Record
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict


class Step(Record):
    """One question: the field asked, the answer given, and what was useful just before."""

    key: str
    value: Any
    useful: frozenset[str]  # missing fields of the undecided trials, less the skipped ones


class Replay(Record):
    steps: tuple[Step, ...]
    result: ScreeningResult  # the screening when the questionnaire stopped
    left: frozenset[str]  # useful fields left at the end (empty when it stopped properly)


def useful_fields(result: ScreeningResult, skip: set[str]) -> frozenset[str]:
    """Fields whose answer could still change a verdict: the chooser's whole domain."""
    return frozenset(
        key
        for trial in result
        if trial.verdict is Verdict.NEEDS_INFORMATION
        for key in trial.missing_fields
        if key not in skip
    )


def replay(
    profile: Mapping[str, Any],
    studies: Sequence[Study],
    as_of: date,
    limit: int = 1000,
) -> Replay:
    """Run the questionnaire answering from ``profile`` (``patient_id`` is given, not
    asked; ``screening_date`` is kept, as ``--as-of`` would be)."""
    start = {"patient_id": profile["patient_id"]}
    if profile.get("screening_date") is not None:
        start["screening_date"] = profile["screening_date"]
    session = Session(studies, as_of, start)
    steps: list[Step] = []
    while (key := session.next_field()) is not None and len(steps) < limit:
        useful = useful_fields(session.result, session.skip)
        value = profile.get(key)
        steps.append(Step(key, value, useful))
        session.answer(key, value)
    left = useful_fields(session.result, session.skip)
    return Replay(tuple(steps), session.result, left)
