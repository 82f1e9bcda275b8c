"""Which inputs a batch reads, in which order.

A command-line path is ``-`` (standard input), a file, or a folder. A folder contributes
its ``*.json``, ``*.jsonl`` and ``*.ndjson`` files, recursively, in a stable order: its
own files by name, then each subfolder by name (names compared as strings, the same on
every machine). Hidden files and folders (``.name``) are skipped, and so is symbolic
links to folders (no cycles). File names are listed before screening starts, so their
sizes can choose the number of workers and size the progress bar; profiles are not.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from pml_trials.engine.run import InputProblem
from pml_trials.record import Record

LINES_SUFFIXES = (".jsonl", ".ndjson")
SUFFIXES = (".json", *LINES_SUFFIXES)
STDIN = "-"
MAX_DEPTH = 100  # folder levels below a folder given on the command line

Kind = Literal["json", "lines", "sniff"]  # sniff: stdin or a pipe, JSON or JSON Lines


class Input(Record):
    """One file (or standard input) to read.

    ``path`` opens it; ``label`` names it in sources and messages (the path as given,
    with undecodable bytes of a file name shown as U+FFFD).
    """

    path: str
    label: str
    kind: Kind
    size: int | None  # bytes, when known without reading (a regular file)


def find_inputs(args: Sequence[str]) -> list[Input | InputProblem]:
    """The inputs named by ``args`` in order, with a problem in place of each path that
    gives none."""
    found: list[Input | InputProblem] = []
    for arg in args:
        items = list(_expand(arg))
        if not any(isinstance(item, Input) for item in items) and Path(arg).is_dir():
            message = "no *.json, *.jsonl or *.ndjson files in this folder"
            items.append(InputProblem(_label(arg), None, message))
        found += items
    return found


def _expand(arg: str) -> Iterator[Input | InputProblem]:
    if arg == STDIN:
        yield Input(STDIN, STDIN, "sniff", None)
        return
    path = Path(arg)
    try:
        info = path.stat()
    except OSError as exc:
        yield InputProblem(_label(arg), None, _os_message(exc))
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _walk(path)
    elif stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        yield _file(path, info, linked=True)  # a pipe named on the command line: <(command)
    else:
        yield InputProblem(_label(arg), None, _not_file(info.st_mode))


def _file(path: Path, info: os.stat_result, linked: bool) -> Input:
    """The input of a file; ``linked``: its path may go through a symbolic link."""
    regular = stat.S_ISREG(info.st_mode)
    suffix = path.suffix.lower()
    kind: Kind = "lines" if suffix in LINES_SUFFIXES else "json"
    if not regular and suffix not in SUFFIXES:
        kind = "sniff"  # e.g. a pipe given as <(command)
    opened: str | None = str(path)
    if regular and linked and _in_dev_or_proc(path):
        opened = _opened_alike(path, info)
    if opened is None:  # only this process can open it: it reads it, as it reads a pipe
        return Input(str(path), _label(str(path)), "sniff", None)
    return Input(opened, _label(str(path)), kind, info.st_size if regular else None)


MAX_LINKS = 40  # symbolic links followed, as the kernel does (ELOOP)


def _in_dev_or_proc(path: Path) -> bool:
    """Whether ``path``, or a link it leads through, lies in /dev or /proc, where a path
    may name the opening process's own descriptor (``/dev/stdin``)."""
    at = path.absolute()
    for _ in range(MAX_LINKS):
        if at.parts[1:2] in (("dev",), ("proc",)):
            return True
        try:
            target = at.readlink()
        except OSError:  # not a link (or gone): the path is what it says
            return False
        at = at.parent / target  # (absolute when the link's target is)
    return False


def _opened_alike(path: Path, info: os.stat_result) -> str | None:
    """A path that opens this file in every process of the batch (workers open the
    files they screen). A link into a process's own descriptors (``/dev/stdin``,
    ``/dev/fd/N``, ``/proc/self/fd/N``, or a link to one) would open the worker's own
    (its standard input is /dev/null): the file the link names now is opened instead,
    when it is this file (same device and inode); ``None`` when there is none (a file
    deleted since it was opened, or in another mount namespace)."""
    real = path.resolve()
    try:
        found = real.stat()
    except OSError:
        return None
    return str(real) if (found.st_dev, found.st_ino) == (info.st_dev, info.st_ino) else None


def _walk(top: Path) -> Iterator[Input | InputProblem]:
    """A folder's inputs, depth first in name order, without recursion (a tree of any
    depth cannot exhaust the stack) and at most MAX_DEPTH levels down. A file that is
    not a regular file (a FIFO would block the batch, a device never ends) is skipped
    with one line."""
    stack: list[tuple[Path, int]] = [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield _unreadable(exc, str(folder))
            continue
        subfolders: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                subfolders.append(Path(entry.path))
                continue
            if not entry.name.lower().endswith(SUFFIXES) or (entry.is_symlink() and _is_dir(entry)):
                continue
            path = Path(entry.path)
            try:
                info = path.stat()
            except OSError as exc:  # a dangling link, or removed meanwhile
                yield InputProblem(_label(str(path)), None, _os_message(exc))
                continue
            if stat.S_ISREG(info.st_mode):
                yield _file(path, info, linked=entry.is_symlink())
            else:
                yield InputProblem(_label(str(path)), None, _not_file(info.st_mode) + "; skipped")
        if subfolders and depth >= MAX_DEPTH:
            message = (
                f"folders nested more than {MAX_DEPTH} levels deep; the deeper ones were not read"
            )
            yield InputProblem(_label(str(folder)), None, message)
            continue
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _not_file(mode: int) -> str:
    from pml_trials.files.read import kind_of

    return f"{kind_of(mode)}, not a file: not read"


def _unreadable(error: OSError, where: str) -> InputProblem:
    return InputProblem(_label(str(error.filename or where)), None, _os_message(error))


def _label(path: str) -> str:
    """The path as text that can always be written (undecodable bytes become U+FFFD)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return path


def _os_message(exc: OSError) -> str:
    """``no such file or directory``: the system's words, without the path again."""
    return (exc.strerror or type(exc).__name__).lower()
