"""Which question to ask next: a pure function of the answers so far and the studies.

Only a field that is among the ``missing_fields`` of a still-undecided trial is ever a
candidate: any other answer could not change a verdict. Candidates are ranked by

1. how early, in each undecided trial's own criteria order, the first undecided
   criterion that needs the field stands (criteria files list the most selective
   criteria first, so the confirmed-PML diagnosis is asked before anything else), summed
   over the trials that need it: ``sum(1 / (1 + rank))``;
2. then the number of undecided trials that need it;
3. then the profile's declaration order.

When no candidate is left, every trial is decided (or only undecidable), and the
questionnaire stops.
"""

from __future__ import annotations

from collections.abc import Collection

from pml_trials.engine import ScreeningResult
from pml_trials.profile.fields import FIELDS
from pml_trials.verdict import Verdict

_ORDER = {spec.key: index for index, spec in enumerate(FIELDS)}


def rank_questions(result: ScreeningResult, skip: Collection[str] = ()) -> list[str]:
    """Every useful field, best first (empty when nothing can change a verdict).

    ``skip`` holds fields already asked and answered "unknown": asking again is useless.
    """
    weight: dict[str, float] = {}
    trials: dict[str, int] = {}
    for trial in result:
        if trial.verdict is not Verdict.NEEDS_INFORMATION:
            continue
        undecided = [c for c in trial.criteria if c.value is None]
        first_rank: dict[str, int] = {}
        for rank, criterion in enumerate(undecided):
            for key in criterion.missing:
                first_rank.setdefault(key, rank)
        for key, rank in first_rank.items():
            if key in skip:
                continue
            weight[key] = weight.get(key, 0.0) + 1.0 / (1 + rank)
            trials[key] = trials.get(key, 0) + 1
    return sorted(weight, key=lambda k: (-weight[k], -trials[k], _ORDER[k]))


def next_question(result: ScreeningResult, skip: Collection[str] = ()) -> str | None:
    """The field to ask about next, or ``None`` when no answer can change a verdict."""
    ranked = rank_questions(result, skip)
    return ranked[0] if ranked else None
