"""Large rendered text from a worker travels through a file, not through the pipe.

A worker's unit (4 MiB of full profiles) renders to about 10 MB of JSON Lines. Pickled
through the result pipe, that text is copied five times and costs about what the second
worker saves (measured: two workers were barely faster than one). Instead the worker writes it to a file of
its own in a private folder (in memory under /dev/shm where there is one) and sends
the file's name; the main process copies it into the report with ``sendfile`` (inside
the kernel) and deletes it. The folder is created readable by its owner only and
removed when the batch ends, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator
from itertools import count
from pathlib import Path

from pml_trials.batch.screening import Joined, join
from pml_trials.record import Record

SPOOL_MIN = 64 * 1024  # smaller text is cheaper through the pipe than through a file
PREFIX = "pml-trials-"  # then the pid of the batch, a dash, mkdtemp's random part
_STALE = re.compile(rf"^{PREFIX}(\d+)-[A-Za-z0-9_]+$")


def _parent() -> str | None:
    """Where spool folders go: /dev/shm when writable (memory), else the temp folder."""
    memory = Path("/dev/shm")  # noqa: S108 - only the parent of a private mkdtemp folder
    return str(memory) if memory.is_dir() and os.access(memory, os.W_OK) else None


def sweep_stale() -> None:
    """Remove the spool folders of batches that were killed outright (SIGKILL, the OOM
    killer): their process is gone, their folder of patient results would otherwise
    stay in memory until the machine restarts. Only this user's folders are touched."""
    from pml_trials.files.write import alive

    uid = os.getuid() if hasattr(os, "getuid") else None
    temporary = os.environ.get("TMPDIR") or "/tmp"  # noqa: S108 - only listed, for our own folders
    for parent in {_parent() or temporary, temporary}:
        try:
            names = [n for n in os.listdir(parent) if n.startswith(PREFIX)]  # noqa: PTH208
        except OSError:
            continue
        for name in names:
            found = _STALE.match(name)
            if not found or alive(int(found[1])):
                continue
            path = Path(parent, name)
            try:
                info = path.lstat()
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode) and (uid is None or info.st_uid == uid):
                import shutil  # with bz2 and lzma: only for a folder left behind

                shutil.rmtree(path, ignore_errors=True)


class Spooled(Record):
    """The UTF-8 text of ``count`` patients, in the file at ``path``."""

    path: str
    count: int


@contextlib.contextmanager
def spool_folder() -> Iterator[str]:
    """A private folder for the batch's spooled text, removed at the end."""
    import shutil
    import tempfile  # 1.5 ms: only for a batch in worker processes

    folder = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=_parent())
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Spooler:
    """Worker side: packs a large run of rendered patients as a :class:`Spooled` file,
    a small one as :class:`Joined` text. The file is written piece by piece: joining
    600 KB first would make the allocator return and re-fault that memory every unit
    (measured: ten times the page faults, a third more system time)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.names = count()

    def pack(self, run: list[str]) -> Joined | Spooled:
        if sum(map(len, run)) < SPOOL_MIN:
            return join(run)
        path = Path(self.folder, f"{os.getpid()}-{next(self.names)}")
        with path.open("x", encoding="utf-8", newline="") as handle:
            handle.writelines(run)
        return Spooled(str(path), len(run))
