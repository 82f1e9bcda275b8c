"""Where the report goes: standard output, or ``--output FILE``.

A file is written as :mod:`pml_trials.files.write` writes every file: to a temporary
file beside it, renamed over FILE only when the report is complete (mode 0600), so an
interrupted or failed run never leaves half a report and a reader never sees one; a
device or FIFO is written straight through.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


class Output:
    """A text stream the report is written to, which can also take a file of UTF-8
    text whole (see :mod:`.spool`): copied inside the kernel where it can be."""

    def __init__(self, stream: TextIO, shared: bool = False) -> None:
        self.stream = stream
        self.shared = shared

    def write(self, text: str) -> None:
        self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def shared_fd(self) -> int | None:
        """The file descriptor workers may write their parts of the report to, in turn
        (:mod:`.parallel`): only a regular file that this run creates (``--output``,
        written as UTF-8 without newline translation), never standard output (workers
        must not hold the caller's pipe or terminal)."""
        if not self.shared:
            return None
        try:
            fd = self.stream.fileno()
            regular = stat.S_ISREG(os.fstat(fd).st_mode)
        except (OSError, ValueError):
            return None
        return fd if regular else None

    def copy_file(self, path: str) -> None:
        """Append the file's text, then delete the file."""
        self.stream.flush()
        with Path(path).open("rb") as source:
            if not self._sendfile(source.fileno()):
                source.seek(0)
                self.stream.write(source.read().decode("utf-8"))
        Path(path).unlink()

    def _sendfile(self, source: int) -> bool:
        """Whether the whole file went out with ``os.sendfile`` (False: nothing did)."""
        encoding = (getattr(self.stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" or not hasattr(os, "sendfile"):
            return False
        try:
            target = self.stream.fileno()
        except (OSError, ValueError):  # e.g. a stream in memory (tests)
            return False
        size, offset = os.fstat(source).st_size, 0
        while offset < size:
            try:
                offset += os.sendfile(target, source, offset, size - offset)
            except OSError:
                if offset:
                    raise
                return False  # not supported between these two: copy by hand
        return True


@contextlib.contextmanager
def report_stream(path: str | None) -> Iterator[Output]:
    """Standard output, or the stream that becomes ``path`` on success
    (:func:`pml_trials.files.write.open_output`)."""
    if path is None or path == "-":
        yield Output(sys.stdout)
        sys.stdout.flush()
        return
    from pml_trials.files.write import open_output

    with open_output(Path(path), what="the report") as handle:
        # a text stream: UTF-8, newline="" (files.write), so workers may write bytes to it
        yield Output(handle, shared=True)  # type: ignore[arg-type]
