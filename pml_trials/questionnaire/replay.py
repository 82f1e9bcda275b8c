"""Answer the questionnaire from a profile that is already known (tests and the bench).

The real prompt loop (:func:`~pml_trials.questionnaire.loop.run`) is driven with the
lines a person reading the file would type: a checklist's ticked numbers (``n`` when
nothing applies, ``2u`` for an unknown item), a form's values one by one, ``u`` for a
field the file lacks. The record of every screen and field lets a caller check the rules
the questionnaire promises: each item shown could change an undecided trial when it was
shown, and it stopped as soon as nothing useful was left.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pml_trials.engine import ScreeningResult
from pml_trials.profile.fields import BY_KEY
from pml_trials.questionnaire.answers import format_value
from pml_trials.questionnaire.session import Session
from pml_trials.record import Record
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict


class Step(Record):
    """One field answered: the value given, and what was useful when it was shown."""

    key: str
    value: Any
    useful: frozenset[str]  # missing fields of the undecided trials, less the skipped ones


class Shown(Record):
    """One screen: its kind, the fields shown on it, and what was useful then."""

    kind: str
    keys: tuple[str, ...]
    useful: frozenset[str]


class Replay(Record):
    steps: tuple[Step, ...]
    result: ScreeningResult  # the screening when the questionnaire stopped
    left: frozenset[str]  # useful fields left at the end (empty when it stopped properly)
    screens: tuple[Shown, ...] = ()
    lines: tuple[str, ...] = ()  # every line typed, in order (the patient id not included)

    @property
    def keystrokes(self) -> int:
        """Characters typed, each Enter included."""
        return sum(len(line) + 1 for line in self.lines)


def useful_fields(result: ScreeningResult, skip: set[str]) -> frozenset[str]:
    """Fields whose answer could still change a verdict: the chooser's whole domain."""
    return frozenset(
        key
        for trial in result
        if trial.verdict is Verdict.NEEDS_INFORMATION
        for key in trial.missing_fields
        if key not in skip
    )


def typed(key: str, value: Any) -> str:
    """The shortest answer one would type for a value: a listed value by its number
    (``1`` for detected, ``1,6`` for a list), anything else as written."""
    spec = BY_KEY[key]
    if value is not None and spec.kind == "enum" and not spec.vocabulary:
        return str(spec.choices.index(value) + 1)
    if value is not None and spec.kind == "enum_list":
        return ",".join(str(spec.choices.index(v) + 1) for v in value)
    return format_value(spec, value)


def checklist_line(keys: Sequence[str], profile: Mapping[str, Any]) -> str:
    """What one would type at a checklist for these answers."""
    tokens: list[str] = []
    for number, key in enumerate(keys, 1):
        value = profile.get(key)
        if value is None:
            tokens.append(f"{number}u")
        elif value == BY_KEY[key].ticked:
            tokens.append(str(number))
    if len(tokens) == len(keys) and all(t.endswith("u") for t in tokens):
        return "u"
    return " ".join(tokens) or "n"


def replay(
    profile: Mapping[str, Any],
    studies: Sequence[Study],
    as_of: date,
    limit: int = 1000,
) -> Replay:
    """Run the questionnaire answering from ``profile`` (``patient_id`` is given, not
    asked; ``screening_date`` is kept, as ``--as-of`` would be)."""
    from rich.console import Console

    from pml_trials.questionnaire.loop import run

    start = {"patient_id": profile["patient_id"]}
    if profile.get("screening_date") is not None:
        start["screening_date"] = profile["screening_date"]
    steps: list[Step] = []
    screens: list[Shown] = []
    lines: list[str] = []
    pending: list[str] = []

    def watch(event: str, keys: tuple[str, ...], session: Session) -> None:
        useful = useful_fields(session.result, session.skip)
        if event not in ("item", "items"):
            screens.append(Shown(event, keys, useful))
        if event in ("form", "section"):
            return
        if event in ("checklist", "items"):
            pending.append(checklist_line(keys, profile))
        else:
            pending.append(typed(keys[0], profile.get(keys[0])))
        steps.extend(Step(key, profile.get(key), useful) for key in keys)

    def read(prompt: str) -> str:
        if not pending or len(lines) >= limit:
            raise EOFError
        lines.append(pending.pop(0))
        return lines[-1]

    console = Console(file=io.StringIO(), width=100, color_system=None)
    outcome = run(console, read, studies, as_of, start, (), watch)
    session = outcome.session
    assert session is not None
    left = useful_fields(session.result, session.skip)
    return Replay(tuple(steps), session.result, left, tuple(screens), tuple(lines))
