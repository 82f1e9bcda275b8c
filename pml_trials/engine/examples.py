"""Run a study's own ``[[example]]`` cases (``pml-trials check``)."""

from __future__ import annotations

from datetime import date

from pml_trials.engine import TrialResult, screen
from pml_trials.record import Record
from pml_trials.studies.model import Example, Study


class ExampleOutcome(Record):
    study: Study
    example: Example
    result: TrialResult

    @property
    def passed(self) -> bool:
        return self.result.verdict is self.example.expect


def run_examples(study: Study, as_of: date) -> list[ExampleOutcome]:
    """Screen each example against its own study only."""
    outcomes = []
    for example in study.examples:
        result = next(iter(screen(example.profile, (study,), as_of)))
        outcomes.append(ExampleOutcome(study, example, result))
    return outcomes
