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
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from pml_trials.engine import ScreeningResult
from pml_trials.engine.diagnosis import BIOPSY, CLINICAL, CSF, MRI, Diagnosis, diagnose
from pml_trials.engine.diagnosis import FIELDS as DIAGNOSIS_FIELDS
from pml_trials.engine.missing import BITS, MissingFields, Values, fields_text
from pml_trials.engine.next_steps import (
    ACTION_SHIFT,
    ACTION_WORDS,
    answering_bits,
    ranked_keys,
    ranked_text,
)
from pml_trials.engine.result import Outcome, next_step_of
from pml_trials.engine.run import InputProblem, RunInfo
from pml_trials.geo import RESOLVED
from pml_trials.geo.travel import home_at, left_out_by, travel
from pml_trials.render.base import ReportWriter
from pml_trials.rules.codegen import run_generated
from pml_trials.verdict import Verdict, decisive

if TYPE_CHECKING:
    from pml_trials.geo.gazetteer import Town
    from pml_trials.rules.missing_code import StudyMaskFunction
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
# Missing-field cells remembered by mask, next-step cells by ranked key: emptied when
# full (registry-like data shows a few thousand of each).
_NEEDS_LIMIT = 8192
_FIELDS = (1 << ACTION_SHIFT) - 1  # a packed mask's missing fields (see CsvWriter)


_NEEDS = Verdict.NEEDS_INFORMATION
_ANSWERS = attrgetter(*DIAGNOSIS_FIELDS)  # a Struct's answers to the diagnosis, in one call
_QUOTED = re.compile(r'[,"\n\r]').search  # a cell holding one of these is quoted
# A text cell() leaves as it is: no formula character first, nothing to quote.
_PLAIN = re.compile(r'[^=+\-@\t\r,"\n][^,"\n\r]*\Z').match


# Field and action keys are identifiers: a list of them is a plain cell (no formula
# character first, nothing to quote), proven here rather than searched for in each row.
_PLAIN_FIELDS = all(_PLAIN(key) for key in BITS)
_PLAIN_ACTIONS = all(_PLAIN(key) for key in ACTION_WORDS)


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
        # (Keyed by the criterion values, which decide the verdict.)
        self._ends: list[dict[tuple[bool | None, ...], str]] = [{} for _ in run.studies]
        # The missing fields of a needs-information row and the actions answering them,
        # as one packed mask (MissingFields on next_steps.answering_bits): the fields'
        # cell by it, the next-step actions' cell by the trial's ranked key.
        self._missing = MissingFields(run.studies, bits=answering_bits())
        self._get_masks = self._missing.study_functions(attributes=False)
        self._struct_masks = self._missing.study_functions(attributes=True)
        self._missing_text: dict[int, str] = {}
        self._action_text: dict[int, str] = {}
        # What a needs-information row holds before its missing fields, and after its
        # site columns (see _needs_row).
        needs = cell(_NEEDS.value)
        self._needs_heads = [f"{cell(study.id)},{needs},," for study in run.studies]
        self._needs_tails = [f",{cell(study.status or '')}," for study in run.studies]
        # With a home town the site columns depend on the study and the town alone (the
        # nearest site and its distance): a decided row's end is then its two halves (by
        # the outcome) around the town's site columns, so the town multiplies nothing.
        self._halves: list[dict[tuple[bool | None, ...], tuple[str, str]]] = [
            {} for _ in run.studies
        ]
        # The site columns of each study by the patient's town (None: no town known).
        self._site_texts: list[dict[int | None, str]] = [{} for _ in run.studies]
        # A decided row's end depends on its outcome only through which criteria are
        # decisive (reasons, next step; the verdict is ineligible when one is, else
        # eligible): registry-like data shows thousands of outcomes per study, nearly
        # all met once, but a few hundred of these. So a decided row is looked up by its
        # outcome (kept while there is room), else by that key (_decided_key).
        self._decided_keys = [self._first_key(number) for number in range(len(run.studies))]
        self._by_reasons: list[dict[int, tuple[str, str]]] = [{} for _ in run.studies]
        self._by_key: list[dict[int, str]] = [{} for _ in run.studies]  # ends without a town
        self._has_sites = [bool(study.sites) for study in run.studies]
        # What ends each row: the patient's diagnosis, the disclaimer, the line end.
        self._suffixes = {d: f",{d.value},{self._disclaimer}\n" for d in Diagnosis}
        self._suffix_by: dict[tuple[Any, ...], str] = {}  # by the diagnosis's four answers

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
        return self.render_line(
            result.patient_id, result.source, result.profile, result.outcomes, result.screening_date
        )

    def render_line(
        self,
        patient_id: str,
        source: str,
        profile: Mapping[str, Any],
        outcomes: tuple[Outcome, ...],
        today: date,
    ) -> str:
        get = profile.get
        answers = (get(CLINICAL), get(MRI), get(CSF), get(BIOPSY))  # diagnosis.FIELDS
        return self._rows(patient_id, source, get, answers, get, self._get_masks, outcomes, today)

    def _first_key(self, number: int) -> Callable[[Values], int]:
        """Study ``number``'s decided key (:func:`_decided_key`), generated on its first
        call, which puts it in ``_decided_keys`` (a one-file screen may need none)."""

        def generating(values: Values) -> int:
            key = _decided_key(self.run.studies[number])
            self._decided_keys[number] = key
            return key(values)

        return generating

    def render_struct(
        self, patient_id: str, source: str, struct: Any, outcomes: tuple[Outcome, ...], today: date
    ) -> str:
        """A batch line's rows, its fields read from the Struct: the diagnosis' answers
        in one C call, the missing fields by the generated functions that read its
        attributes, ``get`` its ``__getattribute__`` (no StructProfile nor ``partial``
        to build: each costs more than a field read)."""
        return self._rows(
            patient_id,
            source,
            struct.__getattribute__,
            _ANSWERS(struct),
            struct,
            self._struct_masks,
            outcomes,
            today,
        )

    def _rows(
        self,
        patient_id: str,
        source: str,
        get: Callable[[str], Any],
        answers: tuple[Any, ...],
        fields: Any,
        masks: list[StudyMaskFunction],
        outcomes: tuple[Outcome, ...],
        today: date,
    ) -> str:
        """The patient's rows; ``answers`` are the values of ``diagnosis.FIELDS``, and
        ``masks`` each study's missing-fields function (``MissingFields.study_functions``)
        of the profile as ``fields`` (``get``, or the Struct)."""
        # patient_id: letters, digits and -_. only: never quoted. A source is nearly
        # always a plain cell (no formula character first, nothing to quote: five C
        # calls prove it), else cell() defuses or quotes it.
        head = cell(patient_id) if patient_id[0] == "-" else patient_id
        if (
            source.startswith(_FORMULA)
            or "," in source
            or '"' in source
            or "\n" in source
            or "\r" in source
        ):
            source = cell(source)
        prefix = f"{head},{source},"
        suffix = self._suffix_by.get(answers)
        if suffix is None:
            suffix = self._suffix_of(answers)
        # (get, not "in": a batch line is a StructProfile, whose get is a C call)
        home = None
        place = get("residence_town")
        if place is not None:  # the town resolved (geo.RESOLVED remembers it)
            country = get("residence_country")
            home = RESOLVED.get((country, place)) or home_at(place, country)
        town = home.geonameid if home is not None else None
        has_sites, site_texts = self._has_sites, self._site_texts
        decided_keys = self._decided_keys
        # One pass: each decided trial's end by its outcome (and the town's site columns
        # for a study with sites); a trial needing information is filled in after, as
        # its next-step actions depend on every such trial (_needs_ends). The two
        # decided branches' look-ups (by the outcome, then by the decisive criteria's
        # key) are written out here, not called: through a method each, registry-like
        # rows took 0.6 % more instructions (124.7k against 123.9k a profile, callgrind,
        # 13,001 minus 3,001 lines), for the same two look-ups.
        ends: list[str] = []
        asked: list[int] | None = None
        packed: list[int] = []  # the masks of those needing information (_needs_ends)
        for index, outcome in enumerate(outcomes):
            values = outcome[1]
            if outcome[0] is _NEEDS:
                if asked is None:
                    asked = []
                asked.append(index)
                packed.append(masks[index](fields, today, values))
                ends.append("")
            elif town is not None and has_sites[index]:
                halves = self._halves[index].get(values)
                if halves is None:  # by which criteria are decisive (see __init__)
                    key = decided_keys[index](values)
                    halves = self._by_reasons[index].get(key)
                    if halves is None:
                        halves = self._new_halves(index, key, outcome)
                    if len(self._halves[index]) < _CACHE_LIMIT:
                        self._halves[index][values] = halves
                sites = site_texts[index].get(town)
                if sites is None:
                    sites = self._sites_text(index, home)
                ends.append(halves[0] + sites + halves[1])
            else:
                end = self._ends[index].get(values)
                if end is None:  # likewise
                    key = decided_keys[index](values)
                    end = self._by_key[index].get(key)
                    if end is None:
                        end = self._new_end(index, key, outcome)
                    if len(self._ends[index]) < _CACHE_LIMIT:
                        self._ends[index][values] = end
                ends.append(end)
        if asked is not None:  # missing fields and next-step actions
            self._needs_ends(ends, asked, packed, home)
        if home is not None and self.run.within_km is not None:
            return self._within(prefix, suffix, ends, home)
        # prefix, end, suffix for each trial, with one join
        return prefix + (suffix + prefix).join(ends) + suffix

    def _suffix_of(self, answers: tuple[Any, ...]) -> str:
        """What ends each row of a patient (diagnosis, disclaimer, line end), remembered
        by the four answers the diagnosis depends on (144 valid combinations)."""
        suffix = self._suffixes[diagnose(dict(zip(DIAGNOSIS_FIELDS, answers, strict=True)).get)]
        if len(self._suffix_by) < 256:
            self._suffix_by[answers] = suffix
        return suffix

    def _needs_ends(
        self, ends: list[str], asked: list[int], packed: list[int], home: Town | None
    ) -> None:
        """The row ends (in ``ends``) of the trials ``asked`` that need information,
        from their parts: the trial id and verdict (no reasons: nothing rules the trial
        out), the missing fields, the next-step actions, the site columns (by the town),
        the study status and an empty next step (a criterion's next step is shown only
        when it rules the trial out). Missing fields differ from patient to patient on
        registry-like data, so the row is put together rather than remembered whole; its
        cells are remembered.

        Each trial's packed mask (``packed``) holds its missing fields and the actions answering
        them (``answering_bits``); its actions' cell depends on the others' only through
        its ``ranked_keys`` key (one trial: its actions)."""
        if len(packed) == 1:
            keys = [packed[0] >> ACTION_SHIFT]
        else:
            keys = ranked_keys([found >> ACTION_SHIFT for found in packed])
        fields_text, action_text = self._missing_text, self._action_text
        town = home.geonameid if home is not None else None
        for index, found, key in zip(asked, packed, keys, strict=True):
            fields = fields_text.get(found)
            if fields is None:
                fields = self._fields_cell(found)
            actions = action_text.get(key)
            if actions is None:
                actions = self._actions_cell(key)
            seen_from = town if self._has_sites[index] else None
            sites = self._site_texts[index].get(seen_from)
            if sites is None:
                sites = self._sites_text(index, home if seen_from is not None else None)
            ends[index] = (
                f"{self._needs_heads[index]}{fields},{actions},{sites}{self._needs_tails[index]}"
            )

    def _fields_cell(self, packed: int) -> str:
        """The missing-fields cell of a packed mask, remembered (emptied when full)."""
        return _remembered(self._missing_text, packed, fields_text(packed & _FIELDS), _PLAIN_FIELDS)

    def _actions_cell(self, key: int) -> str:
        """The next-step actions' cell of a ranked key, remembered (emptied when full)."""
        return _remembered(self._action_text, key, ranked_text(key), _PLAIN_ACTIONS)

    def _within(self, prefix: str, suffix: str, ends: list[str], home: Town) -> str:
        """The rows under ``screen --within``: a trial with every site farther is left out
        (said on stderr, and in every other format). ``ends``: every trial's, the
        next-step actions counted over every trial screened, as in the other formats."""
        parts: list[str] = []
        for index, end in enumerate(ends):
            study = self.run.studies[index]
            if study.sites and left_out_by(travel(study.sites, home, None), self.run.within_km):
                continue
            parts += (prefix, end, suffix)
        return "".join(parts)

    def _new_end(self, index: int, key: int, outcome: Outcome) -> str:
        """A decided row's end without the patient's town (its halves around the site
        columns every patient sees), not yet remembered by its decisive criteria's
        ``key`` (see ``__init__``): remembered now (emptied when full)."""
        head, tail = self._by_reasons[index].get(key) or self._new_halves(index, key, outcome)
        end = head + self._sites_text(index, None) + tail
        by_key = self._by_key[index]
        if len(by_key) >= _CACHE_LIMIT:
            by_key.clear()
        by_key[key] = end
        return end

    def _new_halves(self, index: int, key: int, outcome: Outcome) -> tuple[str, str]:
        """:meth:`_cells` of a decided outcome, which depends on it only through which
        criteria are decisive (``key``: reasons, next step; the verdict follows), not
        yet remembered by it: remembered now (emptied when full)."""
        halves = self._cells(index, outcome)
        by_reasons = self._by_reasons[index]
        if len(by_reasons) >= _CACHE_LIMIT:
            by_reasons.clear()
        by_reasons[key] = halves
        return halves

    def _cells(self, index: int, outcome: Outcome) -> tuple[str, str]:
        """``trial_id,verdict,reasons,missing_fields,next_steps,`` (no missing fields or
        actions: the trial is decided) and ``,study_status,next_step``: what comes
        before and after the site columns (the diagnosis, disclaimer and line end follow
        per patient)."""
        study = self.run.studies[index]
        verdict, values = outcome
        reasons = ""
        if verdict is Verdict.INELIGIBLE:
            criteria = zip(study.criteria, values, strict=True)
            reasons = " ".join(c.id for c, value in criteria if decisive(c.kind, value))
        step = next_step_of(study, values) or ""
        cells = (study.id, verdict.value, reasons, "", "")
        return f"{','.join(map(cell, cells))},", f",{cell(study.status or '')},{cell(step)}"

    def _sites_text(self, index: int, home: Town | None) -> str:
        """The site columns of study ``index`` seen from ``home``: they depend on the town
        alone (the nearest site and its distance), so they are remembered by it."""
        town = home.geonameid if home is not None else None
        texts = self._site_texts[index]
        text = texts.get(town)
        if text is None:
            text = ",".join(map(cell, _site_cells(self.run.studies[index], home)))
            if len(texts) >= _CACHE_LIMIT:
                texts.clear()
            texts[town] = text
        return text


def _remembered(cache: dict[int, str], key: int, text: str, plain: bool) -> str:
    """``text`` as a cell (as it is when ``plain``: proven to need no quoting), kept in
    ``cache`` under ``key`` (emptied when full)."""
    if not plain:
        text = cell(text)
    if len(cache) >= _NEEDS_LIMIT:
        cache.clear()
    cache[key] = text
    return text


def _site_cells(study: Study, home: Town | None) -> tuple[str, ...]:
    """The site columns: the nearest site and its distance (the travel limit changes
    neither)."""
    if home is None and len(study.sites) != 1:
        return ("",) * len(SITE_COLUMNS)
    nearest = travel(study.sites, home, None).nearest
    assert nearest is not None  # the study has sites
    site, km = nearest.site, nearest.distance_km
    return (site.name, site.city, site.country, site.status, "" if km is None else f"{km:.1f}")


def _decided_key(study: Study) -> Callable[[tuple[bool | None, ...]], int]:
    """``key(values)``: which of the study's criteria are decisive for those criterion
    values (``verdict.decisive``: an exclusion that is ``True``, an inclusion that is
    ``False``), bit ``i`` for criterion ``i``; 0 for none (then a decided outcome is
    eligible). Generated (one test per criterion on the unpacked tuple) because a
    Python loop or a ``map`` per criterion costs several times as much; the text holds
    only generated names and constants, and runs with no builtins."""
    names = "".join(f"c{index}, " for index in range(len(study.criteria)))
    lines = ["def key(values):", f"    {names}= values" if names else "    pass", "    key = 0"]
    for index, criterion in enumerate(study.criteria):
        lines.append(f"    if c{index} is {criterion.kind == 'exclusion'}:")
        lines.append(f"        key |= {1 << index}")
    lines.append("    return key")
    key: Callable[[tuple[bool | None, ...]], int] = run_generated(
        "\n".join(lines) + "\n", {}, "<decided key>", "key"
    )
    return key
