"""The patient profile, declared once.

Each field of ``../shared/PROFILE.md`` is one :class:`FieldSpec` here: key, type, unit,
range, section, the question a clinician would ask, and a one-line help text. The
validator, the JSON Schema, the questionnaire, the rule checker and the README's field
reference are all generated from this tuple; nothing else lists the fields.

Each field also names its ``action``: how a coordinator finds the answer out, a key of
:data:`ACTIONS` (several fields share one: a lymphocyte-subset panel gives CD4 and CD8
alike). The engine's next steps (``pml_trials.engine.next_steps``) group the missing
fields of a patient by it, and the blank pre-screen form shows it beside each question.
"""

from __future__ import annotations

from typing import Literal

from pml_trials.record import Record

Kind = Literal["id", "date", "integer", "number", "boolean", "enum", "enum_list", "text"]

PATIENT_ID_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"
# Free text (a town): no ':' (profile validation counts colons to find repeated keys), no
# control characters or bidirectional overrides (shown in terminals and reports).
TEXT_PATTERN = "^[^:\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+$"


class FieldSpec(Record):
    """One profile key: its type, limits and the words used to ask for it."""

    key: str
    kind: Kind
    section: str
    question: str
    help: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    multiple_of: int | None = None
    vocabulary: str = ""  # a long list of choices, described instead of listed
    past: bool = False  # a date of something that has happened: not after the screening date
    label: str = ""  # a short clinical label for reports ("CD4 count"); "" = the question
    action: str = ""  # a key of ACTIONS: how to find the answer out ("" = ask the question)
    # Natural answers (pml_trials/questionnaire/answers.py), declared here once:
    synonyms: tuple[tuple[str, str], ...] = ()  # (word, value): "m" for male, "+" for detected
    unit_aliases: tuple[str, ...] = ()  # other spellings of ``unit`` ("y" for years)
    conversions: tuple[tuple[str, float], ...] = ()  # (unit, factor to ``unit``): lb -> kg
    lab_units: tuple[str, ...] = ()  # units of the raw value that a × ULN field divides
    censored: bool = False  # ">90" / "<20" is understood (and recorded as unknown)
    # A checklist item: the statement whose tick means ``ticked`` (the answer that could
    # rule a patient out), so that a favourable patient answers "none".
    checklist: str = ""
    ticked: bool = True

    @property
    def short(self) -> str:
        """The label a report prints beside a value (the question if none is declared)."""
        return self.label or self.question

    @property
    def type_name(self) -> str:
        """The type as the contract names it (``list of enum`` for lists)."""
        names = {"id": "string", "text": "string", "enum_list": "list of enum"}
        return names.get(self.kind, self.kind)

    def allowed(self) -> str:
        """What a valid value looks like, for error messages and the questionnaire."""
        if self.vocabulary:
            return self.vocabulary
        if self.kind == "text":
            return f"text of 1-{int(self.maximum or 0)} characters, without ':'"
        if self.kind in ("enum", "enum_list"):
            text = ", ".join(self.choices)
            return f"any of {text}" if self.kind == "enum_list" else text
        if self.kind == "boolean":
            return "true or false"
        if self.kind == "date":
            return "a date YYYY-MM-DD" + (", not after the screening date" if self.past else "")
        if self.kind == "id":
            return "1-64 letters, digits, '-', '_' or '.'"
        return self.range_text()

    def range_text(self) -> str:
        """``0–120 years`` style range, with the step for stepped integers."""
        low, high = _num(self.minimum), _num(self.maximum)
        kind = "an integer" if self.kind == "integer" else "a number"
        text = f"{kind} {low}–{high}"
        if self.multiple_of:
            text += f" in steps of {self.multiple_of}"
        return f"{text} {self.unit}".rstrip()


def _num(value: float | None) -> str:
    if value is None:
        return "?"
    if value >= 1e6:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:g}"


DEMOGRAPHICS = "Demographics"
DIAGNOSIS = "PML diagnosis"
IMMUNE = "Underlying immune suppression"
PRIOR = "Prior PML treatment"
STATUS = "Clinical status"
LABS = "Laboratory"
CELL = "Cell therapy"
RECORD = "Record"
RESIDENCE = "Residence"

PREDISPOSING = (
    "hiv",
    "multiple_sclerosis",
    "hematologic_malignancy",
    "solid_organ_transplant",
    "hematopoietic_cell_transplant",
    "autoimmune_disease",
    "primary_immunodeficiency",
    "idiopathic_cd4_lymphocytopenia",
    "solid_tumor",
    "other",
    "none_identified",
)


def _countries() -> tuple[str, ...]:
    from pml_trials.geo.countries import CODES

    return CODES


# How to find each answer out, in clinical words, in the order a work-up would go (the
# diagnosis first): this order breaks ties between next steps that decide as many trials.
ACTIONS: dict[str, str] = {
    "jcv": "repeat CSF JC virus PCR (ultrasensitive, quantitative) or brain biopsy",
    "mri": "brain MRI with contrast, read by a neuroradiologist (PML lesions, IRIS)",
    "neuro": "neurological examination (PML signs, course, Karnofsky and modified Rankin)",
    "pml-dates": "dates of first PML symptoms and of the diagnosis, from the chart",
    "conditions": "review the underlying conditions (haematology, transplant, rheumatology notes)",
    "hiv": "HIV serology; if positive, plasma HIV RNA and antiretroviral history",
    "cd4": "lymphocyte subsets (CD4 and CD8 counts)",
    "blood-count": "full blood count with differential (lymphocytes, neutrophils, platelets)",
    "chemistry": "renal and liver panel (eGFR, ALT, AST, total bilirubin)",
    "medications": "current and past medication review (natalizumab, immunosuppressants, steroids)",
    "prior-treatment": "prior PML and investigational treatments, from the chart",
    "infections": "work-up for other opportunistic and CNS infections",
    "hla": "HLA typing / donor search",
    "life-expectancy": "investigator's life-expectancy estimate",
    "alternatives": "investigator's judgement: is a comparable approved therapy available",
    "psychiatry": "psychiatric history",
    "pregnancy": "pregnancy test and breastfeeding status",
    "weight": "body weight",
    "chart": "age and sex, from the chart",
    "discussion": "discuss with the patient or representative (consent, contraception, travel)",
    "oral": "ask about swallowing and absorption (gastrointestinal history)",
    "residence": "ask where the patient lives (country, town) and how far they could travel",
    "record": "the screening record",
}


def _bool(
    key: str,
    section: str,
    question: str,
    help: str,
    *,
    label: str,
    action: str,
    checklist: str = "",
    ticked: bool = True,
) -> FieldSpec:
    return FieldSpec(
        key,
        "boolean",
        section,
        question,
        help,
        label=label,
        action=action,
        checklist=checklist,
        ticked=ticked,
    )


_PER_UL = ("/µL", "/uL", "cells/uL", "/mm3", "cells/mm3")
_PER_LITRE = (("x10^9/L", 1000.0), ("×10^9/L", 1000.0), ("G/L", 1000.0), ("10^9/L", 1000.0))
_COPIES = ("copies/ml", "cp/mL", "c/mL")


def _count(
    key: str,
    question: str,
    help: str,
    maximum: float,
    section: str = IMMUNE,
    *,
    label: str,
    action: str,
) -> FieldSpec:
    unit = "cells/µL"
    return FieldSpec(
        key,
        "number",
        section,
        question,
        help,
        unit,
        0,
        maximum,
        label=label,
        action=action,
        unit_aliases=_PER_UL,
        conversions=_PER_LITRE,
        censored=True,
    )


def _uln(
    key: str, question: str, help: str, *, label: str, action: str, lab_units: tuple[str, ...]
) -> FieldSpec:
    unit = "× ULN"
    return FieldSpec(
        key,
        "number",
        LABS,
        question,
        help,
        unit,
        0,
        100,
        label=label,
        action=action,
        unit_aliases=("x ULN", "xULN", "ULN", "x"),
        lab_units=lab_units,
        censored=True,
    )


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "patient_id",
        "id",
        RECORD,
        "Pseudonymous patient id?",
        "Never a name: letters, digits, '-', '_' and '.' only.",
        label="Patient id",
        action="record",
    ),
    FieldSpec(
        "screening_date",
        "date",
        RECORD,
        "Screening date (as of which date windows are counted)?",
        "Defaults to the run's --as-of date, else today.",
        label="Screening date",
        action="record",
    ),
    # Demographics
    FieldSpec(
        "age_years",
        "integer",
        DEMOGRAPHICS,
        "How old is the patient?",
        "Age in completed years at screening.",
        "years",
        0,
        120,
        label="Age",
        action="chart",
        unit_aliases=("y", "yr", "yrs", "year", "years old", "y/o"),
    ),
    FieldSpec(
        "sex",
        "enum",
        DEMOGRAPHICS,
        "Sex assigned at birth?",
        "Used for pregnancy and dosing rules.",
        choices=("female", "male"),
        label="Sex",
        action="chart",
        synonyms=(
            ("f", "female"),
            ("m", "male"),
            ("w", "female"),
            ("woman", "female"),
            ("man", "male"),
        ),
    ),
    FieldSpec(
        "weight_kg",
        "number",
        DEMOGRAPHICS,
        "Body weight?",
        "Needed for mg/kg dose limits.",
        "kg",
        1,
        400,
        label="Weight",
        action="weight",
        unit_aliases=("kgs", "kilograms", "kilogram"),
        conversions=(("lb", 0.45359237), ("lbs", 0.45359237), ("pounds", 0.45359237)),
    ),
    _bool(
        "pregnant_or_breastfeeding",
        DEMOGRAPHICS,
        "Is the patient pregnant or breastfeeding?",
        "Answer no for patients who cannot be pregnant.",
        label="Pregnant or breastfeeding",
        action="pregnancy",
        checklist="pregnant or breastfeeding",
    ),
    _bool(
        "agrees_to_contraception",
        DEMOGRAPHICS,
        "Is the patient willing to use effective contraception during and after the study?",
        "Willingness to use effective contraception for the study's duration and after;"
        " answer yes if the patient cannot conceive or father a child.",
        label="Agrees to contraception",
        action="discussion",
        checklist="not willing to use effective contraception during and after the study",
        ticked=False,
    ),
    # PML diagnosis
    FieldSpec(
        "csf_jcv_pcr",
        "enum",
        DIAGNOSIS,
        "JC virus DNA by PCR in the cerebrospinal fluid?",
        "detected if any CSF sample was positive; not_detected if tested and never positive;"
        " not_done if CSF was never tested.",
        choices=("detected", "not_detected", "not_done"),
        label="CSF JC virus PCR",
        action="jcv",
        synonyms=(
            ("positive", "detected"),
            ("pos", "detected"),
            ("+", "detected"),
            ("negative", "not_detected"),
            ("neg", "not_detected"),
            ("-", "not_detected"),
            ("nd", "not_done"),
        ),
    ),
    FieldSpec(
        "csf_jcv_copies_per_ml",
        "number",
        DIAGNOSIS,
        "CSF JC virus load?",
        "Copies per mL from the quantitative CSF PCR.",
        "copies/mL",
        0,
        1e10,
        label="CSF JC virus load",
        action="jcv",
        unit_aliases=_COPIES,
        censored=True,
    ),
    FieldSpec(
        "brain_biopsy_jcv",
        "enum",
        DIAGNOSIS,
        "Brain biopsy with the histopathology of PML and JC virus shown in the tissue?",
        "Positive: the typical triad (demyelination, bizarre astrocytes, enlarged"
        " oligodendroglial nuclei) with JC virus shown by immunohistochemistry, in situ"
        " hybridisation or PCR; not_done if no biopsy.",
        choices=("positive", "negative", "not_done"),
        label="Brain biopsy for JC virus",
        action="jcv",
        synonyms=(
            ("pos", "positive"),
            ("+", "positive"),
            ("neg", "negative"),
            ("-", "negative"),
            ("nd", "not_done"),
        ),
    ),
    _bool(
        "mri_compatible_with_pml",
        DIAGNOSIS,
        "Does brain MRI show lesions typical of PML?",
        "Asymmetric white-matter lesions without mass effect, per the radiologist; with or"
        " without symptoms.",
        label="MRI typical of PML",
        action="mri",
    ),
    _bool(
        "clinical_features_compatible_with_pml",
        DIAGNOSIS,
        "Are there neurological signs typical of PML?",
        "Subacute focal deficits (weakness, visual field loss, ataxia, speech or cognitive"
        " change) not better explained by another disorder; no if there are no symptoms.",
        label="Neurological signs typical of PML",
        action="neuro",
    ),
    FieldSpec(
        "pml_symptom_onset_date",
        "date",
        DIAGNOSIS,
        "When did the first PML symptoms start?",
        "Best estimate of symptom onset.",
        past=True,
        label="PML symptom onset",
        action="pml-dates",
    ),
    FieldSpec(
        "pml_diagnosis_date",
        "date",
        DIAGNOSIS,
        "When was PML diagnosed?",
        "Date of the diagnostic CSF PCR or biopsy.",
        past=True,
        label="PML diagnosis date",
        action="pml-dates",
    ),
    _bool(
        "pml_progressing",
        DIAGNOSIS,
        "Is PML worsening now, clinically or on MRI?",
        "Yes whatever has been done to restore immunity so far (ART just started, natalizumab"
        " just stopped); no if stable or improving. IRIS is asked separately.",
        label="PML progressing",
        action="neuro",
    ),
    _bool(
        "pml_iris",
        DIAGNOSIS,
        "Is there immune reconstitution inflammatory syndrome (IRIS) now?",
        "PML-IRIS: inflammatory worsening as immunity recovers (e.g. after starting ART or"
        " stopping natalizumab), often with contrast enhancement on MRI.",
        label="PML-IRIS now",
        action="mri",
    ),
    # Underlying immune suppression
    FieldSpec(
        "predisposing_conditions",
        "enum_list",
        IMMUNE,
        "Which conditions predispose this patient to PML (all that apply)?",
        "The underlying causes of immune suppression, at least one; none_identified only"
        " alone, when none is known.",
        choices=PREDISPOSING,
        label="Predisposing conditions",
        action="conditions",
    ),
    _bool(
        "hiv_positive",
        IMMUNE,
        "Is the patient HIV positive?",
        "Known HIV infection.",
        label="HIV positive",
        action="hiv",
        checklist="HIV positive",
    ),
    _bool(
        "on_antiretroviral_therapy",
        IMMUNE,
        "Is the patient on antiretroviral therapy?",
        "Current combination ART.",
        label="On antiretroviral therapy",
        action="hiv",
        checklist="not on antiretroviral therapy now",
        ticked=False,
    ),
    FieldSpec(
        "hiv_rna_copies_per_ml",
        "number",
        IMMUNE,
        "Plasma HIV viral load?",
        "Most recent plasma HIV RNA.",
        "copies/mL",
        0,
        1e9,
        label="Plasma HIV RNA",
        action="hiv",
        unit_aliases=_COPIES,
        censored=True,
    ),
    _count(
        "cd4_cells_per_ul",
        "CD4 T-cell count?",
        "Most recent absolute CD4 count.",
        5000,
        label="CD4 count",
        action="cd4",
    ),
    _count(
        "cd8_cells_per_ul",
        "CD8 T-cell count?",
        "Most recent absolute CD8 count.",
        10000,
        label="CD8 count",
        action="cd4",
    ),
    _count(
        "lymphocytes_per_ul",
        "Absolute lymphocyte count?",
        "Most recent absolute lymphocyte count.",
        100000,
        label="Lymphocyte count",
        action="blood-count",
    ),
    _bool(
        "natalizumab_ever",
        IMMUNE,
        "Has the patient ever received natalizumab?",
        "Any past or current natalizumab.",
        label="Natalizumab ever",
        action="medications",
        checklist="has ever received natalizumab",
    ),
    FieldSpec(
        "last_natalizumab_dose_date",
        "date",
        IMMUNE,
        "Date of the last natalizumab dose?",
        "Leave unknown if never given.",
        past=True,
        label="Last natalizumab dose",
        action="medications",
    ),
    _bool(
        "current_immunosuppressive_therapy",
        IMMUNE,
        "Is the patient on any immunosuppressant other than corticosteroids now?",
        "E.g. tacrolimus, mycophenolate, rituximab, chemotherapy; not steroids, not"
        " antiretroviral therapy.",
        label="Other immunosuppressant now",
        action="medications",
        checklist="on an immunosuppressant other than corticosteroids now",
    ),
    FieldSpec(
        "prednisone_equivalent_mg_per_day",
        "number",
        IMMUNE,
        "Current systemic corticosteroid dose, as prednisone equivalent?",
        "0 if none; 4 mg methylprednisolone = 5 mg prednisone, 0.75 mg dexamethasone = 5 mg.",
        "mg/day",
        0,
        2000,
        label="Corticosteroid dose (prednisone eq.)",
        action="medications",
        unit_aliases=("mg", "mg/d", "mg daily"),
    ),
    FieldSpec(
        "gvhd_grade",
        "integer",
        IMMUNE,
        "Acute graft-versus-host disease grade now (0 = none)?",
        "Acute GVHD grade 0-4 now, after an allogeneic haematopoietic cell transplant; 0 if none.",
        "grade",
        0,
        4,
        label="Acute GVHD grade",
        action="conditions",
    ),
    _bool(
        "active_autoimmune_disease",
        IMMUNE,
        "Active autoimmune disease needing systemic treatment in the last 2 years?",
        "Replacement therapy (thyroxine, insulin) does not count as systemic treatment.",
        label="Active autoimmune disease (2 years)",
        action="conditions",
        checklist="active autoimmune disease needing systemic treatment in the last 2 years",
    ),
    _bool(
        "autoimmune_cns_disease",
        IMMUNE,
        "Autoimmune disease of the central nervous system?",
        "E.g. multiple sclerosis, neuromyelitis optica.",
        label="Autoimmune CNS disease",
        action="conditions",
        checklist="autoimmune disease of the central nervous system",
    ),
    # Underlying immune suppression, added for issue 11 (GVHD after allogeneic HCT, biologics)
    _bool(
        "allogeneic_hct",
        IMMUNE,
        "Has the patient ever had an allogeneic (donor) haematopoietic cell transplant?",
        "Stem cells or marrow from a donor, not the patient's own (autologous) cells.",
        label="Allogeneic HCT ever",
        action="conditions",
        checklist="has ever had an allogeneic (donor) haematopoietic cell transplant",
    ),
    _bool(
        "chronic_gvhd_active",
        IMMUNE,
        "Is there active chronic graft-versus-host disease now?",
        "Only after an allogeneic haematopoietic cell transplant; no if none or resolved.",
        label="Active chronic GVHD",
        action="conditions",
        checklist="active chronic graft-versus-host disease now",
    ),
    _bool(
        "gvhd_systemic_treatment",
        IMMUNE,
        "Is the patient on systemic treatment for graft-versus-host disease now?",
        "Steroids or other systemic immunosuppression given for acute or chronic GVHD.",
        label="Systemic GVHD treatment now",
        action="medications",
        checklist="on systemic treatment for graft-versus-host disease now",
    ),
    _bool(
        "current_biologic_therapy",
        IMMUNE,
        "Is the patient receiving a biologic medicine now?",
        "A monoclonal antibody or fusion protein given as ongoing treatment (e.g. rituximab,"
        " ocrelizumab, natalizumab, a TNF blocker), including between courses.",
        label="Biologic medicine now",
        action="medications",
        checklist="receiving a biologic medicine now",
    ),
    # Prior PML treatment
    _bool(
        "prior_checkpoint_inhibitor",
        PRIOR,
        "Any prior checkpoint inhibitor (anti-PD-1, anti-PD-L1 or anti-CTLA-4)?",
        "E.g. pembrolizumab, nivolumab, atezolizumab, ipilimumab.",
        label="Prior checkpoint inhibitor",
        action="prior-treatment",
        checklist="has had a checkpoint inhibitor (anti-PD-1, anti-PD-L1, anti-CTLA-4)",
    ),
    _bool(
        "prior_virus_specific_t_cells",
        PRIOR,
        "Any prior virus-specific T-cell therapy?",
        "Autologous or donor-derived virus-specific T cells.",
        label="Prior virus-specific T cells",
        action="prior-treatment",
        checklist="has had virus-specific T-cell therapy",
    ),
    _bool(
        "prior_cidofovir_or_brincidofovir",
        PRIOR,
        "Any prior cidofovir or brincidofovir (CMX001)?",
        "Any dose, any indication.",
        label="Prior cidofovir or brincidofovir",
        action="prior-treatment",
        checklist="has had cidofovir or brincidofovir (CMX001)",
    ),
    FieldSpec(
        "last_investigational_agent_date",
        "date",
        PRIOR,
        "Date of the last dose of any investigational drug?",
        "Leave unknown if none was ever given.",
        past=True,
        label="Last investigational drug",
        action="prior-treatment",
    ),
    # Prior PML treatment, added for issue 11 (current medicines some protocols exclude)
    _bool(
        "current_cidofovir",
        PRIOR,
        "Is the patient receiving cidofovir now?",
        "Any current course of cidofovir, for any indication.",
        label="Cidofovir now",
        action="medications",
        checklist="receiving cidofovir now",
    ),
    _bool(
        "current_leflunomide",
        PRIOR,
        "Is the patient receiving leflunomide now?",
        "Any current leflunomide, for any indication.",
        label="Leflunomide now",
        action="medications",
        checklist="receiving leflunomide now",
    ),
    # Clinical status
    FieldSpec(
        "karnofsky_score",
        "integer",
        STATUS,
        "Karnofsky performance status?",
        "100 = normal, 50 = needs considerable help, 10 = moribund.",
        "points",
        0,
        100,
        multiple_of=10,
        label="Karnofsky score",
        action="neuro",
        unit_aliases=("%",),
    ),
    FieldSpec(
        "modified_rankin_scale",
        "integer",
        STATUS,
        "Modified Rankin Scale?",
        "0 = no symptoms ... 5 = severe disability, 6 = dead.",
        "points",
        0,
        6,
        label="Modified Rankin Scale",
        action="neuro",
    ),
    FieldSpec(
        "life_expectancy_weeks",
        "number",
        STATUS,
        "Investigator's estimate of life expectancy?",
        "In weeks; the investigator's clinical estimate.",
        "weeks",
        0,
        5200,
        label="Life expectancy (investigator)",
        action="life-expectancy",
    ),
    _bool(
        "other_active_opportunistic_infection",
        STATUS,
        "Another active opportunistic infection needing systemic treatment now?",
        "E.g. CMV disease, pneumocystis, cryptococcosis; prophylaxis alone does not count.",
        label="Other opportunistic infection",
        action="infections",
        checklist="another active opportunistic infection needing systemic treatment now",
    ),
    _bool(
        "other_cns_infection",
        STATUS,
        "Another infection of the central nervous system?",
        "E.g. toxoplasmosis, cryptococcal meningitis, CMV encephalitis.",
        label="Other CNS infection",
        action="infections",
        checklist="another infection of the central nervous system",
    ),
    _bool(
        "active_malignancy_on_treatment",
        STATUS,
        "An active malignancy currently under treatment?",
        "Cancer receiving chemotherapy, targeted therapy or radiotherapy now.",
        label="Malignancy under treatment",
        action="conditions",
        checklist="an active malignancy under treatment now",
    ),
    _bool(
        "severe_psychiatric_illness",
        STATUS,
        "An active severe psychiatric illness?",
        "E.g. psychosis, severe depression, that would interfere with the study.",
        label="Severe psychiatric illness",
        action="psychiatry",
        checklist="an active severe psychiatric illness",
    ),
    _bool(
        "able_to_consent",
        STATUS,
        "Can the patient or a legally authorised representative give informed consent?",
        "The patient, or a legal representative if the patient lacks capacity.",
        label="Consent possible (patient or representative)",
        action="discussion",
        checklist="neither the patient nor a legal representative can give informed consent",
        ticked=False,
    ),
    _bool(
        "able_to_travel_to_site",
        STATUS,
        "Can the patient travel to the study site?",
        "Including inpatient stays if needed.",
        label="Able to travel to the site",
        action="discussion",
        checklist="cannot travel to the study site",
        ticked=False,
    ),
    _bool(
        "alternative_therapy_available",
        STATUS,
        "Is there a comparable or satisfactory standard treatment for this patient's PML now?",
        "E.g. starting ART in HIV, or stopping natalizumab with plasma exchange; no if"
        " nothing of the kind is left to do.",
        label="Comparable approved therapy available",
        action="alternatives",
        checklist="a comparable or satisfactory standard treatment for the PML is available now",
    ),
    # Clinical status, added for issue 11 (oral medicines)
    _bool(
        "oral_absorption_impaired",
        STATUS,
        "Is there a gastrointestinal problem that might stop an oral medicine being absorbed?",
        "A gastrointestinal abnormality (e.g. malabsorption, severe diarrhoea) that might"
        " preclude absorbing an oral medicine.",
        label="Oral absorption impaired",
        action="oral",
        checklist="a gastrointestinal problem that might stop an oral medicine being absorbed",
    ),
    # Laboratory
    FieldSpec(
        "egfr_ml_min_1_73m2",
        "number",
        LABS,
        "Estimated glomerular filtration rate (eGFR)?",
        "Most recent eGFR.",
        "mL/min/1.73 m²",
        0,
        200,
        label="eGFR",
        action="chemistry",
        unit_aliases=("mL/min/1.73m2", "mL/min/1.73 m2", "mL/min"),
        censored=True,
    ),
    _uln(
        "alt_x_uln",
        "ALT, as a multiple of the upper limit of normal?",
        "Alanine aminotransferase divided by the laboratory's upper limit of normal.",
        label="ALT",
        action="chemistry",
        lab_units=("U/L", "IU/L"),
    ),
    _uln(
        "ast_x_uln",
        "AST, as a multiple of the upper limit of normal?",
        "Aspartate aminotransferase divided by the laboratory's upper limit of normal.",
        label="AST",
        action="chemistry",
        lab_units=("U/L", "IU/L"),
    ),
    _uln(
        "total_bilirubin_x_uln",
        "Total bilirubin, as a multiple of the upper limit of normal?",
        "Total bilirubin divided by the laboratory's upper limit of normal.",
        label="Total bilirubin",
        action="chemistry",
        lab_units=("µmol/L", "umol/L", "mg/dL"),
    ),
    _count(
        "neutrophils_per_ul",
        "Absolute neutrophil count?",
        "Most recent absolute neutrophil count.",
        100000,
        section=LABS,
        label="Neutrophil count",
        action="blood-count",
    ),
    _count(
        "platelets_per_ul",
        "Platelet count?",
        "Most recent platelet count.",
        2000000,
        section=LABS,
        label="Platelet count",
        action="blood-count",
    ),
    # Cell therapy
    _bool(
        "hla_typing_available",
        CELL,
        "Is the patient's HLA typing available?",
        "High-resolution HLA typing on record.",
        label="HLA typing available",
        action="hla",
        checklist="no HLA typing on record",
        ticked=False,
    ),
    _bool(
        "matched_donor_available",
        CELL,
        "Is a suitably HLA-matched donor or banked T-cell product identified?",
        "A donor or third-party product matched as the study requires.",
        label="Matched donor or T-cell product",
        action="hla",
        checklist="no suitably HLA-matched donor or banked T-cell product identified",
        ticked=False,
    ),
    # Residence: where the patient lives, for the distance to the study sites. Not an
    # address: a country and a town (resolved offline, pml_trials/geo/gazetteer.py).
    FieldSpec(
        "residence_country",
        "enum",
        RESIDENCE,
        "In which country does the patient live?",
        "ISO 3166-1 alpha-2 code (DE, FR, US), as on the chart's address; needed with a town.",
        choices=_countries(),
        vocabulary="an ISO 3166-1 alpha-2 country code such as DE, FR or US",
        label="Country of residence",
        action="residence",
    ),
    FieldSpec(
        "residence_town",
        "text",
        RESIDENCE,
        "In which town does the patient live (not the address)?",
        "The town as on a map, from the chart's address (a place of 5,000+ inhabitants, "
        "else the nearest larger town); add the region for a name that several places "
        "share: 'Springfield, Illinois'. Needs residence_country.",
        maximum=100,
        label="Town of residence",
        action="residence",
    ),
    FieldSpec(
        "max_travel_km",
        "number",
        RESIDENCE,
        "How far could the patient travel to a study site, at most?",
        "Great-circle km from the town, as discussed with the patient or family; "
        "shown beside each site's distance, never a criterion by itself.",
        "km",
        0,
        20000,
        label="Farthest travel to a site",
        action="residence",
    ),
)

BY_KEY: dict[str, FieldSpec] = {spec.key: spec for spec in FIELDS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(spec.section for spec in FIELDS))


def action_of(spec: FieldSpec) -> tuple[str, str]:
    """``(key, words)`` of how to find ``spec`` out; a field that names no declared
    action is its own: ``ask: <question>`` (a site's field is never dropped)."""
    if spec.action in ACTIONS:
        return spec.action, ACTIONS[spec.action]
    return f"ask:{spec.key}", f"ask: {spec.question}"
