"""Which profile fields a criterion's wording suggests: a hint for the person who writes
its rule, never a rule.

A short table of wordings registry texts use, each with the fields that usually decide
it ("human immunodeficiency virus" -> ``hiv_positive``). Fields the profile does not
declare are left out, so the table cannot name a field that does not exist (a test
checks that every field it names does).
"""

from __future__ import annotations

import re

from pml_trials.profile.fields import BY_KEY

_TABLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bage\b|\baged\b|years? of age|years? old", ("age_years",)),
    (r"\bpregnan|breast.?feed|lactat", ("pregnant_or_breastfeeding", "sex")),
    (r"contracepti|barrier method|condom", ("agrees_to_contraception",)),
    (r"\bHIV\b|human immunodeficiency virus", ("hiv_positive",)),
    (r"antiretroviral|\bc?ART\b|HAART", ("on_antiretroviral_therapy",)),
    (r"\bCD4\b", ("cd4_cells_per_ul",)),
    (r"\bJC ?V\b|JC virus|polyomavirus", ("csf_jcv_pcr", "brain_biopsy_jcv")),
    (
        r"leukoencephalopathy|\bPML\b",
        ("clinical_features_compatible_with_pml", "mri_compatible_with_pml"),
    ),
    (r"\bIRIS\b|immune reconstitution", ("pml_iris",)),
    (r"natalizumab", ("natalizumab_ever", "last_natalizumab_dose_date")),
    (r"corticosteroid|steroid|prednis", ("prednisone_equivalent_mg_per_day", "weight_kg")),
    (r"immunosuppress", ("current_immunosuppressive_therapy",)),
    (r"graft.versus.host|\bGVHD\b", ("gvhd_grade",)),
    (r"transplant", ("predisposing_conditions",)),
    (r"autoimmun", ("active_autoimmune_disease",)),
    (r"\bPD-?L?[12]\b|CTLA-?4|checkpoint inhibitor", ("prior_checkpoint_inhibitor",)),
    (r"cidofovir|brincidofovir|CMX001", ("prior_cidofovir_or_brincidofovir",)),
    (r"investigational", ("last_investigational_agent_date",)),
    (r"malignan|cancer|carcinoma", ("active_malignancy_on_treatment",)),
    (r"opportunistic infection", ("other_active_opportunistic_infection",)),
    (r"psychiatric|mental disorder", ("severe_psychiatric_illness",)),
    (r"Karnofsky|\bKPS\b|\bECOG\b|performance status", ("karnofsky_score",)),
    (r"Rankin", ("modified_rankin_scale",)),
    (r"life expectancy|expected survival", ("life_expectancy_weeks",)),
    (r"glomerular|creatinine clearance|\beGFR\b|\bCrCl\b", ("egfr_ml_min_1_73m2",)),
    (r"\bALT\b|alanine aminotransferase", ("alt_x_uln",)),
    (r"\bAST\b|aspartate aminotransferase", ("ast_x_uln",)),
    (r"bilirubin", ("total_bilirubin_x_uln",)),
    (r"neutrophil|\bANC\b", ("neutrophils_per_ul",)),
    (r"platelet", ("platelets_per_ul",)),
    (r"lymphocyte", ("lymphocytes_per_ul",)),
    (r"\bHLA\b", ("hla_typing_available", "matched_donor_available")),
    (r"informed consent|\bconsent\b", ("able_to_consent",)),
    (r"\btravel", ("able_to_travel_to_site",)),
)
_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), fields) for pattern, fields in _TABLE)


def suggested_fields(text: str) -> tuple[str, ...]:
    """The declared profile fields the wording suggests, in the table's order, each once."""
    found: dict[str, None] = {}
    for pattern, fields in _COMPILED:
        if pattern.search(text):
            found.update(dict.fromkeys(f for f in fields if f in BY_KEY))
    return tuple(found)


def named_fields() -> set[str]:
    """Every field the table names (for the test that they all exist)."""
    return {f for _, fields in _TABLE for f in fields}
