"""Operating-system errors worded for people, and which of them are the machine's fault.

A full disk, a closed pipe or a read-only file system is not a bug in pml-trials and not
a problem with the data: it gets its own message and exit code (4,
:class:`~pml_trials.errors.EnvironmentFailure`), never "internal error".
"""

from __future__ import annotations

import errno

from pml_trials.errors import EnvironmentFailure

# errno -> what it means, and what to do next
ENVIRONMENT: dict[int, str] = {
    errno.ENOSPC: "the disk is full (free some space and run again)",
    errno.EDQUOT: "the disk quota is exceeded (free some space and run again)",
    errno.EFBIG: "the file is larger than the system allows (ulimit -f, or the file system)",
    errno.EIO: "an input/output error on the device (check the disk or the terminal)",
    errno.EROFS: "the file system is read-only (write somewhere else)",
    errno.EPIPE: "the output was closed before everything was written (broken pipe)",
    errno.EBADF: "a standard stream is closed (run it with stdin/stdout/stderr open)",
    errno.ENOMEM: "the system is out of memory",
    errno.ENXIO: "the device or terminal is gone",
}


def reason(exc: BaseException) -> str:
    """The system's words for an error, lower case, without the path again."""
    if isinstance(exc, OSError):
        if exc.errno in ENVIRONMENT:
            return ENVIRONMENT[exc.errno]
        return (exc.strerror or type(exc).__name__).lower()
    return type(exc).__name__


def is_environment(exc: BaseException) -> bool:
    """Whether ``exc`` is the machine's failure rather than a bug or bad data."""
    if isinstance(exc, BrokenPipeError | MemoryError):
        return True
    return isinstance(exc, OSError) and exc.errno in ENVIRONMENT


def environment_failure(
    exc: BaseException, doing: str, source: str | None = None
) -> EnvironmentFailure:
    """``doing`` (e.g. "writing the report") failed because of the machine."""
    return EnvironmentFailure(f"{doing} failed: {reason(exc)}", source=source)
