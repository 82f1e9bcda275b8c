"""What every explanation and report shows, worded once: values with units, the words
for verdicts, the "to decide this trial" list, and the definitions a rule uses.

Nothing here decides anything: verdicts, statuses, decisive criteria and missing fields
all come from the engine's :class:`~pml_trials.engine.ScreeningResult`; the question order
comes from the engine's question ranking, :func:`~pml_trials.engine.choose.rank_questions`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.choose import rank_questions
from pml_trials.engine.diagnosis import LABELS, what_would_decide
from pml_trials.engine.result import not_confirmed
from pml_trials.geo.travel import format_km, home_of, left_out_by
from pml_trials.profile.fields import BY_KEY, FieldSpec
from pml_trials.studies.model import Criterion, Study
from pml_trials.verdict import WORDS

_UNIT_FIRST = frozenset({"grade"})  # "grade 2" reads as a grade; "2 grade" does not
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")


def format_value(key: str, value: Any) -> str:
    """A profile value as a person reads it: ``42000 copies/mL``, ``yes``, ``unknown``."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else "none"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 42000.0 was written 42000
    spec = BY_KEY.get(key)
    unit = spec.unit if spec else ""
    if unit in _UNIT_FIRST:
        return f"{unit} {value}"
    return f"{value} {unit}" if unit else str(value)


def source_words(source: str) -> str:
    """Where the profile came from, as a reader would say it (``-`` is standard input)."""
    return "standard input" if source == "-" else source


def values_read(criterion: CriterionResult) -> list[tuple[str, str]]:
    """``(field, shown value)`` for each field the rule read, in the rule's order."""
    return [(key, format_value(key, value)) for key, value in criterion.fields.items()]


def answer_hint(spec: FieldSpec) -> str:
    """What kind of answer the question wants: ``yes or no``, a unit, or the choices."""
    if spec.kind == "boolean":
        return "yes or no"
    if spec.kind in ("enum", "enum_list"):
        return " / ".join(spec.choices)
    if spec.kind == "date":
        return "date"
    return spec.unit


def ranked_fields(result: ScreeningResult) -> list[str]:
    """The questionnaire's order of the useful questions for this patient (best first)."""
    return rank_questions(result)


def to_decide(trial: TrialResult, ranked: Sequence[str]) -> list[FieldSpec]:
    """The trial's missing fields, in the order the questionnaire would ask them.

    ``ranked`` is :func:`ranked_fields` of the whole result; any missing field it does not
    rank (it ranks them all today) follows, in declaration order.
    """
    missing = trial.missing_fields
    order = [key for key in ranked if key in missing]
    order += [key for key in missing if key not in order]
    return [BY_KEY[key] for key in order]


def definitions_used(study: Study, rule: str) -> list[tuple[str, str]]:
    """The study's named sub-rules a rule refers to, directly or through another one,
    in order of first mention, so a reader can see what ``definite_pml`` means."""
    found: dict[str, str] = {}
    pending = [rule]
    while pending:
        for name in _names(pending.pop(0)):
            if name in study.definitions and name not in found:
                found[name] = study.definitions[name]
                pending.append(found[name])
    return list(found.items())


def _names(rule: str) -> Iterable[str]:
    return _NAME.findall(_STRING.sub(" ", rule))


def labelled(trial: TrialResult) -> list[tuple[str, CriterionResult]]:
    """Each criterion with its label: ``I2`` for the second inclusion criterion, ``E1``
    for the first exclusion (the numbering ``pml-trials show`` uses)."""
    tags = criterion_labels(c.criterion for c in trial.criteria)
    return list(zip(tags, trial.criteria, strict=True))


def criterion_labels(criteria: Iterable[Criterion]) -> list[str]:
    """The label of each criterion, in order: ``I1``, ``I2``, ... ``E1``, ..."""
    counts = {"inclusion": 0, "exclusion": 0}
    out: list[str] = []
    for criterion in criteria:
        counts[criterion.kind] += 1
        out.append(f"{criterion.kind[0].upper()}{counts[criterion.kind]}")
    return out


def reason_line(criterion: CriterionResult) -> str:
    """``inclusion confirmed-pml not met`` / ``exclusion hiv-infection applies``."""
    return f"{criterion.criterion.kind} {criterion.criterion.id} {criterion.status}"


# -- the diagnosis and the study's status (issue 11), worded once ---------------------------


def diagnosis_words(result: ScreeningResult) -> str:
    """``Diagnosis (AAN 2013): possible PML``."""
    return f"Diagnosis (AAN 2013 consensus): {LABELS[result.diagnosis]}"


def diagnosis_advice(result: ScreeningResult) -> str | None:
    """For possible or probable PML: that it is not confirmed and what would decide."""
    return what_would_decide(result.diagnosis, result.profile.get)


def verdict_words(trial: TrialResult, unconfirmed: bool) -> str:
    """``eligible``, ``needs information``, ``ineligible``, or ``ineligible until PML is
    confirmed`` for a possible or probable PML."""
    if not_confirmed(trial, unconfirmed):
        return "ineligible until PML is confirmed"
    return WORDS[trial.verdict]


def status_words(study: Study) -> str:
    """``study status: completed`` (as last read in the source)."""
    return f"study status: {study.status or 'unknown'}"


def wording_words(criterion: Criterion) -> str:
    """How the text relates to its source: a quote, or the file's own words."""
    if criterion.wording == "file":
        return f"the criteria file's own wording, supported by [{criterion.source}]"
    return f"quoted from [{criterion.source}]"


def wording_short(criterion: Criterion) -> str:
    """:func:`wording_words` as the printed chart copy words it: ``quoted [src]`` or
    ``file's words, per [src]`` (the text that is not the source's stays marked)."""
    if criterion.wording == "file":
        return f"file's words, per [{criterion.source}]"
    return f"quoted [{criterion.source}]"


# -- where the trials run (issue 18) --------------------------------------------------------


def within_split(
    trials: Iterable[TrialResult], within_km: float | None
) -> tuple[list[TrialResult], list[TrialResult]]:
    """The trials to show, and those ``screen --within`` leaves out (every site known to
    be farther; see :func:`pml_trials.geo.travel.left_out_by`)."""
    kept: list[TrialResult] = []
    left: list[TrialResult] = []
    for trial in trials:
        (left if left_out_by(trial.travel, within_km) else kept).append(trial)
    return kept, left


def left_out_words(trial: TrialResult, within_km: float) -> str:
    """``tcell-transfer (needs information; nearest site 817 km)``."""
    nearest = trial.travel.nearest_km or 0.0
    return (
        f"{trial.study.id} ({WORDS[trial.verdict]}; nearest site {format_km(nearest)}, "
        f"beyond {format_km(within_km)})"
    )


def residence_words(result: ScreeningResult) -> str | None:
    """``Hamburg, Hamburg (DE); travels at most 300 km``, or ``None`` without a town."""
    home = home_of(result.profile)
    if home is None:
        return None
    region = f", {home.admin1}" if home.admin1 and home.admin1 != home.name else ""
    words = f"{home.name}{region} ({home.country})"
    limit = result.profile.get("max_travel_km")
    return words + (f"; travels at most {format_km(limit)}" if limit is not None else "")


def nearest_words(trial: TrialResult) -> str:
    """Short, for a summary table: ``Hannover (DE), 132 km`` or why it is not known."""
    travel = trial.travel
    nearest = travel.nearest
    if nearest is None:
        return "sites not public"
    where = f"{nearest.site.city} ({nearest.site.country})"
    if nearest.distance_km is None:
        return f"{where}, distance unknown"
    return f"{where}, {format_km(nearest.distance_km)}"


def site_lines(trial: TrialResult) -> list[str]:
    """Each site of the trial in one line, nearest first: name, city, status, distance,
    contact and link (plain text: the writers escape it)."""
    lines = []
    for measured in trial.travel.sites:
        site = measured.site
        text = f"{site.name}, {site.city} ({site.country}): {site.status}"
        if measured.distance_km is not None:
            text += f", {format_km(measured.distance_km)} great-circle"
        if site.contact:
            text += f"; contact: {site.contact}"
        if site.url:
            text += f"; {site.url}"
        if site.coordinates == "city":
            text += "; position: the city's"
        if site.note:
            text += f". Note: {site.note}"
        lines.append(text)
    return lines
