"""The shape every report format follows, so batch screening can stream any of them.

A run writes ``header()``, then for each patient ``emit(render(result))``, and for each
bad input ``problem(p)``, then ``footer(tally)`` (through ``closing(tally)``). ``render``
may run in a worker process, so it must be pure and return something small and
picklable (usually the text of that patient's part); ``emit``/``problem``/``footer`` run in the main process in
input order and return the text to write now ("" to hold it back, e.g. a terminal
table that is drawn at the end). Nothing here computes a verdict: every format renders
the same :class:`~pml_trials.engine.ScreeningResult`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from pml_trials import DISCLAIMER, __version__
from pml_trials.engine import ScreeningResult
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
        for study_id, verdict in zip(study_ids, verdicts, strict=True):
            self.verdicts.setdefault(study_id, Counter())[verdict] += patients


class ReportWriter:
    """Base class of the formats; subclasses override what they need."""

    def __init__(self, run: RunInfo) -> None:
        self.run = run

    def header(self) -> str:
        return ""

    def render(self, result: ScreeningResult) -> Any:
        raise NotImplementedError

    def emit(self, chunk: Any) -> str:
        return str(chunk)

    def problem(self, problem: InputProblem) -> str:
        return ""

    def rejected(self, problems: Sequence[InputProblem]) -> str:
        """The text for one rejected input (every problem it has, all of one source)."""
        return "".join(self.problem(p) for p in problems)

    def footer(self, tally: Tally) -> str:
        return ""

    def closing(self, tally: Tally) -> Iterator[str]:
        """The footer in pieces; a format whose footer can be large (the JSON ``errors`` of
        a huge batch) streams it instead of building one string."""
        yield self.footer(tally)
