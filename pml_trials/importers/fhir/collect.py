"""Folding resources into one patient's state, one resource at a time.

Only what can still decide a field is kept: per Observation rule the latest usable
record (and whether another record of that same moment disagrees), the condition and
medication evidence, the Patient. Memory per patient is a few records per field,
whatever the number of resources read.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pml_trials.importers.codes import CodeList
from pml_trials.importers.fhir.elements import (
    Resource,
    codings,
    effective,
    full_date,
    reference,
    status_code,
)
from pml_trials.importers.fhir.mapping import (
    BY_CONCEPT,
    CONDITION_CONCEPTS,
    DRUG_CONCEPTS,
    ObservationRule,
)
from pml_trials.record import Record, field

FINAL = frozenset({"final", "amended", "corrected"})
MEDICATION_TYPES = ("MedicationStatement", "MedicationRequest", "MedicationAdministration")
TAKEN = {
    "MedicationStatement": frozenset({"active", "completed", "stopped", "on-hold"}),
    "MedicationRequest": frozenset({"active", "completed"}),
    "MedicationAdministration": frozenset({"completed", "in-progress", "stopped", "on-hold"}),
}
MAX_NOTES = 50  # warnings kept per patient (more are counted)


class Candidate(Record):
    when: date
    stamp: str
    resource: Resource


class MedEvent(Record):
    kind: str
    resource: Resource
    concepts: frozenset[str]
    start: date | None
    current: bool  # active now
    ended: date | None  # a finished statement's end, or an administration's date


class PatientState(Record, frozen=False):
    """What has been read about one patient so far."""

    key: str
    patient: Resource | None = None
    latest: dict[str, tuple[ObservationRule, Candidate]] = field(default_factory=dict)
    tied: dict[str, bool] = field(default_factory=dict)
    conditions: dict[str, list[Resource]] = field(default_factory=dict)
    medications: list[MedEvent] = field(default_factory=list)
    pending: list[tuple[Resource, str]] = field(default_factory=list)  # medicationReference
    hiv_tests: list[tuple[date, bool, Resource]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored: int = 0

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("further warnings for this patient were not listed")


def ref_of(resource: Resource) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id', '?')}"


class Collector:
    """Folds resources into per-patient states against one code list and screening date."""

    def __init__(self, codes: CodeList, as_of: date) -> None:
        self.codes = codes
        self.as_of = as_of

    def concepts(self, concept: Any) -> set[str]:
        return {row.concept for s, c in codings(concept) for row in self.codes.match(s, c)}

    def add(self, state: PatientState, resource: Resource) -> None:
        kind = resource.get("resourceType")
        if kind == "Patient":
            state.patient = resource
        elif kind == "Observation":
            self.observation(state, resource)
        elif kind == "Condition":
            self.condition(state, resource)
        elif kind in MEDICATION_TYPES:
            concept = resource.get("medicationCodeableConcept")
            ref = reference(resource.get("medicationReference"))
            if concept is None and ref is not None:
                state.pending.append((resource, ref))  # resolved once all is read
            else:
                self.medication(state, resource, self.concepts(concept))

    # Observations ---------------------------------------------------------------------
    def observation(self, state: PatientState, obs: Resource) -> None:
        rules = [r for c in self.concepts(obs.get("code")) for r in BY_CONCEPT.get(c, ())]
        if not rules:
            return
        status = obs.get("status")
        where = f"Observation/{obs.get('id', '?')}"
        if status not in FINAL:
            state.ignored += 1
            state.note(
                f"{where}: ignored: status '{status}' (only final, amended, corrected count)"
            )
            return
        when, stamp = effective(obs)
        if when is None:
            state.ignored += 1
            state.note(f"{where}: ignored: no full effective date ({stamp or 'none'})")
            return
        if when > self.as_of:
            state.ignored += 1
            state.note(f"{where}: ignored: dated {when}, after the screening date {self.as_of}")
            return
        for rule in rules:
            if when < self.as_of - timedelta(days=rule.window_days):
                state.ignored += 1
                continue
            if rule.field == "hiv_test":
                self._hiv_test(state, rule, obs, when)
                continue
            key = rule.key
            held = state.latest.get(key)
            moment = (when, stamp or "")
            best = held[1] if held else None
            if best is None or moment > (best.when, best.stamp):
                state.latest[key] = (rule, Candidate(when, moment[1], obs))
                state.tied[key] = False
            elif moment == (best.when, best.stamp) and _value(obs) != _value(best.resource):
                state.tied[key] = True
                state.note(
                    f"{where} and {ref_of(best.resource)}: conflicting results of the same moment"
                )

    def _hiv_test(
        self, state: PatientState, rule: ObservationRule, obs: Resource, when: date
    ) -> None:
        answers = dict(rule.answers)
        found = {answers[c] for c in self.concepts(obs.get("valueCodeableConcept")) if c in answers}
        if len(found) == 1:
            state.hiv_tests.append((when, bool(found.pop()), obs))
        else:
            state.note(f"{ref_of(obs)}: HIV test result not read (no known answer code)")

    # Conditions -------------------------------------------------------------------------
    def condition(self, state: PatientState, cond: Resource) -> None:
        concepts = self.concepts(cond.get("code")) & set(CONDITION_CONCEPTS)
        if not concepts:
            return
        where = ref_of(cond)
        verification = status_code(cond.get("verificationStatus"))
        if verification not in (None, "confirmed"):
            state.ignored += 1
            state.note(f"{where}: ignored: verificationStatus '{verification}'")
            return
        dates = [full_date(cond.get(k)) for k in ("onsetDateTime", "recordedDate")]
        if any(d is not None and d > self.as_of for d in dates):
            state.ignored += 1
            state.note(f"{where}: ignored: recorded after the screening date {self.as_of}")
            return
        for concept in concepts:
            state.conditions.setdefault(concept, []).append(cond)

    # Medications ------------------------------------------------------------------------
    def medication(self, state: PatientState, res: Resource, concepts: set[str]) -> None:
        concepts &= set(DRUG_CONCEPTS)
        if not concepts:
            return
        kind = str(res.get("resourceType"))
        status = res.get("status")
        where = ref_of(res)
        if status not in TAKEN[kind]:
            state.ignored += 1
            state.note(f"{where}: ignored: status '{status}'")
            return
        start, ended, current = _med_dates(res, kind, self.as_of)
        if ended is not None and ended > self.as_of:  # still going on at the screening date
            ended, current = None, kind != "MedicationAdministration" or current
        if start is not None and start > self.as_of:
            state.ignored += 1
            state.note(f"{where}: ignored: starts {start}, after the screening date {self.as_of}")
            return
        state.medications.append(MedEvent(kind, res, frozenset(concepts), start, current, ended))

    def resolve(self, state: PatientState, medications: dict[str, Resource]) -> None:
        """Medication events that named their drug by reference, once every Medication
        resource has been read (contained ones are looked up in the event itself)."""
        for res, ref in state.pending:
            target: Any = None
            if ref.startswith("#"):
                target = next(
                    (
                        c
                        for c in res.get("contained") or ()
                        if isinstance(c, dict) and c.get("id") == ref[1:]
                    ),
                    None,
                )
            else:
                target = medications.get(ref) or medications.get("/".join(ref.split("/")[-2:]))
            if not isinstance(target, dict):
                state.note(f"{ref_of(res)}: medication {ref} not found in the input; not read")
                continue
            self.medication(state, res, self.concepts(target.get("code")))
        state.pending = []


def _med_dates(res: Resource, kind: str, as_of: date) -> tuple[date | None, date | None, bool]:
    """(start, end of a finished course or an administration's date, active now)."""
    status = res.get("status")
    if kind == "MedicationRequest":
        return full_date(res.get("authoredOn")), None, status == "active"
    period = res.get("effectivePeriod") if isinstance(res.get("effectivePeriod"), dict) else None
    if period is not None:
        start, end = full_date(period.get("start")), full_date(period.get("end"))
    else:
        start, _ = effective(res)
        end = start if kind == "MedicationAdministration" else None
    if kind == "MedicationAdministration":
        given = end or start  # an infusion: its period's end, else its start
        return start, given if status != "in-progress" else None, status == "in-progress"
    current = status == "active" and (end is None or end >= as_of)
    finished = (
        end if status in ("completed", "stopped") or (end is not None and end < as_of) else None
    )
    return start, finished, current


def _value(obs: Resource) -> Any:
    for key, value in obs.items():
        if key.startswith("value"):
            return (key, repr(value))
    return None
