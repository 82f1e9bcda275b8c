"""From one patient's collected state to a profile, its evidence and its warnings.

Each field is decided by one rule; a rule that cannot read its record leaves the field
out (unknown) and says why. Values outside a field's range are dropped the same way, so
the profile written is always valid.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from typing import Any

from pml_trials.importers.fhir.collect import MedEvent, PatientState, ref_of
from pml_trials.importers.fhir.elements import Resource, first_code, full_date, number, status_code
from pml_trials.importers.fhir.mapping import STEROIDS, ObservationRule
from pml_trials.importers.provenance import Evidence, Imported
from pml_trials.profile.fields import BY_KEY

BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
UCUM = "http://unitsofmeasure.org"
PERIOD_PER_DAY = {"d": 1.0, "h": 24.0, "wk": 1 / 7}


class Options:
    """How patient ids and sex are decided (the command line's options)."""

    def __init__(
        self,
        as_of: date,
        patient_id: str | None = None,
        id_salt: str = "",
        sex_from_gender: bool = False,
    ) -> None:
        self.as_of = as_of
        self.patient_id = patient_id
        self.id_salt = id_salt
        self.sex_from_gender = sex_from_gender


def pseudonym(key: str, salt: str) -> str:
    """``fhir-`` and 16 hex digits of SHA-256 over the salt and the Patient's reference
    (its FHIR logical id, never an identifier, name or MRN): the same patient gets the
    same id on every run with the same salt."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).hexdigest()
    return f"fhir-{digest[:16]}"


class Builder:
    def __init__(self, options: Options) -> None:
        self.options = options

    def build(self, state: PatientState, source: str) -> Imported:
        patient = state.patient or {}
        pid = self.options.patient_id or pseudonym(state.key, self.options.id_salt)
        out = Imported(
            source, {"patient_id": pid, "screening_date": self.options.as_of.isoformat()}
        )
        out.warnings = list(state.notes)
        out.ignored = state.ignored
        self.demographics(patient, out)
        self.residence(patient, out)
        for key, (rule, candidate) in state.latest.items():
            if state.tied.get(key):
                out.warnings.append(
                    f"{rule.field}: conflicting results on {candidate.when}; left unknown"
                )
                continue
            self.reading(rule, candidate.resource, candidate.when, out)
        self.combine_pregnancy(out)
        self.hiv(state, out)
        self.conditions(state, out)
        self.medications(state, out)
        self.suggest(state, out)
        _final_check(out)
        return out

    # -- helpers -------------------------------------------------------------------------
    def put(self, out: Imported, ev: Evidence) -> None:
        """Record a value when it fits its field; otherwise say so and leave it unknown."""
        spec = BY_KEY.get(ev.field)
        if spec is not None and spec.kind in ("number", "integer"):
            value = ev.value
            low, high = spec.minimum, spec.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                out.warnings.append(
                    f"{ev.field}: {value:g} from {ev.resource} is outside {spec.range_text()}; left unknown"
                )
                return
            if spec.multiple_of and value % spec.multiple_of:
                out.warnings.append(
                    f"{ev.field}: {value:g} from {ev.resource} is not a multiple of {spec.multiple_of}; left unknown"
                )
                return
        if ev.field in out.profile and out.profile[ev.field] != ev.value:
            out.warnings.append(f"{ev.field}: two rules disagree ({ev.resource}); left unknown")
            out.profile.pop(ev.field)
            out.evidence = [e for e in out.evidence if e.field != ev.field]
            return
        if ev.field in BY_KEY:
            out.profile[ev.field] = ev.value
        out.evidence = [e for e in out.evidence if e.field != ev.field] + [ev]

    def residence(self, patient: Resource, out: Imported) -> None:
        """residence_country and residence_town from the home address (city and country
        only: never the street, postcode or coordinates)."""
        addresses = [a for a in patient.get("address") or () if isinstance(a, dict)]
        current = [
            a
            for a in addresses
            if a.get("use") not in ("old", "temp", "billing", "work")
            and not (isinstance(a.get("period"), dict) and a["period"].get("end"))
        ]
        home = [a for a in current if a.get("use") == "home"] or current
        if len(home) != 1:
            if len(home) > 1:
                out.warnings.append("residence_town: several current addresses; left unknown")
            return
        address = home[0]
        country, city = address.get("country"), address.get("city")
        spec = BY_KEY.get("residence_country")
        if spec is None or not isinstance(country, str):
            return
        code = country.strip().upper()
        if code not in spec.choices:
            out.warnings.append(
                f"residence_country: address country {country[:20]!r} is not an ISO 3166-1 "
                "alpha-2 code; left unknown"
            )
            return
        self.put(
            out,
            Evidence(
                "residence_country",
                code,
                "Patient",
                "",
                "",
                f"address.country {country}",
                "home address",
            ),
        )
        if isinstance(city, str) and city.strip() and "residence_town" in BY_KEY:
            state = address.get("state")
            region = state.strip() if isinstance(state, str) and state.strip() else ""
            town = f"{city.strip()}, {region}" if region else city.strip()
            original = f"address.city {city}" + (f", address.state {state}" if region else "")
            self.put(
                out,
                Evidence(
                    "residence_town",
                    town,
                    "Patient",
                    "",
                    "",
                    original,
                    "home address (city and state only)",
                ),
            )

    def demographics(self, patient: Resource, out: Imported) -> None:
        where = "Patient"  # never its id: a server's id can be an MRN
        born = full_date(patient.get("birthDate"))
        raw = patient.get("birthDate")
        if born is not None and isinstance(raw, str) and len(raw) == 10:
            as_of = self.options.as_of
            age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
            self.put(
                out,
                Evidence(
                    "age_years",
                    age,
                    where,
                    "",
                    raw,
                    f"birthDate {raw}",
                    "whole years to the screening date",
                ),
            )
        elif raw is not None:
            out.warnings.append(f"age_years: birthDate '{raw}' is not a full date; left unknown")
        sex = None
        for ext in patient.get("extension") or ():
            if isinstance(ext, dict) and ext.get("url") == BIRTHSEX:
                sex = {"F": "female", "M": "male"}.get(str(ext.get("valueCode")))
                if sex:
                    self.put(
                        out,
                        Evidence(
                            "sex",
                            sex,
                            where,
                            BIRTHSEX,
                            "",
                            f"birthsex {ext.get('valueCode')}",
                            "us-core-birthsex",
                        ),
                    )
                else:
                    out.warnings.append(
                        f"sex: birthsex '{ext.get('valueCode')}' is not F or M; left unknown"
                    )
        gender = patient.get("gender")
        if sex is None and gender in ("female", "male"):
            if self.options.sex_from_gender:
                self.put(
                    out,
                    Evidence(
                        "sex",
                        gender,
                        where,
                        "",
                        "",
                        f"gender {gender}",
                        "Patient.gender (--sex-from-gender)",
                    ),
                )
            else:
                out.warnings.append(
                    "sex: only Patient.gender (administrative gender) is recorded, not sex at "
                    "birth; left unknown (--sex-from-gender uses it)"
                )

    def reading(self, rule: ObservationRule, obs: Resource, when: date, out: Imported) -> None:
        where, code, day = ref_of(obs), first_code(obs.get("code")), when.isoformat()
        rule_text = f"latest within {rule.window_days} days"
        if isinstance(obs.get("_effective_from"), str):
            rule_text += f"; dated by {obs['_effective_from']}"

        def unknown(why: str) -> None:
            out.warnings.append(f"{rule.field}: {where} ({day}): {why}; left unknown")

        if rule.reading in ("coded", "boolean_coded"):
            answers = dict(rule.answers)
            found = {
                answers[c] for c in self._concepts(obs.get("valueCodeableConcept")) if c in answers
            }
            original = first_code(obs.get("valueCodeableConcept"))
            if (
                not found
                and rule.reading == "boolean_coded"
                and isinstance(obs.get("valueBoolean"), bool)
            ):
                found, original = {obs["valueBoolean"]}, f"valueBoolean {obs['valueBoolean']}"
            if not found and rule.reading == "coded" and isinstance(obs.get("valueString"), str):
                text = obs["valueString"].strip().lower().replace("-", " ")
                if text in ("detected", "not detected"):
                    found, original = (
                        {text.replace(" ", "_")},
                        f"valueString {obs['valueString']!r}",
                    )
            if len(found) != 1:
                unknown(
                    "no result code the code list knows"
                    if not found
                    else "contradictory result codes"
                )
                return
            self.put(out, Evidence(rule.field, found.pop(), where, code, day, original, rule_text))
            return
        if rule.reading == "integer":
            value = obs.get("valueInteger")
            if value is None and isinstance(obs.get("valueQuantity"), dict):
                q = obs["valueQuantity"]
                if q.get("comparator"):
                    unknown(f"censored result {q.get('comparator')}{q.get('value')}")
                    return
                if (q.get("code") or "") not in (rule.units or {}):
                    unknown(f"unit {q.get('code')!r} is not a score")
                    return
                value = q.get("value")
            num = number(value)
            if num is None or not num.is_integer():
                unknown("no whole-number score")
                return
            self.put(
                out, Evidence(rule.field, int(num), where, code, day, f"{int(num)}", rule_text)
            )
            return
        q = obs.get("valueQuantity")
        if not isinstance(q, dict):
            unknown("no valueQuantity")
            return
        value = number(q.get("value"))
        original = f"{q.get('comparator') or ''}{q.get('value')} {q.get('unit') or q.get('code') or ''}".strip()
        if q.get("comparator"):
            unknown(f"censored result '{original}' (a bound, not a value)")
            return
        if value is None:
            unknown("valueQuantity has no number")
            return
        unit = _ucum(q)
        if rule.reading == "uln":
            high = _uln(obs, q)
            if high is None:
                unknown("no referenceRange.high in the same unit")
                return
            self.put(
                out,
                Evidence(
                    rule.field,
                    round(value / high, 3),
                    where,
                    code,
                    day,
                    f"{original} (ULN {high:g})",
                    f"{rule_text}; value ÷ ULN",
                ),
            )
            return
        factors = rule.units or {}
        if unit is None or unit not in factors:
            unknown(
                f"unit {unit or q.get('unit')!r} is not one this field converts (allowed: {', '.join(u for u in factors if u)})"
            )
            return
        if rule.reading == "log_quantity":
            if value > 10:
                unknown("log10 value above 10")
                return
            converted = round(10**value, 3)
            rule_text += "; 10^log10"
        else:
            converted = _round(value * factors[unit])
            if factors[unit] != 1:
                rule_text += f"; {unit} ×{factors[unit]:g}"
        self.put(out, Evidence(rule.field, converted, where, code, day, original, rule_text))

    def _concepts(self, concept: Any) -> set[str]:
        found: set[str] = self.collector_concepts(concept)
        return found

    collector_concepts: Any = None  # set by FhirImport: the Collector's look-up

    def combine_pregnancy(self, out: Imported) -> None:
        parts = {e.field: e for e in out.evidence if e.field in ("pregnant", "breastfeeding")}
        p = parts.get("pregnant")
        b = parts.get("breastfeeding")
        value: bool | None = None
        if (p and p.value is True) or (b and b.value is True):
            value = True
        elif p and b and p.value is False and b.value is False:
            value = False
        if value is not None:
            used = [e for e in (p, b) if e is not None and (e.value is value)]
            ev = used[0]
            self.put(
                out,
                Evidence(
                    "pregnant_or_breastfeeding",
                    value,
                    ev.resource,
                    ev.code,
                    ev.date,
                    ev.original,
                    "pregnancy or breastfeeding status (Kleene or)",
                ),
            )
        elif p is not None and p.value is False:
            out.warnings.append(
                "pregnant_or_breastfeeding: not pregnant, breastfeeding not recorded; left unknown"
            )
        out.evidence = [e for e in out.evidence if e.field not in ("pregnant", "breastfeeding")]

    def hiv(self, state: PatientState, out: Imported) -> None:
        positives: list[tuple[date | None, Resource]] = [
            (full_date(c.get("recordedDate")) or full_date(c.get("onsetDateTime")), c)
            for c in state.conditions.get("hiv_condition", ())
        ]
        positives += [(d, r) for d, pos, r in state.hiv_tests if pos]
        negatives = [(d, r) for d, pos, r in state.hiv_tests if not pos]
        if positives:
            first_positive = min((d for d, _ in positives if d is not None), default=None)
            later_negative = [
                r for d, r in negatives if first_positive is None or d >= first_positive
            ]
            if later_negative:
                out.warnings.append(
                    f"hiv_positive: {ref_of(later_negative[0])} is negative after a positive record; left unknown"
                )
                return
            day, res = positives[0]
            self.put(
                out,
                Evidence(
                    "hiv_positive",
                    True,
                    ref_of(res),
                    first_code(res.get("code")),
                    day.isoformat() if day else "",
                    "",
                    "HIV Condition or positive test",
                ),
            )
        elif negatives:
            day, res = max(negatives, key=lambda item: item[0])
            self.put(
                out,
                Evidence(
                    "hiv_positive",
                    False,
                    ref_of(res),
                    first_code(res.get("code")),
                    day.isoformat(),
                    first_code(res.get("valueCodeableConcept")),
                    "negative HIV test within 365 days",
                ),
            )

    def conditions(self, state: PatientState, out: Imported) -> None:
        pml = state.conditions.get("pml_condition", [])
        for key, element in (
            ("pml_diagnosis_date", "recordedDate"),
            ("pml_symptom_onset_date", "onsetDateTime"),
        ):
            dated: list[tuple[date, Resource]] = []
            for c in pml:
                when = full_date(c.get(element))
                if when is not None:
                    dated.append((when, c))
            if dated:
                day, cond = min(dated, key=lambda item: item[0])
                note = (
                    "assumed to be the diagnosis date"
                    if element == "recordedDate"
                    else "check: is it the symptom onset?"
                )
                self.put(
                    out,
                    Evidence(
                        key,
                        day.isoformat(),
                        ref_of(cond),
                        first_code(cond.get("code")),
                        day.isoformat(),
                        f"{element} {cond.get(element)}",
                        f"earliest PML Condition.{element}; {note}",
                    ),
                )
        for cond in state.conditions.get("ms_condition", []):
            if status_code(cond.get("clinicalStatus")) in ("resolved",):
                continue
            self.put(
                out,
                Evidence(
                    "autoimmune_cns_disease",
                    True,
                    ref_of(cond),
                    first_code(cond.get("code")),
                    "",
                    "",
                    "multiple sclerosis Condition (true only)",
                ),
            )
            break

    def medications(self, state: PatientState, out: Imported) -> None:
        meds = state.medications

        def first(concept: str, field: str, rule: str, current: bool = False) -> None:
            for ev in meds:
                if concept in ev.concepts and (ev.current or not current):
                    res = ev.resource
                    day = ev.start.isoformat() if ev.start else ""
                    self.put(
                        out,
                        Evidence(
                            field,
                            True,
                            ref_of(res),
                            _med_code(res),
                            day,
                            str(res.get("status")),
                            rule,
                        ),
                    )
                    return

        first("natalizumab", "natalizumab_ever", "natalizumab record (true only)")
        first(
            "immunosuppressant",
            "current_immunosuppressive_therapy",
            "active ATC L04 record (true only)",
            current=True,
        )
        first(
            "checkpoint_inhibitor",
            "prior_checkpoint_inhibitor",
            "PD-1/PD-L1 inhibitor record (true only)",
        )
        first(
            "antiretroviral",
            "on_antiretroviral_therapy",
            "active antiretroviral record, site code list (true only)",
            current=True,
        )
        first("cidofovir", "prior_cidofovir_or_brincidofovir", "cidofovir record (true only)")
        natalizumab = [m for m in meds if "natalizumab" in m.concepts]
        if any(m.current for m in natalizumab):
            out.warnings.append(
                "last_natalizumab_dose_date: natalizumab is still active; left unknown"
            )
        else:
            dated = [m for m in natalizumab if m.ended is not None]
            if dated:
                last = max(dated, key=lambda m: m.ended or date.min)
                assert last.ended is not None
                self.put(
                    out,
                    Evidence(
                        "last_natalizumab_dose_date",
                        last.ended.isoformat(),
                        ref_of(last.resource),
                        _med_code(last.resource),
                        last.ended.isoformat(),
                        str(last.resource.get("status")),
                        "latest recorded natalizumab dose",
                    ),
                )
        self.steroid(meds, out)

    def steroid(self, meds: list[MedEvent], out: Imported) -> None:
        current = [m for m in meds if m.current and m.concepts & set(STEROIDS)]
        if not current:
            return
        if len(current) > 1:
            out.warnings.append(
                f"prednisone_equivalent_mg_per_day: {len(current)} active corticosteroid records "
                "(could be one course recorded twice); left unknown"
            )
            return
        event = current[0]
        concept = sorted(event.concepts & set(STEROIDS))[0]
        per_day, text = _daily_mg(event.resource)
        if per_day is None:
            out.warnings.append(
                f"prednisone_equivalent_mg_per_day: {ref_of(event.resource)}: {text}; left unknown"
            )
            return
        value = _round(per_day * STEROIDS[concept])
        self.put(
            out,
            Evidence(
                "prednisone_equivalent_mg_per_day",
                value,
                ref_of(event.resource),
                _med_code(event.resource),
                event.start.isoformat() if event.start else "",
                text,
                f"{concept} ×{STEROIDS[concept]:g} prednisone equivalent",
            ),
        )

    def suggest(self, state: PatientState, out: Imported) -> None:
        found = []
        if "hiv_positive" in out.profile and out.profile["hiv_positive"] is True:
            found.append("hiv")
        if state.conditions.get("ms_condition"):
            found.append("multiple_sclerosis")
        if found:
            out.suggestions["predisposing_conditions"] = found
            out.warnings.append(
                "predisposing_conditions: not filled (the record may not show all); found "
                + ", ".join(found)
                + ": confirm with `pml-trials ask`"
            )


def _ucum(q: dict[str, Any]) -> str | None:
    system, code, unit = q.get("system"), q.get("code"), q.get("unit")
    if isinstance(code, str) and system in (None, UCUM):
        return code
    if code is None and system is None and isinstance(unit, str):
        return unit  # a bare unit string: only used when it is itself one of the allowed codes
    return None


def _uln(obs: Resource, q: dict[str, Any]) -> float | None:
    for item in obs.get("referenceRange") or ():
        high = item.get("high") if isinstance(item, dict) else None
        if not isinstance(high, dict):
            continue
        value = number(high.get("value"))
        same = (high.get("code"), high.get("unit")) == (q.get("code"), q.get("unit")) or (
            high.get("code") is not None and high.get("code") == q.get("code")
        )
        if value and value > 0 and same:
            return value
    return None


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.6g}")


def _med_code(res: Resource) -> str:
    return first_code(res.get("medicationCodeableConcept")) or str(
        (res.get("medicationReference") or {}).get("reference", "")
    )


def _daily_mg(res: Resource) -> tuple[float | None, str]:
    dosages = res.get("dosage") or res.get("dosageInstruction") or []
    if not isinstance(dosages, list) or len(dosages) != 1 or not isinstance(dosages[0], dict):
        return None, "not exactly one dosage"
    dosage = dosages[0]
    if dosage.get("asNeededBoolean") is True:
        return None, "as-needed dosing"
    rates = dosage.get("doseAndRate") or []
    dose = rates[0].get("doseQuantity") if rates and isinstance(rates[0], dict) else None
    if not isinstance(dose, dict) or dose.get("code", dose.get("unit")) != "mg":
        return None, "no dose in mg"
    amount = number(dose.get("value"))
    repeat = (
        (dosage.get("timing") or {}).get("repeat")
        if isinstance(dosage.get("timing"), dict)
        else None
    )
    if amount is None or not isinstance(repeat, dict):
        return None, "no dose timing (timing.repeat)"
    frequency = number(repeat.get("frequency", 1))
    period = number(repeat.get("period"))
    unit = repeat.get("periodUnit")
    if frequency is None or not period or unit not in PERIOD_PER_DAY:
        return None, "dose timing not per hour, day or week"
    per_day = amount * frequency / period * PERIOD_PER_DAY[str(unit)]
    return per_day, f"{amount:g} mg × {frequency:g} per {period:g} {unit}"


def _final_check(out: Imported) -> None:
    """Validate the profile as it will be written; a field the contract refuses (a rule
    this module got wrong) is dropped with a warning rather than written."""
    import json

    from pml_trials.profile.validate import InvalidProfileError, validate_json

    for _ in range(len(out.profile)):
        try:
            validate_json(json.dumps(out.profile))
            return
        except InvalidProfileError as exc:
            why = {p.field.split("[")[0]: p.message for p in exc.problems if p.field}
            bad = set(why) - {"patient_id"}
            if not bad:
                raise
            for key in sorted(bad):
                out.profile.pop(key, None)
                out.warnings.append(f"{key}: {why[key]}; left unknown")
            out.evidence = [e for e in out.evidence if e.field not in bad]
