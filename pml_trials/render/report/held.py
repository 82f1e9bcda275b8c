"""A batch report's patient pages, held back while the overview above them is written.

The overview comes first on paper, but a batch streams: each patient's pages go to a
spooled temporary file (in memory up to 8 MiB, then on disk, readable by its owner only,
deleted when closed) and are copied out, in input order, once the overview is complete.
Memory stays flat however many patients a registry holds.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO


class Held:
    """Text written now, read back once in :meth:`drain`."""

    def __init__(self) -> None:
        self._file: IO[str] | None = None
        self.count = 0

    def add(self, text: str) -> None:
        if self._file is None:
            self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in drain()
                max_size=8 << 20, mode="w+", encoding="utf-8"
            )
        self._file.write(text)
        self.count += 1

    def drain(self) -> Iterator[str]:
        """Everything added, in 64 KiB pieces; then the file is gone."""
        held, self._file = self._file, None
        if held is None:
            return
        with held:
            held.seek(0)
            while piece := held.read(1 << 16):
                yield piece
