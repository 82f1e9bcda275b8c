"""Which question to ask next (the engine's question ranking, used by the questionnaire and
the reports): a pure function of the answers so far and the studies.

Only a field that is among the ``missing_fields`` of a still-undecided trial (and was
not already answered "unknown") is ever a candidate: any other answer could not change a
verdict. When no candidate is left, every trial is decided (or undecidable with what is
known), and the questionnaire stops. Candidates are ranked by

1. the **gate**: how many undecided trials still need the field for their *first*
   criterion. Criteria files list their entry condition first (every bundled study
   starts with definite PML), so the diagnosis is settled before anything else and a
   patient whose PML is not confirmed is done within the four diagnosis questions.
   Within the gate, fields go in the profile's declaration order, which puts the
   deciding test first: CSF PCR, then biopsy (which alone makes PML definite by the
   AAN 2013 histopathological pathway), then MRI and signs, which are nearly always
   compatible in a patient screened for PML and so seldom end anything. Once the CSF
   PCR is *detected* (and MRI and signs are not answered "no" or "unknown"), though,
   the biopsy goes last: MRI and signs then confirm PML by
   the clinical pathway, and a brain biopsy is seldom done in a patient whose CSF
   already shows the virus (it is the pathway for a negative or missing PCR), so asking
   it first costs a screen for nearly every such patient (11 of the 12 example
   patients with PML, ``bench/questionnaire.py``);
2. after the gate, how many undecided trials **one answer to this field could rule out
   on its own**, found by trying the field's possible values (booleans, enum values, the
   ends of a number's range) against each trial's rules. An answer that can end a trial
   saves every question only that trial needed; a field that decides nothing alone (a
   weight without the dose it divides) can wait;
3. how early, in each undecided trial's own criteria order, the first undecided
   criterion that needs the field stands, summed over the trials: ``sum(1 / (1 + rank))``
   (the authors' order is the only prior there is about which criteria are selective);
4. the profile's declaration order, so that ties are stable.

Measured on the example patients (``bench/questionnaire.py``), the order matters less
than one might hope: which exclusion will end a trial is not knowable before asking. Before
issue 11 the patients with PML needed 78.5% of a 24-field paper form on average, and no
order could do better than 65.3% even knowing every answer in advance (67.4% when the
diagnosis is settled first), because a patient eligible for all three bundled studies must
answer 21 of its 24 fields. Issue 11 added criteria that every eligible verdict must
decide: 70.5% of a 33-field form. A patient without PML is done within 2 questions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta
from typing import Any

from pml_trials.engine import ScreeningResult, TrialResult
from pml_trials.engine.diagnosis import BIOPSY, CLINICAL, CSF, MRI
from pml_trials.profile.fields import BY_KEY, FIELDS
from pml_trials.record import Record
from pml_trials.verdict import Verdict

_ORDER = {spec.key: index for index, spec in enumerate(FIELDS)}
_CENTURY = timedelta(days=36525)


class _Score(Record, frozen=False):
    gate: int = 0
    rules_out: int = 0
    weight: float = 0.0

    def key(self, field: str, biopsy_last: bool) -> tuple[int, int, float, int]:
        if self.gate:  # the entry condition, in the order the profile declares its tests
            late = biopsy_last and field == BIOPSY
            return (-self.gate, 0, 0.0, len(_ORDER) if late else _ORDER[field])
        return (0, -self.rules_out, -self.weight, _ORDER[field])


def rank_questions(result: ScreeningResult, skip: Collection[str] = ()) -> list[str]:
    """Every useful field, best first (empty when nothing can change a verdict).

    ``skip`` holds fields already asked and answered "unknown": asking again is useless.
    """
    scores: dict[str, _Score] = {}
    for trial in result:
        if trial.verdict is Verdict.NEEDS_INFORMATION:
            _score_trial(trial, skip, scores)
    biopsy_last = _clinical_pathway_open(result.profile, skip)
    return sorted(scores, key=lambda field: scores[field].key(field, biopsy_last))


def _clinical_pathway_open(profile: Mapping[str, Any], skip: Collection[str]) -> bool:
    """CSF PCR detected, and neither MRI nor signs answered "no" or "unknown" (in
    ``skip``): MRI and signs may still confirm PML without a biopsy, so the biopsy is
    asked after them. A null that was not asked counts as not asked, as an absent key
    does: a report ranks the same whether its rows spell missing as null or leave it out."""
    return profile.get(CSF) == "detected" and all(
        profile.get(key) is not False and key not in skip for key in (MRI, CLINICAL)
    )


def next_question(result: ScreeningResult, skip: Collection[str] = ()) -> str | None:
    """The field to ask about next, or ``None`` when no answer can change a verdict."""
    ranked = rank_questions(result, skip)
    return ranked[0] if ranked else None


def _score_trial(trial: TrialResult, skip: Collection[str], scores: dict[str, _Score]) -> None:
    first = trial.criteria[0]
    gate = set(first.missing) if first.value is None else set()
    undecided = [c for c in trial.criteria if c.value is None]
    first_rank: dict[str, int] = {}
    for rank, criterion in enumerate(undecided):
        for key in criterion.missing:
            first_rank.setdefault(key, rank)
    for key, rank in first_rank.items():
        if key in skip:
            continue
        score = scores.setdefault(key, _Score())
        score.gate += key in gate
        score.rules_out += can_rule_out(trial, key)
        score.weight += 1.0 / (1 + rank)


def can_rule_out(trial: TrialResult, key: str) -> bool:
    """Whether some answer to ``key`` alone, with the answers so far, makes the trial
    ineligible (tried on :func:`probe_values`; the compiled rules make this cheap)."""
    profile = trial.profile
    for value in probe_values(key, trial.screening_date):

        def get(name: str, value: Any = value) -> Any:
            return value if name == key else profile.get(name)

        verdict, _ = trial.study.evaluate(get, trial.screening_date)
        if verdict is Verdict.INELIGIBLE:
            return True
    return False


def probe_values(key: str, today: date) -> tuple[Any, ...]:
    """Representative answers to try: every boolean and enum value, each choice of a
    list alone, the two ends of a number's range, a century ago and today for a date.
    Comparisons and arithmetic are monotone, so a threshold anywhere in the range is
    crossed by one of the ends; a rule testing a number for equality may be missed, and
    its field then only ranks lower."""
    spec = BY_KEY[key]
    if spec.kind == "boolean":
        return (True, False)
    if spec.kind == "enum":
        return spec.choices
    if spec.kind == "enum_list":
        return tuple([choice] for choice in spec.choices)
    if spec.kind == "date":
        return (today - _CENTURY, today)
    if spec.kind == "integer":
        return (int(spec.minimum or 0), int(spec.maximum or 0))
    if spec.kind == "number":
        return (spec.minimum or 0.0, spec.maximum or 0.0)
    return ()
