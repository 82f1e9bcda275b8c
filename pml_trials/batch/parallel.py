"""Screening units in worker processes, with results in input order and bounded memory.

Each worker loads the studies itself (compiled rules are functions and do not pickle)
from the same folders, and refuses to work if any selected file changed since the main
process loaded it. The main process submits a unit only while fewer than ``in_flight``
are pending and takes results oldest first, so at most ``in_flight`` units and their
results exist at once, however long the input (``Pool.imap`` would read ahead without
limit). Lines of regular files go to workers as positions (:class:`~.read.Span`), and
large results come back as files (:mod:`.spool`): neither crosses a pipe. Workers
ignore Ctrl-C: the main process stops them; they die with it however it dies
(``PR_SET_PDEATHSIG``), and never hold the caller's stdin or stdout. A worker that dies
(killed, out of memory) breaks the pool, and the run stops with an environment error
(exit 4) rather than waiting.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pml_trials.batch.read import Unit
from pml_trials.batch.screening import Done, Screener, join
from pml_trials.batch.spool import Spooler, spool_folder
from pml_trials.engine.run import InputProblem, RunInfo
from pml_trials.errors import CriteriaError, EnvironmentFailure, PmlTrialsError
from pml_trials.record import Record
from pml_trials.stopping import critical
from pml_trials.studies.model import Study

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor


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
        from pml_trials.render.formats import writer_class
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
        run = RunInfo(studies, self.screened_at, self.as_of, within_km=self.within_km)
        return Screener(studies, self.as_of, writer_class(self.format)(run), pack)


_screener: Screener | None = None
_failure = "the worker process did not start"


def _start(setup: WorkerSetup, folder: str, parent: int) -> None:
    global _screener, _failure
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):  # not the parent's unwinding handler
        signal.signal(signum, signal.SIG_DFL)
    _die_with(parent)
    _let_go_of_standard_streams()
    try:
        _screener = setup.screener(Spooler(folder).pack)
    except PmlTrialsError as exc:
        _failure = exc.render()


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


def _work(unit: Unit) -> Done:
    if _screener is None:
        return Done(fatal=_failure)
    return _screener.process(unit)


def cpu_count() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def screen_in_workers(
    units: Iterable[Unit], setup: WorkerSetup, workers: int, in_flight: int
) -> Iterator[Done]:
    """Each unit's :class:`Done`, in the order of ``units``; large text comes as
    :class:`~.spool.Spooled` files, to be copied before the batch ends."""
    from concurrent.futures import ProcessPoolExecutor  # 6 ms: only for large batches

    with spool_folder() as folder:
        pool = ProcessPoolExecutor(
            workers, initializer=_start, initargs=(setup, folder, os.getpid())
        )
        from concurrent.futures.process import BrokenProcessPool

        try:
            yield from _ordered(pool, units, in_flight)
        except BrokenProcessPool:  # raised by submit() or result(), whichever comes first
            raise EnvironmentFailure(
                "a worker process was killed (by the system's out-of-memory killer or a "
                "signal), so the batch stopped before the end (an --output file is left as "
                "it was). Run again with fewer workers (-w) or more memory"
            ) from None


def _ordered(pool: ProcessPoolExecutor, units: Iterable[Unit], in_flight: int) -> Iterator[Done]:
    pending: deque[Future[Done] | Done] = deque()
    try:
        for unit in units:
            if isinstance(unit, InputProblem):  # nothing to screen: it keeps its place
                pending.append(Done(items=[unit]))
            else:
                with critical():  # a signal here would leave the pool's lock held
                    pending.append(pool.submit(_work, unit))
            while len(pending) >= in_flight:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        # After an error or Ctrl-C, drop what has not started; what runs ends in ms.
        with critical():
            pool.shutdown(wait=True, cancel_futures=True)


def _result(pending: Future[Done] | Done) -> Done:
    if isinstance(pending, Done):
        return pending
    with critical():  # SIGTERM while waiting: raised once the unit is back (ms)
        return pending.result()
