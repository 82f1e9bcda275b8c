"""The FHIR import on real public example resources, on NDJSON, and on bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pml_trials.engine.run import InputProblem
from pml_trials.importers.codes import load_codes
from pml_trials.importers.fhir.build import Options
from pml_trials.importers.fhir.mapping import CONCEPTS
from pml_trials.importers.fhir.run import import_fhir
from pml_trials.importers.provenance import Imported
from tests.fhir_factory import bundle, patient, quantity

DATA = Path(__file__).parent / "data" / "fhir"
CODES = load_codes(known=CONCEPTS)


def imported(paths: list[Path], as_of: date) -> tuple[list[Imported], list[str]]:
    items = list(import_fhir([str(p) for p in paths], CODES, Options(as_of)))
    return [i for i in items if isinstance(i, Imported)], [
        i.line() for i in items if isinstance(i, InputProblem)
    ]


def test_synthea_patient_age_and_birth_sex_and_nothing_else() -> None:
    (item,), problems = imported(
        [DATA / "synthea" / "sample_complete_patient-excerpt.json"], date(2026, 12, 1)
    )
    assert problems == []
    assert item.profile["age_years"] == 76  # born 1950-10-24
    assert item.profile["sex"] == "male"  # us-core-birthsex M
    assert (item.profile["residence_country"], item.profile["residence_town"]) == (
        "US",
        "Randolph, MA",
    )
    assert set(item.profile) == {
        "patient_id",
        "screening_date",
        "age_years",
        "sex",
        "residence_country",
        "residence_town",
    }  # prediabetes, anaemia: not read; the street, postcode and coordinates never
    text = json.dumps([item.profile, item.provenance()])
    for secret in (
        "999-34-2070",
        "S99966502",
        "X89909962X",
        "Gerlach374",
        "Lindsay928",
        "d5582579",
        "42.1673",
        "02368",
        "Raynor",
        "555-450-5873",
    ):
        assert secret not in text


def test_hl7_examples_as_single_resources_share_one_patient() -> None:
    files = [DATA / "hl7" / "patient-example.json", DATA / "hl7" / "observation-example.json"]
    (item,), problems = imported(files, date(2016, 4, 1))
    assert problems == []
    assert item.profile["weight_kg"] == pytest.approx(83.915, abs=1e-3)  # 185 [lb_av]
    assert item.profile["age_years"] == 41  # born 1974-12-25
    assert "sex" not in item.profile  # Patient.gender only: administrative gender
    assert any("administrative gender" in w for w in item.warnings)
    (ev,) = [e for e in item.evidence if e.field == "weight_kg"]
    assert (ev.resource, ev.date, ev.original) == ("Observation/example", "2016-03-28", "185 lbs")
    text = json.dumps([item.profile, item.provenance()])
    assert "Chalmers" not in text and "12345" not in text


def test_hl7_weight_after_its_window_is_not_used() -> None:
    files = [DATA / "hl7" / "patient-example.json", DATA / "hl7" / "observation-example.json"]
    (item,), _ = imported(files, date(2026, 12, 1))
    assert "weight_kg" not in item.profile


def test_hl7_folder_reports_records_whose_patient_is_missing() -> None:
    items, problems = imported([DATA / "hl7"], date(2016, 4, 1))
    assert len(items) == 1
    # The CBC bundle (its own scope) and the medication statement refer to patients
    # (pat2, pat1) that are not there: one line each, without the ids.
    assert len(problems) == 2 and all("not a Patient in the input" in p for p in problems)
    assert not any("pat1" in p or "pat2" in p for p in problems)


def test_bulk_ndjson_across_files(tmp_path: Path) -> None:
    (tmp_path / "Patient.ndjson").write_text(json.dumps(patient()) + "\n")
    obs = [quantity(f"o{i}", "24467-3", 100 + i, "/uL", f"2026-11-{i + 1:02d}") for i in range(20)]
    obs[3]["subject"] = {"reference": "Patient/0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01"}
    (tmp_path / "Observation.ndjson").write_text("".join(json.dumps(o) + "\n" for o in obs))
    for o in obs:
        o["subject"] = {"reference": "Patient/0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01"}
    (tmp_path / "Observation.ndjson").write_text("\n".join(json.dumps(o) for o in obs) + "\n\n")
    (item,), problems = imported(
        [tmp_path / "Observation.ndjson", tmp_path / "Patient.ndjson"], date(2026, 12, 1)
    )
    assert problems == []
    assert item.profile["cd4_cells_per_ul"] == 119


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a FHIR JSON resource: invalid JSON"),
        ('{"patient_id": "p1"}', "no resourceType: not a FHIR resource (a patient profile?"),
        ('{"resourceType": "Pateint", "id": "x"}', "unknown resource type 'Pateint'"),
        ('{"resourceType": "Bundle", "type": "history", "entry": []}', "'history' is not read"),
        (
            '{"resourceType": "Bundle", "type": "collection", "entry": []}',
            "no Patient in this Bundle",
        ),
        ("[1, 2]", "expected a FHIR resource"),
    ],
)
def test_bad_input_is_one_line_and_the_rest_is_imported(
    tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "a-bad.json"
    bad.write_text(content)
    good = tmp_path / "b-good.json"
    good.write_text(json.dumps(bundle(patient())))
    items, problems = imported([bad, good], date(2026, 12, 1))
    assert len(items) == 1
    assert len(problems) == 1 and message in problems[0] and problems[0].startswith(str(bad))


def test_bad_ndjson_lines_are_reported_by_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(patient()),
        "{oops",
        json.dumps({"resourceType": "Foo"}),
        json.dumps(quantity("a", "24467-3", 300, "/uL", "2026-11-20")).replace(
            "urn:uuid:0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01",
            "Patient/0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01",
        ),
    ]
    path = tmp_path / "x.ndjson"
    path.write_text("\n".join(lines) + "\n")
    (item,), problems = imported([path], date(2026, 12, 1))
    assert [p.split(": ")[0] for p in problems] == [f"{path}:2", f"{path}:3"]
    assert item.profile["cd4_cells_per_ul"] == 300


def test_a_bundle_entry_of_an_unknown_type_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    data = bundle(patient(), quantity("a", "24467-3", 300, "/uL", "2026-11-20"))
    data["entry"].append({"resource": {"resourceType": "Nonsense"}})
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    (item,), problems = imported([path], date(2026, 12, 1))
    assert problems == [
        f"{path}: entry[2]: unknown resource type 'Nonsense' (not FHIR R4/R4B); skipped"
    ]
    assert item.profile["cd4_cells_per_ul"] == 300


def test_a_searchset_and_a_bundle_without_type(tmp_path: Path) -> None:
    data = bundle(patient(), quantity("a", "24467-3", 300, "/uL", "2026-11-20"), kind="searchset")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    (item,), problems = imported([path], date(2026, 12, 1))
    assert item.profile["cd4_cells_per_ul"] == 300 and problems == []
    del data["type"]
    path.write_text(json.dumps(data))
    (item,), problems = imported([path], date(2026, 12, 1))
    assert item.profile["cd4_cells_per_ul"] == 300
    assert problems == [f"{path}: Bundle.type: missing (required by FHIR); read as a collection"]


def test_hl7_blood_count_report_dates_its_results_and_needs_its_patient(tmp_path: Path) -> None:
    report = (
        DATA / "hl7" / "diagnosticreport-example.json"
    )  # a CBC: results dated only by the report
    items, problems = imported([report], date(2011, 3, 10))
    assert items == [] and len(problems) == 1 and "not a Patient in the input" in problems[0]
    data = json.loads(report.read_text())
    person = json.loads((DATA / "hl7" / "patient-example.json").read_text())
    person["id"] = "pat2"  # the report's subject; the example bundle does not hold it
    data["entry"].append({"fullUrl": "Patient/pat2", "resource": person})
    path = tmp_path / "cbc.json"
    path.write_text(json.dumps(data))
    (item,), problems = imported([path], date(2011, 3, 10))
    assert problems == []
    assert item.profile["platelets_per_ul"] == 444_000  # 444 10*9/L
    assert item.profile["neutrophils_per_ul"] == 900
    assert item.profile["lymphocytes_per_ul"] == 900
    (ev,) = [e for e in item.evidence if e.field == "platelets_per_ul"]
    assert ev.date == "2011-03-04" and "dated by DiagnosticReport/101" in ev.rule
    (later,), _ = imported([path], date(2011, 5, 10))  # 30-day windows: too old by then
    assert "platelets_per_ul" not in later.profile


def test_patients_without_an_id_get_distinct_pseudonyms(tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        person = patient()
        del person["id"]
        (tmp_path / name).write_text(
            json.dumps(
                {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": person}]}
            )
        )
    items, problems = imported([tmp_path / "a.json", tmp_path / "b.json"], date(2026, 12, 1))
    assert problems == [] and len({i.profile["patient_id"] for i in items}) == 2
