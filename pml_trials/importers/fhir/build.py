"""From one patient's collected state to a profile, its evidence and its warnings.

Each field is decided by one rule; a rule that cannot read its record leaves the field
out (unknown) and says why. Values outside a field's range are dropped the same way, so
the profile written is always valid.
"""

from __future__ import annotations

import hashlib
from datetime import date

from pml_trials.importers.fhir.collect import PatientState
from pml_trials.importers.fhir.elements import Resource, full_date
from pml_trials.importers.fhir.observations import ObservationReading
from pml_trials.importers.fhir.records import RecordRules
from pml_trials.importers.provenance import Evidence, Imported
from pml_trials.profile.fields import BY_KEY

BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"


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


class Builder(ObservationReading, RecordRules):
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
