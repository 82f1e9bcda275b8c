"""A batch from inputs to report: read, screen (here or in workers), write in order.

The report is written as it is produced: the header, then each unit's patients and
problems in input order, then the closing. Problems and duplicate ids also go to the
reporter (stderr), one line each. Nothing here stops for bad input; only a broken
worker or a criteria file changed mid-run ends a batch early.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from pml_trials.batch.duplicates import DuplicateIds
from pml_trials.batch.inputs import STDIN, Input
from pml_trials.batch.parts import unit_parts
from pml_trials.batch.progress import Reporter
from pml_trials.batch.read import BLOCK, WORKER_BLOCK, Source, peek, units
from pml_trials.batch.screening import Done, Screener
from pml_trials.batch.spool import Spooled
from pml_trials.engine.run import InputProblem, Tally
from pml_trials.errors import CriteriaError
from pml_trials.record import Record
from pml_trials.render.base import ReportWriter
from pml_trials.studies.model import Study

if TYPE_CHECKING:  # the workers' module is imported only for a batch that uses them
    from pml_trials.batch.parallel import WorkerSetup

# Below this much input one process is as fast: starting workers and loading the studies
# in each costs about what screening 20 MB of full profiles saves (bench/batch_scale.py).
PARALLEL_BYTES = 32 * 1_048_576
# Standard input cannot be measured, only read: this much, there at once, counts as large
# (held in memory until screened, so kept small).
STDIN_PEEK = 4 * 1_048_576


class Writable(Protocol):
    """Where the report goes (:class:`~.output.Output`)."""

    def write(self, text: str, /) -> None: ...

    def copy_file(self, path: str, /) -> None: ...

    def flush(self) -> None: ...


class Batch(Record):
    """One run: what to read, what to screen against, how to write it."""

    found: Sequence[Input | InputProblem]
    studies: Sequence[Study]
    as_of: date
    writer: ReportWriter
    setup: WorkerSetup | None  # how a worker process rebuilds the screener (None: no workers)


def choose_workers(
    requested: int, found: Sequence[Input | InputProblem], stdin: Source
) -> tuple[int, Source]:
    """``requested`` workers, or for 0 one process for small inputs and every CPU for
    large ones (PARALLEL_BYTES of files, or STDIN_PEEK of standard input read ahead);
    and the standard input to read from now."""
    if requested:
        return requested, stdin
    size = sum(item.size or 0 for item in found if isinstance(item, Input))
    if size < PARALLEL_BYTES and any(isinstance(i, Input) and i.path == STDIN for i in found):
        stdin, ahead = peek(stdin, STDIN_PEEK)
        size = PARALLEL_BYTES if ahead >= STDIN_PEEK else size + ahead
    if size < PARALLEL_BYTES:
        return 1, stdin
    from pml_trials.batch.parallel import cpu_count

    return cpu_count(), stdin


def run_batch(
    batch: Batch, workers: int, out: Writable, reporter: Reporter, stdin: Source
) -> Tally:
    """Screen every input and write the report; the tally counts patients and problems."""
    parallel = workers > 1
    work = units(batch.found, stdin, WORKER_BLOCK if parallel else BLOCK, spans=parallel)
    results: Iterator[Done]
    shared: int | None = None
    if not parallel:
        screener = Screener(batch.studies, batch.as_of, batch.writer)
        results = map(screener.process, work)
    else:
        from pml_trials.batch.parallel import WRITE_IN_TURN, can_write_in_turn, screen_in_workers

        assert batch.setup is not None, "a batch in workers needs their setup"
        if batch.setup.format in WRITE_IN_TURN and can_write_in_turn():
            shared = getattr(out, "shared_fd", lambda: None)()
        in_flight = 2 * workers + 2
        results = screen_in_workers(work, batch.setup, workers, in_flight, shared, batch.studies)
    try:
        study_ids = [s.id for s in batch.studies]
        return write_report(results, batch.writer, study_ids, out, reporter, shared is not None)
    finally:
        # Stop the workers and remove their spool folder now, whatever ended the batch
        # (an error, Ctrl-C, SIGTERM), not whenever the generator is collected.
        close = getattr(results, "close", None)
        if close is not None:
            close()


def write_report(
    results: Iterable[Done],
    writer: ReportWriter,
    study_ids: Sequence[str],
    out: Writable,
    reporter: Reporter,
    written: bool = False,
) -> Tally:
    """Write the header, each unit's part as it comes, and the closing; with
    ``written`` the workers write the units' parts themselves, in turn, to the same
    file (:mod:`.parallel`), and here only their problems are logged."""
    tally = Tally()
    duplicates = DuplicateIds()
    log = ProblemLog(reporter, tally)
    out.write(writer.header())
    if written:
        out.flush()  # before the first worker writes after it
    for done in results:
        if done.fatal:
            raise CriteriaError(done.fatal)
        if written:
            _log_unit(done, log)
        else:
            _write_unit(done, writer, out, log)
        _check_duplicates(done, duplicates, reporter)
        for verdicts, count in done.verdicts.items():
            tally.add_verdicts(study_ids, verdicts, count)
        reporter.advance(done.size, done.patient_count())
    log.close()
    for part in writer.closing(tally):
        out.write(part)
    return tally


class ProblemLog:
    """Problems on stderr: one line each, at most :data:`PER_INPUT` per input file (then
    one line with the count of the rest), and the count of invalid inputs (a profile
    with five problems is one invalid input)."""

    PER_INPUT = 20

    def __init__(self, reporter: Reporter, tally: Tally) -> None:
        self.reporter = reporter
        self.tally = tally
        self.source: str | None = None  # the input of the last problem
        self.file: str | None = None  # the file it is in
        self.shown = 0
        self.hidden = 0

    def add(self, problem: InputProblem) -> None:
        if problem.source != self.source:
            self.source = problem.source
            self.tally.problems += 1
        file = _file_of(problem.source)
        if file != self.file:
            self._flush()
            self.file = file
        if self.shown < self.PER_INPUT:
            self.shown += 1
            self.reporter.message(problem.line())
        else:
            self.hidden += 1

    def close(self) -> None:
        self._flush()

    def _flush(self) -> None:
        if self.hidden:
            self.reporter.message(
                f"{self.file}: {self.hidden:,} more problem{'s' if self.hidden != 1 else ''} "
                "in this input not shown here"
            )
        self.file, self.shown, self.hidden = None, 0, 0


_LINE = re.compile(r":\d+$")


def _file_of(source: str) -> str:
    """``data.jsonl`` for ``data.jsonl:12``."""
    return _LINE.sub("", source)


def _write_unit(done: Done, writer: ReportWriter, out: Writable, log: ProblemLog) -> None:
    """A unit's patients and problems as the writer emits them, in input order; the
    problems of one input go to the writer together."""
    parts: list[str] = []
    for part in unit_parts(done.items, writer, log.add):
        if isinstance(part, Spooled):
            out.write("".join(parts))
            parts = []
            out.copy_file(part.path)
        else:
            parts.append(part)
    out.write("".join(parts))


def _log_unit(done: Done, log: ProblemLog) -> None:
    """A unit a worker wrote to the report itself: only its problems, for stderr."""
    for item in done.items:
        if isinstance(item, InputProblem):
            log.add(item)


def _check_duplicates(done: Done, duplicates: DuplicateIds, reporter: Reporter) -> None:
    full = duplicates.full
    for patient_id, source, first in duplicates.check(done):
        reporter.message(
            f"{source}: patient_id: warning: '{patient_id}' is also the id in {first} "
            "(both were screened)"
        )
    if duplicates.full and not full:
        reporter.message(
            f"pml-trials: note: repeated patient ids are looked for among the first "
            f"{duplicates.limit:,} patients only"
        )
