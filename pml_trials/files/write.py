"""The one way pml-trials writes a file: the report (``-o``), a saved profile (``--save``),
a recovery file, a cache entry.

- **A regular file** (or a name that does not exist yet) is written to a temporary file
  beside it, ``.<name>.<pid>.<random>.part``, created with mode 0600 (patient data is
  readable by its owner only), flushed to the disk (``fsync``) and renamed over the
  target only when complete: a reader sees the old file or the new one, never half, and
  an interrupted run, a full disk or a refused rename leaves the old file as it was. A
  ``.part`` file left by a process that was killed outright is removed by the next run
  that writes in that folder (:func:`sweep_parts`).
- **A character device, a FIFO or a socket** (``/dev/null``, ``/dev/stdout``, a named
  pipe a program reads) is written straight through, never replaced by a regular file.
  So is every name of a descriptor (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``,
  anything under ``/proc/``): it can stand for a file the shell opened. A regular file in
  a folder under ``/dev`` (``/dev/shm``) is a regular file.
- **A symbolic link is followed**: the file it points to is replaced (atomically, in the
  link's target folder) and the link itself stays a link. It is never swapped for a file.
- **A folder** is refused.
- A new file that must not replace anything (a recovery file) is created with
  ``O_EXCL`` (:func:`create_new`).

Failures are worded for people: a folder that does not exist or may not be written is a
usage error (exit 2); a full disk, a read-only file system or a refused rename is the
machine's failure (:class:`~pml_trials.errors.EnvironmentFailure`, exit 4).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from pml_trials.errors import UsageError
from pml_trials.files.failure import environment_failure, is_environment, reason

MODE = 0o600  # files holding patient data
PART = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.part$")
_NOCTTY = getattr(os, "O_NOCTTY", 0)  # writing to a terminal device must not adopt it
_USER_ERRORS = (errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.EISDIR)

Kind = Literal["file", "stream"]
_DESCRIPTORS = ("/dev/fd/", "/proc/")  # names of open descriptors: never replaced


def target_kind(path: Path) -> Kind:
    """``stream`` for what is written straight through (devices, FIFOs, sockets, names of
    descriptors such as /dev/stdout and anything under /proc); ``file`` for what is
    replaced atomically. A folder is a :class:`UsageError`."""
    text = str(path.absolute())
    if text.startswith(_DESCRIPTORS) or text in ("/dev/stdin", "/dev/stdout", "/dev/stderr"):
        return "stream"
    try:
        info = path.stat()  # follows a symbolic link: what it points to counts
    except OSError:
        return "file"  # does not exist (yet), or a dangling link: a new file
    if stat.S_ISDIR(info.st_mode):
        raise UsageError("is a folder; give a file name", source=str(path))
    return "file" if stat.S_ISREG(info.st_mode) else "stream"


def final_path(path: Path) -> Path:
    """Where a file written at ``path`` ends up: the target of a symbolic link (the link
    stays), else ``path`` itself."""
    try:
        link = path.is_symlink()
    except OSError:  # a folder on the way we may not search: the error comes at creation
        return path
    return Path(os.path.realpath(path)) if link else path


@contextlib.contextmanager
def open_output(path: Path, *, binary: bool = False, what: str = "the file") -> Iterator[IO[Any]]:
    """A stream that becomes ``path`` when the block ends without an error."""
    if target_kind(path) == "stream":
        with _through(path, binary, what) as stream:
            yield stream
        return
    target = final_path(path).absolute()
    sweep_parts(target.parent)
    fd, temporary = _temporary(target, what, str(path))
    try:
        with _fdopen(fd, binary) as handle:
            try:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                if not is_environment(exc):
                    raise
                raise environment_failure(exc, f"writing {what}", str(path)) from None
        try:
            temporary.replace(target)
        except OSError as exc:
            raise environment_failure(
                exc, f"putting {what} in place (the rename was refused)", str(path)
            ) from None
        _sync_folder(target.parent)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str, *, what: str = "the file") -> Path:
    """Replace ``path`` with ``text`` (UTF-8) as :func:`open_output` does; the path."""
    with open_output(path, what=what) as handle:
        handle.write(text)
    return path


def write_bytes(path: Path, data: bytes, *, what: str = "the file") -> Path:
    """Replace ``path`` with ``data`` as :func:`open_output` does; the path."""
    with open_output(path, binary=True, what=what) as handle:
        handle.write(data)
    return path


def create_new(path: Path, text: str) -> None:
    """Create ``path`` (mode 0600) holding ``text``, flushed to the disk;
    ``FileExistsError`` if anything is there already (a link included)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def sweep_parts(folder: Path) -> None:
    """Remove the ``.part`` files in ``folder`` left by pml-trials processes that no
    longer run (killed outright: SIGKILL, a power cut). Others' files are left alone."""
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".part") and n.startswith(".")]  # noqa: PTH208
    except OSError:
        return
    for name in names:
        found = PART.match(name)
        if found and not alive(int(found["pid"])):
            with contextlib.suppress(OSError):
                (folder / name).unlink()


def alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (ours or another user's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def _temporary(target: Path, what: str, given: str) -> tuple[int, Path]:
    folder = target.parent
    for _ in range(100):
        name = f".{_short(target.name)}.{os.getpid()}.{os.urandom(4).hex()}.part"
        try:
            fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno in _USER_ERRORS:
                raise UsageError(
                    f"cannot write {what} there: {reason(exc)}", source=given
                ) from None
            raise environment_failure(exc, f"creating {what}", given) from None
        os.fchmod(fd, MODE)  # whatever the umask
        return fd, folder / name
    raise UsageError(f"cannot write {what} there: no free temporary name", source=given)


def _short(name: str, limit: int = 200) -> str:
    """The target's name cut to ``limit`` bytes, so that the temporary name beside it
    (about 30 bytes longer) still fits a file system's 255-byte names."""
    data = os.fsencode(name)
    return name if len(data) <= limit else os.fsdecode(data[:limit]).rstrip("\udcff")


@contextlib.contextmanager
def _through(path: Path, binary: bool, what: str) -> Iterator[IO[Any]]:
    """Write straight to a device, FIFO or socket (``O_NONBLOCK`` is not used: a FIFO
    waits for its reader, as a shell redirection does)."""
    try:
        handle = _fdopen(os.open(path, os.O_WRONLY | os.O_APPEND | _NOCTTY), binary)
    except OSError as exc:
        if exc.errno in _USER_ERRORS:
            raise UsageError(
                f"cannot write {what} there: {reason(exc)}", source=str(path)
            ) from None
        raise environment_failure(exc, f"opening {what}", str(path)) from None
    try:
        with handle:
            yield handle
            handle.flush()
    except OSError as exc:
        if not is_environment(exc):
            raise
        raise environment_failure(exc, f"writing {what}", str(path)) from None


def _fdopen(fd: int, binary: bool) -> IO[Any]:
    if binary:
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
