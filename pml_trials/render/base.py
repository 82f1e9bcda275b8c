"""The shape every report format follows, so batch screening can stream any of them.

A run writes ``header()``, then for each patient ``emit(render(result))``, and for each
bad input ``problem(p)``, then ``footer(tally)`` (through ``closing(tally)``). ``render``
may run in a worker process, so it must be pure and return something small and
picklable (usually the text of that patient's part); ``emit``/``problem``/``footer`` run in the main process in
input order and return the text to write now ("" to hold it back, e.g. a terminal
table that is drawn at the end). Nothing here computes a verdict: every format renders
the same :class:`~pml_trials.engine.ScreeningResult`. The run's own types
(:class:`RunInfo`, :class:`InputProblem`, :class:`Tally`) live in :mod:`pml_trials.engine.run`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from pml_trials.engine import ScreeningResult
from pml_trials.engine.result import Outcome
from pml_trials.engine.run import InputProblem, RunInfo, Tally


@functools.cache
def _struct_profile() -> Callable[[Any], Mapping[str, Any]]:
    """:class:`~pml_trials.profile.fast.StructProfile`, imported on first use (msgspec:
    loaded by then, but not by a run that never decodes a batch line)."""
    from pml_trials.profile.fast import StructProfile

    return StructProfile


class ReportWriter:
    """Base class of the formats; subclasses override what they need."""

    def __init__(self, run: RunInfo) -> None:
        self.run = run

    def prepare(self) -> None:
        """Build now what rendering would build on first use (a compiled encoder): for a
        main process whose forked workers inherit this writer (:mod:`.batch.parallel`),
        which then builds it once rather than once per worker. The text is the same."""

    def header(self) -> str:
        return ""

    def render(self, result: ScreeningResult) -> Any:
        raise NotImplementedError

    def render_line(
        self,
        patient_id: str,
        source: str,
        profile: Mapping[str, Any],
        outcomes: tuple[Outcome, ...],
        today: date,
    ) -> Any:
        """``render`` of the result these make, for a batch's loop: a format that reads
        only these overrides it and no result object is built per patient."""
        return self.render(
            ScreeningResult(patient_id, today, profile, self.run.studies, outcomes, source)
        )

    def render_struct(
        self, patient_id: str, source: str, struct: Any, outcomes: tuple[Outcome, ...], today: date
    ) -> Any:
        """``render_line`` of a batch line msgspec decoded (a
        :func:`~pml_trials.profile.fast.line_struct`, unknown fields ``None``): seen as a
        profile, unless the format reads the Struct's attributes itself."""
        return self.render_line(patient_id, source, _struct_profile()(struct), outcomes, today)

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
