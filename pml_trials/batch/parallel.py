"""Screening units in worker processes, with results in input order and bounded memory.

A forked worker (Linux) inherits what it screens with, built once by the main process
before the pool forks: the studies, the report writer with its compiled parts and the
line function (:meth:`WorkerSetup.build`). Elsewhere each worker loads the studies
itself (compiled rules are functions and do not pickle) from the same folders, and
refuses to work if any selected file changed since the main process loaded it. The
main process submits a unit only while fewer than ``in_flight`` are pending and takes
results oldest first, so at most ``in_flight`` units and their results exist at once,
however long the input (``Pool.imap`` would read ahead without limit). Lines of
regular files go to workers as positions (:class:`~.read.Slice`), and large results
come back as files (:mod:`.spool`): neither crosses a pipe. Workers ignore Ctrl-C: the
main process stops them; they die with it however it dies (``PR_SET_PDEATHSIG``), and
never hold the caller's stdin or stdout. A worker that dies (killed, out of memory)
breaks the pool, and the run stops with an environment error (exit 4) rather than
waiting.

A csv or jsonl report going to ``--output FILE`` is written by the workers themselves,
each unit's part in its turn (:class:`Turns`): a worker that has rendered unit *k* waits
until unit *k-1* is written, writes its bytes to the report's file (inherited when the
pool forks, so every process writes at the one shared file position), and passes the
turn on. The main process writes the header before and the closing after, and otherwise
only logs problems and counts: no text goes through it (issue 20). The file is still the
temporary one that replaces FILE only once complete. A run that stops (an error, a
signal, a killed worker) tells the waiting workers to give up their turn.

The lines of a regular file reach the workers as :class:`~.read.Slice`: positions the
main process found by reading only around each cut. The worker that reads a slice counts
its lines and hands the number of the next line on to the next unit (:class:`Chain`),
which waits for it before screening: the main process neither reads nor counts the
file's bytes (issue 20: they were a third of its work in a batch in workers).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pml_trials.batch.parts import Pieces
from pml_trials.batch.read import TOO_LONG, LongLine, Slice, Unit, read_slice
from pml_trials.batch.screening import Done, Screener, join
from pml_trials.batch.spool import Spooler, spool_folder
from pml_trials.engine.run import InputProblem, RunInfo
from pml_trials.errors import CriteriaError, EnvironmentFailure, PmlTrialsError
from pml_trials.record import Record
from pml_trials.stopping import critical
from pml_trials.studies.model import Study

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.sharedctypes import Synchronized

    from pml_trials.render.base import ReportWriter
    from pml_trials.rules.codegen import LineFunction
    from pml_trials.verdict import Verdict

# The formats whose units' text a worker may write itself: text whose parts need nothing
# of the main process's writer (rejected rows and the footer do not depend on what was
# emitted). Others come back to the main process.
WRITE_IN_TURN = ("csv", "jsonl")
WAIT = 0.5  # seconds between looks at whether the run stopped, while waiting for a turn


class WorkerSetup(Record):
    """What a worker needs to build the same screener as the main process (picklable)."""

    criteria_dirs: tuple[str, ...]
    studies: tuple[tuple[str, str], ...]  # (id, sha256) of each study, in order
    as_of: date
    screened_at: str
    format: str
    within_km: float | None = None

    @classmethod
    def of(
        cls, dirs: Iterable[Path], studies: Iterable[Study], run: RunInfo, format: str
    ) -> WorkerSetup:
        return cls(
            tuple(str(d) for d in dirs),
            tuple((s.id, s.sha256) for s in studies),
            run.as_of,
            run.screened_at,
            format,
            run.within_km,
        )

    def screener(self, pack: Callable[[list[str]], Any] = join) -> Screener:
        return self.screener_and_writer(pack)[0]

    def screener_and_writer(
        self, pack: Callable[[list[str]], Any] = join, built: Built | None = None
    ) -> tuple[Screener, ReportWriter]:
        """The screener and its writer: from what the main process ``built`` before the
        workers forked (inherited), or else from the criteria folders, read again."""
        if built is not None:
            return Screener(built.studies, self.as_of, built.writer, pack, built.line), built.writer
        return self._loaded(pack)

    def build(self, studies: Sequence[Study]) -> Built:
        """What every worker would build for itself from these studies, built once here
        in the main process, for workers forked after it to inherit: the report writer
        with its compiled parts and the line function (issue 20: each worker built them
        on its first lines, 7 ms for csv and 25 ms for jsonl, and read and compiled the
        criteria again, 10 ms). The main process's own studies are the ones screened,
        so a criteria file changed on disk meanwhile cannot come between them."""
        from pml_trials.studies.model import compile_line

        studies = tuple(studies)
        writer = self._writer(studies)
        writer.prepare()
        return Built(studies, writer, compile_line(studies))

    def _writer(self, studies: Sequence[Study]) -> ReportWriter:
        from pml_trials.render.formats import writer_class

        run = RunInfo(list(studies), self.screened_at, self.as_of, within_km=self.within_km)
        return writer_class(self.format)(run)

    def _loaded(self, pack: Callable[[list[str]], Any]) -> tuple[Screener, ReportWriter]:
        from pml_trials.studies.load import load_dirs

        loaded = {s.id: s for s in load_dirs(Path(d) for d in self.criteria_dirs).studies}
        studies = []
        for study_id, digest in self.studies:
            study = loaded.get(study_id)
            if study is None or study.sha256 != digest:
                raise CriteriaError(
                    f"study '{study_id}' changed on disk while screening; run again",
                    source=str(study.path) if study else None,
                )
            studies.append(study)
        writer = self._writer(studies)
        return Screener(studies, self.as_of, writer, pack), writer


class Built:
    """The studies, the report writer and the line function, built by the main process
    for the workers it forks (:meth:`WorkerSetup.build`); never pickled."""

    def __init__(
        self, studies: tuple[Study, ...], writer: ReportWriter, line: LineFunction[Verdict]
    ) -> None:
        self.studies = studies
        self.writer = writer
        self.line = line


class _Waited:
    """What workers wait on: a condition, and a flag saying the run stopped. Shared by
    the main process and its workers."""

    def __init__(self, context: Any) -> None:
        self.stopped: Synchronized[int] = context.Value("b", 0)
        self.changed = context.Condition(context.Lock())

    def stop(self) -> None:
        """Tell every waiting worker that nothing will come. The flag is set first, so a
        worker sees it within WAIT even if the lock cannot be had (a worker killed while
        holding it)."""
        self.stopped.value = 1
        if self.changed.acquire(timeout=WAIT):
            try:
                self.changed.notify_all()
            finally:
                self.changed.release()


class Turns(_Waited):
    """Whose turn it is to write to the report: unit ``turn`` (numbered from 0 in input
    order), unless the run stopped. Shared by the main process and its workers."""

    def __init__(self, fd: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        super().__init__(context)
        self.fd = fd
        self.turn: Synchronized[int] = context.Value("q", 0)

    def write(self, number: int, parts: Iterable[str]) -> None:
        """Write ``parts`` (UTF-8) as unit ``number``'s text once every earlier unit's is
        written, in chunks of about :data:`CHUNK` bytes; nothing if the run stops first.
        A failed write stops the run (its error goes to the main process)."""
        with self.changed:
            while self.turn.value != number:
                if self.stopped.value:
                    return
                self.changed.wait(WAIT)
        try:
            chunk: list[bytes] = []
            size = 0
            for part in parts:
                data = part.encode("utf-8")
                chunk.append(data)
                size += len(data)
                if size >= CHUNK:
                    _write_all(self.fd, b"".join(chunk))
                    chunk, size = [], 0
            if chunk:
                _write_all(self.fd, b"".join(chunk))
        except BaseException:
            self.stop()
            raise
        with self.changed:
            self.turn.value = number + 1
            self.changed.notify_all()


CHUNK = 64 * 1024  # bytes per write(): under malloc's mmap threshold, so memory is reused


class Chain(_Waited):
    """The number of the first line of each unit that continues a file, handed on by the
    worker of the unit before it (numbered from 0 in input order): a ring of
    ``(unit, line)`` slots, larger than the units in flight, so that a slot is reused
    only once the unit that read it is done. Shared by the main process and its workers;
    a stopped run releases every worker waiting here."""

    def __init__(self, size: int, context: Any) -> None:
        super().__init__(context)
        self.size = size
        self.units = context.RawArray("q", [-1] * size)
        self.lines = context.RawArray("q", size)

    def first_line(self, number: int) -> int | None:
        """The number of unit ``number``'s first line, once the unit before it has
        handed it on; ``None`` if the run stopped first."""
        slot = number % self.size
        with self.changed:
            while self.units[slot] != number:
                if self.stopped.value:
                    return None
                self.changed.wait(WAIT)
            return int(self.lines[slot])

    def hand_on(self, number: int, line: int) -> None:
        """Unit ``number + 1`` starts at line ``line``."""
        slot = (number + 1) % self.size
        with self.changed:
            self.lines[slot] = line
            self.units[slot] = number + 1
            self.changed.notify_all()


def numbered(number: int, unit: Unit, chain: Chain | None) -> Unit | None:
    """A :class:`Slice` as its lines, numbered (reading it), and a :class:`LongLine` as
    its problem, each handing the next line's number on; any other unit as it is.
    ``None`` if the run stopped while this waited for its number."""
    if not isinstance(unit, Slice | LongLine):
        return unit
    assert chain is not None, "slices are numbered along a chain"
    first = 1 if unit.starts else chain.first_line(number)
    if first is None:
        return None
    if isinstance(unit, LongLine):
        chain.hand_on(number, first + 1)
        return InputProblem(f"{unit.label}:{first}", None, TOO_LONG)
    lines, newlines = read_slice(unit, first)
    chain.hand_on(number, first + newlines)  # before screening: the next unit waits
    return lines


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_screener: Screener | None = None
_writer: ReportWriter | None = None
_turns: Turns | None = None
_chain: Chain | None = None
_failure = "the worker process did not start"


def _start(
    setup: WorkerSetup,
    folder: str,
    parent: int,
    turns: Turns | None = None,
    chain: Chain | None = None,
    built: Built | None = None,
) -> None:
    global _screener, _writer, _turns, _chain, _failure
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):  # not the parent's unwinding handler
        signal.signal(signum, signal.SIG_DFL)
    _die_with(parent)
    _let_go_of_standard_streams()
    _turns, _chain = turns, chain
    try:  # a worker that writes in turn joins its text; else large text is spooled
        pack = Pieces if turns is not None else Spooler(folder).pack
        _screener, _writer = setup.screener_and_writer(pack, built)
    except PmlTrialsError as exc:
        _failure = exc.render()
    # What this worker built to start out of the collector's way, as what it inherited
    # is (below): a collection that went through them would copy their pages.
    gc.freeze()


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent: int) -> None:
    """Ask the kernel to kill this worker when the main process dies, however it dies
    (SIGKILL included): otherwise a worker blocked on its queue would live on forever.
    Where prctl is not available, the pool's own checks are all there is."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the main process died before prctl took effect
        os._exit(1)


def _let_go_of_standard_streams() -> None:
    """A worker writes nothing to stdout and reads nothing from stdin: point them at
    /dev/null, so that a worker never keeps the caller's pipe open (a pipeline reading
    pml-trials would otherwise wait for it)."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def _work(number: int, unit: Unit) -> Done:
    if _screener is None:
        return Done(fatal=_failure)
    found = numbered(number, unit, _chain)
    if found is None:  # the run stopped
        return Done()
    done = _screener.process(found)
    if isinstance(unit, Slice | LongLine):
        done.size = unit.length
    done.pack()  # two strings to pickle, not a tuple per patient
    return done


def _work_in_turn(number: int, unit: Unit) -> Done:
    """Screen the unit, write its part of the report in its turn, and send back only
    what the main process still needs: problems (for stderr), ids and counts."""
    done = _work(number, unit)
    if done.fatal or _turns is None or _writer is None:
        return done
    from pml_trials.batch.parts import unit_parts

    _turns.write(number, cast("Iterator[str]", unit_parts(done.items, _writer)))
    done.items = [item for item in done.items if isinstance(item, InputProblem)]
    return done


def can_write_in_turn() -> bool:
    """Whether workers can write to the report's file themselves: they share it by
    inheritance, so only where they are forked (Linux)."""
    import multiprocessing

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def cpu_count() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def screen_in_workers(
    units: Iterable[Unit],
    setup: WorkerSetup,
    workers: int,
    in_flight: int,
    shared_fd: int | None = None,
    studies: Sequence[Study] | None = None,
) -> Iterator[Done]:
    """Each unit's :class:`Done`, in the order of ``units``; large text comes as
    :class:`~.spool.Spooled` files, to be copied before the batch ends. With
    ``shared_fd`` (a regular file, its earlier text flushed) the workers write each
    unit's text there in turn instead, and the results hold only its problems. Forked
    workers given the main process's ``studies`` inherit what they screen with
    (:meth:`WorkerSetup.build`); others read the criteria folders again."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # 6 ms: only for large batches

    if shared_fd is not None and not can_write_in_turn():
        raise ValueError("workers can share the report's file only when forked")
    turns = Turns(shared_fd) if shared_fd is not None else None
    context = multiprocessing.get_context("fork") if turns else None
    chain = Chain(2 * in_flight + 2, context or multiprocessing.get_context())
    forked = (context or multiprocessing.get_context()).get_start_method() == "fork"
    built = setup.build(studies) if studies is not None and forked else None
    if forked:
        # The inherited objects out of the collector's way: its collections in each
        # worker wrote to them, copying their pages (issue 20: ~1,100 fewer page faults
        # in a 100,000-line batch in 2 workers, of ~10,000 beyond start-up).
        gc.freeze()
    with spool_folder() as folder:
        pool = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_start,
            initargs=(setup, folder, os.getpid(), turns, chain, built),
        )
        from concurrent.futures.process import BrokenProcessPool

        try:
            yield from _ordered(pool, units, in_flight, turns, chain)
        except BrokenProcessPool:  # raised by submit() or result(), whichever comes first
            raise EnvironmentFailure(
                "a worker process was killed (by the system's out-of-memory killer or a "
                "signal), so the batch stopped before the end (an --output file is left as "
                "it was). Run again with fewer workers (-w) or more memory"
            ) from None


def _ordered(
    pool: ProcessPoolExecutor,
    units: Iterable[Unit],
    in_flight: int,
    turns: Turns | None,
    chain: Chain,
) -> Iterator[Done]:
    pending: deque[Future[Done] | Done] = deque()
    try:
        for number, unit in enumerate(units):
            if isinstance(unit, InputProblem) and turns is None:  # it keeps its place
                pending.append(Done(items=[unit]))
            else:  # when workers write, a problem's row is written in its turn too
                with critical():  # a signal here would leave the pool's lock held
                    if turns is None:
                        pending.append(pool.submit(_work, number, unit))
                    else:
                        pending.append(pool.submit(_work_in_turn, number, unit))
            while len(pending) >= in_flight:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        # After an error or Ctrl-C, drop what has not started; what runs ends in ms
        # (a worker waiting for the turn of a unit that will not run gives up).
        with critical():
            chain.stop()
            if turns is not None:
                turns.stop()
            pool.shutdown(wait=True, cancel_futures=True)


def _result(pending: Future[Done] | Done) -> Done:
    """The unit's result, waited for outside any critical section: a SIGTERM while a
    unit is screened (or stuck: a worker waiting for a number that never comes) stops
    the run at once. Only taking the finished result holds signals."""
    if isinstance(pending, Done):
        return pending
    from concurrent.futures import wait

    wait((pending,))  # holds no lock of the pool's (the future's own only briefly)
    with critical():
        return pending.result()
