"""Small builders of FHIR R4 resources for the import tests (synthetic data only)."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
PATIENT = "urn:uuid:0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01"

Resource = dict[str, Any]


def patient(birth: str = "1968-04-12", birthsex: str | None = "F", **extra: Any) -> Resource:
    res: Resource = {
        "resourceType": "Patient",
        "id": "0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01",
        "identifier": [{"system": "http://hospital.example/mrn", "value": "MRN-4471-SECRET"}],
        "name": [{"family": "Doe-Secret", "given": ["Janet"]}],
        "gender": "female",
        "birthDate": birth,
    }
    if birthsex:
        res["extension"] = [
            {
                "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
                "valueCode": birthsex,
            }
        ]
    res.update(extra)
    return res


def quantity(
    oid: str,
    code: str,
    value: float,
    unit: str,
    when: str,
    status: str = "final",
    comparator: str | None = None,
    system: str = LOINC,
    high: float | None = None,
) -> Resource:
    q: Resource = {"value": value, "unit": unit, "system": UCUM, "code": unit}
    if comparator:
        q["comparator"] = comparator
    res: Resource = {
        "resourceType": "Observation",
        "id": oid,
        "status": status,
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": PATIENT},
        "effectiveDateTime": when,
        "valueQuantity": q,
    }
    if high is not None:
        res["referenceRange"] = [
            {"high": {"value": high, "unit": unit, "system": UCUM, "code": unit}}
        ]
    return res


def coded(oid: str, code: str, answer: str, when: str, status: str = "final") -> Resource:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": PATIENT},
        "effectiveDateTime": when,
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": answer}]},
    }


def integer(oid: str, code: str, value: int, when: str) -> Resource:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": PATIENT},
        "effectiveDateTime": when,
        "valueInteger": value,
    }


def condition(
    cid: str, code: str, onset: str, recorded: str, verification: str = "confirmed"
) -> Resource:
    return {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": verification}]},
        "code": {"coding": [{"system": SNOMED, "code": code}]},
        "subject": {"reference": PATIENT},
        "onsetDateTime": onset,
        "recordedDate": recorded,
    }


def medication(
    mid: str,
    atc: str,
    status: str,
    start: str,
    end: str | None = None,
    kind: str = "MedicationStatement",
    dose_mg: float | None = None,
    per_day: int = 1,
) -> Resource:
    res: Resource = {
        "resourceType": kind,
        "id": mid,
        "status": status,
        "medicationCodeableConcept": {"coding": [{"system": ATC, "code": atc}]},
        "subject": {"reference": PATIENT},
    }
    if kind == "MedicationRequest":
        res["intent"] = "order"
        res["authoredOn"] = start
    else:
        res["effectivePeriod"] = {"start": start, **({"end": end} if end else {})}
    if dose_mg is not None:
        key = "dosageInstruction" if kind == "MedicationRequest" else "dosage"
        res[key] = [
            {
                "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [
                    {"doseQuantity": {"value": dose_mg, "unit": "mg", "system": UCUM, "code": "mg"}}
                ],
            }
        ]
    return res


def bundle(*resources: Resource, kind: str = "transaction") -> Resource:
    entries = []
    for res in resources:
        url = (
            PATIENT
            if res["resourceType"] == "Patient"
            else f"urn:uuid:{res['resourceType']}-{res['id']}"
        )
        entry: Resource = {"fullUrl": url, "resource": res}
        if kind == "transaction":
            entry["request"] = {"method": "POST", "url": res["resourceType"]}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def pml_patient_bundle() -> Resource:
    """The example PML patient of the README (screening date 2026-12-01): HIV with PML,
    every rule of the import exercised at least once."""
    return bundle(
        patient(),
        quantity("wt-1", "29463-7", 143.3, "[lb_av]", "2026-11-20"),
        quantity("cd4-old", "24467-3", 35, "/uL", "2026-10-02"),
        quantity("cd4-7", "24467-3", 0.42, "10*3/uL", "2026-11-18"),
        quantity("cd4-late", "24467-3", 900, "/uL", "2026-12-05"),  # after screening
        quantity("cd4-err", "24467-3", 1500, "/uL", "2026-11-25", status="entered-in-error"),
        quantity("cd4-pre", "24467-3", 1200, "/uL", "2026-11-26", status="preliminary"),
        quantity("cd8-1", "14135-8", 640, "/uL", "2026-11-18"),
        quantity("lym-1", "731-0", 0.9, "10*9/L", "2026-11-18"),
        quantity("neu-1", "751-8", 2.1, "10*3/uL", "2026-11-18"),
        quantity("plt-1", "777-3", 180, "10*3/uL", "2026-11-18"),
        quantity("rna-1", "20447-9", 20, "{copies}/mL", "2026-11-18", comparator="<"),
        coded("jcv-1", "33295-7", "260373001", "2026-11-10"),
        quantity("jcv-q", "49410-4", 5400, "{copies}/mL", "2026-11-10"),
        integer("kps-1", "89243-0", 60, "2026-11-28"),
        quantity("egfr-1", "98979-8", 88, "mL/min/{1.73_m2}", "2026-11-18"),
        quantity("alt-1", "1742-6", 66, "U/L", "2026-11-18", high=33),
        quantity("ast-1", "1920-8", 30, "U/L", "2026-11-18"),  # no reference range
        quantity("bili-1", "1975-2", 0.6, "mg/dL", "2026-11-18", high=1.2),
        coded("preg-1", "82810-3", "60001007", "2026-11-20"),
        condition("hiv-1", "86406008", "2015-03-01", "2015-03-04"),
        condition("pml-1", "22255007", "2026-10-15", "2026-11-12"),
        medication("pred-1", "H02AB06", "active", "2026-11-01", dose_mg=10, per_day=2),
    )
