"""What a screening run reports besides each patient's result: the run's facts, the
inputs that could not be screened, and the verdict counts.

Batch screening produces these and every output format renders them, so they live
below both (issue 14): pure data, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from pml_trials import DISCLAIMER, __version__
from pml_trials.engine.result import ScreeningResult
from pml_trials.record import Record, field
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict


class RunInfo(Record):
    """What a report says about the run as a whole."""

    studies: Sequence[Study]
    screened_at: str  # ISO 8601 UTC timestamp, e.g. 2026-11-25T19:20:00Z
    as_of: date
    tool_version: str = __version__
    disclaimer: str = DISCLAIMER
    within_km: float | None = None  # screen --within: leave out trials with every site farther


class InputProblem(Record):
    """One invalid or unreadable input: ``source`` is ``path`` or ``path:line``."""

    source: str
    field: str | None
    message: str

    def line(self) -> str:
        """``path[:line]: field: what is wrong (allowed: ...)``, as printed on stderr."""
        return ": ".join(p for p in (self.source, self.field, self.message) if p)


class Tally(Record, frozen=False):
    """Counts for the closing summary line."""

    patients: int = 0
    problems: int = 0
    verdicts: dict[str, Counter[Verdict]] = field(default_factory=dict)  # by study id

    def add(self, result: ScreeningResult) -> None:
        self.add_verdicts([study.id for study in result.studies], result.verdicts)

    def add_verdicts(
        self, study_ids: Sequence[str], verdicts: Sequence[Verdict], patients: int = 1
    ) -> None:
        """Count ``patients`` patients who each got ``verdicts`` (one per study id): a batch
        screened in worker processes sends back counts, not results."""
        self.patients += patients
        counts = self.verdicts
        for study_id, verdict in zip(study_ids, verdicts, strict=True):
            counter = counts.get(study_id)
            if counter is None:  # not setdefault: that builds a Counter on every call
                counter = counts[study_id] = Counter()
            counter[verdict] += patients


def counted(number: int, noun: str) -> str:
    """``1 patient``, ``2,001 patients``: the count and its noun, in every message."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
