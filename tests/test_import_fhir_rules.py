"""The rules the FHIR import keeps, one test each, on synthetic bundles."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pml_trials.engine.run import InputProblem
from pml_trials.importers.codes import CodeListError, load_codes
from pml_trials.importers.fhir.build import Options, pseudonym
from pml_trials.importers.fhir.mapping import CONCEPTS
from pml_trials.importers.fhir.run import import_document
from pml_trials.importers.provenance import Imported
from pml_trials.profile.validate import validate_json
from tests.fhir_factory import (
    bundle,
    coded,
    condition,
    integer,
    medication,
    patient,
    pml_patient_bundle,
    quantity,
)

AS_OF = date(2026, 12, 1)
CODES = load_codes(known=CONCEPTS)


def run(resource: dict[str, Any], **options: Any) -> list[Imported | InputProblem]:
    data = json.dumps(resource).encode()
    return import_document(data, "b.json", CODES, Options(AS_OF, **options))


def one(*resources: dict[str, Any], **options: Any) -> Imported:
    items = [i for i in run(bundle(patient(), *resources), **options) if isinstance(i, Imported)]
    assert len(items) == 1
    return items[0]


def test_the_example_bundle_fills_the_structured_fields_and_stays_a_valid_profile() -> None:
    (item,) = run(pml_patient_bundle())
    assert isinstance(item, Imported)
    validate_json(json.dumps(item.profile))
    assert item.profile["cd4_cells_per_ul"] == 420
    assert item.profile["age_years"] == 58
    assert item.profile["screening_date"] == "2026-12-01"
    assert {e.field for e in item.evidence} == set(item.profile) - {"patient_id", "screening_date"}


def test_absence_of_records_is_unknown_never_false() -> None:
    item = one()
    assert set(item.profile) == {"patient_id", "screening_date", "age_years", "sex"}
    assert "hiv_positive" in item.unfilled()
    assert "natalizumab_ever" in item.unfilled()
    assert "prednisone_equivalent_mg_per_day" not in item.profile  # no steroid record is not 0


def test_a_false_needs_an_explicit_negative_record() -> None:
    item = one(coded("hiv-t", "7917-8", "165815009", "2026-06-01"))
    assert item.profile["hiv_positive"] is False
    older = one(coded("hiv-t", "7917-8", "165815009", "2025-06-01"))  # outside 365 days
    assert "hiv_positive" not in older.profile


def test_a_negative_test_after_a_positive_record_is_a_conflict() -> None:
    item = one(
        condition("hiv-1", "86406008", "2015-01-01", "2015-01-02"),
        coded("hiv-t", "7917-8", "165815009", "2026-06-01"),
    )
    assert "hiv_positive" not in item.profile
    assert any("negative after a positive" in w for w in item.warnings)


def test_records_after_the_screening_date_are_ignored() -> None:
    item = one(quantity("late", "24467-3", 900, "/uL", "2026-12-02"))
    assert "cd4_cells_per_ul" not in item.profile
    assert any("after the screening date" in w for w in item.warnings)


@pytest.mark.parametrize("status", ["entered-in-error", "preliminary", "registered", "cancelled"])
def test_records_not_final_are_ignored(status: str) -> None:
    item = one(
        quantity("ok", "24467-3", 300, "/uL", "2026-11-01"),
        quantity("bad", "24467-3", 900, "/uL", "2026-11-20", status=status),
    )
    assert item.profile["cd4_cells_per_ul"] == 300


@pytest.mark.parametrize("status", ["amended", "corrected"])
def test_amended_and_corrected_results_count(status: str) -> None:
    item = one(quantity("c", "24467-3", 310, "/uL", "2026-11-20", status=status))
    assert item.profile["cd4_cells_per_ul"] == 310


def test_the_latest_record_inside_the_window_wins() -> None:
    item = one(
        quantity("a", "24467-3", 100, "/uL", "2026-11-01"),
        quantity("b", "24467-3", 200, "/uL", "2026-11-20"),
        quantity("c", "24467-3", 50, "/uL", "2026-10-01"),
    )
    assert item.profile["cd4_cells_per_ul"] == 200
    (ev,) = [e for e in item.evidence if e.field == "cd4_cells_per_ul"]
    assert (ev.resource, ev.date) == ("Observation/b", "2026-11-20")


def test_records_older_than_the_window_are_not_used() -> None:
    item = one(quantity("old", "731-0", 900, "/uL", "2026-10-15"))  # lymphocytes: 30 days
    assert "lymphocytes_per_ul" not in item.profile


def test_an_unreadable_latest_record_does_not_fall_back_to_an_older_one() -> None:
    item = one(
        quantity("old", "24467-3", 500, "/uL", "2026-10-01"),
        quantity("new", "24467-3", 20, "%", "2026-11-20"),  # a percentage, not a count
    )
    assert "cd4_cells_per_ul" not in item.profile
    assert any("unit '%'" in w for w in item.warnings)


def test_conflicting_results_of_the_same_moment_are_unknown() -> None:
    item = one(
        quantity("a", "24467-3", 100, "/uL", "2026-11-20T08:00:00Z"),
        quantity("b", "24467-3", 400, "/uL", "2026-11-20T08:00:00Z"),
    )
    assert "cd4_cells_per_ul" not in item.profile
    assert any("conflicting" in w for w in item.warnings)


@pytest.mark.parametrize(
    ("unit", "value", "expected"),
    [
        ("/uL", 420, 420),
        ("{cells}/uL", 420, 420),
        ("/mm3", 420, 420),
        ("10*3/uL", 0.42, 420),
        ("10*9/L", 0.42, 420),
        ("10*6/L", 420, 420),
    ],
)
def test_count_units_on_the_list_are_converted(unit: str, value: float, expected: float) -> None:
    item = one(quantity("a", "24467-3", value, unit, "2026-11-20"))
    assert item.profile["cd4_cells_per_ul"] == expected


@pytest.mark.parametrize("unit", ["%", "cells", "10*3/mL", "/L"])
def test_units_off_the_list_are_unknown_with_a_warning(unit: str) -> None:
    item = one(quantity("a", "24467-3", 1, unit, "2026-11-20"))
    assert "cd4_cells_per_ul" not in item.profile
    assert any("cd4_cells_per_ul" in w and "unit" in w for w in item.warnings)


def test_weight_in_pounds_is_converted_to_kg() -> None:
    item = one(quantity("w", "29463-7", 185, "[lb_av]", "2026-11-20"))
    assert item.profile["weight_kg"] == pytest.approx(83.9146, abs=1e-3)


def test_csf_jcv_in_iu_per_ml_is_not_copies() -> None:
    item = one(quantity("j", "49410-4", 800, "[IU]/mL", "2026-11-20"))
    assert "csf_jcv_copies_per_ml" not in item.profile


def test_egfr_accepts_only_the_per_1_73_m2_unit() -> None:
    item = one(quantity("e", "98979-8", 88, "mL/min", "2026-11-20"))
    assert "egfr_ml_min_1_73m2" not in item.profile


@pytest.mark.parametrize("comparator", ["<", "<=", ">", ">="])
def test_censored_results_are_unknown(comparator: str) -> None:
    item = one(quantity("r", "20447-9", 20, "{copies}/mL", "2026-11-20", comparator=comparator))
    assert "hiv_rna_copies_per_ml" not in item.profile
    assert any("censored" in w for w in item.warnings)


def test_liver_tests_are_times_the_upper_limit_of_the_same_unit() -> None:
    item = one(quantity("alt", "1742-6", 99, "U/L", "2026-11-20", high=33))
    assert item.profile["alt_x_uln"] == 3
    no_range = one(quantity("alt", "1742-6", 99, "U/L", "2026-11-20"))
    assert "alt_x_uln" not in no_range.profile


def test_csf_pcr_detected_and_not_detected_and_never_not_done() -> None:
    assert (
        one(coded("j", "33295-7", "260373001", "2026-11-20")).profile["csf_jcv_pcr"] == "detected"
    )
    assert (
        one(coded("j", "33295-7", "260415000", "2026-11-20")).profile["csf_jcv_pcr"]
        == "not_detected"
    )
    assert "csf_jcv_pcr" not in one().profile


def test_karnofsky_must_be_a_multiple_of_ten() -> None:
    assert one(integer("k", "89243-0", 70, "2026-11-25")).profile["karnofsky_score"] == 70
    item = one(integer("k", "89243-0", 65, "2026-11-25"))
    assert "karnofsky_score" not in item.profile


def test_pregnancy_is_kleene_or_of_pregnancy_and_breastfeeding() -> None:
    assert (
        one(coded("p", "82810-3", "77386006", "2026-11-25")).profile["pregnant_or_breastfeeding"]
        is True
    )
    not_pregnant = one(coded("p", "82810-3", "60001007", "2026-11-25"))
    assert "pregnant_or_breastfeeding" not in not_pregnant.profile  # breastfeeding unknown


def test_predisposing_conditions_are_never_filled_partially() -> None:
    item = one(condition("ms", "24700007", "2010-01-01", "2010-01-02"))
    assert "predisposing_conditions" not in item.profile
    assert item.suggestions == {"predisposing_conditions": ["multiple_sclerosis"]}
    assert item.profile["autoimmune_cns_disease"] is True


@pytest.mark.parametrize(
    "verification", ["refuted", "entered-in-error", "provisional", "differential"]
)
def test_conditions_not_confirmed_are_ignored(verification: str) -> None:
    item = one(condition("h", "86406008", "2015-01-01", "2015-01-02", verification))
    assert "hiv_positive" not in item.profile


def test_pml_dates_come_from_the_condition() -> None:
    item = one(condition("p", "22255007", "2026-10-01", "2026-10-20"))
    assert item.profile["pml_symptom_onset_date"] == "2026-10-01"
    assert item.profile["pml_diagnosis_date"] == "2026-10-20"


def test_natalizumab_true_only_and_last_dose_from_a_finished_course() -> None:
    item = one(medication("n", "L04AG03", "completed", "2020-01-01", end="2026-09-15"))
    assert item.profile["natalizumab_ever"] is True
    assert item.profile["last_natalizumab_dose_date"] == "2026-09-15"
    assert "current_immunosuppressive_therapy" not in item.profile  # finished: not false either
    active = one(medication("n", "L04AA23", "active", "2020-01-01"))
    assert active.profile["current_immunosuppressive_therapy"] is True
    assert "last_natalizumab_dose_date" not in active.profile


def test_a_medication_not_taken_is_not_evidence() -> None:
    item = one(medication("n", "L04AG03", "not-taken", "2020-01-01"))
    assert "natalizumab_ever" not in item.profile


def test_prednisone_equivalent_from_one_active_steroid() -> None:
    item = one(medication("m", "H02AB04", "active", "2026-11-01", dose_mg=16, per_day=1))
    assert item.profile["prednisone_equivalent_mg_per_day"] == 20  # methylprednisolone ×1.25
    no_dose = one(medication("m", "H02AB07", "active", "2026-11-01"))
    assert "prednisone_equivalent_mg_per_day" not in no_dose.profile
    two = one(
        medication("a", "H02AB07", "active", "2026-11-01", dose_mg=10),
        medication("b", "H02AB07", "active", "2026-11-01", dose_mg=10, kind="MedicationRequest"),
    )
    assert "prednisone_equivalent_mg_per_day" not in two.profile


def test_identifiers_and_names_are_never_copied() -> None:
    items = run(pml_patient_bundle())
    text = json.dumps([(i.profile, i.provenance()) for i in items if isinstance(i, Imported)])
    for secret in (
        "MRN-4471-SECRET",
        "Doe-Secret",
        "Janet",
        "0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01",
    ):
        assert secret not in text


def test_patient_ids_are_deterministic_pseudonyms_or_given() -> None:
    first = one().profile["patient_id"]
    assert first == one().profile["patient_id"]
    assert first != one(id_salt="site-secret").profile["patient_id"]
    assert first == pseudonym("Patient/0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01", "")
    assert one(patient_id="pml-017").profile["patient_id"] == "pml-017"


def test_sex_is_birth_sex_and_gender_only_with_the_option() -> None:
    items = [i for i in run(bundle(patient(birthsex=None))) if isinstance(i, Imported)]
    assert "sex" not in items[0].profile
    items = [
        i
        for i in run(bundle(patient(birthsex=None)), sex_from_gender=True)
        if isinstance(i, Imported)
    ]
    assert items[0].profile["sex"] == "female"


def test_a_partial_birth_date_gives_no_age() -> None:
    items = [i for i in run(bundle(patient(birth="1968"))) if isinstance(i, Imported)]
    assert "age_years" not in items[0].profile


def test_a_site_code_list_adds_local_codes(tmp_path: Path) -> None:
    site = tmp_path / "site.csv"
    site.write_text(
        "concept,system,code,meaning,source\ncd4,http://lab.example/codes,CD4ABS,CD4 absolute,lab catalogue 2026\n"
    )
    codes = load_codes([site], known=CONCEPTS)
    local = quantity("x", "CD4ABS", 333, "/uL", "2026-11-20", system="http://lab.example/codes")
    data = json.dumps(bundle(patient(), local)).encode()
    (item,) = import_document(data, "b.json", codes, Options(AS_OF))
    assert isinstance(item, Imported)
    assert item.profile["cd4_cells_per_ul"] == 333
    (item,) = import_document(data, "b.json", CODES, Options(AS_OF))
    assert isinstance(item, Imported)
    assert "cd4_cells_per_ul" not in item.profile


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("concept,system,code,meaning,source\ncd4,loinc,1-1,x,\n", "needs the source"),
        ("concept,system,code,meaning,source\ncd44,loinc,1-1,x,y\n", "unknown concept 'cd44'"),
        ("concept,system,code\n", "the first row must be the header"),
        ("concept,system,code,meaning,source\ncd4,loinc,1-1,a, b,c\n", "expected 5 columns"),
    ],
)
def test_a_broken_site_code_list_is_refused_with_its_line(
    tmp_path: Path, text: str, message: str
) -> None:
    site = tmp_path / "site.csv"
    site.write_text(text)
    with pytest.raises(CodeListError, match=message) as info:
        load_codes([site], known=CONCEPTS)
    assert str(site) in info.value.render()


def test_every_bundled_code_has_a_source_and_a_known_concept() -> None:
    for row in CODES.rows:
        assert row.source and row.concept in CONCEPTS, row


def test_a_medication_named_by_reference_contained_or_in_the_bundle() -> None:
    contained = medication("c", "X", "completed", "2020-01-01", end="2025-01-01")
    del contained["medicationCodeableConcept"]
    contained["medicationReference"] = {"reference": "#m1"}
    contained["contained"] = [
        {
            "resourceType": "Medication",
            "id": "m1",
            "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "L04AG03"}]},
        }
    ]
    item = one(contained)
    assert item.profile["natalizumab_ever"] is True
    shared = medication("s", "X", "completed", "2020-01-01", kind="MedicationAdministration")
    del shared["medicationCodeableConcept"]
    shared["medicationReference"] = {"reference": "Medication/pembro"}
    drug = {
        "resourceType": "Medication",
        "id": "pembro",
        "code": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1547545"}]
        },
    }
    item = one(shared, drug)
    assert item.profile["prior_checkpoint_inhibitor"] is True
    missing = medication("s", "X", "completed", "2020-01-01")
    del missing["medicationCodeableConcept"]
    missing["medicationReference"] = {"reference": "Medication/nowhere"}
    item = one(missing)
    assert "prior_checkpoint_inhibitor" not in item.profile
    assert any("not found in the input" in w for w in item.warnings)


def test_the_last_natalizumab_infusion_from_administrations() -> None:
    item = one(
        medication("a1", "L04AG03", "completed", "2026-07-01", kind="MedicationAdministration"),
        medication("a2", "L04AG03", "completed", "2026-08-01", kind="MedicationAdministration"),
        medication("a3", "L04AG03", "completed", "2026-12-20", kind="MedicationAdministration"),
    )
    assert item.profile["last_natalizumab_dose_date"] == "2026-08-01"  # a3 is after screening


def test_a_log_scale_csf_load_is_converted() -> None:
    item = one(quantity("l", "100686-5", 3.5, "{log_copies}/mL", "2026-11-20"))
    assert item.profile["csf_jcv_copies_per_ml"] == pytest.approx(3162.278, abs=1e-3)


def test_a_csf_result_written_as_text_is_read_only_when_unambiguous() -> None:
    obs = coded("j", "33295-7", "000", "2026-11-20")
    del obs["valueCodeableConcept"]
    obs["valueString"] = "Not detected"
    assert one(obs).profile["csf_jcv_pcr"] == "not_detected"
    obs["valueString"] = "weakly positive"
    assert "csf_jcv_pcr" not in one(obs).profile


def test_breastfeeding_answers_come_from_a_site_code_list(tmp_path: Path) -> None:
    site = tmp_path / "site.csv"
    site.write_text(
        "concept,system,code,meaning,source\nanswer_not_breastfeeding,http://local.example,NOBF,not breastfeeding,site form 2026\n"
    )
    codes = load_codes([site], known=CONCEPTS)
    bf = coded("b", "63895-7", "NOBF", "2026-11-25")
    bf["valueCodeableConcept"]["coding"][0]["system"] = "http://local.example"
    data = json.dumps(
        bundle(patient(), coded("p", "82810-3", "60001007", "2026-11-25"), bf)
    ).encode()
    (item,) = import_document(data, "b.json", codes, Options(AS_OF))
    assert isinstance(item, Imported)
    assert item.profile["pregnant_or_breastfeeding"] is False  # both explicitly false


def test_a_result_without_a_full_date_is_ignored() -> None:
    item = one(quantity("d", "24467-3", 300, "/uL", "2026-11"))
    assert "cd4_cells_per_ul" not in item.profile
    assert any("no full effective date" in w for w in item.warnings)


def test_a_birth_date_in_the_future_gives_no_age() -> None:
    items = [i for i in run(bundle(patient(birth="2030-01-01"))) if isinstance(i, Imported)]
    assert "age_years" not in items[0].profile


def test_a_nan_or_huge_value_never_reaches_the_profile() -> None:
    huge = quantity("h", "24467-3", 1e300, "10*9/L", "2026-11-20")
    assert "cd4_cells_per_ul" not in one(huge).profile
    text = json.dumps(bundle(patient(), quantity("n", "29463-7", 1, "kg", "2026-11-20"))).replace(
        '"value": 1,', '"value": NaN,'
    )
    (item,) = import_document(text.encode(), "b.json", CODES, Options(AS_OF))
    assert isinstance(item, Imported) and "weight_kg" not in item.profile


def test_a_course_ending_after_the_screening_date_was_going_on_then() -> None:
    item = one(medication("n", "L04AG03", "completed", "2025-01-01", end="2027-01-01"))
    assert "last_natalizumab_dose_date" not in item.profile
    assert item.profile["current_immunosuppressive_therapy"] is True


def test_every_field_the_mapping_names_is_a_profile_field() -> None:
    from pml_trials.importers.fhir.mapping import OBSERVATIONS, OTHER_SOURCES
    from pml_trials.profile.fields import BY_KEY

    parts = {"pregnant", "breastfeeding", "hiv_test"}
    assert {r.field for r in OBSERVATIONS} - parts <= set(BY_KEY)
    assert {key for key, _ in OTHER_SOURCES} <= set(BY_KEY)


def test_antiretroviral_therapy_only_from_a_site_code_list(tmp_path: Path) -> None:
    art = medication("a", "J05AR03", "active", "2020-01-01")
    assert "on_antiretroviral_therapy" not in one(art).profile  # no code bundled
    site = tmp_path / "site.csv"
    site.write_text(
        "concept,system,code,meaning,source\nantiretroviral,atc,J05AR*,antiretroviral combinations,site pharmacy list 2026\n"
    )
    codes = load_codes([site], known=CONCEPTS)
    (item,) = import_document(
        json.dumps(bundle(patient(), art)).encode(), "b.json", codes, Options(AS_OF)
    )
    assert isinstance(item, Imported) and item.profile["on_antiretroviral_therapy"] is True


def test_current_cidofovir_only_from_an_active_record() -> None:
    active = one(medication("c", "J05AB12", "active", "2026-11-01"))
    assert active.profile["current_cidofovir"] is True
    assert active.profile["prior_cidofovir_or_brincidofovir"] is True
    done = one(medication("c", "J05AB12", "completed", "2026-01-01", end="2026-02-01"))
    assert "current_cidofovir" not in done.profile  # finished: not false either
