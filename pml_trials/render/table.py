"""``--format table``: the terminal view of a batch.

Up to :data:`MATRIX_LIMIT` patients it is a patient x trial matrix: ``✓`` eligible, ``✗``
ineligible with the criterion that rules it out (``+2`` when more do), ``?`` needs
information with how many answers are missing. Past that a matrix would scroll out of
sight, so it becomes one row of counts per trial and the first eligible patients of
each: the writer keeps at most :data:`MATRIX_LIMIT` rows and :data:`ELIGIBLE_SHOWN` ids
per trial, however large the batch. Everything is drawn at the end (``emit`` holds the
rows back), with a summary line of counts and the disclaimer.
"""

from __future__ import annotations

import io
from collections import Counter

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pml_trials.engine import ScreeningResult
from pml_trials.render.base import InputProblem, ReportWriter, RunInfo, Tally
from pml_trials.verdict import Verdict

MATRIX_LIMIT = 50
ELIGIBLE_SHOWN = 20
MARKS = {Verdict.ELIGIBLE: "✓", Verdict.INELIGIBLE: "✗", Verdict.NEEDS_INFORMATION: "?"}
STYLES = {Verdict.ELIGIBLE: "green", Verdict.INELIGIBLE: "red", Verdict.NEEDS_INFORMATION: "yellow"}
WORDS = {
    Verdict.ELIGIBLE: "eligible",
    Verdict.INELIGIBLE: "ineligible",
    Verdict.NEEDS_INFORMATION: "needing information",
}
LEGEND = (
    "✓ eligible · ✗ ineligible: the criterion that rules it out · "
    "? needs information: how many answers could decide it"
)

Cell = tuple[Verdict, str]  # the verdict and its short reason
Row = tuple[str, tuple[Cell, ...]]  # patient id and one cell per study


def cells(result: ScreeningResult) -> tuple[Cell, ...]:
    """Each trial's verdict and short reason for one patient."""
    out: list[Cell] = []
    for trial in result:
        if trial.verdict is Verdict.INELIGIBLE:
            ids = [c.criterion.id for c in trial.reasons]
            reason = ids[0] + (f" +{len(ids) - 1}" if len(ids) > 1 else "")
        elif trial.verdict is Verdict.NEEDS_INFORMATION:
            count = len(trial.missing_fields)
            reason = f"{count} answer{'s' if count != 1 else ''} missing"
        else:
            reason = "eligible"
        out.append((trial.verdict, reason))
    return tuple(out)


class TableWriter(ReportWriter):
    """See the module docstring. ``width`` and ``color`` describe where it is shown."""

    def __init__(self, run: RunInfo, width: int = 120, color: bool = False) -> None:
        super().__init__(run)
        self.width = width
        self.color = color
        self._rows: list[Row] | None = []  # None once past MATRIX_LIMIT
        self._eligible: list[list[str]] = [[] for _ in run.studies]

    def render(self, result: ScreeningResult) -> Row:
        return (result.patient_id, cells(result))

    def emit(self, chunk: Row) -> str:
        patient_id, row = chunk
        for shown, (verdict, _) in zip(self._eligible, row, strict=True):
            if verdict is Verdict.ELIGIBLE and len(shown) < ELIGIBLE_SHOWN:
                shown.append(patient_id)
        if self._rows is not None:
            self._rows.append(chunk)
            if len(self._rows) > MATRIX_LIMIT:
                self._rows = None
        return ""

    def problem(self, problem: InputProblem) -> str:
        return ""

    def footer(self, tally: Tally) -> str:
        console = Console(
            file=io.StringIO(),
            width=self.width,
            color_system="standard" if self.color else None,
            force_terminal=self.color,
            legacy_windows=False,
            highlight=False,
            emoji=False,
        )
        console.print(self._body(tally))
        text = console.file.getvalue()  # type: ignore[attr-defined]
        assert isinstance(text, str)
        if self.color:
            return text
        return "".join(line.rstrip() + "\n" for line in text.splitlines())  # no padding

    def _body(self, tally: Tally) -> RenderableType:
        parts: list[RenderableType] = []
        if self._rows:
            parts += [self._matrix(self._rows), Text(LEGEND, style="dim")]
        elif self._rows is None:
            parts += [*self._counts(tally), *self._eligible_lists(tally)]
        parts += [Text(""), Text(summary(tally, len(self.run.studies)), style="bold")]
        parts.append(Text(self.run.disclaimer, style="italic"))
        return Group(*parts)

    def _matrix(self, rows: list[Row]) -> Table:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column("patient", no_wrap=True, overflow="fold")
        for study in self.run.studies:
            table.add_column(study.id, overflow="fold")
        for patient_id, row in rows:
            marks = [
                Text(f"{MARKS[verdict]} {reason}", style=STYLES[verdict]) for verdict, reason in row
            ]
            table.add_row(Text(patient_id), *marks)
        return table

    def _counts(self, tally: Tally) -> list[RenderableType]:
        note = (
            f"{tally.patients} patients, more than {MATRIX_LIMIT}: counts per trial "
            "(--format csv has a row per patient and trial)"
        )
        table = Table(box=box.SIMPLE_HEAD, show_edge=False)
        table.add_column("trial", no_wrap=True)
        for verdict in Verdict:
            table.add_column(f"{MARKS[verdict]} {verdict.value.replace('-', ' ')}", justify="right")
        for study in self.run.studies:
            counts = tally.verdicts.get(study.id, Counter())
            table.add_row(study.id, *(str(counts[verdict]) for verdict in Verdict))
        return [Text(note), table]

    def _eligible_lists(self, tally: Tally) -> list[RenderableType]:
        lines: list[RenderableType] = [Text("Eligible patients", style="bold")]
        for study, shown in zip(self.run.studies, self._eligible, strict=True):
            total = tally.verdicts.get(study.id, Counter())[Verdict.ELIGIBLE]
            names = ", ".join(shown) if shown else "none"
            more = f" and {total - len(shown)} more" if total > len(shown) else ""
            line = Text(f"{study.id}: ").append(names + more, style="green")
            lines.append(Padding(line, (0, 0, 0, 2)))  # wrapped lines stay indented
        return lines


def summary(tally: Tally, studies: int) -> str:
    """``3 patients × 2 trials: 1 eligible, 4 ineligible, 1 needing information.``"""
    if not tally.patients:
        text = "No patient was screened."
    else:
        counts = dict.fromkeys(Verdict, 0)
        for by_verdict in tally.verdicts.values():
            for verdict, count in by_verdict.items():
                counts[verdict] += count
        detail = ", ".join(f"{counts[v]} {WORDS[v]}" for v in Verdict)
        patients = f"{tally.patients} patient{'s' if tally.patients != 1 else ''}"
        text = f"{patients} × {studies} trial{'s' if studies != 1 else ''}: {detail}."
    if tally.problems:
        plural = "s were" if tally.problems != 1 else " was"
        text += f" {tally.problems} input{plural} invalid and not screened (see the errors)."
    return text
