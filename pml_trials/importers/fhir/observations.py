"""Reading one Observation into a profile value: its value[x], unit list, censoring and
reference range, as the field's rule says; and the pregnancy fields combined."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from pml_trials.importers.fhir.collect import ref_of
from pml_trials.importers.fhir.elements import Resource, first_code, number
from pml_trials.importers.fhir.mapping import ObservationRule
from pml_trials.importers.provenance import Evidence, Imported

UCUM = "http://unitsofmeasure.org"


class ObservationReading:
    """The Observation rules of :class:`~.build.Builder` (a mixin)."""

    def put(self, out: Imported, ev: Evidence) -> None:
        """Record a value (the :class:`~.build.Builder` decides whether it fits)."""
        raise NotImplementedError

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
