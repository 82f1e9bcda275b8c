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
from typing import TYPE_CHECKING, Any

from pml_trials.engine import ScreeningResult
from pml_trials.engine.missing import MissingFields
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


_QUOTED = re.compile(r'[,"\n\r]').search  # a cell holding one of these is quoted


def cell(text: str) -> str:
    """One CSV cell: defused if a spreadsheet would run it, quoted if it must be."""
    if text.startswith(_FORMULA) and not _STDIN.fullmatch(text):
        text = "'" + text
    if _QUOTED(text):
        return '"' + text.replace('"', '""') + '"'
    return text


class CsvWriter(ReportWriter):
    """See the module docstring; ``render`` returns the patient's rows as text."""

    def __init__(self, run: RunInfo) -> None:
        super().__init__(run)
        self._disclaimer = cell(run.disclaimer)
        # What follows patient_id and source in a row depends only on the study's outcome
        # unless it needs information: then on the missing fields, which depend on the
        # profile and are remembered by what they depend on (MissingFields).
        self._ends: list[dict[Outcome, str]] = [{} for _ in run.studies]
        self._needs: list[dict[tuple[str, ...], str]] = [{} for _ in run.studies]
        self._missing = MissingFields(run.studies)
        # With a home town the site columns depend on the study and the town alone (the
        # nearest site and its distance): row ends by (outcome or missing fields, town).
        self._homes: list[dict[tuple[Any, int], str]] = [{} for _ in run.studies]

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
        if verdict is Verdict.NEEDS_INFORMATION:
            fields = self._missing.missing(index, values, result.profile, result.screening_date)
            if home is not None:  # the site columns depend on where the patient lives
                return self._home_end(index, fields, verdict, "", " ".join(fields), home, result)
            needs = self._needs[index]
            end = needs.get(fields)
            if end is None:
                end = self._row_end(study, verdict, "", " ".join(fields), None, result)
                if len(needs) >= _CACHE_LIMIT:
                    needs.clear()
                needs[fields] = end
            return end
        reasons = ""
        if verdict is Verdict.INELIGIBLE:
            criteria = zip(study.criteria, values, strict=True)
            reasons = " ".join(c.id for c, value in criteria if decisive(c.kind, value))
        if home is not None:
            return self._home_end(index, outcome, verdict, reasons, "", home, result)
        end = self._row_end(study, verdict, reasons, "", home, result)
        if len(self._ends[index]) < _CACHE_LIMIT:
            self._ends[index][outcome] = end
        return end

    def _home_end(
        self,
        index: int,
        what: Any,
        verdict: Verdict,
        reasons: str,
        missing: str,
        home: Town,
        result: ScreeningResult,
    ) -> str:
        """A row end of a patient with a home town, remembered by ``what`` decided its
        first cells (the outcome, or the missing fields) and the town."""
        homes = self._homes[index]
        key = (what, home.geonameid)
        end = homes.get(key)
        if end is None:
            study = self.run.studies[index]
            end = self._row_end(study, verdict, reasons, missing, home, result)
            if len(homes) >= _CACHE_LIMIT:
                homes.clear()
            homes[key] = end
        return end

    def _row_end(
        self,
        study: Study,
        verdict: Verdict,
        reasons: str,
        missing: str,
        home: Town | None,
        result: ScreeningResult,
    ) -> str:
        cells = (study.id, verdict.value, reasons, missing, *_site_cells(study, home, result))
        return ",".join(map(cell, cells)) + f",{self._disclaimer}\n"


def _site_cells(study: Study, home: Town | None, result: ScreeningResult) -> tuple[str, ...]:
    """Without a home town the columns depend on the study alone (the CSV caches rely
    on it): its one site without a distance, or blanks."""
    if home is None and len(study.sites) != 1:
        return ("",) * len(SITE_COLUMNS)
    nearest = travel(study.sites, home, result.profile.get("max_travel_km")).nearest
    assert nearest is not None  # the study has sites
    site, km = nearest.site, nearest.distance_km
    return (site.name, site.city, site.country, site.status, "" if km is None else f"{km:.1f}")
