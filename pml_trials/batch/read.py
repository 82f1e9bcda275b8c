"""Reading inputs into units of work, with limits checked before anything large is held.

A unit is what one worker screens at once: a block of whole JSON Lines lines (about
:data:`BLOCK` bytes) read by the main process, a :class:`Slice` of a regular file's lines
(about :data:`WORKER_BLOCK` bytes, found by reading only around each cut, read by the
worker that screens it), a line too long to read (:class:`LongLine`), a few JSON files
(read by the worker itself), one document read from standard input, or a problem found
while reading. Memory stays flat: one block or slice per unit, never a whole file. A line
longer than :data:`MAX_DOCUMENT` is never decoded: the main process does not keep it, and
within a slice (at most ``WORKER_BLOCK`` + ``MAX_DOCUMENT`` bytes) the screener refuses it
by its length.

Standard input (and a pipe with no ``.json``/``.jsonl`` suffix) holds JSON Lines when its
first non-blank line is a whole object (``{...}`` on one line), or when it is larger than
:data:`MAX_DOCUMENT`; otherwise it is one JSON document, unless it does not parse and a
later line is a whole object (JSON Lines whose first line is broken: the others count).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator
from io import BufferedReader
from pathlib import Path
from typing import Protocol, cast

from pml_trials.batch.inputs import STDIN, Input
from pml_trials.engine.run import InputProblem
from pml_trials.files.read import MAX_DOCUMENT
from pml_trials.record import Record

BLOCK = 256 * 1024  # bytes of JSON Lines per unit: ~150 full profiles, ~5 ms of work
# Per unit sent to a worker: fewer, larger units cost less (issue 20: from 1 to 4 MiB, the
# main process's share of a 2-worker batch 11.5 -> 7.5 % csv, 6.9 -> 4.1 % jsonl; each
# worker holds ~20 MB more at its peak, with jsonl).
WORKER_BLOCK = 4 * 1_048_576
FILES_PER_UNIT = 32
TOO_LONG = f"the line is longer than 1 MiB ({MAX_DOCUMENT:,} bytes) and was not read"
CHANGED = "the file changed while it was being screened; these lines were not read"


class Lines(Record):
    """Whole lines of one JSON Lines input; ``first`` is the number of the first."""

    label: str
    first: int
    data: bytes


class Span(Record):
    """Whole lines of a regular file, by position: the worker reads them itself, so the
    bytes do not travel through a pipe twice. ``newlines`` lets it check that the file
    did not change since the main process counted them."""

    label: str
    path: str
    first: int
    offset: int
    length: int
    newlines: int


class Slice(Record):
    """Whole lines of a regular file, by position, which the main process found by
    reading only around the cut (issue 20: it no longer reads and counts every byte of
    the file; the workers read the lines anyway). The worker that screens it counts its
    lines, so the number of its first line comes from the slice before it
    (:class:`~.parallel.Chain`), or is 1 when it ``starts`` the file. A slice ends with a
    newline unless it ends the file (``whole``: it does)."""

    label: str
    path: str
    offset: int
    length: int
    starts: bool
    whole: bool


class LongLine(Record):
    """A line longer than MAX_DOCUMENT between two slices: a problem, at the line number
    the slice before it hands on, or line 1 when it ``starts`` the file; never read."""

    label: str
    offset: int
    length: int
    starts: bool


class Files(Record):
    """JSON files, one profile each, read by whoever screens them."""

    inputs: tuple[Input, ...]


class Document(Record):
    """One JSON document already read (from standard input or a pipe)."""

    label: str
    data: bytes


Unit = Lines | Span | Slice | LongLine | Files | Document | InputProblem


class Source(Protocol):
    """A binary stream read without waiting for more than is there (``read1``)."""

    def read1(self, size: int = ..., /) -> bytes: ...


class Replay:
    """A stream whose first bytes were already read (by :func:`peek`)."""

    def __init__(self, head: bytes, rest: Source) -> None:
        self.head = head
        self.rest = rest

    def read1(self, size: int = -1, /) -> bytes:
        if not self.head:
            return self.rest.read1(size)
        size = len(self.head) if size < 0 else size
        part, self.head = self.head[:size], self.head[size:]
        return part


def peek(stream: Source, limit: int) -> tuple[Replay, int]:
    """Read up to ``limit`` bytes ahead (waiting for them, or for the end): the stream
    to read from instead, and how many bytes there were."""
    parts: list[bytes] = []
    size = 0
    while size < limit and (chunk := stream.read1(limit - size)):
        parts.append(chunk)
        size += len(chunk)
    return Replay(b"".join(parts), stream), size


def unit_size(unit: Unit) -> int:
    """Bytes of input a unit covers (for the progress bar)."""
    if isinstance(unit, Files):
        return sum(item.size or 0 for item in unit.inputs)
    if isinstance(unit, Span | Slice | LongLine):
        return unit.length
    return 0 if isinstance(unit, InputProblem) else len(unit.data)


def units(
    inputs: Iterable[Input | InputProblem],
    stdin: Source,
    block: int = BLOCK,
    spans: bool = False,
) -> Iterator[Unit]:
    """The units of work of ``inputs``, in input order (problems keep their place);
    with ``spans``, lines of regular files by position rather than as bytes:
    :class:`Slice` (numbered by the workers) where the file opens with a profile, else
    :class:`Span` (numbered here)."""
    files: list[Input] = []
    for item in inputs:
        if isinstance(item, Input) and item.kind == "json":
            files.append(item)
            if len(files) < FILES_PER_UNIT:
                continue
        if files:
            yield Files(tuple(files))
            files = []
        if isinstance(item, InputProblem):
            yield item
        elif item.kind != "json":
            yield from _stream(item, stdin, block, spans and item.size is not None)
    if files:
        yield Files(tuple(files))


def _stream(item: Input, stdin: Source, block: int, spans: bool) -> Iterator[Unit]:
    if item.path == STDIN:
        yield from _read(item, stdin, block)
        return
    try:
        handle = Path(item.path).open("rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        yield InputProblem(item.label, None, f"cannot read the file: {_reason(exc)}")
        return
    with handle:
        if spans and item.kind == "lines":
            yield from _slices(item.label, item.path, handle, block)
        else:
            yield from _read(item, handle, block)


def _read(item: Input, handle: Source, block: int) -> Iterator[Unit]:
    """The lines (or one document) of a stream the main process reads: standard input, a
    pipe, or a file whose lines are sent as bytes (no workers)."""
    try:
        chunks = _chunks(handle, block)
        if item.kind == "sniff":
            head, complete = _head(chunks)
            if complete and _is_document(head):
                yield from _document(item.label, head)
                return
            chunks = _prepend(head, chunks)
        yield from _line_blocks(item.label, chunks, None)
    except ReadError as exc:
        yield InputProblem(item.label, None, f"reading stopped: {exc}")


WINDOW = 64 * 1024  # bytes read at a time around a cut (a profile's line is 1-2 kB)


def _slices(label: str, path: str, handle: BufferedReader, block: int) -> Iterator[Unit]:
    """The lines of a regular file as :class:`Slice` of about ``block`` bytes, each cut
    just after the first newline at or past ``block`` bytes, found by reading a window
    there: the main process reads a few kB per slice, not the file. A line crossing a
    cut that is longer than MAX_DOCUMENT is a :class:`LongLine` of its own, so a slice
    never holds more than ``block`` + MAX_DOCUMENT bytes. A file whose first bytes are
    not a profile's (not text, or only blank so far) is read as before (:func:`_read`),
    which words what is wrong or finds the first profile."""
    fd = handle.fileno()
    try:
        head = os.pread(fd, WINDOW, 0)
    except OSError as exc:
        yield InputProblem(label, None, f"reading stopped: {_reason(exc)}")
        return
    if not head or head.isspace() or not_text(head, lines=True):
        yield from _line_blocks(label, cast("Iterator[bytes]", _chunks_into(handle, block)), path)
        return
    start, starts = 0, True
    try:
        while True:
            end = _newline_after(fd, start + block - 1, MAX_DOCUMENT + 1)
            if end is None:  # the file ends before a newline past the cut: its last slice
                size = _size(fd)
                if size > start:
                    yield Slice(label, path, start, size - start, starts, True)
                return
            if end > 0:  # a newline within reach: cut just after it
                yield Slice(label, path, start, end - start, starts, False)
                start, starts = end, False
                continue
            # No newline within MAX_DOCUMENT past the cut: the line crossing it is too
            # long. Cut before it, and skip it to its end (or the file's).
            line = _line_start(fd, start, start + block - 1)
            if line > start:
                yield Slice(label, path, start, line - start, starts, False)
                starts = False
            stop = _newline_after(fd, start + block - 1 + MAX_DOCUMENT + 1, None)
            stop = _size(fd) if stop is None else stop
            yield LongLine(label, line, stop - line, starts)
            if not os.pread(fd, 1, stop):  # the long line ends the file
                return
            start, starts = stop, False
    except OSError as exc:
        yield InputProblem(label, None, f"reading stopped: {_reason(exc)}")


def _newline_after(fd: int, at: int, reach: int | None) -> int | None:
    """Just past the first newline at or after ``at``; ``None`` if the file ends first;
    0 if there is none within ``reach`` bytes (``None``: anywhere)."""
    looked = 0
    while reach is None or looked < reach:
        size = WINDOW if reach is None else min(WINDOW, reach - looked)
        window = os.pread(fd, size, at + looked)
        if not window:
            return None
        cut = window.find(b"\n")
        if cut >= 0:
            return at + looked + cut + 1
        looked += len(window)
    return 0


def _size(fd: int) -> int:
    """Where the file ends now (a file still being written is read to its end)."""
    size = os.fstat(fd).st_size
    while window := os.pread(fd, WINDOW, size):
        size += len(window)
    return size


def _line_start(fd: int, low: int, at: int) -> int:
    """Where the line holding byte ``at`` starts: just past the last newline before it,
    or ``low`` (a slice starts at a line's start)."""
    high = at
    while high > low:
        size = min(WINDOW, high - low)
        window = os.pread(fd, size, high - size)
        cut = window.rfind(b"\n")
        if cut >= 0:
            return high - size + cut + 1
        high -= size
    return low


def read_slice(piece: Slice, first: int) -> tuple[Lines | InputProblem, int]:
    """A slice's lines numbered from ``first``, and how many newlines it holds (the
    next slice's first line is ``first`` plus that); a problem if the file no longer
    holds them as they were cut (shorter, or no newline where the cut was)."""
    try:
        with Path(piece.path).open("rb") as handle:
            data = os.pread(handle.fileno(), piece.length, piece.offset)
    except OSError as exc:
        return InputProblem(piece.label, None, f"reading stopped: {_reason(exc)}"), 0
    newlines = count_newlines(data, len(data))
    if len(data) != piece.length or not (piece.whole or data.endswith(b"\n")):
        return InputProblem(f"{piece.label}:{first}", None, CHANGED), newlines
    return Lines(piece.label, first, data), newlines


def _chunks(handle: Source, size: int) -> Iterator[bytes]:
    try:
        while chunk := handle.read1(size):  # what is there, without waiting for more
            yield chunk
    except OSError as exc:  # e.g. EIO, or a folder given as standard input
        raise ReadError(_reason(exc)) from None


def _chunks_into(handle: Source, size: int) -> Iterator[bytes | bytearray]:
    """The stream's bytes in chunks of ``size``, each read into the same buffer: a chunk
    holds only until the next one is asked for (the caller keeps positions, not bytes)."""
    readinto = getattr(handle, "readinto", None)
    if readinto is None:  # not a file (e.g. a test's stream): fresh chunks
        yield from _chunks(handle, size)
        return
    buffer = bytearray(size)
    while True:
        try:
            got = readinto(buffer)
        except OSError as exc:
            raise ReadError(_reason(exc)) from None
        if not got:
            return
        yield buffer if got == size else buffer[:got]


LONG_LINE = 512  # bytes: from about this long, finding each newline beats counting them


def count_newlines(data: bytes | bytearray, end: int) -> int:
    """``data.count(b"\\n", 0, end)``, faster on long lines: CPython counts one byte by
    looking at every byte, while ``find`` jumps from one newline to the next (memchr),
    at ~100 ns per call. A profile's line is 1-2 kB, so finding wins 4x; a chunk whose
    lines turn out short (over ``end / LONG_LINE`` of them) is counted from there on,
    so short lines cost at most twice the plain count."""
    find = data.find
    at = find(b"\n", 0, end)
    found, most = 0, end // LONG_LINE
    while at >= 0:
        found += 1
        if found > most:
            return found + data.count(b"\n", at + 1, end)
        at = find(b"\n", at + 1, end)
    return found


class ReadError(Exception):
    """An input failed while being read (its earlier lines were already screened)."""


def _prepend(head: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from chunks


def _head(chunks: Iterator[bytes]) -> tuple[bytes, bool]:
    """Enough of a sniffed input to decide: up to its first non-blank line when that is a
    whole object, else all of it up to just over MAX_DOCUMENT; and whether that is all."""
    head = b""
    for chunk in chunks:
        head += chunk
        first = _first_line(head)
        if (first is not None and _whole_object(first.strip())) or len(head) > MAX_DOCUMENT:
            return head, False
    return head, True


def _first_line(data: bytes) -> bytes | None:
    """The first non-blank line, once it is complete."""
    rest = data.lstrip()
    cut = rest.find(b"\n")
    return rest[:cut] if cut >= 0 else None


def _is_document(data: bytes) -> bool:
    """Whether a small sniffed input is one JSON document rather than JSON Lines: its
    first line is not a whole object, and it parses, or opens like a pretty-printed
    document, or no later line is a whole object either (then it is one broken document,
    reported once; otherwise JSON Lines with a broken first line, whose others count)."""
    lines = data.strip().split(b"\n")
    first = lines[0].strip()
    if _whole_object(first):
        return False
    if first in (b"{", b"["):
        return True
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return not any(_whole_object(line.strip()) for line in lines[1:])
    return True


def _whole_object(line: bytes) -> bool:
    return line.startswith(b"{") and line.endswith(b"}")


def _document(label: str, data: bytes) -> Iterator[Unit]:
    if not data or data.isspace():
        yield InputProblem(label, None, "empty: no profile was given")
    else:
        yield Document(label, data)


def _line_blocks(label: str, chunks: Iterator[bytes], path: str | None) -> Iterator[Unit]:
    """Blocks of whole lines (as :class:`Span` of ``path`` when given). A line over
    MAX_DOCUMENT becomes a problem and is skipped without being held; the first bytes
    decide whether the input is text at all.

    With ``path`` only positions are kept: the unfinished last line of a chunk is
    remembered by its length, not copied onto the next chunk (in a batch in workers
    this loop is most of what the main process does; its chunks are then one buffer read
    into again, so nothing of a chunk may be kept past the next)."""
    line, skipping, content = 1, False, False
    carry, carried = b"", 0  # the unfinished line (its bytes only without ``path``)
    start = 0  # where that line starts in the input
    for chunk in chunks:
        if not content:
            problem = not_text(chunk, lines=True)
            if problem:
                yield InputProblem(label, None, problem)
                return
            content = not chunk.isspace()
        if skipping:
            cut = chunk.find(b"\n")
            start += len(chunk) if cut < 0 else cut + 1
            if cut < 0:
                continue
            chunk, skipping, line = chunk[cut + 1 :], False, line + 1
        end = chunk.rfind(b"\n") + 1  # in ``chunk``; the carried line holds no newline
        if end:
            newlines = count_newlines(chunk, end)
            if path is None:
                data = carry + chunk if carry else chunk
                yield Lines(label, line, data[: carried + end])
            else:
                yield Span(label, path, line, start, carried + end, newlines)
            line += newlines
            start += carried + end
            carried = 0
            carry = b""
        carried += len(chunk) - end
        if path is None:
            carry = carry + chunk[end:] if carry else chunk[end:]
        if carried > MAX_DOCUMENT:
            yield InputProblem(f"{label}:{line}", None, TOO_LONG)
            carry, start, carried, skipping = b"", start + carried, 0, True
    if carried:
        yield _block(label, path, line, start, carry, carried, 0)
    if not content:
        yield InputProblem(label, None, "empty: no profile was given")


def _block(
    label: str, path: str | None, line: int, start: int, data: bytes, end: int, newlines: int
) -> Lines | Span:
    """``data[:end]``, or where it is in the file at ``path``."""
    if path is None:
        return Lines(label, line, data[:end])
    return Span(label, path, line, start, end, newlines)


def read_span(span: Span) -> Lines | InputProblem:
    """The lines a :class:`Span` points to, if the file still holds them."""
    try:
        with Path(span.path).open("rb") as handle:
            data = os.pread(handle.fileno(), span.length, span.offset)
    except OSError as exc:
        return InputProblem(span.label, None, f"reading stopped: {_reason(exc)}")
    if len(data) != span.length or count_newlines(data, len(data)) != span.newlines:
        return InputProblem(f"{span.label}:{span.first}", None, CHANGED)
    return Lines(span.label, span.first, data)


def not_text(data: bytes, lines: bool = False) -> str | None:
    """Why these first bytes of an input cannot be JSON text, if they cannot. For JSON
    Lines (``lines``) a NUL condemns the whole input only when no line there starts
    like a profile: otherwise each line is judged on its own, and one damaged line
    does not drop every patient of the file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text: save it as UTF-8"
    head = data[:8192]
    if b"\x00" in head:
        if lines and any(line.lstrip().startswith(b"{") for line in head.split(b"\n")):
            return None
        return "binary data, not JSON text"
    return None


def describe_bytes(data: bytes) -> str | None:
    """A reason that comes before any JSON error: not text, or not UTF-8."""
    reason = not_text(data) or ("binary data, not JSON text" if b"\x00" in data else None)
    if reason:
        return reason
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (invalid byte {data[exc.start]:#04x} at byte {exc.start + 1})"
    return None


def read_document(item: Input) -> bytes | InputProblem:
    """A JSON file's bytes, refused unread when it is larger than MAX_DOCUMENT."""
    try:
        with Path(item.path).open("rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_DOCUMENT:
                return InputProblem(item.label, None, _too_large(info.st_size))
            data = handle.read(MAX_DOCUMENT + 1)
    except OSError as exc:
        return InputProblem(item.label, None, f"cannot read the file: {_reason(exc)}")
    if len(data) > MAX_DOCUMENT:
        return InputProblem(item.label, None, _too_large(None))
    if not data or data.isspace():
        return InputProblem(item.label, None, "the file is empty")
    return data


def _too_large(size: int | None) -> str:
    what = f"{size:,} bytes" if size is not None else "more than 1 MiB"
    return f"the file is {what}; a profile file may be at most 1 MiB ({MAX_DOCUMENT:,} bytes)"


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()
