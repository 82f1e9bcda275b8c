"""SIGTERM and SIGHUP handled as Ctrl-C is: the run unwinds, so every ``finally`` runs.

A terminal closed, an SSH session dropped or ``kill`` would otherwise end the process on
the spot: a batch would leave its temporary report and spool folder behind, and the
questionnaire would lose every answer. With :func:`unwind_on_signals` the signal raises
:class:`Stopped` (a ``KeyboardInterrupt``) where the program is, so the same cleanup and
recovery paths as Ctrl-C run. A second signal while that cleanup runs is ignored, so it
cannot cut the recovery file short.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

NAMES: dict[int, str] = {
    signal.SIGTERM: "SIGTERM",
    signal.SIGHUP: "hang-up (SIGHUP)",
    signal.SIGINT: "interrupt",
}


class Stopped(KeyboardInterrupt):
    """The process was asked to stop by ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(NAMES.get(signum, f"signal {signum}"))
        self.signum = signum

    @property
    def name(self) -> str:
        return NAMES.get(self.signum, f"signal {self.signum}")


_held: list[int] = []  # signals received inside a critical section, raised at its end
_depth = 0  # how many critical sections the main thread is in


def _raise(signum: int, frame: FrameType | None) -> None:
    for other in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)  # the cleanup must not be cut short
    if _depth:
        _held.append(signum)  # raised where it is safe: see critical()
        return
    raise Stopped(signum)


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """Code that a signal must not interrupt halfway: a process pool's submit, result
    and shutdown hold locks that an exception raised inside them would leave held (the
    cleanup would then wait forever), and a progress bar holds its own. A SIGTERM or
    SIGHUP arriving inside is held, and raised as :class:`Stopped` when the outermost
    critical section ends (in place of any other exception it ends with)."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _held:
            signum = _held.pop()
            _held.clear()
            raise Stopped(signum)


def unwind_on_signals() -> None:
    """From now on SIGTERM and SIGHUP raise :class:`Stopped` (unless they were ignored
    when the process started, as ``nohup`` does: that choice is kept)."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise)


def exit_code(exc: KeyboardInterrupt) -> int:
    """The shell's code for a run ended by a signal: 128 + its number (130 for Ctrl-C)."""
    return 128 + (exc.signum if isinstance(exc, Stopped) else signal.SIGINT)
