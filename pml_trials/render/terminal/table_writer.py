"""``--format table``: the terminal view of a batch.

Up to :data:`MATRIX_LIMIT` patients it is a patient x trial matrix: ``✓`` eligible, ``✗``
ineligible with the criterion that rules it out (``+2`` when more do), ``?`` needs
information with how many answers are missing. Beside the patient id, the AAN 2013
diagnostic category (wrapped under it on a narrow screen); a possible or probable PML that the diagnosis criterion rules out
reads "PML not yet confirmed", never a bare criterion id. Each study's header carries its
recruitment status, and so does every eligible cell of a study that is not recruiting
(issue 11: never an "eligible" for a completed study without saying so). Past that a matrix would scroll out of
sight, so it becomes one row of counts per trial and the first eligible patients of
each: the writer keeps at most :data:`MATRIX_LIMIT` rows and :data:`ELIGIBLE_SHOWN` ids
per trial, however large the batch. Everything is drawn at the end (``emit`` holds the
rows back), with a summary line of counts and the disclaimer.
"""

from __future__ import annotations

from collections import Counter

from pml_trials.engine import ScreeningResult
from pml_trials.engine.diagnosis import LABELS
from pml_trials.engine.result import not_confirmed, reads_diagnosis
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.geo.travel import format_km, left_out_by
from pml_trials.render.base import ReportWriter
from pml_trials.render.terminal.grid import Styled, grid, paint, wrap
from pml_trials.studies.model import Study
from pml_trials.verdict import COUNTED, MARKS, STYLES, Verdict

MATRIX_LIMIT = 50
ELIGIBLE_SHOWN = 20
LEGEND = (
    "✓ eligible · ✗ ineligible: the criterion that rules it out · "
    "? needs information: how many answers could decide it · "
    "(diagnosis): AAN 2013 category · PML not yet confirmed: possible or probable PML; a "
    "repeat ultrasensitive CSF JC virus PCR or a brain biopsy would decide"
)
NOT_CONFIRMED = "PML not yet confirmed"
# Beside the patient id: the id stays whole on its line, the category wraps below it.
DIAGNOSIS_SHORT = {d.value: label for d, label in LABELS.items()} | {"unknown": "diagnosis unknown"}

Cell = tuple[Verdict, str]  # the verdict and its short reason
Row = tuple[str, str, tuple[Cell, ...]]  # patient id, diagnosis, one cell per study


def cells(result: ScreeningResult, within_km: float | None = None) -> tuple[Cell, ...]:
    """Each trial's verdict and short reason for one patient; under ``--within``, a trial
    whose every site is farther says so instead (its verdict mark stays)."""
    out: list[Cell] = []
    unconfirmed = result.pml_unconfirmed
    for trial in result:
        if within_km is not None and left_out_by(trial.travel, within_km):
            km = trial.travel.nearest_km or 0.0
            reason = f"left out: {format_km(km)} > {format_km(within_km)}"
        elif trial.verdict is Verdict.INELIGIBLE:
            ids = [c.criterion.id for c in trial.reasons]
            if not_confirmed(trial, unconfirmed):
                others = (c.criterion.id for c in trial.reasons if not reads_diagnosis(c.criterion))
                ids = [NOT_CONFIRMED, *others]
            reason = ids[0] + (f" +{len(ids) - 1}" if len(ids) > 1 else "")
        elif trial.verdict is Verdict.NEEDS_INFORMATION:
            count = len(trial.missing_fields)
            reason = f"{count} answer{'s' if count != 1 else ''} missing"
        else:
            reason = "eligible" + status_note(trial.study.status)
        out.append((trial.verdict, reason))
    return tuple(out)


def status_note(status: str | None) -> str:
    """`` (completed)`` beside an eligible verdict of a study that is not recruiting."""
    if status is None or status.strip().lower() == "recruiting":
        return ""
    return f" ({status})" if status != "unknown" else " (status unknown)"


def study_heading(study: Study) -> str:
    """The study id with its recruitment status as last read."""
    status = study.status if study.status not in (None, "unknown") else "status unknown"
    return f"{study.id} ({status})"


class TableWriter(ReportWriter):
    """See the module docstring. ``width`` and ``color`` describe where it is shown."""

    def __init__(self, run: RunInfo, width: int = 120, color: bool = False) -> None:
        super().__init__(run)
        self.width = width
        self.color = color
        self._rows: list[Row] | None = []  # None once past MATRIX_LIMIT
        self._eligible: list[list[str]] = [[] for _ in run.studies]

    def render(self, result: ScreeningResult) -> Row:
        return (result.patient_id, result.diagnosis.value, cells(result, self.run.within_km))

    def emit(self, chunk: Row) -> str:
        patient_id, _, row = chunk
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
        lines: list[str] = []
        if self._rows:
            lines += self._matrix(self._rows)
            lines += self._paragraph(LEGEND, "dim")
        elif self._rows is None:
            lines += self._paragraph(self._note(tally), "")
            lines += self._counts(tally)
            lines += self._eligible_lists(tally)
        lines.append("")
        lines += self._paragraph(summary(tally, len(self.run.studies)), "bold")
        lines += self._paragraph(self.run.disclaimer, "italic")
        return "".join(line + "\n" for line in lines)

    def _paragraph(self, text: str, style: str, indent: int = 0) -> list[str]:
        lines = wrap(text, self.width - indent)
        return [" " * indent + paint(line, style, self.color) for line in lines]

    def _matrix(self, rows: list[Row]) -> list[str]:
        studies = self.run.studies
        header: list[Styled] = [("patient (diagnosis)", "")]
        header += [(study_heading(study), "") for study in studies]
        body = [
            [
                (f"{patient_id} ({DIAGNOSIS_SHORT[diagnosis]})", ""),
                *((f"{MARKS[v]} {reason}", STYLES[v]) for v, reason in row),
            ]
            for patient_id, diagnosis, row in rows
        ]
        return grid(header, body, self.width, color=self.color)

    @staticmethod
    def _note(tally: Tally) -> str:
        return (
            f"{tally.patients} patients, more than {MATRIX_LIMIT}: counts per trial "
            "(--format csv has a row per patient and trial)"
        )

    def _counts(self, tally: Tally) -> list[str]:
        header: list[Styled] = [("trial", "")]
        header += [(f"{MARKS[v]} {v.value.replace('-', ' ')}", "") for v in Verdict]
        rows = []
        for study in self.run.studies:
            counts = tally.verdicts.get(study.id, Counter())
            rows.append([(study_heading(study), ""), *((str(counts[v]), "") for v in Verdict)])
        return grid(header, rows, self.width, color=self.color, right={1, 2, 3}, pad_edge=True)

    def _eligible_lists(self, tally: Tally) -> list[str]:
        lines = self._paragraph("Eligible patients", "bold")
        for study, shown in zip(self.run.studies, self._eligible, strict=True):
            total = tally.verdicts.get(study.id, Counter())[Verdict.ELIGIBLE]
            names = ", ".join(shown) if shown else "none"
            more = f" and {total - len(shown)} more" if total > len(shown) else ""
            head = f"{study_heading(study)}: "
            for line in wrap(head + names + more, self.width - 2):  # wrapped lines stay indented
                if line.startswith(head):
                    line = head + paint(line[len(head) :], "green", self.color)
                else:
                    line = paint(line, "green", self.color)
                lines.append("  " + line)
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
        detail = ", ".join(f"{counts[v]} {COUNTED[v]}" for v in Verdict)
        patients = f"{tally.patients} patient{'s' if tally.patients != 1 else ''}"
        text = f"{patients} × {studies} trial{'s' if studies != 1 else ''}: {detail}."
    if tally.problems:
        plural = "s were" if tally.problems != 1 else " was"
        text += f" {tally.problems} input{plural} invalid and not screened (see the errors)."
    return text
