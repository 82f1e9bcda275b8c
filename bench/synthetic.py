"""Synthetic, fully filled patient profiles for the benchmarks (never real data).

Every profile field gets a valid value: the typical answer of a patient who passes most
studies with probability LIKELY, else a random value from the field's declared type and
range, so that all three verdicts occur.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from pml_trials.profile.fields import FIELDS, FieldSpec

AS_OF = date(2026, 11, 25)

# Answers that let a patient through most studies; each profile takes each of them with
# probability LIKELY and a random valid value otherwise, so all three verdicts occur.
LIKELY = 0.85
TYPICAL: dict[str, Any] = {
    "csf_jcv_pcr": "detected",
    "mri_compatible_with_pml": True,
    "clinical_features_compatible_with_pml": True,
    "pml_progressing": True,
    "pregnant_or_breastfeeding": False,
    "natalizumab_ever": False,
    "matched_donor_available": True,
    "able_to_consent": True,
    "alternative_therapy_available": False,
    "prior_checkpoint_inhibitor": False,
    "active_autoimmune_disease": False,
    "current_immunosuppressive_therapy": False,
    "hiv_positive": False,
    "gvhd_grade": 0,
    "age_years": 55,
    "weight_kg": 70.0,
    "prednisone_equivalent_mg_per_day": 5.0,
    "life_expectancy_weeks": 30.0,
    "egfr_ml_min_1_73m2": 80.0,
    "alt_x_uln": 1.0,
    "ast_x_uln": 1.0,
    "predisposing_conditions": ["hematologic_malignancy"],
}


# Where patients live (residence_country, residence_town): towns the offline gazetteer
# finds in their country, so that every profile is valid and the sites' distances count.
HOMES = (("DE", "Berlin"), ("FR", "Paris"), ("FR", "Lyon"), ("DE", "Hamburg"), ("CH", "Basel"))


def random_value(spec: FieldSpec, rng: random.Random) -> Any:
    """A valid JSON value for one field, drawn from its declared type and range (a
    town: see HOMES)."""
    if spec.kind == "text":
        return rng.choice(HOMES)[1]
    if spec.kind == "boolean":
        return rng.random() < 0.5
    if spec.kind == "enum":
        return rng.choice(spec.choices)
    if spec.kind == "enum_list":
        return rng.sample(spec.choices, rng.randint(1, 3))
    if spec.kind == "date":
        return (AS_OF - timedelta(days=rng.randint(0, 3000))).isoformat()
    low, high = spec.minimum or 0.0, spec.maximum or 0.0
    if spec.kind == "integer":
        step = spec.multiple_of or 1
        return rng.randint(int(low) // step, int(high) // step) * step
    # mostly plausible magnitudes: a log-uniform draw across a huge range is rarely typical
    return round(rng.uniform(low, min(high, max(low + 1, high / 20))), 2)


def synthetic_profile(index: int, rng: random.Random) -> dict[str, Any]:
    profile: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.kind == "id":
            profile[spec.key] = f"bench-{index:06d}"
        elif spec.key == "screening_date":
            profile[spec.key] = AS_OF.isoformat()
        elif spec.key in TYPICAL and rng.random() < LIKELY:
            profile[spec.key] = TYPICAL[spec.key]
        else:
            profile[spec.key] = random_value(spec, rng)
    if "residence_town" in profile:  # a town of its country
        profile["residence_country"], profile["residence_town"] = rng.choice(HOMES)
    return consistent(profile)


def consistent(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile without the fields that the cross-field checks (issue 11: GVHD without
    an allogeneic transplant, ...) refuse in it: values drawn field by field disagree."""
    import json

    from pml_trials.profile.validate import InvalidProfileError, validate_json

    for _ in range(8):
        try:
            validate_json(json.dumps(profile), as_of=AS_OF)
        except InvalidProfileError as exc:
            for problem in exc.problems:
                profile.pop((problem.field or "").split("[")[0], None)
            continue
        return profile
    raise ValueError("no consistent profile")  # pragma: no cover - the checks converge


# A registry export is incomplete: each field but the id is absent with this probability.
ABSENT = 0.3


def sparse_profile(index: int, rng: random.Random, absent: float = ABSENT) -> dict[str, Any]:
    """A registry-like profile: :func:`synthetic_profile` with each field but the id left
    out with probability ``absent``."""
    full = synthetic_profile(index, rng)
    kept = {k: v for k, v in full.items() if k == "patient_id" or rng.random() >= absent}
    if "residence_country" not in kept:  # a town alone is not valid: it goes too
        kept.pop("residence_town", None)
    return consistent(kept)
