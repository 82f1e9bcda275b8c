"""The FHIR mapping, declared once: which concept fills which profile field, over which
look-back window, from which units (a per-field list: anything else is unknown).

This table is the import's half of ``../shared/reference/interop.md`` 1.3; the field
reference's "FHIR import" section is generated from it (:func:`mapping_reference`).
"""

from __future__ import annotations

from typing import Literal

from pml_trials.record import Record

Reading = Literal["quantity", "log_quantity", "integer", "coded", "uln", "boolean_coded"]

# UCUM code -> factor to the profile's unit. 1 mm3 is 1 µL exactly.
COUNTS = {
    "/uL": 1.0,
    "{cells}/uL": 1.0,
    "/mm3": 1.0,
    "10*6/L": 1.0,
    "10*3/uL": 1000.0,
    "10*9/L": 1000.0,
}
COPIES = {"{copies}/mL": 1.0, "/mL": 1.0, "1/mL": 1.0}
LOG_COPIES = {"{log_copies}/mL": 1.0, "{Log_copies}/mL": 1.0, "[lg]{copies}/mL": 1.0}
WEIGHT = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237}
EGFR = {"mL/min/{1.73_m2}": 1.0}
SCORE = {"": 1.0, "{score}": 1.0, "1": 1.0}


class ObservationRule(Record):
    """One profile field read from the latest Observation of a concept."""

    field: str
    concept: str
    window_days: int
    reading: Reading
    units: dict[str, float] | None = None
    answers: tuple[tuple[str, str | bool], ...] = ()  # answer concept -> value

    @property
    def key(self) -> str:
        """``field/concept``: one rule's slot in a patient's state."""
        return f"{self.field}/{self.concept}"

    def describe(self) -> str:
        units = ", ".join(f"{u or '(none)'} ×{f:g}" for u, f in (self.units or {}).items())
        what = {
            "quantity": f"valueQuantity in {units}",
            "log_quantity": f"log10 valueQuantity in {units}, as 10^x",
            "integer": "valueInteger (or a whole valueQuantity without unit)",
            "coded": "valueCodeableConcept: " + ", ".join(f"{a} → {v}" for a, v in self.answers),
            "boolean_coded": "valueCodeableConcept: "
            + ", ".join(f"{a} → {str(v).lower()}" for a, v in self.answers)
            + "; or valueBoolean",
            "uln": "valueQuantity ÷ referenceRange.high in the same unit",
        }[self.reading]
        return f"latest final/amended/corrected Observation within {self.window_days} days; {what}"


DETECTED = (("result_detected", "detected"), ("result_not_detected", "not_detected"))
PREGNANT = (("answer_pregnant", True), ("answer_not_pregnant", False))
BREASTFEEDING = (("answer_breastfeeding", True), ("answer_not_breastfeeding", False))
HIV_TEST = (("answer_positive", True), ("answer_negative", False))

OBSERVATIONS: tuple[ObservationRule, ...] = (
    ObservationRule("weight_kg", "body_weight", 90, "quantity", WEIGHT),
    ObservationRule("csf_jcv_pcr", "csf_jcv_qualitative", 180, "coded", answers=DETECTED),
    ObservationRule("csf_jcv_copies_per_ml", "csf_jcv_quantitative", 180, "quantity", COPIES),
    ObservationRule("csf_jcv_copies_per_ml", "csf_jcv_log", 180, "log_quantity", LOG_COPIES),
    ObservationRule("hiv_rna_copies_per_ml", "hiv_rna", 180, "quantity", COPIES),
    ObservationRule("cd4_cells_per_ul", "cd4", 90, "quantity", COUNTS),
    ObservationRule("cd8_cells_per_ul", "cd8", 90, "quantity", COUNTS),
    ObservationRule("lymphocytes_per_ul", "lymphocytes", 30, "quantity", COUNTS),
    ObservationRule("neutrophils_per_ul", "neutrophils", 30, "quantity", COUNTS),
    ObservationRule("platelets_per_ul", "platelets", 30, "quantity", COUNTS),
    ObservationRule("karnofsky_score", "karnofsky", 30, "integer", SCORE),
    ObservationRule("modified_rankin_scale", "modified_rankin", 30, "integer", SCORE),
    ObservationRule("egfr_ml_min_1_73m2", "egfr", 90, "quantity", EGFR),
    ObservationRule("alt_x_uln", "alt", 30, "uln"),
    ObservationRule("ast_x_uln", "ast", 30, "uln"),
    ObservationRule("total_bilirubin_x_uln", "total_bilirubin", 30, "uln"),
    # Parts of a field: combined in build.py (Kleene or; HIV: tests and conditions).
    ObservationRule("pregnant", "pregnancy_status", 30, "boolean_coded", answers=PREGNANT),
    ObservationRule(
        "breastfeeding", "breastfeeding_status", 30, "boolean_coded", answers=BREASTFEEDING
    ),
    ObservationRule("hiv_test", "hiv_antibody_test", 365, "boolean_coded", answers=HIV_TEST),
)
BY_CONCEPT: dict[str, list[ObservationRule]] = {}
for _rule in OBSERVATIONS:
    BY_CONCEPT.setdefault(_rule.concept, []).append(_rule)

# Prednisone-equivalent factors (prednisone 5 = prednisolone 5 = methylprednisolone 4 mg;
# interop.md 1.2, secondary source quoting the prednisolone label: needs a clinician's
# sign-off). A steroid without a factor here is never summed: the dose stays unknown.
STEROIDS = {"prednisone": 1.0, "prednisolone": 1.0, "methylprednisolone": 1.25}
# "antiretroviral" has no bundled code (the ATC J05A groups were not verified): a site
# that lists its codes (--codes) gets on_antiretroviral_therapy from active records.
DRUG_CONCEPTS = (
    "natalizumab",
    "immunosuppressant",
    "checkpoint_inhibitor",
    "cidofovir",
    "antiretroviral",
    *STEROIDS,
)
CONDITION_CONCEPTS = ("hiv_condition", "pml_condition", "ms_condition")
CONCEPTS = frozenset(
    {r.concept for r in OBSERVATIONS}
    | {a for r in OBSERVATIONS for a, _ in r.answers}
    | set(DRUG_CONCEPTS)
    | set(CONDITION_CONCEPTS)
)

# Fields filled from other resources, and how (for the generated reference).
OTHER_SOURCES: tuple[tuple[str, str], ...] = (
    (
        "age_years",
        "Patient.birthDate: whole years to the screening date; a partial birthDate is unknown",
    ),
    ("sex", "Patient extension us-core-birthsex (F/M); Patient.gender only with --sex-from-gender"),
    (
        "residence_country",
        "the one current home Patient.address: its country, if an ISO 3166-1 alpha-2 code",
    ),
    (
        "residence_town",
        "the same address's city, with its state when given ('Randolph, MA'); never the "
        "street, postcode or coordinates; a town the gazetteer refuses is left unknown",
    ),
    (
        "pregnant_or_breastfeeding",
        "pregnancy status (82810-3) or breastfeeding status (63895-7), Kleene or: true if "
        "either is true, false only if both are explicitly false",
    ),
    (
        "hiv_positive",
        "true from a confirmed HIV Condition or a positive HIV test; false only from a "
        "negative test within 365 days and nothing positive; a negative after a positive is a "
        "conflict (unknown)",
    ),
    (
        "pml_diagnosis_date",
        "earliest confirmed PML Condition.recordedDate (assumed to be the diagnosis date)",
    ),
    (
        "pml_symptom_onset_date",
        "earliest confirmed PML Condition.onsetDateTime (check: symptom onset?)",
    ),
    ("autoimmune_cns_disease", "true only: a confirmed multiple sclerosis Condition"),
    ("natalizumab_ever", "true only: a natalizumab MedicationStatement/Request/Administration"),
    (
        "last_natalizumab_dose_date",
        "latest natalizumab administration (or end of a finished statement); unknown while a "
        "statement or order is still active",
    ),
    (
        "current_immunosuppressive_therapy",
        "true only: an active MedicationStatement/Request of ATC L04",
    ),
    (
        "on_antiretroviral_therapy",
        "true only: an active record of an `antiretroviral` code; none is bundled (not "
        "verified), so only with a site code list",
    ),
    ("prior_checkpoint_inhibitor", "true only: any PD-1/PD-L1 inhibitor record"),
    (
        "prior_cidofovir_or_brincidofovir",
        "true only: any cidofovir record (no brincidofovir code known)",
    ),
    ("current_cidofovir", "true only: an active cidofovir MedicationStatement/Request"),
    (
        "prednisone_equivalent_mg_per_day",
        "the one active systemic corticosteroid record: dose (mg) × frequency per day × "
        "equivalence; none, several, or no computable dose → unknown (never 0)",
    ),
    (
        "predisposing_conditions",
        "never filled: an EHR shows some conditions, not all, and a partial list would make "
        "`'hiv' not in predisposing_conditions` true; conditions found are listed as "
        "suggestions in the provenance, and the field is asked",
    ),
)


def unit_factors(key: str) -> dict[str, float]:
    """The units a field converts from (its Observation rules' unit lists)."""
    found: dict[str, float] = {}
    for rule in OBSERVATIONS:
        if rule.field == key and rule.reading == "quantity":
            found.update(rule.units or {})
    return found


def mapping_reference() -> str:
    """The "FHIR import" section of the field reference (Markdown)."""
    rows = ["| field | FHIR source and rule |", "|---|---|"]
    for rule in OBSERVATIONS:
        if rule.field in ("pregnant", "breastfeeding", "hiv_test"):
            continue
        rows.append(f"| `{rule.field}` | Observation `{rule.concept}`: {rule.describe()} |")
    rows += [f"| `{key}` | {text} |" for key, text in OTHER_SOURCES]
    return "\n".join(rows) + "\n"
