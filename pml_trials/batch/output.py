"""Where the report goes: standard output, or a file replaced atomically.

``--output FILE`` is written to a temporary file beside it (``.FILE.<random>.part``) and
renamed over FILE only when the report is complete, so an interrupted or failed run
never leaves half a report, and a reader never sees one. The file holds patient data,
so it is created readable and writable by its owner only (mode 0600).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from pml_trials.errors import UsageError


class Output:
    """A text stream the report is written to, which can also take a file of UTF-8
    text whole (see :mod:`.spool`): copied inside the kernel where it can be."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.write(text)

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
    """Standard output, or the temporary file that becomes ``path`` on success."""
    if path is None:
        yield Output(sys.stdout)
        sys.stdout.flush()
        return
    import tempfile  # 1.5 ms: only for --output

    target = Path(path).absolute()
    if target.is_dir():
        raise UsageError("is a folder; give a file name for the report", source=path)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise UsageError(f"cannot write the report there: {reason}", source=path) from None
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield Output(handle)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
