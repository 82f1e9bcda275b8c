"""``--format csv``: one row per patient and trial, for spreadsheets.

Columns: ``patient_id, source, trial_id, verdict, reasons, missing_fields``, the trial's
nearest site (``nearest_site, nearest_site_city, nearest_site_country,
nearest_site_status, distance_km``), and ``disclaimer``. The first six are the contract
of RESULTS.md. The site columns name the site nearest the patient's town, with its
great-circle distance in km; without a town, a study's only site (it is the nearest
wherever the patient lives) with an empty distance, or nothing when it has several; a
study without known sites leaves them empty. ``reasons`` holds the ids of the criteria
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
from typing import TYPE_CHECKING

from pml_trials.engine import ScreeningResult, TrialResult
from pml_trials.engine.result import Outcome
from pml_trials.engine.run import RunInfo
from pml_trials.geo.travel import home_of, left_out_by, travel
from pml_trials.render.base import ReportWriter
from pml_trials.verdict import Verdict, decisive

if TYPE_CHECKING:
    from pml_trials.geo.gazetteer import Town
    from pml_trials.studies.model import Study

COLUMNS = ("patient_id", "source", "trial_id", "verdict", "reasons", "missing_fields")
SITE_COLUMNS = (
    "nearest_site",
    "nearest_site_city",
    "nearest_site_country",
    "nearest_site_status",
    "distance_km",
)
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
        return ",".join((*COLUMNS, *SITE_COLUMNS, "disclaimer")) + "\n"

    def render(self, result: ScreeningResult) -> str:
        patient_id = result.patient_id  # letters, digits and -_. only: never quoted
        prefix = (
            f"{cell(patient_id) if patient_id[0] == '-' else patient_id},{cell(result.source)},"
        )
        parts = []
        home = home_of(result.profile) if "residence_town" in result.profile else None
        within = self.run.within_km
        for index, outcome in enumerate(result.outcomes):
            study = self.run.studies[index]
            if within is not None and home is not None and study.sites:
                distances = travel(study.sites, home, None)
                if left_out_by(distances, within):
                    continue  # said on stderr, and in every other format
            parts.append(prefix)
            if home is not None and study.sites:
                parts.append(self._end(index, outcome, result, home))
                continue
            end = self._ends[index].get(outcome)
            parts.append(end if end is not None else self._end(index, outcome, result, None))
        return "".join(parts)

    def _end(self, index: int, outcome: Outcome, result: ScreeningResult, home: Town | None) -> str:
        """``trial_id,verdict,reasons,missing_fields``, the site columns, the disclaimer
        and the line end."""
        study = self.run.studies[index]
        verdict, values = outcome
        reasons = missing = ""
        if verdict is Verdict.INELIGIBLE:
            criteria = zip(study.criteria, values, strict=True)
            reasons = " ".join(c.id for c, value in criteria if decisive(c.kind, value))
        elif verdict is Verdict.NEEDS_INFORMATION:
            trial = TrialResult(study, verdict, values, result.profile, result.screening_date)
            missing = " ".join(trial.missing_fields)
        cells = (study.id, verdict.value, reasons, missing, *_site_cells(study, home, result))
        end = ",".join(map(cell, cells)) + f",{self._disclaimer}\n"
        if home is None and not missing and len(self._ends[index]) < _CACHE_LIMIT:
            self._ends[index][outcome] = end
        return end


def _site_cells(study: Study, home: Town | None, result: ScreeningResult) -> tuple[str, ...]:
    if home is None and len(study.sites) != 1:
        return ("",) * len(SITE_COLUMNS)
    nearest = travel(study.sites, home, result.profile.get("max_travel_km")).nearest
    assert nearest is not None  # the study has sites
    site, km = nearest.site, nearest.distance_km
    return (site.name, site.city, site.country, site.status, "" if km is None else f"{km:.1f}")
