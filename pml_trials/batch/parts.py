"""A unit's part of the report as text, in input order: written by the main process
(:mod:`.run`) or, in its turn, by the worker that screened it (:mod:`.parallel`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from pml_trials.batch.screening import Joined
from pml_trials.batch.spool import Spooled
from pml_trials.engine.run import InputProblem
from pml_trials.record import Record
from pml_trials.render.base import ReportWriter


class Pieces(Record):
    """Consecutive patients' text, as rendered: a worker that writes the report itself
    writes them piece by piece (one string of a unit's 2-3 MB would make the allocator
    fault that memory in again every unit; see :class:`~.spool.Spooler`)."""

    parts: list[str]


def unit_parts(
    items: Iterable[object],
    writer: ReportWriter,
    seen: Callable[[InputProblem], None] | None = None,
) -> Iterator[str | Spooled]:
    """The report's text of a unit's items, in order (a :class:`Spooled` file stands for
    its text); ``seen`` is told of each problem as it comes. The main process writes it
    (:func:`.run.write_report`), or a worker does, in its turn (:mod:`.parallel`)."""
    rejected: list[InputProblem] = []
    for item in items:
        if isinstance(item, InputProblem):
            if rejected and rejected[0].source != item.source:
                yield writer.rejected(rejected)
                rejected = []
            if seen is not None:
                seen(item)
            rejected.append(item)
            continue
        if rejected:
            yield writer.rejected(rejected)
            rejected = []
        if isinstance(item, Joined):
            yield item.text
        elif isinstance(item, Pieces):
            yield from item.parts
        elif isinstance(item, Spooled):
            yield item
        else:
            yield writer.emit(item)
    if rejected:
        yield writer.rejected(rejected)
