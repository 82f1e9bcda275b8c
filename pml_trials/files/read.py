"""Reading a whole small file, bounded, and only from what is a file.

``/dev/zero`` named as a profile, a criteria file linked to ``/dev/urandom`` or a FIFO
nobody writes to would otherwise be read without end. Every whole-file read goes through
:func:`read_limited`: a device or socket is refused unread, a FIFO only where a pipe
makes sense (``pipes=True``, e.g. ``explain <(command)``), and at most ``limit`` bytes
are ever held.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pml_trials.files.failure import reason

MAX_DOCUMENT = 1_048_576  # bytes: a profile file, a JSON Lines line, a document on stdin


class NotReadableError(Exception):
    """Why a file was not read, worded for people (no path: the caller has it)."""


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_limited(path: Path, limit: int, *, pipes: bool = False) -> bytes:
    """The bytes of ``path``: :class:`NotReadableError` if it is not a regular file (or a
    FIFO, with ``pipes``), or holds more than ``limit`` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        info = path.stat()
        kind = kind_of(info.st_mode)
        if kind is not None and not (pipes and stat.S_ISFIFO(info.st_mode)):
            raise NotReadableError(f"{kind}, not a file: not read")
        if kind is None and info.st_size > limit:
            raise NotReadableError(
                f"the file is {info.st_size:,} bytes; at most {limit:,} are read"
            )
        # O_NONBLOCK: opening a FIFO does not wait for a writer (then cleared, to read)
        fd = os.open(path, flags)
        try:
            if pipes and kind is not None:
                os.set_blocking(fd, True)
            opened = os.fstat(fd)  # the file opened, not the name checked before
            if kind_of(opened.st_mode) is not None and not stat.S_ISFIFO(opened.st_mode):
                raise NotReadableError(f"{kind_of(opened.st_mode)}, not a file: not read")
            data = _read_up_to(fd, limit + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise NotReadableError(f"cannot read the file: {reason(exc)}") from None
    if len(data) > limit:
        raise NotReadableError(f"more than {limit:,} bytes; at most {limit:,} are read")
    return data


def _read_up_to(fd: int, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)
