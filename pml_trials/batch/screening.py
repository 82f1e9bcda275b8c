"""Screening one unit of work: validate, screen and render each profile in it.

This runs in the main process (one worker) or in each worker process, and is the same
code either way. What it sends back, :class:`Done`, is small and picklable: the
rendered patients and the problems in input order, each patient's id and source (for
the duplicate check), and counts of verdicts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from pml_trials.batch.duplicates import Packed
from pml_trials.batch.read import (
    TOO_LONG,
    Document,
    Files,
    Lines,
    LongLine,
    Slice,
    Span,
    Unit,
    describe_bytes,
    read_document,
    read_span,
    unit_size,
)
from pml_trials.engine import screen
from pml_trials.engine.result import Outcome
from pml_trials.engine.run import InputProblem
from pml_trials.files.read import MAX_DOCUMENT
from pml_trials.geo import RESOLVED
from pml_trials.profile import fast
from pml_trials.profile.fast import struct_of
from pml_trials.profile.residence import town_problems
from pml_trials.profile.validate import InvalidProfileError, validate_json
from pml_trials.record import Record, field
from pml_trials.render.base import ReportWriter
from pml_trials.rules.codegen import LineFunction
from pml_trials.studies.model import Study, compile_line
from pml_trials.verdict import Verdict

_VERDICT = itemgetter(0)
_LINE_1 = re.compile(r" at line 1 column (\d+)$")  # a JSON Lines line is its own line 1


class Joined(Record):
    """The text of ``count`` consecutive patients, for formats whose ``emit`` writes what
    ``render`` returned as it is (csv, jsonl): joined in the worker, the main process
    has one string to write instead of one object per patient."""

    text: str
    count: int


class Done(Record, frozen=False):
    """What screening a unit produced. Each patient's id and source are filled while
    screening, in two lists of strings (a tuple per patient was an object the
    collector tracked until the unit ended: with a worker's 2,000 patients per unit,
    a collection every third of a unit that found nothing, issue 20); a worker moves
    them into ``packed`` before sending the unit back (:meth:`pack`)."""

    items: list[Any] = field(default_factory=list)  # rendered, Joined, InputProblem
    ids: list[str] = field(default_factory=list)  # each patient's id, in input order
    sources: list[str] = field(default_factory=list)  # and where it was read
    verdicts: Counter[tuple[Verdict, ...]] = field(default_factory=Counter)
    size: int = 0  # bytes of input covered
    fatal: str | None = None  # the worker could not start (the run must stop)
    packed: Packed | None = None  # the patients, once packed

    def pack(self) -> None:
        """Move the patients into one :class:`Packed` (before pickling)."""
        if self.packed is None:
            self.packed = Packed.joined(self.ids, self.sources)
            self.ids, self.sources = [], []

    def patient_count(self) -> int:
        return self.packed.count if self.packed is not None else len(self.ids)

    def id_list(self) -> list[str]:
        """Each patient's id, in input order, packed or not."""
        return self.packed.id_list() if self.packed is not None else self.ids

    def source_list(self, first: int | None = None) -> list[str]:
        """The sources of all the patients, or of (at least) the ``first`` few."""
        if self.packed is not None:
            return self.packed.source_list(first)
        return self.sources if first is None else self.sources[:first]

    def pairs(self) -> list[tuple[str, str]]:
        """``(patient_id, source)`` of each patient, in input order, packed or not."""
        return list(zip(self.id_list(), self.source_list(), strict=True))


def join(run: list[str]) -> Joined:
    return Joined("".join(run), len(run))


class Screener:
    """Screens units against ``studies`` and renders each result with ``writer``.

    When the writer's ``emit`` passes text through unchanged, each run of rendered
    patients is handed to ``pack`` (by default joined into one :class:`Joined`).
    """

    def __init__(
        self,
        studies: Sequence[Study],
        as_of: date,
        writer: ReportWriter,
        pack: Callable[[list[str]], Any] = join,
        line: LineFunction[Verdict] | None = None,
    ) -> None:
        self.studies = tuple(studies)
        self.as_of = as_of
        self.render = writer.render
        self.render_line = writer.render_line
        self.render_struct = writer.render_struct
        self.pack = pack if type(writer).emit is ReportWriter.emit else None
        # A line's checks, every study's outcome and the verdicts in one call
        # (rules.codegen.compile_line), built on the first lines unless given (built for
        # these studies, by a main process for its workers).
        self._line: LineFunction[Verdict] | None = line

    def process(self, unit: Unit) -> Done:
        done = self._process(unit)
        if self.pack is not None:
            done.items = _packed(done.items, self.pack)
        return done

    def _process(self, unit: Unit) -> Done:
        done = Done(size=unit_size(unit))
        if isinstance(unit, Span):
            lines = read_span(unit)
            if isinstance(lines, InputProblem):
                done.items.append(lines)
            else:
                self._lines(lines, done)
        elif isinstance(unit, Lines):
            self._lines(unit, done)
        elif isinstance(unit, Files):
            for item in unit.inputs:
                data = read_document(item)
                if isinstance(data, InputProblem):
                    done.items.append(data)
                else:
                    self._one(data, item.label, None, done)
        elif isinstance(unit, Document):
            self._one(unit.data, unit.label, None, done)
        elif isinstance(unit, Slice | LongLine):  # numbered first (parallel.numbered)
            raise TypeError("a slice's lines are numbered before they are screened")
        else:
            done.items.append(unit)
        return done

    def _lines(self, unit: Lines, done: Done) -> None:
        """Each line as a document. This is the loop a large batch spends its time in,
        so it is :meth:`_one` written out for lines, its names bound once.

        A line msgspec proves valid is a Struct (:func:`.profile.fast.decode_struct`),
        which one generated call checks across fields and screens against every study
        (:func:`.studies.model.compile_line`), and the writer renders it
        (``render_struct``: a format reads its attributes, or sees it as a
        :class:`.profile.fast.StructProfile`). Any other line goes to the validator,
        which words its problems or gives the profile as a dict: that dict is rendered,
        and screened through the same call."""
        label, number = unit.label, unit.first - 1
        items, ids, sources, verdicts = done.items, done.ids, done.sources, []
        as_of, render, towns = self.as_of, self.render_line, RESOLVED  # (country, town)
        render_struct = self.render_struct
        if self._line is None:  # built on the first lines, in the process screening
            self._line = compile_line(self.studies)
        screen_line = self._line
        decode = fast.decode_struct  # looked up here: the tests swap it for None
        # The lines as data.split(b"\n") gives them, cut at each newline found by find()
        # (memchr): split() compares byte by byte, ~5 % of a profile's instructions.
        data, find, start, last = unit.data, unit.data.find, 0, False
        profile: Any  # the Struct, or the validator's dict
        draw: Callable[[str, str, Any, tuple[Outcome, ...], date], Any]
        while not last:
            stop = find(b"\n", start)
            if stop < 0:
                line, last = data[start:], True
            else:
                line, start = data[start:stop], stop + 1
            number += 1
            if not line or line.isspace():
                continue  # blank lines separate nothing and are allowed
            if len(line) > MAX_DOCUMENT:
                items.append(InputProblem(f"{label}:{number}", None, TOO_LONG))
                continue
            struct = decode(line)  # msgspec first, pydantic-core for a line it refuses
            found = None if struct is None else screen_line(struct, as_of)
            if found is not None and (
                (town := struct.residence_town) is None
                or (struct.residence_country, town) in towns
                or not town_problems(town, struct.residence_country, label, number)
            ):
                patient_id, profile, draw = struct.patient_id, struct, render_struct
            else:  # the validator words the problems, or gives the profile as a dict
                try:
                    valid = validate_json(line, source=label, line=number, as_of=as_of)
                except InvalidProfileError as exc:
                    items.extend(_problems(exc, line, label, number))
                    continue
                found = screen_line(struct_of(valid), as_of)
                if found is None:  # pragma: no cover - the validator ran the same checks
                    raise RuntimeError("a validated profile failed the line checks")
                patient_id, profile, draw = valid["patient_id"], valid, render
            source = f"{label}:{number}"
            today, outcomes, verdict = found
            items.append(draw(patient_id, source, profile, outcomes, today))
            ids.append(patient_id)
            sources.append(source)
            verdicts.append(verdict)
        done.verdicts.update(verdicts)

    def _one(self, data: bytes, label: str, line: int | None, done: Done) -> None:
        """Validate, screen and render one document (a file, or line ``line``)."""
        try:
            profile = validate_json(data, source=label, line=line, as_of=self.as_of)
        except InvalidProfileError as exc:
            done.items.extend(_problems(exc, data, label, line))
            return
        source = label if line is None else f"{label}:{line}"
        result = screen(profile, self.studies, self.as_of, source)
        done.items.append(self.render(result))
        done.ids.append(result.patient_id)
        done.sources.append(source)
        done.verdicts[tuple(map(_VERDICT, result.outcomes))] += 1


def _packed(items: list[Any], pack: Callable[[list[str]], Any]) -> list[Any]:
    """Each run of rendered text packed as one item; problems keep their place."""
    out: list[Any] = []
    run: list[str] = []
    for item in items:
        if isinstance(item, InputProblem):
            if run:
                out.append(pack(run))
                run = []
            out.append(item)
        else:
            run.append(item)  # text: pack is used only with formats that render text
    if run:
        out.append(pack(run))
    return out


def _problems(
    exc: InvalidProfileError, data: bytes, label: str, line: int | None
) -> Iterator[InputProblem]:
    """One problem per thing wrong; bytes that are not UTF-8 text say so first."""
    source = label if line is None else f"{label}:{line}"
    reason = describe_bytes(data)
    if reason:
        yield InputProblem(source, None, reason)
        return
    for problem in exc.problems:
        message = problem.message
        if line is not None:
            message = _LINE_1.sub(r" at column \1", message)
        yield InputProblem(source, problem.field, message)
