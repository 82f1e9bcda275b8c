"""Messages and the progress bar, both on standard error.

The bar is shown only when the caller says standard error is a terminal, and only once
a run has lasted :data:`DELAY` seconds, so short runs, files and pipes never see it (nor
pay for importing rich). While it is shown, messages are printed above it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, TextIO

from pml_trials.stopping import critical
from pml_trials.terminal import safe_line

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

DELAY = 1.0  # seconds before a bar appears


class Reporter:
    """Writes one line per message to ``stream``; draws a bar of ``total`` bytes (None:
    unknown) when ``bar`` is true and the run is long."""

    def __init__(self, stream: TextIO, total: int | None = None, bar: bool = False) -> None:
        self.stream = stream
        self.total = total
        self.bar = bar
        self.started = time.monotonic()
        self.done = 0
        self.patients = 0
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def message(self, line: str) -> None:
        """One line; control characters from data are shown as escapes."""
        line = safe_line(line)
        if self._progress is not None:
            with critical():  # the bar's lock must not be left held
                self._progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            self.stream.write(line + "\n")

    def advance(self, size: int, patients: int) -> None:
        self.done += size
        self.patients += patients
        if not self.bar:
            return
        if self._progress is None:
            if time.monotonic() - self.started < DELAY:
                return
            self._start()
        assert self._progress is not None
        assert self._task is not None
        with critical():
            self._progress.update(self._task, completed=self.done, patients=self.patients)

    def close(self) -> None:
        if self._progress is not None:
            with critical():
                self._progress.stop()
            self._progress = None

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("screening"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[patients]:,} patients"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=self.stream, highlight=False),
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = self._progress.add_task("screening", total=self.total, patients=0)
        self._progress.start()
