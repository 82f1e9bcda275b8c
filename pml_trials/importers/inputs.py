"""Inputs that are not profiles yet, turned into profiles before a batch reads them.

``screen`` reads JSON profiles and JSON Lines. This module lets it take, besides, FHIR
Bundles and NDJSON (detected by ``resourceType``), CSV/TSV/XLSX tables (a mapping file,
or columns named as the profile keys, as a REDCap export of the generated instrument
is), and with ``--lenient`` JSON arrays and profiles written loosely. Each such input
becomes a JSON Lines file in a private temporary folder (mode 0700, removed at the end)
under the input's own label, its line *n* being the input's row *n* (a table's line, a
bundle's *n*-th patient, an array's *n*-th element), so messages point at the input.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pml_trials.batch.inputs import STDIN, Input
from pml_trials.engine.run import InputProblem
from pml_trials.importers.tabular import TABLE_SUFFIXES
from pml_trials.record import Record

if TYPE_CHECKING:  # the readers are imported only for an input that needs them
    from pml_trials.importers.tabular.mapping import Mapping

ARRAY_HINT = (
    "the top level must be a JSON object {...} holding one patient, not a JSON array: "
    "use JSON Lines (one profile a line) or pass --lenient"
)


class Prepare(Record):
    as_of: date
    lenient: bool = False
    mapping: Mapping | None = None
    codes: tuple[Path, ...] = ()  # site code lists for FHIR inputs


@contextlib.contextmanager
def prepared(
    found: Sequence[Input | InputProblem], options: Prepare, say: Callable[[str], None]
) -> Iterator[list[Input | InputProblem]]:
    """``found`` with every convertible input replaced by its JSON Lines (and its
    problems after it); ``say`` gets each warning and lenient change, one line each."""
    needed = any(_needs(item, options) for item in found)
    if not needed:
        _kind.cache_clear()
        yield list(found)
        return
    import shutil  # with bz2 and lzma: only when something is converted
    import tempfile

    folder = tempfile.mkdtemp(prefix="pml-trials-import-")
    try:
        yield list(_convert(found, options, Path(folder), say))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _kind.cache_clear()


@functools.lru_cache(maxsize=4096)
def _kind(item: Input) -> str:
    """``table``, ``fhir``, ``array`` or ``profile`` (from the suffix and first bytes;
    remembered, so a file is sniffed once per run). Standard input is looked at without
    being consumed, and only a FHIR document or NDJSON on it is converted."""
    if item.path == STDIN:
        return "fhir" if b'"resourceType"' in _stdin_head() else "profile"
    if Path(item.path).suffix.lower() in TABLE_SUFFIXES:
        return "table"
    if item.size is None:
        return "profile"  # a pipe or device: reading ahead would take bytes from the batch
    try:  # os.open/os.read: a third of the cost of a buffered file, over thousands of files
        fd = os.open(item.path, os.O_RDONLY)
        try:
            head = os.read(fd, 4096)
        finally:
            os.close(fd)
    except OSError:
        return "profile"  # the batch reports it as it does any unreadable file
    if b'"resourceType"' in head:
        return "fhir"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return "array"
    return "profile"


def _stdin_head() -> bytes:
    """The first bytes waiting on standard input, left there for whoever reads it."""
    import sys

    stream = getattr(sys.stdin, "buffer", None)
    peek = getattr(stream, "peek", None)
    if peek is None:
        return b""
    try:
        head: bytes = peek(4096)[:4096]
    except (OSError, ValueError):
        return b""
    return head


def _needs(item: Input | InputProblem, options: Prepare) -> bool:
    if not isinstance(item, Input):
        return False
    if item.path == STDIN:
        return _kind(item) == "fhir"
    return options.lenient or _kind(item) != "profile"


def _convert(
    found: Sequence[Input | InputProblem],
    options: Prepare,
    folder: Path,
    say: Callable[[str], None],
) -> Iterator[Input | InputProblem]:
    fhir = [i for i in found if isinstance(i, Input) and _kind(i) == "fhir"]
    for number, item in enumerate(found):
        if not isinstance(item, Input):
            yield item
            continue
        kind = _kind(item)
        if item.path == STDIN and kind != "fhir":
            yield item
            continue
        target = folder / f"{number}.jsonl"
        if kind == "fhir":
            if item is fhir[0]:
                yield from _fhir(fhir, options, target, say)
            continue
        if kind == "table":
            yield from _table(item, options, target, say)
        elif kind == "array":
            yield from _array(item, options, target, say)
        elif options.lenient:
            yield from _loose(item, target, say)
        else:
            yield item


def _write(target: Path, lines: Sequence[str]) -> int:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
    return target.stat().st_size


def _input(target: Path, label: str, lines: Sequence[str]) -> Input:
    return Input(str(target), label, "lines", _write(target, lines))


def _fhir(
    items: list[Input], options: Prepare, target: Path, say: Callable[[str], None]
) -> Iterator[Input | InputProblem]:
    from pml_trials.importers.codes import load_codes
    from pml_trials.importers.fhir.build import Options
    from pml_trials.importers.fhir.mapping import CONCEPTS
    from pml_trials.importers.fhir.run import import_fhir
    from pml_trials.importers.provenance import Imported
    from pml_trials.importers.write import profile_line

    lines: list[str] = []
    problems: list[InputProblem] = []
    for result in import_fhir(
        [i.path for i in items], load_codes(options.codes, known=CONCEPTS), Options(options.as_of)
    ):
        if isinstance(result, InputProblem):
            problems.append(result)
            continue
        assert isinstance(result, Imported)
        for warning in result.warnings:
            say(f"{result.source}: warning: {warning}")
        lines.append(profile_line(result.profile).rstrip("\n"))
    label = items[0].label + (f" (+{len(items) - 1} FHIR files)" if len(items) > 1 else "")
    if lines:
        yield _input(target, label, lines)
    yield from problems


def _table(
    item: Input, options: Prepare, target: Path, say: Callable[[str], None]
) -> Iterator[Input | InputProblem]:
    from pml_trials.importers.tabular.convert import Row, table_rows

    lines: list[str] = []
    problems: list[InputProblem] = []
    for row in table_rows(Path(item.path), item.label, options.mapping, options.lenient):
        if isinstance(row, InputProblem):
            problems.append(row)
            continue
        assert isinstance(row, Row)
        lines += [""] * (row.line - 1 - len(lines))  # line n of the file is line n here
        for change in row.changes:
            say(f"{change} (--lenient)")
        problems += row.problems
        lines.append(json.dumps(row.profile, ensure_ascii=False) if row.profile is not None else "")
    if any(lines):
        yield _input(target, item.label, lines)
    yield from problems


def _array(
    item: Input, options: Prepare, target: Path, say: Callable[[str], None]
) -> Iterator[Input | InputProblem]:
    if not options.lenient:
        yield InputProblem(item.label, None, ARRAY_HINT)
        return
    from pml_trials.batch.read import read_document

    data = read_document(item)
    if isinstance(data, InputProblem):
        yield data
        return
    try:
        elements = json.loads(data)
    except (ValueError, RecursionError) as exc:
        yield InputProblem(item.label, None, f"invalid JSON: {exc}")
        return
    if not isinstance(elements, list):
        yield item
        return
    say(
        f"{item.label}: a JSON array of {len(elements)} profile(s), read one per element (--lenient); element n is {item.label}:n"
    )
    lines = []
    for number, element in enumerate(elements, start=1):
        loose, changes = loosen(element, f"{item.label}:{number}")
        for change in changes:
            say(change)
        lines.append(json.dumps(loose, ensure_ascii=False))
    if lines:
        yield _input(target, item.label, lines)
    else:
        yield InputProblem(item.label, None, "an empty JSON array: no profile was given")


def _loose(item: Input, target: Path, say: Callable[[str], None]) -> Iterator[Input | InputProblem]:
    """A profile file or JSON Lines, with --lenient's normalisations applied."""
    from pml_trials.files.read import MAX_DOCUMENT

    if item.size is None or item.size > 64 * MAX_DOCUMENT:
        yield item  # a pipe, or too large to copy: read strictly
        return
    lines = []
    try:
        text = Path(item.path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        yield item  # the batch reports it
        return
    documents = [text] if item.kind == "json" else text.split("\n")
    for number, document in enumerate(documents, start=1):
        try:
            value = json.loads(document) if document.strip() else None
        except (ValueError, RecursionError):
            lines.append(document.replace("\n", " "))  # the batch reports it
            continue
        where = item.label if item.kind == "json" else f"{item.label}:{number}"
        loose, changes = loosen(value, where)
        for change in changes:
            say(change)
        lines.append("" if value is None else json.dumps(loose, ensure_ascii=False))
    yield _input(target, item.label, lines)


def loosen(value: Any, where: str) -> tuple[Any, list[str]]:
    """A profile with --lenient's normalisations (key case, values given as text), and
    what was changed; anything it cannot read is left for validation to report."""
    from pml_trials.importers.tabular.cells import CellError, convert
    from pml_trials.profile.fields import BY_KEY

    if not isinstance(value, dict):
        return value, []
    changes: list[str] = []
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = key
        folded = str(key).strip().lower().replace(" ", "_").replace("-", "_")
        if key not in BY_KEY and folded in BY_KEY:
            changes.append(f"{where}: key {key!r} read as {folded!r} (--lenient)")
            name = folded
        spec = BY_KEY.get(name)
        if spec is not None and isinstance(item, str) and spec.kind not in ("id",):
            before = len(changes)
            try:
                converted = convert(spec, item, True, changes, f"{where}: {name}")
            except CellError:
                converted = item
            if converted != item and len(changes) == before:
                changes.append(f"{where}: {name}: {item!r} read as {converted!r}")
            item = converted
        out[name] = item
    return out, [c if c.endswith("(--lenient)") else c + " (--lenient)" for c in changes]
