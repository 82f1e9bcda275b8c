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


def find_inputs(args: Sequence[str], exclude: str | None = None) -> list[Input | InputProblem]:
    """The inputs named by ``args`` in order, with a problem in place of each path that
    gives none. ``exclude`` is a file never to read (the report being written)."""
    skip = Path(exclude).resolve() if exclude else None
    found: list[Input | InputProblem] = []
    for arg in args:
        items = list(_expand(arg, skip))
        if not any(isinstance(item, Input) for item in items) and Path(arg).is_dir():
            message = "no *.json, *.jsonl or *.ndjson files in this folder"
            items.append(InputProblem(_label(arg), None, message))
        found += items
    return found


def _expand(arg: str, skip: Path | None) -> Iterator[Input | InputProblem]:
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
        yield from _walk(path, skip)
    elif skip is None or path.resolve() != skip:
        yield _file(path, info)


def _file(path: Path, info: os.stat_result) -> Input:
    regular = stat.S_ISREG(info.st_mode)
    suffix = path.suffix.lower()
    kind: Kind = "lines" if suffix in LINES_SUFFIXES else "json"
    if not regular and suffix not in SUFFIXES:
        kind = "sniff"  # e.g. a pipe given as <(command)
    return Input(str(path), _label(str(path)), kind, info.st_size if regular else None)


def _walk(top: Path, skip: Path | None) -> Iterator[Input | InputProblem]:
    errors: list[OSError] = []
    for folder, dirs, files in os.walk(top, onerror=errors.append):
        yield from (_unreadable(error, folder) for error in errors)
        errors.clear()
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            path = Path(folder, name)
            try:
                info = path.stat()
            except OSError as exc:  # a dangling link, or removed meanwhile
                yield InputProblem(_label(str(path)), None, _os_message(exc))
                continue
            if skip is None or name != skip.name or path.resolve() != skip:
                yield _file(path, info)
    yield from (_unreadable(error, str(top)) for error in errors)


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
