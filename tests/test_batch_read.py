"""Reading inputs into units: whole lines with their numbers, limits, standard input
sniffed as one document or JSON Lines, and reading ahead without losing bytes."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import cast
from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st

from pml_trials.batch import read as read_module
from pml_trials.batch.inputs import STDIN, Input
from pml_trials.batch.parallel import Chain
from pml_trials.batch.parallel import numbered as number_unit
from pml_trials.batch.read import (
    CHANGED,
    Document,
    Files,
    Lines,
    LongLine,
    Slice,
    Span,
    Unit,
    count_newlines,
    peek,
    read_document,
    read_slice,
    read_span,
    units,
)
from pml_trials.engine.run import InputProblem
from pml_trials.files.read import MAX_DOCUMENT

STDIN_INPUT = Input(STDIN, STDIN, "sniff", None)


def from_stdin(data: bytes, block: int = 1024) -> list[Unit]:
    return list(units([STDIN_INPUT], io.BytesIO(data), block=block))


def numbered(found: list[Unit]) -> list[tuple[int, bytes]]:
    """(line number, line) of every line in the Lines units."""
    out = []
    for unit in found:
        assert isinstance(unit, Lines)
        for offset, line in enumerate(unit.data.split(b"\n")):
            if line:
                out.append((unit.first + offset, line))
    return out


@given(
    lines=st.lists(
        st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"n").replace(b"\0", b"0"))
    ),
    block=st.integers(1, 64),
)
def test_lines_keep_their_numbers_whatever_the_block_size(lines: list[bytes], block: int) -> None:
    data = b"".join(b"{" + line + b"}\n" for line in lines)
    found = list(units([Input(STDIN, STDIN, "lines", None)], io.BytesIO(data), block=block))
    if not lines:
        assert found == [InputProblem("-", None, "empty: no profile was given")]
        return
    assert numbered(found) == [(n, b"{" + line + b"}") for n, line in enumerate(lines, 1)]


class StrictChain:
    """:class:`~pml_trials.batch.parallel.Chain` for one process, units numbered in
    order: a unit whose first line number was not handed on by the unit before it fails
    (the real chain would wait for it forever)."""

    def __init__(self) -> None:
        self.handed: dict[int, int] = {}

    def first_line(self, number: int) -> int:
        assert number in self.handed, f"unit {number} waits for a line number never handed on"
        return self.handed.pop(number)

    def hand_on(self, number: int, line: int) -> None:
        self.handed[number + 1] = line


def as_workers_read(found: list[Unit], limit: int = MAX_DOCUMENT) -> list[tuple[int, bytes] | str]:
    """What screening ``found`` sees, in order: each line (number, bytes), and each line
    refused as too long by its source, whoever refused it (the main process or the
    screener: it depends on the cuts). Slices and long lines are numbered as the workers
    number them (``parallel.numbered``), each from the one before."""
    out: list[tuple[int, bytes] | str] = []
    chain = cast(Chain, StrictChain())
    for number, unit in enumerate(found):
        read = number_unit(number, unit, chain)
        if isinstance(read, Span):
            read = read_span(read)
        if isinstance(read, InputProblem):
            out.append(read.source)
            continue
        assert isinstance(read, Lines)
        for offset, text in enumerate(read.data.split(b"\n")):
            if len(text) > limit:
                out.append(f"{read.label}:{read.first + offset}")
            elif text:
                out.append((read.first + offset, text))
    return out


@given(
    lines=st.lists(st.integers(0, 400).map(lambda n: b"x" * n), max_size=60),
    block=st.integers(1, 1000),
    tail=st.sampled_from([b"{tail}", b"", b"\n\n", b"x" * 450]),
)
def test_slices_of_a_file_hold_its_lines_with_their_numbers_whatever_the_cuts(
    lines: list[bytes], block: int, tail: bytes
) -> None:
    """Issue 20: in a batch in workers the main process reads only around each cut, and
    the workers number the lines: every line is there once, with its number, and a line
    over the limit is refused at its number, whatever the cuts, as when the file is
    read whole. No slice holds more than a block and one line at the limit."""
    data = b"{" + b"}\n{".join(lines) + b"}\n" + tail if lines else b"{}\n" + tail
    with tempfile.TemporaryDirectory() as folder, patch.object(read_module, "MAX_DOCUMENT", 300):
        path = str(Path(folder) / "f.jsonl")
        Path(path).write_bytes(data)
        item = Input(path, "f.jsonl", "lines", len(data))
        found = list(units([item], io.BytesIO(), block=block, spans=True))
        assert all(isinstance(unit, Slice | LongLine) for unit in found)
        assert all(unit.length <= block + 301 for unit in found if isinstance(unit, Slice))
        covered = sorted((unit.offset, unit.length) for unit in found)  # type: ignore[union-attr]
        assert [offset for offset, _ in covered] == [0, *(o + n for o, n in covered[:-1])]
        assert sum(length for _, length in covered) == len(data)
        whole = list(units([item], io.BytesIO(), block=block))
        assert as_workers_read(found, 300) == as_workers_read(whole, 300)


def test_a_file_that_opens_with_blank_lines_is_read_as_before(tmp_path: Path) -> None:
    """Slices start where the file opens with a profile; a file whose first bytes are
    blank (or not text) is read and counted by the main process, as spans."""
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"\n" * 70_000 + b'{"patient_id": "a"}\n')
    item = Input(str(path), "f.jsonl", "lines", path.stat().st_size)
    found = list(units([item], io.BytesIO(), block=4096, spans=True))
    assert found and all(isinstance(unit, Span) for unit in found)
    assert as_workers_read(found) == [(70_001, b'{"patient_id": "a"}')]


def test_a_slice_of_a_file_that_changed_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n')
    piece = Slice("f.jsonl", str(path), 9, 9, False, False)
    assert read_slice(piece, 2) == (Lines("f.jsonl", 2, b'{"b": 2}\n'), 1)
    path.write_bytes(b'{"a": 1}\n{"b": 22}\n')  # no newline where the cut was
    assert read_slice(piece, 2) == (InputProblem("f.jsonl:2", None, CHANGED), 0)
    path.write_bytes(b'{"a": 1}\n')  # shorter
    assert read_slice(piece, 2)[0] == InputProblem("f.jsonl:2", None, CHANGED)


@given(
    parts=st.lists(st.tuples(st.integers(0, 3000), st.booleans()), max_size=40),
    cut=st.integers(0, 10**5),
)
def test_newlines_are_counted_as_bytes_count_counts_them(
    parts: list[tuple[int, bool]], cut: int
) -> None:
    data = b"".join(b"y" * size + (b"\n" if newline else b"") for size, newline in parts)
    end = min(cut, len(data))
    assert count_newlines(data, end) == data.count(b"\n", 0, end)
    assert count_newlines(bytearray(data), end) == data.count(b"\n", 0, end)
    short = b"\n" * (cut % 3000) + data  # lines shorter than LONG_LINE: counted
    assert count_newlines(short, len(short)) == short.count(b"\n")


def test_a_file_that_cannot_be_opened_is_a_problem(tmp_path: Path) -> None:
    missing = Input(str(tmp_path / "gone.jsonl"), "gone.jsonl", "lines", None)
    (problem,) = units([missing], io.BytesIO())
    assert problem == InputProblem(
        "gone.jsonl", None, "cannot read the file: no such file or directory"
    )


def test_json_files_are_grouped_and_keep_their_place_among_other_inputs(tmp_path: Path) -> None:
    lines = tmp_path / "l.jsonl"
    lines.write_bytes(b'{"patient_id": "a"}\n')
    files = [Input(f"{n}.json", f"{n}.json", "json", 10) for n in range(40)]
    problem = InputProblem("x", None, "no such file or directory")
    jsonl = Input(str(lines), "l.jsonl", "lines", 20)
    found = list(units([*files[:3], problem, *files[3:], jsonl], io.BytesIO()))
    assert [type(u).__name__ for u in found] == ["Files", "InputProblem", "Files", "Files", "Lines"]
    assert isinstance(found[0], Files) and len(found[0].inputs) == 3
    assert isinstance(found[2], Files) and len(found[2].inputs) == 32


def test_a_long_line_is_skipped_without_being_held() -> None:
    data = b'{"a": 1}\n' + b"x" * (3 * MAX_DOCUMENT) + b'\n{"b": 2}\n'
    found = list(units([Input(STDIN, STDIN, "lines", None)], io.BytesIO(data), block=4096))
    problems = [u for u in found if isinstance(u, InputProblem)]
    assert problems == [InputProblem("-:2", None, problems[0].message)]
    assert "longer than 1 MiB" in problems[0].message
    assert numbered([u for u in found if isinstance(u, Lines)]) == [
        (1, b'{"a": 1}'),
        (3, b'{"b": 2}'),
    ]
    assert max(len(u.data) for u in found if isinstance(u, Lines)) < 2 * 4096


def test_a_line_just_over_the_limit_reaches_the_screener_which_refuses_it() -> None:
    data = b"x" * (MAX_DOCUMENT + 10) + b"\n"  # ends within a block: no need to skip it
    found = list(units([Input(STDIN, STDIN, "lines", None)], io.BytesIO(data), block=4096))
    assert all(isinstance(u, Lines) for u in found)
    assert max(len(u.data) for u in found if isinstance(u, Lines)) <= MAX_DOCUMENT + 4096 + 1


def test_binary_json_lines_are_one_problem_not_one_per_line() -> None:
    data = bytes(range(256)) * 100
    found = list(units([Input(STDIN, STDIN, "lines", None)], io.BytesIO(data)))
    assert found == [InputProblem("-", None, "binary data, not JSON text")]


def test_utf16_is_named() -> None:
    data = '{"patient_id": "a"}\n'.encode("utf-16")
    found = list(units([Input(STDIN, STDIN, "lines", None)], io.BytesIO(data)))
    assert found == [InputProblem("-", None, "UTF-16 text: save it as UTF-8")]


def test_stdin_with_a_pretty_printed_document_is_one_document() -> None:
    data = b'{\n  "patient_id": "a",\n  "age_years": 44\n}\n'
    assert from_stdin(data, block=5) == [Document("-", data)]


def test_stdin_with_one_broken_document_is_one_document_with_one_error() -> None:
    data = b'{"patient_id": "a",\n  "age_years": \n'
    assert from_stdin(data) == [Document("-", data)]


def test_stdin_with_json_lines_is_read_as_lines() -> None:
    data = b'{"patient_id": "a"}\n{"patient_id": "b"}\n'
    assert numbered(from_stdin(data, block=7)) == [
        (1, b'{"patient_id": "a"}'),
        (2, b'{"patient_id": "b"}'),
    ]


def test_stdin_whose_first_line_is_broken_is_still_read_as_lines() -> None:
    data = b'{"patient_id": "a", "x\n{"patient_id": "b"}\n'
    assert [n for n, _ in numbered(from_stdin(data))] == [1, 2]


def test_blank_or_empty_stdin_is_a_problem() -> None:
    for data in (b"", b"  \n\n"):
        assert from_stdin(data) == [InputProblem("-", None, "empty: no profile was given")]


@given(data=st.binary(max_size=3000), limit=st.integers(0, 4000))
def test_peeking_reads_ahead_without_losing_bytes(data: bytes, limit: int) -> None:
    stream, size = peek(io.BytesIO(data), limit)
    assert size == min(limit, len(data))
    out = b""
    while chunk := stream.read1(7):
        out += chunk
    assert out == data


def test_read_document_refuses_large_files_and_reads_small_ones(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_DOCUMENT + 1))
    problem = read_document(Input(str(big), "big.json", "json", None))
    assert isinstance(problem, InputProblem) and "1,048,577 bytes" in problem.message
    small = tmp_path / "small.json"
    small.write_bytes(b'{"patient_id": "a"}')
    assert read_document(Input(str(small), "small.json", "json", 19)) == b'{"patient_id": "a"}'
