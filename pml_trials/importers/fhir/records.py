"""Conditions and medication records into profile values: HIV, PML dates, MS, drugs ever
and now, the last natalizumab dose, the prednisone-equivalent dose, and suggestions."""

from __future__ import annotations

from datetime import date

from pml_trials.importers.fhir.collect import MedEvent, PatientState, ref_of
from pml_trials.importers.fhir.elements import Resource, first_code, full_date, number, status_code
from pml_trials.importers.fhir.mapping import STEROIDS
from pml_trials.importers.fhir.observations import _round
from pml_trials.importers.provenance import Evidence, Imported
from pml_trials.profile.fields import BY_KEY

PERIOD_PER_DAY = {"d": 1.0, "h": 24.0, "wk": 1 / 7}


class RecordRules:
    """The Condition and medication rules of :class:`~.build.Builder` (a mixin)."""

    def put(self, out: Imported, ev: Evidence) -> None:
        """Record a value (the :class:`~.build.Builder` decides whether it fits)."""
        raise NotImplementedError

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
        if "current_cidofovir" in BY_KEY:  # issue 11's field
            first(
                "cidofovir",
                "current_cidofovir",
                "active cidofovir record (true only)",
                current=True,
            )
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
