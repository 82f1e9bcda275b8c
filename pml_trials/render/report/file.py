"""Writing a report that holds patient data to a file: atomically, readable by its owner only.

The text goes to a temporary file in the same folder (created with mode 0600 by
:func:`tempfile.mkstemp`), is flushed to disk, then renamed over the target, so a reader
never sees half a report and an interrupted run never leaves one behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from pml_trials.errors import UsageError


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8), mode 0600; :class:`UsageError` if the
    place cannot be written (a folder that does not exist, no permission)."""
    directory = path.parent if str(path.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    temp = Path(temporary)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        temp.chmod(0o600)  # mkstemp's mode already; stated for the reader
        temp.replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        raise
