"""``--format csv``: one row per patient and trial, for spreadsheets.

Columns: ``patient_id, source, trial_id, verdict, reasons, missing_fields``, the trial's
nearest site (``nearest_site, nearest_site_city, nearest_site_country,
nearest_site_status, distance_km``), ``study_status, next_step, diagnosis`` and
``disclaimer``. The first six are the contract of RESULTS.md. ``study_status`` is the
study's recruitment status as last read, ``next_step`` what would decide the criterion
that rules the trial out (where the file says), ``diagnosis`` the patient's AAN 2013
category (issue 11). The site columns name the site nearest the patient's town, with its
great-circle distance in km; without a town, a study's only site (it is the nearest
wherever the patient lives) with an empty distance, or nothing when it has several; a
study without known sites leaves them empty. ``reasons`` holds the ids of the criteria
that make an ineligible verdict, ``missing_fields`` the fields whose answers could
still decide a needs-information one, each list separated by spaces (ids hold no
spaces, and a semicolon would split cells where it is the list separator of the
spreadsheet's locale). An input that was not screened (invalid or unreadable) gets one
row of its own: empty ``patient_id`` and ``trial_id``, its ``source``, the verdict
``not_screened`` and what is wrong in ``reasons``, so a spreadsheet shows who was not
screened. The disclaimer is repeated in a last column rather than put in a
comment line, which many readers would take for a data row: every filtered or sorted
extract of the sheet still carries it.

UTF-8 without a byte-order mark, ``\\n`` line ends, quoted where needed (RFC 4180). A
cell that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a
carriage return) gets a leading apostrophe, as OWASP advises against CSV injection;
``-`` and ``-:12``, the sources of standard input, are left as they are.

``next_steps`` (after ``missing_fields``): the keys of the patient's next steps across
trials (``pml_trials.engine.next_steps``) that answer this trial's missing fields, best
first; their words are in the JSON and ``pml-trials form``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pml_trials.engine import ScreeningResult
from pml_trials.engine.diagnosis import diagnose
from pml_trials.engine.missing import MissingFields
from pml_trials.engine.next_steps import NextStep, steps_for
from pml_trials.engine.result import Outcome, next_step_of
from pml_trials.engine.run import InputProblem, RunInfo
from pml_trials.geo.travel import home_of, left_out_by, travel
from pml_trials.render.base import ReportWriter
from pml_trials.verdict import Verdict, decisive

if TYPE_CHECKING:
    from pml_trials.geo.gazetteer import Town
    from pml_trials.studies.model import Study

NOT_SCREENED = "not_screened"  # the verdict cell of a rejected input's row
COLUMNS = ("patient_id", "source", "trial_id", "verdict", "reasons", "missing_fields")
SITE_COLUMNS = (
    "nearest_site",
    "nearest_site_city",
    "nearest_site_country",
    "nearest_site_status",
    "distance_km",
)
EXTRA = ("study_status", "next_step", "diagnosis")
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
        # unless it needs information (then the missing fields depend on the profile).
        self._ends: list[dict[Outcome, str]] = [{} for _ in run.studies]
        # The missing fields of a needs-information row, remembered (MissingFields).
        self._missing = MissingFields(run.studies)
        # With a home town the site columns depend on the study and the town alone (the
        # nearest site and its distance): ends by (outcome, missing fields, town).
        self._homes: list[dict[tuple[Any, ...], str]] = [{} for _ in run.studies]

    def header(self) -> str:
        return ",".join((*COLUMNS, "next_steps", *SITE_COLUMNS, *EXTRA, "disclaimer")) + "\n"

    def rejected(self, problems: Sequence[InputProblem]) -> str:
        """A row for an input that was not screened: no patient id (an invalid one is
        never repeated), its source, no trial, verdict ``not_screened``, and in
        ``reasons`` what is wrong (``field: message``, several separated by `` | ``)."""
        what = " | ".join(": ".join(p for p in (x.field, x.message) if p) for x in problems)
        empty = ("" for _ in (*SITE_COLUMNS, *EXTRA))
        cells = ("", problems[0].source, "", NOT_SCREENED, what, "", "", *empty)
        return ",".join(map(cell, cells)) + f",{self._disclaimer}\n"

    def render(self, result: ScreeningResult) -> str:
        patient_id = result.patient_id  # letters, digits and -_. only: never quoted
        prefix = (
            f"{cell(patient_id) if patient_id[0] == '-' else patient_id},{cell(result.source)},"
        )
        suffix = f",{diagnose(result.profile.get).value},{self._disclaimer}\n"
        parts = []
        steps = self._steps(result)
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
                parts.append(self._end(index, outcome, result, home, steps))
            else:
                end = self._ends[index].get(outcome)
                parts.append(
                    end if end is not None else self._end(index, outcome, result, None, steps)
                )
            parts.append(suffix)
        return "".join(parts)

    def _steps(self, result: ScreeningResult) -> tuple[NextStep, ...]:
        """The patient's next steps, from the remembered missing fields of its undecided
        trials (the same as ``next_steps(result)``, without recomputing them)."""
        undecided = tuple(
            (
                self.run.studies[index].id,
                self._missing.missing(index, values, result.profile, result.screening_date),
            )
            for index, (verdict, values) in enumerate(result.outcomes)
            if verdict is Verdict.NEEDS_INFORMATION
        )
        return steps_for(undecided) if undecided else ()

    def _end(
        self,
        index: int,
        outcome: Outcome,
        result: ScreeningResult,
        home: Town | None,
        steps: tuple[NextStep, ...],
    ) -> str:
        """``trial_id,verdict,reasons,missing_fields``, the site columns, ``study_status``
        and ``next_step`` (the diagnosis, disclaimer and line end follow per patient)."""
        study = self.run.studies[index]
        verdict, values = outcome
        reasons = missing = actions = ""
        needs = verdict is Verdict.NEEDS_INFORMATION
        if verdict is Verdict.INELIGIBLE:
            criteria = zip(study.criteria, values, strict=True)
            reasons = " ".join(c.id for c, value in criteria if decisive(c.kind, value))
        elif needs:
            fields = self._missing.missing(index, values, result.profile, result.screening_date)
            missing = " ".join(fields)
            actions = " ".join(s.action for s in steps if study.id in s.trials)
        key = (outcome, home.geonameid) if home is not None else None
        if key is not None and not needs:
            known = self._homes[index].get(key)
            if known is not None:
                return known
        step = next_step_of(study, values) or ""
        sites = _site_cells(study, home, result)
        cells = (study.id, verdict.value, reasons, missing, actions, *sites)
        cells += (study.status or "", step)
        end = ",".join(map(cell, cells))
        if needs:  # its actions depend on the whole result: not remembered
            return end
        if key is not None:
            homes = self._homes[index]
            if len(homes) >= _CACHE_LIMIT:
                homes.clear()
            homes[key] = end
        elif len(self._ends[index]) < _CACHE_LIMIT:
            self._ends[index][outcome] = end
        return end


def _site_cells(study: Study, home: Town | None, result: ScreeningResult) -> tuple[str, ...]:
    if home is None and len(study.sites) != 1:
        return ("",) * len(SITE_COLUMNS)
    nearest = travel(study.sites, home, result.profile.get("max_travel_km")).nearest
    assert nearest is not None  # the study has sites
    site, km = nearest.site, nearest.distance_km
    return (site.name, site.city, site.country, site.status, "" if km is None else f"{km:.1f}")
