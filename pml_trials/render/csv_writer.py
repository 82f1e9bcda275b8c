"""``--format csv``: one row per patient and trial, for spreadsheets.

Columns: ``patient_id, source, trial_id, verdict, reasons, missing_fields, disclaimer``.
The first six are the contract of RESULTS.md. ``reasons`` holds the ids of the criteria
that make an ineligible verdict, ``missing_fields`` the fields whose answers could
still decide a needs-information one, each list separated by spaces (ids hold no
spaces, and a semicolon would split cells where it is the list separator of the
spreadsheet's locale). The disclaimer is repeated in a last column rather than put in a
comment line, which many readers would take for a data row: every filtered or sorted
extract of the sheet still carries it.

UTF-8 without a byte-order mark, ``\\n`` line ends, quoted where needed (RFC 4180). A
cell that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a
carriage return) gets a leading apostrophe, as OWASP advises against CSV injection;
``-`` and ``-:12``, the sources of standard input, are left as they are.
"""

from __future__ import annotations

import re

from pml_trials.engine import ScreeningResult, TrialResult
from pml_trials.engine.result import Outcome
from pml_trials.engine.run import RunInfo
from pml_trials.render.base import ReportWriter
from pml_trials.verdict import Verdict, decisive

COLUMNS = ("patient_id", "source", "trial_id", "verdict", "reasons", "missing_fields")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_STDIN = re.compile(r"-(:[0-9]+)?")  # our own name for standard input, never a formula
_CACHE_LIMIT = 4096  # row ends remembered per study (distinct outcomes)


def cell(text: str) -> str:
    """One CSV cell: defused if a spreadsheet would run it, quoted if it must be."""
    if text.startswith(_FORMULA) and not _STDIN.fullmatch(text):
        text = "'" + text
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


class CsvWriter(ReportWriter):
    """See the module docstring; ``render`` returns the patient's rows as text."""

    def __init__(self, run: RunInfo) -> None:
        super().__init__(run)
        self._disclaimer = cell(run.disclaimer)
        # What follows patient_id and source in a row depends only on the study's outcome
        # unless it needs information (then the missing fields depend on the profile).
        self._ends: list[dict[Outcome, str]] = [{} for _ in run.studies]

    def header(self) -> str:
        return ",".join((*COLUMNS, "disclaimer")) + "\n"

    def render(self, result: ScreeningResult) -> str:
        patient_id = result.patient_id  # letters, digits and -_. only: never quoted
        prefix = (
            f"{cell(patient_id) if patient_id[0] == '-' else patient_id},{cell(result.source)},"
        )
        parts = []
        for index, outcome in enumerate(result.outcomes):
            end = self._ends[index].get(outcome)
            parts.append(prefix)
            parts.append(end if end is not None else self._end(index, outcome, result))
        return "".join(parts)

    def _end(self, index: int, outcome: Outcome, result: ScreeningResult) -> str:
        """``trial_id,verdict,reasons,missing_fields,disclaimer`` and the line end."""
        study = self.run.studies[index]
        verdict, values = outcome
        reasons = missing = ""
        if verdict is Verdict.INELIGIBLE:
            criteria = zip(study.criteria, values, strict=True)
            reasons = " ".join(c.id for c, value in criteria if decisive(c.kind, value))
        elif verdict is Verdict.NEEDS_INFORMATION:
            trial = TrialResult(study, verdict, values, result.profile, result.screening_date)
            missing = " ".join(trial.missing_fields)
        cells = (study.id, verdict.value, reasons, missing)
        end = ",".join(map(cell, cells)) + f",{self._disclaimer}\n"
        if not missing and len(self._ends[index]) < _CACHE_LIMIT:
            self._ends[index][outcome] = end
        return end
