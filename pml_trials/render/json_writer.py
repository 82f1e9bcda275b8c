"""``--format json`` and ``--format jsonl``: the result contract of ``RESULTS.md``.

:func:`result_object` builds the contract's result object for one patient from the
engine's views; it is the reference, and what other formats may reuse. The writers do
not call it per patient: :class:`ResultEncoder` compiles the studies once into constant
text and what varies (criterion values, verdicts, field values, sites, next steps), and
:mod:`.json_line` generates from that one function that writes a patient's line as one
f-string (issue 20). Tests hold the two to the same JSON for the example patients, for
generated ones and for values at every formatting edge (tests/test_fast_paths_identical.py).
"""

from __future__ import annotations

import json
import os
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.diagnosis import diagnose
from pml_trials.engine.missing import MissingFields, fields_of
from pml_trials.engine.next_steps import ACTION_WORDS, NextStep, next_steps, ranked_actions
from pml_trials.engine.result import Outcome
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.geo.travel import Travel, home_of, left_out_by, travel
from pml_trials.profile.fields import BY_KEY, FIELDS
from pml_trials.render.base import ReportWriter
from pml_trials.render.json_line import Item, LineFunction, Slot, line_function
from pml_trials.rules.nodes import SCREENING_DATE
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict, status

if TYPE_CHECKING:
    from pml_trials.geo.gazetteer import Town

# -- the contract's objects, built plainly ------------------------------------------------


def result_object(result: ScreeningResult) -> dict[str, Any]:
    """One patient's entry of ``results``: every trial, every criterion, as RESULTS.md."""
    return {
        "patient_id": result.patient_id,
        "source": result.source,
        "screening_date": result.screening_date.isoformat(),
        "diagnosis": result.diagnosis.value,
        "trials": [trial_object(trial) for trial in result],
        "residence": residence_object(home_of(result.profile)),
        "next_steps": result_steps(result),
    }


def step_object(step: NextStep) -> dict[str, Any]:
    """One of a patient's ``next_steps``: the action, its words, its fields and trials."""
    return {
        "action": step.action,
        "text": step.text,
        "fields": list(step.fields),
        "trials": list(step.trials),
    }


def result_steps(result: ScreeningResult) -> list[dict[str, Any]]:
    return [step_object(step) for step in next_steps(result)]


def trial_object(trial: TrialResult) -> dict[str, Any]:
    return {
        "trial_id": trial.study.id,
        "verdict": trial.verdict.value,
        "study_status": trial.study.status,
        "next_step": trial.next_step,
        "criteria": [criterion_object(c) for c in trial.criteria],
        "missing_fields": list(trial.missing_fields),
        "sites": sites_objects(trial.travel),
    }


def within_object(result: ScreeningResult, within_km: float) -> dict[str, Any]:
    """:func:`result_object` under ``screen --within``: the trials with a site in range,
    or whose distance is not known, in ``trials``; the others in ``left_out``, each with
    its verdict (an eligible trial left out is never lost without a word)."""
    document = result_object(result)
    kept, left = [], []
    for trial, entry in zip(result, document["trials"], strict=True):
        if left_out_by(trial.travel, within_km):
            nearest = trial.travel.nearest_km
            left.append(
                {
                    "trial_id": entry["trial_id"],
                    "verdict": entry["verdict"],
                    "nearest_site_km": nearest,
                }
            )
        else:
            kept.append(entry)
    document["trials"] = kept
    document["left_out"] = left
    return document


def sites_objects(travel: Travel) -> list[dict[str, Any]]:
    """A trial's sites, nearest first when the patient's town is known (then each with
    ``distance_km``, great-circle, and ``within_max_travel`` when a limit is given)."""
    objects = []
    for measured in travel.sites:
        site = measured.site
        entry: dict[str, Any] = {
            "name": site.name,
            "city": site.city,
            "country": site.country,
            "status": site.status,
            "lat": site.lat,
            "lon": site.lon,
            "coordinates": site.coordinates,
            "contact": site.contact,
            "url": site.url,
        }
        if measured.distance_km is not None:
            entry["distance_km"] = measured.distance_km
            if travel.max_travel_km is not None:
                entry["within_max_travel"] = measured.distance_km <= travel.max_travel_km
        objects.append(entry)
    return objects


def residence_object(home: Town | None) -> dict[str, Any] | None:
    """The place the patient's town resolved to (``null`` when no town is given)."""
    if home is None:
        return None
    return {
        "town": home.name,
        "region": home.admin1 or None,
        "country": home.country,
        "lat": home.lat,
        "lon": home.lon,
        "geonames_id": home.geonameid,
    }


def criterion_object(result: CriterionResult) -> dict[str, Any]:
    return {
        "id": result.criterion.id,
        "kind": result.criterion.kind,
        "value": result.value,
        "status": result.status,
        "fields": {key: json_value(value) for key, value in result.fields.items()},
    }


def json_value(value: Any) -> Any:
    """A profile value as JSON holds it: dates as ISO strings, lists as lists."""
    if isinstance(value, date):
        return value.isoformat()
    return list(value) if isinstance(value, list | tuple) else value


def study_object(study: Study) -> dict[str, Any]:
    """A study in the report's ``studies``: where each criterion's wording lives, once."""
    return {
        "id": study.id,
        "category": study.category,
        "title": study.title,
        "registry_ids": list(study.registry_ids),
        "file": display_path(study.path),
        "sha256": study.sha256,
        "last_reviewed": study.last_reviewed.isoformat(),
        "status": study.status,
        "definitions": dict(study.definitions),
        "criteria": [
            {
                "id": c.id,
                "kind": c.kind,
                "text": c.text,
                "wording": c.wording,
                "source": c.source,
                "rule": c.rule,
                "note": c.note,
                "next_step": c.next_step,
            }
            for c in study.criteria
        ],
        "sites_note": study.sites_note,
    }


def problem_object(problem: InputProblem) -> dict[str, Any]:
    return {"source": problem.source, "field": problem.field, "message": problem.message}


def display_path(path: Path) -> str:
    """A criteria file as a reader can find it: relative to the working directory when
    inside it (``criteria/cmx001.toml``), else as loaded."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    return str(path)


# -- the same objects as text, fast --------------------------------------------------------

_SEP = "\x1f"  # separates the values of one C-level encode; JSON escapes it inside strings
# Every memo below is emptied when full. Missing-fields texts by mask, list fields' texts
# by their items:
_CACHE_LIMIT = 4096
# next-steps texts by the undecided trials' masks, a step's trials by their numbers, the
# actions asked for by the union of the masks:
_STEPS_LIMIT = 1024
_SITE_TEXT_LIMIT = 4096  # places (residence, distances, sites' texts) by (country, town)
_DIAGNOSES_LIMIT = 256  # diagnosis texts remembered, by the answers (144 valid ones)
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
Place = tuple[Any, ...]  # what a town sees (ResultEncoder._place)
_KEY_TEXT = {spec.key: _compact(spec.key) for spec in FIELDS}  # each field's key as JSON


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a profile value")


def _scalar_encoder() -> Callable[[list[Any]], str]:
    """A JSON encoder of a list of values separated by _SEP (the line function encodes
    one value at a time with it: a float's or date's text). The C encoder is built once
    here (``JSONEncoder.encode`` would rebuild it on every call: a tenth of this
    format's time); without the C accelerator, the standard encoder."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has it
        return json.JSONEncoder(
            separators=(_SEP, ":"), default=_iso, ensure_ascii=False, check_circular=False
        ).encode
    encode = make(None, _iso, encode_basestring, None, ":", _SEP, False, False, True)
    return lambda values: "".join(encode(values, 0))


class ResultEncoder:
    """``encode(result)`` is ``json.dumps(result_object(result))`` in compact form, ending
    with ``end`` instead of the closing brace (so JSON Lines can add a key)."""

    def __init__(self, studies: Sequence[Study], end: str = "}") -> None:
        self.studies = tuple(studies)
        self.end = end
        read = {key for study in studies for c in study.criteria for key in c.fields}
        read.discard(SCREENING_DATE)  # the date counted to, given or not: its own slot
        ordered = [spec.key for spec in FIELDS if spec.key in read]
        self.scalar_keys = tuple(k for k in ordered if BY_KEY[k].kind != "enum_list")
        self.list_keys = tuple(k for k in ordered if BY_KEY[k].kind == "enum_list")
        self.choices = {k: {c: json.dumps(c) for c in BY_KEY[k].choices} for k in self.list_keys}
        self.scalars = _scalar_encoder()
        # A study without sites has none for anybody; with sites and no town, the same
        # list for everybody: only a patient with a town makes them vary (``_town``).
        self._no_town_sites = [
            _compact(sites_objects(travel(study.sites, None, None))) for study in self.studies
        ]
        # The next steps' text: a pure function of the undecided trials' ids and missing
        # fields (``steps_for``), remembered by them.
        self._steps_text: dict[tuple[int, ...], str] = {}
        self._study_ids = [study.id for study in self.studies]
        self._missing_fields = MissingFields(self.studies)
        self._missing_text: dict[int, str] = {}  # by mask (engine.missing)
        self._trials_text: dict[tuple[int, ...], str] = {}  # a next step's, by number
        self._id_text = [_compact(study.id) for study in self.studies]
        self._action_heads: list[tuple[str, int]] | None = None
        self._asked: dict[int, list[tuple[int, str, int]]] = {}  # by missing fields' union
        # A study's verdict and status as text, each criterion's value and status, and
        # each next step's: the texts the line function chooses from
        self._verdict_text = [
            {
                verdict: f'{json.dumps(verdict.value)},"study_status":'
                f'{json.dumps(study.status, ensure_ascii=False)},"next_step":'
                for verdict in Verdict
            }
            for study in self.studies
        ]
        self._criterion_text = [
            [
                {
                    value: f'"value":{json.dumps(value)},'
                    f'"status":{json.dumps(status(criterion.kind, value))}'
                    for value in (True, False, None)
                }
                for criterion in study.criteria
            ]
            for study in self.studies
        ]
        # Each study's criteria that have a next step: (number, the value that rules
        # the trial out, the step as JSON), in file order (what next_step_of looks through).
        self._next_steps = [
            [
                (
                    index,
                    criterion.kind == "exclusion",
                    json.dumps(criterion.next_step, ensure_ascii=False),
                )
                for index, criterion in enumerate(study.criteria)
                if criterion.next_step
            ]
            for study in self.studies
        ]
        self.with_sites = [number for number, study in enumerate(self.studies) if study.sites]
        self._places: dict[tuple[str, str], Place] = {}  # by (country, town): _place
        self._lists: dict[tuple[str, ...], str] = {}  # a list field's, by key and items
        self._dates: dict[Any, str] = {}
        # The diagnosis' text by the four answers it depends on, as diagnose() keys its
        # own memo (valid answers: 3 x 3 x 4 x 4 at most)
        self._diagnoses: dict[tuple[Any, ...], str] = {}
        self.encode_line: LineFunction = line_function(self, self._order(end))

    def _order(self, end: str) -> list[Item]:
        """The line in order, as RESULTS.md (``result_object``) gives it: constant text,
        the generated function's locals (json_line) and the slots it fills."""
        order: list[Item] = ['{"patient_id":', ("pid",), ',"source":', ("src",)]
        order += [',"screening_date":', ("sd",), ',"diagnosis":', ("dg",), ',"trials":[']
        for number, study in enumerate(self.studies):
            order.append(f'{"," if number else ""}{{"trial_id":{json.dumps(study.id)},"verdict":')
            order += [Slot("verdict", number), Slot("step", number), ',"criteria":[']
            for index, criterion in enumerate(study.criteria):
                order.append(
                    f'{"," if index else ""}{{"id":{json.dumps(criterion.id)}'
                    f',"kind":"{criterion.kind}",'
                )
                order += [Slot("value", number, index), ',"fields":{']
                for position, key in enumerate(criterion.fields):
                    order.append(("," if position else "") + f"{json.dumps(key)}:")
                    order.append(("sd",) if key == SCREENING_DATE else Slot("field", key=key))
                order.append("}}")
            order += ['],"missing_fields":', (f"m{number}",), ',"sites":']
            sites = (f"x{number}",) if number in self.with_sites else self._no_town_sites[number]
            order += [sites, "}"]
        order += ['],"residence":', ("res",), ',"next_steps":', ("st",), end]
        return order

    def json(self, value: Any) -> str:
        """A value's JSON text, as the C encoder writes it (dates as ISO strings)."""
        return self.scalars([value])[1:-1]

    def value_texts(self, number: int, index: int) -> Mapping[bool | None, str]:
        """Criterion ``index`` of study ``number``: its value and status, by its value."""
        return self._criterion_text[number][index]

    def value_text(self, number: int, index: int, value: Any) -> str:
        """:meth:`value_texts` for any value (the criterion's own texts, else written)."""
        text = None
        if value is None or type(value) is bool:  # 1 == True: a key would mistake them
            text = self._criterion_text[number][index][value]
        if text is None:
            kind = self.studies[number].criteria[index].kind
            text = f'"value":{_compact(value)},"status":{_compact(status(kind, value))}'
        return text

    def verdict_texts(self, number: int) -> Mapping[Verdict, str]:
        """A study's verdict as text, with its status and the next step's key after it."""
        return self._verdict_text[number]

    def verdict_text(self, number: int, verdict: Verdict) -> str:
        return self._verdict_text[number][verdict]

    def step_texts(self, number: int) -> list[tuple[int, bool, str]]:
        """A study's criteria with a next step: (number, the value that rules the trial
        out, the step as JSON), in the order next_step_of looks through them."""
        return self._next_steps[number]

    def step_text(self, number: int, values: Sequence[bool | None]) -> str:
        """The next step's text of a study's outcome (next_step_of), ``null`` for none."""
        for index, exclusion, text in self._next_steps[number]:
            if values[index] is exclusion:  # decisive: it rules the trial out
                return text
        return "null"

    def line_constants(self) -> dict[str, object]:
        """What the generated line function calls, by the names it uses."""
        return {
            "J": self.json,
            "B": encode_basestring,
            "D": self._dates,
            "Dget": self._dates.get,
            "DGget": self._diagnoses.get,
            "DG_MISS": self._diagnosis,
            "LIST": self._list,
            "MASK": self._missing_fields.mask,
            "MISSING_TEXT": self._missing_text.get,
            "MISSING": self._missing,
            "STEPS": self._steps,
            "PLACES": self._places.get,
            "PLACE": self._place,
            "SITES": self._sites,
            "BISECT": bisect_right,
            "LISTS": self._lists.get,
            "NO_TOWN": (*(self._no_town_sites[n] for n in self.with_sites), "null"),
        }

    def encode(self, result: ScreeningResult) -> str:
        return self.encode_line(
            result.patient_id, result.source, result.profile, result.outcomes, result.screening_date
        )

    def _diagnosis(self, answers: tuple[Any, ...], get: Callable[[str], Any]) -> str:
        """The diagnosis' text (``answers``: the values of diagnosis.FIELDS)."""
        text = f'"{diagnose(get).value}"'
        if len(self._diagnoses) >= _DIAGNOSES_LIMIT:
            self._diagnoses.clear()
        self._diagnoses[answers] = text
        return text

    def _place(self, country: str, town: str, profile: Mapping[str, Any]) -> Place:
        """What the sites and the residence look like from the patient's town (given, in
        its country), remembered by the two names: the residence's text, the town, and
        for each study that lists sites their distances (nearest first) and their texts
        by the number of sites within the travel limit (``None``: no limit). A
        registry's limits vary from patient to patient; what they change is only that
        count. Errors are not remembered (home_of raises them again)."""
        home = home_of(profile)
        assert home is not None  # town and country given
        entry: list[Any] = [_compact(residence_object(home)), home]
        for number in self.with_sites:
            measured = travel(self.studies[number].sites, home, None).sites
            entry += [tuple(d.distance_km or 0.0 for d in measured), {}]  # from a town
        place = tuple(entry)
        if len(self._places) >= _SITE_TEXT_LIMIT:
            self._places.clear()
        self._places[(country, town)] = place
        return place

    def _sites(self, at: int, place: Place, within: int | None, limit: float | None) -> str:
        """The sites' text of the ``at``-th study listing sites, from a place (see
        :meth:`_place`), ``within`` of them within ``limit``."""
        study = self.studies[self.with_sites[at]]
        text: str = _compact(sites_objects(travel(study.sites, place[1], limit)))
        place[3 + 2 * at][within] = text
        return text

    def _list(self, key: str, value: list[str]) -> str:
        """A list field's text (its items are its choices), remembered by its items."""
        text = "[" + ",".join(map(self.choices[key].__getitem__, value)) + "]"
        if len(self._lists) >= _CACHE_LIMIT:
            self._lists.clear()
        self._lists[key, *value] = text
        return text

    def _steps(self, masks: tuple[int, ...]) -> str:
        """``next_steps`` as text, remembered by the trials' missing-field masks (0:
        decided, or undecided with no missing field, which adds no step)."""
        text = self._steps_text.get(masks)
        if text is None:
            text = self._steps_of(masks)
            if len(self._steps_text) >= _STEPS_LIMIT:
                self._steps_text.clear()
            self._steps_text[masks] = text
        return text

    def _steps_of(self, masks: tuple[int, ...]) -> str:
        """What ``steps_for`` of the undecided trials' ids and missing fields gives, as
        JSON, from the masks: each action answering some missing field, with those of
        its fields and the trials missing one, the most trials first (ties in the order
        of ``ranked_actions``). Each step's text is built from remembered parts: its
        action's (constant), its fields' (by mask, as ``missing_fields``), its trials'."""
        union = 0
        for mask in masks:
            union |= mask
        asked = self._asked.get(union)
        if asked is None:
            asked = self._asked_by(union)
        found = []
        for place, head, fields in asked:
            trials: tuple[int, ...] = ()
            for number, mask in enumerate(masks):
                if mask & fields:
                    trials += (number,)
            found.append((-len(trials), place, head, union & fields, trials))
        found.sort()  # (count, place) are distinct: the rest never decides
        missing, chosen = self._missing_text, self._trials_text
        parts = []
        for _, _, head, answered, trials in found:
            fields_text = missing.get(answered) or self._missing(answered)
            trials_text = chosen.get(trials) or self._trials(trials)
            parts.append(f'{head}{fields_text},"trials":{trials_text}}}')
        return "[" + ",".join(parts) + "]"

    def _asked_by(self, union: int) -> list[tuple[int, str, int]]:
        """The actions answering some of the fields of ``union`` (place, head, fields),
        remembered by it (emptied when full)."""
        asked = [
            (place, head, fields)
            for place, (head, fields) in enumerate(self._actions())
            if union & fields
        ]
        if len(self._asked) >= _STEPS_LIMIT:
            self._asked.clear()
        self._asked[union] = asked
        return asked

    def _actions(self) -> list[tuple[str, int]]:
        """Each action's text up to its fields (``{"action":..,"fields":``), with the
        mask of the fields it answers, in the order of ``ranked_actions``."""
        if self._action_heads is None:
            self._action_heads = [
                (
                    f'{{"action":{_compact(action)},"text":{_compact(ACTION_WORDS[action])},'
                    '"fields":',
                    fields,
                )
                for action, fields in ranked_actions()
            ]
        return self._action_heads

    def _trials(self, trials: tuple[int, ...]) -> str:
        """A step's trials as text, by their numbers (emptied when full)."""
        texts = self._trials_text
        text = "[" + ",".join([self._id_text[number] for number in trials]) + "]"
        if len(texts) >= _STEPS_LIMIT:
            texts.clear()
        texts[trials] = text
        return text

    def _missing(self, mask: int) -> str:
        """A trial's ``missing_fields`` as text, by its mask (emptied when full)."""
        texts = self._missing_text
        text = "[" + ",".join([_KEY_TEXT[key] for key in fields_of(mask)]) + "]"
        if len(texts) >= _CACHE_LIMIT:
            texts.clear()
        texts[mask] = text
        return text


# -- the writers ------------------------------------------------------------------------------


# Results a process renders with the plain builder before it compiles the encoder:
# compiling takes 20-40 ms, which a one-file screen would pay for one patient.
PLAIN_FIRST = 8


class _EncodedWriter(ReportWriter):
    """What the JSON and JSON Lines writers share: a compiled encoder, built in the
    process that renders once it has rendered :data:`PLAIN_FIRST` results with the plain
    builder (the same text), then used for the hot path's lines."""

    def __init__(self, run: RunInfo) -> None:
        super().__init__(run)
        self._encoder: ResultEncoder | None = None
        self._plain = 0  # results rendered with the plain builder

    def _compiled(self) -> ResultEncoder | None:
        """The encoder, once :data:`PLAIN_FIRST` results went without it."""
        if self._encoder is None:
            self._plain += 1
            if self._plain <= PLAIN_FIRST:
                return None
            self._encoder = self._build()
        return self._encoder

    def prepare(self) -> None:
        if self._encoder is None and self.run.within_km is None:
            self._encoder = self._build()

    def _build(self) -> ResultEncoder:
        return ResultEncoder(self.run.studies)

    def render_line(
        self,
        patient_id: str,
        source: str,
        profile: Mapping[str, Any],
        outcomes: tuple[Outcome, ...],
        today: date,
    ) -> str:
        if self.run.within_km is not None or self._encoder is None:
            text: str = super().render_line(patient_id, source, profile, outcomes, today)
            return text
        return self._encoder.encode_line(patient_id, source, profile, outcomes, today)


class JsonWriter(_EncodedWriter):
    """One JSON document, streamed: the run and its studies, then ``results`` one per line
    as they come, then ``errors`` (held in a temporary file past 1 MiB) and the end."""

    def __init__(self, run: RunInfo) -> None:
        super().__init__(run)
        self._results = 0
        self._errors = 0
        self._spool: IO[str] | None = None

    def header(self) -> str:
        run = self.run
        head = {
            "tool": {"name": "pml-trials", "version": run.tool_version},
            "screened_at": run.screened_at,
            "disclaimer": run.disclaimer,
            "as_of": run.as_of.isoformat(),
            **({"within_km": run.within_km} if run.within_km is not None else {}),
            "studies": [study_object(study) for study in run.studies],
        }
        text = json.dumps(head, indent=2, ensure_ascii=False)
        return text[: -len("\n}")] + ',\n  "results": ['

    def render(self, result: ScreeningResult) -> str:
        if self.run.within_km is not None:  # rare: the plain builder, then filtered
            return _compact(within_object(result, self.run.within_km))
        encoder = self._compiled()
        return _compact(result_object(result)) if encoder is None else encoder.encode(result)

    def emit(self, chunk: Any) -> str:
        self._results += 1
        return ("\n    " if self._results == 1 else ",\n    ") + str(chunk)

    def problem(self, problem: InputProblem) -> str:
        if self._spool is None:
            import tempfile  # 1.5 ms of start-up: only once an input is invalid

            self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in closing()
                max_size=1 << 20, mode="w+", encoding="utf-8"
            )
        self._spool.write(_compact(problem_object(problem)) + "\n")
        self._errors += 1
        return ""

    def footer(self, tally: Tally) -> str:
        return "".join(self.closing(tally))

    def closing(self, tally: Tally) -> Iterator[str]:
        yield ("\n  ]" if self._results else "]") + ',\n  "errors": ['
        if self._spool is not None:
            self._spool.seek(0, os.SEEK_SET)
            for number, line in enumerate(self._spool):
                yield ("\n    " if number == 0 else ",\n    ") + line.rstrip("\n")
            self._spool.close()
            self._spool = None
        yield ("\n  ]" if self._errors else "]") + "\n}\n"


class JsonlWriter(_EncodedWriter):
    """One result object per line, each with the disclaimer as its last key; errors go
    to stderr only (the batch prints them)."""

    def render(self, result: ScreeningResult) -> str:
        encoder = None if self.run.within_km is not None else self._compiled()
        if encoder is not None:
            return encoder.encode(result)
        if self.run.within_km is not None:
            document = within_object(result, self.run.within_km)
        else:
            document = result_object(result)
        document["disclaimer"] = self.run.disclaimer
        return _compact(document) + "\n"

    def _build(self) -> ResultEncoder:
        end = f',"disclaimer":{json.dumps(self.run.disclaimer, ensure_ascii=False)}}}\n'
        return ResultEncoder(self.run.studies, end=end)
