"""What the chart copy's first page says, worded once for the HTML and Markdown reports.

Plain text only (each format escapes it): the decisive reasons in the questionnaire's
clinical wording (a field's question and the answer, never its JSON key), the questions
that would decide an undecided trial, the patient's next steps across trials, the
diagnosis slot and the options of a report (paper size, which patients get detail).

Nothing here decides anything: it words the engine's results.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.diagnosis import LABELS
from pml_trials.engine.next_steps import NextStep, next_steps, which_trials
from pml_trials.engine.result import not_confirmed
from pml_trials.engine.run import InputProblem
from pml_trials.profile.fields import BY_KEY
from pml_trials.record import Record
from pml_trials.render.report.values import (
    diagnosis_advice,
    format_value,
    to_decide,
    verdict_words,
)
from pml_trials.rules.nodes import SCREENING_DATE
from pml_trials.verdict import Verdict

__all__ = ["which_trials"]  # re-exported: the reports word steps the same way

_LINE = re.compile(r"^(?P<path>.*?)(?P<line>:[0-9]+)?$")


class Paper(StrEnum):
    """``--paper``: the printed page size."""

    a4 = "a4"
    letter = "letter"


class Detail(StrEnum):
    """``--detail``: which patients of a batch get their criterion-by-criterion detail."""

    all = "all"
    actionable = "actionable"  # eligible or needing information for some trial
    none = "none"


class ReportOptions(Record):
    """How a clinic report is laid out (the verdicts never depend on it)."""

    paper: Paper = Paper.a4
    detail: Detail = Detail.actionable
    overview: bool = True  # a batch's patient x trial overview first; explain has none


def file_name(source: str) -> str:
    """Where the profile came from, as printed on paper: the file's name (with the line of
    a JSON Lines file), never the folders above it, which may name a person or a ward."""
    if source == "-" or source.startswith("-:"):
        return "standard input" + source[1:].replace(":", ", line ", 1)
    found = _LINE.match(source)
    assert found is not None  # the pattern matches any text
    name = PurePath(found["path"]).name or found["path"]
    return name + (f", line {found['line'][1:]}" if found["line"] else "")


def on_paper(problem: InputProblem) -> InputProblem:
    """A rejected input as a report prints it: the file's name only, and never the value
    of an invalid patient id (a person's name typed where the pseudonym goes)."""
    message = problem.message
    if problem.field == "patient_id":
        allowed = BY_KEY["patient_id"].allowed()
        message = f"not a valid patient id; the value is not printed (allowed: {allowed})"
    return InputProblem(file_name(problem.source), problem.field, message)


def shown(key: str, value: Any) -> str:
    """A value as a clinician reads it: units, yes/no, ``not detected`` for ``not_detected``."""
    text = format_value(key, value)
    spec = BY_KEY.get(key)
    if spec is not None and spec.kind in ("enum", "enum_list") and value is not None:
        text = text.replace("_", " ")
    return text


def label(key: str) -> str:
    """A field's short clinical label (``CD4 count``), never its JSON key."""
    spec = BY_KEY.get(key)
    if spec is None:
        return "Screening date" if key == SCREENING_DATE else key
    return spec.short


def answered(criterion: CriterionResult) -> list[str]:
    """``Label: answer`` for each value the criterion read, known ones first (they
    decided it); the date counted to is left out (it is in the page's header)."""
    known = [(k, v) for k, v in criterion.fields.items() if k != SCREENING_DATE]
    known.sort(key=lambda item: item[1] is None)
    return [f"{label(key)}: {shown(key, value)}" for key, value in known]


def reasons(trial: TrialResult) -> list[tuple[str, list[str]]]:
    """For an ineligible trial, each decisive criterion (``Exclusion applies
    (prior-checkpoint)``) and the answers that decided it, in clinical words."""
    return [
        (f"{c.criterion.kind.capitalize()} {c.status} ({c.criterion.id})", answered(c))
        for c in trial.reasons
    ]


def deciding_questions(trial: TrialResult, ranked: Sequence[str]) -> list[str]:
    """For an undecided trial, the questions that could decide it, in asking order."""
    return [spec.question for spec in to_decide(trial, ranked)]


def steps(result: ScreeningResult) -> tuple[NextStep, ...]:
    return next_steps(result)


def diagnosis(result: ScreeningResult) -> str | None:
    """The AAN 2013 diagnostic category as the engine computed it (issue 11), with what
    would confirm a possible or probable PML."""
    words = LABELS[result.diagnosis]
    advice = diagnosis_advice(result)
    return f"{words}. {advice}." if advice else words


def verdict_text(trial: TrialResult, result: ScreeningResult) -> str:
    """``eligible`` ... or ``ineligible until PML is confirmed`` (issue 11)."""
    return verdict_words(trial, result.pml_unconfirmed)


def reason_instead(trial: TrialResult, result: ScreeningResult) -> str | None:
    """For a trial ineligible only until PML is confirmed: the file's next step."""
    if not_confirmed(trial, result.pml_unconfirmed) and trial.next_step:
        return trial.next_step
    return None


def actionable(result: ScreeningResult) -> bool:
    """Eligible or needing information for some trial: worth the detail pages."""
    return any(v is not Verdict.INELIGIBLE for v in result.verdicts)


def keeps(options: ReportOptions, is_actionable: bool) -> bool:
    """Whether a batch report keeps a patient's pages after the overview."""
    return options.detail is Detail.all or (options.detail is Detail.actionable and is_actionable)


def detail_words(options: ReportOptions, count: int) -> str:
    """The overview's last line: whose pages follow."""
    which = {
        Detail.all: "every patient",
        Detail.actionable: "each patient eligible or needing information for some trial",
        Detail.none: "no patient (--detail none)",
    }[options.detail]
    return f"Pages follow for {which}: {count} patient(s)."
