"""Spreadsheets, REDCap and --lenient: through `screen` and `import table`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.importers.redcap.dictionary import HEADER, data_dictionary
from pml_trials.profile.fields import FIELDS

MAPPING = """
ignore = ["Name"]
[columns]
"Study ID" = "patient_id"
"Age" = "age_years"
"Sex" = "sex"
"CSF JCV PCR" = "csf_jcv_pcr"
"CD4" = "cd4_cells_per_ul"
"HIV" = "hiv_positive"
[values.sex]
F = "female"
M = "male"
[values.csf_jcv_pcr]
"Detected" = "detected"
"Not detected" = "not_detected"
[units]
cd4_cells_per_ul = "10*3/uL"
"""
SHEET = [
    ["Study ID", "Name", "Age", "Sex", "CSF JCV PCR", "CD4", "HIV"],
    ["p-001", "Jane Secret", "58", "F", "Detected", "0.42", "true"],
    ["p-002", "John Secret", "44", "M", "Not detected", "", "false"],
]
runner = CliRunner()


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def imported(tmp_path: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["import", "table", *args, "-o", str(out)])
    lines = out.read_text().splitlines() if out.exists() else []
    return result.exit_code, [json.loads(line) for line in lines], result.stderr


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(MAPPING)
    return path


def test_a_csv_registry_with_a_mapping_file(tmp_path: Path, mapping: Path) -> None:
    sheet = write_csv(tmp_path / "reg.csv", SHEET)
    code, profiles, err = imported(tmp_path, str(sheet), "--mapping", str(mapping))
    assert code == 0, err
    assert profiles[0] == {
        "patient_id": "p-001",
        "age_years": 58,
        "sex": "female",
        "csf_jcv_pcr": "detected",
        "hiv_positive": True,
        "cd4_cells_per_ul": 420.0,
    }
    assert "cd4_cells_per_ul" not in profiles[1]  # an empty cell is unknown
    assert "Secret" not in (tmp_path / "out.jsonl").read_text()  # ignored columns are not copied
    record = json.loads((tmp_path / "out.provenance.jsonl").read_text().splitlines()[0])
    assert record["values"]["cd4_cells_per_ul"]["original"] == "CD4=0.42"


def test_tsv_reads_the_same(tmp_path: Path, mapping: Path) -> None:
    sheet = write_csv(tmp_path / "reg.tsv", SHEET, "\t")
    code, profiles, _ = imported(tmp_path, str(sheet), "--mapping", str(mapping))
    assert code == 0 and len(profiles) == 2


def test_xlsx_reads_typed_cells(tmp_path: Path, mapping: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(SHEET[0])
    sheet.append(["p-001", "Jane", 58, "F", "Detected", 0.42, True])
    path = tmp_path / "reg.xlsx"
    book.save(path)
    code, profiles, err = imported(tmp_path, str(path), "--mapping", str(mapping))
    assert code == 0, err
    assert profiles[0]["age_years"] == 58 and profiles[0]["hiv_positive"] is True


def test_a_wrong_column_is_one_line_and_the_other_files_are_read(
    tmp_path: Path, mapping: Path
) -> None:
    bad = write_csv(
        tmp_path / "a.csv",
        [
            ["Study ID", "Name", "Age", "Sex", "CSF JCV", "CD4", "HIV", "Weight"],
            ["p-9", "x", "1", "F", "", "", ""],
        ],
    )
    good = write_csv(tmp_path / "b.csv", SHEET)
    code, profiles, err = imported(tmp_path, str(bad), str(good), "--mapping", str(mapping))
    assert code == 3
    assert [p["patient_id"] for p in profiles] == ["p-001", "p-002"]
    lines = [line for line in err.splitlines() if line.startswith(str(bad))]
    assert lines == [
        f"{bad}: column 'CSF JCV' is not in the mapping {mapping}: map it under [columns] or list it in ignore",
        f"{bad}: column 'Weight' is not in the mapping {mapping}: map it under [columns] or list it in ignore",
        f"{bad}: column 'CSF JCV PCR' of the mapping is not in the file (columns: Study ID, Name, Age, Sex, CSF JCV, CD4, HIV, Weight)",
    ]


def test_strict_cells_say_how_to_fix_them_and_lenient_reports_each_change(
    tmp_path: Path, mapping: Path
) -> None:
    rows = [SHEET[0], ["p-001", "x", "58 years", "F", "detected", "", "Yes"]]
    sheet = write_csv(tmp_path / "reg.csv", rows)
    code, profiles, err = imported(tmp_path, str(sheet), "--mapping", str(mapping))
    assert code == 3 and profiles == []
    assert (
        f"{sheet}:2: age_years: '58 years' is not a number (a unit or text after the number: pass --lenient"
        in err
    )
    assert (
        f"{sheet}:2: hiv_positive: 'Yes' is not true/false (also 1/0); map it under [values.hiv_positive] or pass --lenient"
        in err
    )
    code, profiles, err = imported(tmp_path, str(sheet), "--mapping", str(mapping), "--lenient")
    assert code == 0, err
    assert profiles[0]["age_years"] == 58 and profiles[0]["hiv_positive"] is True
    assert profiles[0]["csf_jcv_pcr"] == "detected"
    assert f"{sheet}:2: warning: age_years: '58 years' read as 58.0 (--lenient)" in err
    assert f"{sheet}:2: warning: hiv_positive: 'Yes' read as True (--lenient)" in err


def test_an_out_of_range_cell_is_refused_by_the_profile_contract(
    tmp_path: Path, mapping: Path
) -> None:
    sheet = write_csv(tmp_path / "reg.csv", [SHEET[0], ["p-001", "x", "158", "F", "", "", ""]])
    code, _, err = imported(tmp_path, str(sheet), "--mapping", str(mapping))
    assert code == 3 and f"{sheet}:2: age_years: 158 is above the maximum 120" in err


def test_screen_reads_a_csv_with_a_mapping_and_names_its_rows(
    tmp_path: Path, mapping: Path
) -> None:
    sheet = write_csv(tmp_path / "reg.csv", SHEET)
    result = runner.invoke(
        app,
        ["screen", str(sheet), "--mapping", str(mapping), "-f", "jsonl", "--as-of", "2026-12-01"],
    )
    assert result.exit_code == 0, result.stderr
    sources = [json.loads(line)["source"] for line in result.stdout.splitlines()]
    assert sources == [f"{sheet}:2", f"{sheet}:3"]


def test_a_json_array_is_refused_with_the_fix_and_read_with_lenient(tmp_path: Path) -> None:
    path = tmp_path / "arr.json"
    path.write_text(
        json.dumps(
            [
                {
                    "patient_id": "a1",
                    "Age_Years": "58",
                    "hiv_positive": "true",
                    "csf_jcv_pcr": "Detected",
                },
                {"patient_id": "a2"},
            ]
        )
    )
    strict = runner.invoke(app, ["screen", str(path), "-f", "jsonl"])
    assert strict.exit_code == 3
    assert "use JSON Lines (one profile a line) or pass --lenient" in strict.stderr
    loose = runner.invoke(app, ["screen", str(path), "-f", "jsonl", "--lenient"])
    assert loose.exit_code == 0, loose.stderr
    assert [json.loads(line)["patient_id"] for line in loose.stdout.splitlines()] == ["a1", "a2"]
    for change in (
        "key 'Age_Years' read as 'age_years'",
        "age_years: '58' read as 58",
        "hiv_positive: 'true' read as True",
        "csf_jcv_pcr: 'Detected' read as 'detected'",
    ):
        assert f"{path}:1: {change}" in loose.stderr


def test_the_redcap_dictionary_has_one_row_per_field() -> None:
    rows = list(csv.reader(io.StringIO(data_dictionary())))
    assert tuple(rows[0]) == HEADER
    assert [r[0] for r in rows[1:]] == [f.key for f in FIELDS]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["hiv_positive"][3] == "yesno"
    assert by_name["predisposing_conditions"][3] == "checkbox"
    assert by_name["cd4_cells_per_ul"][7:10] == ["number", "0", "5000"]
    assert by_name["pml_diagnosis_date"][7] == "date_ymd"
    assert by_name["patient_id"][12] == "y"
    assert by_name["sex"][3] == "radio" and by_name["residence_country"][3] == "dropdown"


def test_a_redcap_export_of_the_instrument_screens_without_a_mapping(tmp_path: Path) -> None:
    choices = next(f for f in FIELDS if f.key == "predisposing_conditions").choices
    header = ["patient_id", "redcap_event_name", "age_years", "hiv_positive", "csf_jcv_pcr"]
    header += [f"predisposing_conditions___{c}" for c in choices] + ["pml_prescreen_complete"]
    ticked = ["1" if c == "hiv" else "0" for c in choices]
    unticked = ["0"] * len(choices)
    rows = [
        header,
        ["r1", "baseline", "58", "1", "detected", *ticked, "2"],
        ["r2", "baseline", "", "0", "", *unticked, "0"],
    ]
    export = write_csv(tmp_path / "export.csv", rows)
    code, profiles, err = imported(tmp_path, str(export))
    assert code == 0, err
    assert profiles[0] == {
        "patient_id": "r1",
        "age_years": 58,
        "hiv_positive": True,
        "csf_jcv_pcr": "detected",
        "predisposing_conditions": ["hiv"],
    }
    assert profiles[1] == {"patient_id": "r2", "hiv_positive": False}  # nothing ticked: unknown
    result = runner.invoke(app, ["screen", str(export), "-f", "csv"])
    assert result.exit_code == 0, result.stderr


def test_a_redcap_export_missing_checkbox_options_is_refused(tmp_path: Path) -> None:
    export = write_csv(
        tmp_path / "e.csv", [["patient_id", "predisposing_conditions___hiv"], ["r1", "1"]]
    )
    code, profiles, err = imported(tmp_path, str(export))
    assert code == 3 and profiles == []
    assert "export every option (a partial list would read as complete)" in err


def test_a_column_that_is_not_a_profile_field_suggests_one(tmp_path: Path) -> None:
    export = write_csv(tmp_path / "e.csv", [["patient_id", "age_year"], ["r1", "1"]])
    _, _, err = imported(tmp_path, str(export))
    assert (
        f"{export}: column 'age_year' is not a profile field (did you mean 'age_years'?): give a mapping file with --mapping"
        in err
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('columns = {"A" = "age"}', "'age' is not a profile field"),
        ("bogus = 1", "unknown key 'bogus'"),
        ('[units]\ncd4_cells_per_ul = "%"', "'%' is not a unit it converts from"),
        ("[columns", "not valid TOML"),
    ],
)
def test_a_broken_mapping_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    sheet = write_csv(tmp_path / "reg.csv", SHEET)
    result = runner.invoke(app, ["import", "table", str(sheet), "--mapping", str(path)])
    assert result.exit_code == 3 and message in result.stderr and str(path) in result.stderr


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("420 /µL", 420),
        ("0.42 10*3/uL", 420),
        ("0.42 x10^9/L", 420),
        ("420 cells/µL", 420),
        ("0,5", 0.5),
    ],
)
def test_lenient_reads_the_units_a_field_converts(cell: str, expected: float) -> None:
    from pml_trials.importers.tabular.cells import convert
    from pml_trials.profile.fields import BY_KEY

    changes: list[str] = []
    assert convert(BY_KEY["cd4_cells_per_ul"], cell, True, changes, "x") == pytest.approx(expected)
    assert len(changes) == 1


@pytest.mark.parametrize("cell", ["1,200", "420 %", "420 /mL", "12 mg"])
def test_lenient_refuses_what_it_cannot_read_safely(cell: str) -> None:
    from pml_trials.importers.tabular.cells import CellError, convert
    from pml_trials.profile.fields import BY_KEY

    with pytest.raises(CellError):
        convert(BY_KEY["cd4_cells_per_ul"], cell, True, [], "x")


def test_a_sheet_that_is_not_utf8_or_not_a_workbook_is_one_clear_line(
    tmp_path: Path, mapping: Path
) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Study ID,Name\np-1,Müller\n".encode("latin-1"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    good = write_csv(tmp_path / "good.csv", SHEET)
    code, profiles, err = imported(
        tmp_path, str(latin), str(broken), str(good), "--mapping", str(mapping)
    )
    assert code == 3 and len(profiles) == 2
    assert f"{latin}: not UTF-8 text: save the sheet as CSV UTF-8" in err
    assert f"{broken}: not a readable XLSX workbook" in err
