"""`pml-trials import fhir`, and FHIR bundles given to screen, explain and ask --from."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from typer.testing import CliRunner

from pml_trials.cli.app import app

EXAMPLE = Path(__file__).parent.parent / "examples" / "fhir" / "pml-patient-bundle.json"
runner = CliRunner()


def test_import_writes_profiles_and_provenance_privately(tmp_path: Path) -> None:
    out = tmp_path / "profiles.jsonl"
    result = runner.invoke(
        app, ["import", "fhir", str(EXAMPLE), "--as-of", "2026-12-01", "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    (profile,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert profile["cd4_cells_per_ul"] == 420 and profile["screening_date"] == "2026-12-01"
    side = tmp_path / "profiles.provenance.jsonl"
    (record,) = [json.loads(line) for line in side.read_text().splitlines()]
    assert record["patient_id"] == profile["patient_id"]
    assert record["values"]["cd4_cells_per_ul"]["resource"] == "Observation/cd4-7"
    assert record["values"]["cd4_cells_per_ul"]["original"] == "0.42 10*3/uL"
    assert "mri_compatible_with_pml" in record["unfilled"]
    for path in (out, side):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "censored result '<20 {copies}/mL'" in result.stderr
    assert "1 patient(s), 18 value(s) imported" in result.stderr


def test_the_imported_profile_screens(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    runner.invoke(app, ["import", "fhir", str(EXAMPLE), "--as-of", "2026-12-01", "-o", str(out)])
    result = runner.invoke(app, ["screen", str(out), "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    direct = runner.invoke(app, ["screen", str(EXAMPLE), "-f", "jsonl", "--as-of", "2026-12-01"])
    assert direct.exit_code == 0, direct.stderr
    verdicts = [
        [t["verdict"] for t in json.loads(line)["trials"]]
        for line in (result.stdout, direct.stdout)
    ]
    assert verdicts[0] == verdicts[1]


def test_patient_id_option_and_its_checks(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "fhir", str(EXAMPLE), "--patient-id", "pml-017"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["patient_id"] == "pml-017"
    bad = runner.invoke(app, ["import", "fhir", str(EXAMPLE), "--patient-id", "Jane Doe"])
    assert bad.exit_code == 2 and "--patient-id" in bad.stderr


def test_bad_inputs_exit_3_and_the_rest_is_imported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [')
    result = runner.invoke(app, ["import", "fhir", str(broken), str(EXAMPLE)])
    assert result.exit_code == 3
    assert len(result.stdout.splitlines()) == 1
    assert f"{broken}: not a FHIR JSON resource: invalid JSON" in result.stderr


def test_explain_a_bundle_shows_the_provenance_and_the_questions_left(tmp_path: Path) -> None:
    out = tmp_path / "explain.txt"
    result = runner.invoke(app, ["explain", str(EXAMPLE), "--as-of", "2026-12-01", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "cd4_cells_per_ul = 420 cells/µL: 0.42 10*3/uL, Observation cd4-7, 2026-11-18" in text
    assert "Questions left to `pml-trials ask` that could decide a verdict" in text
    assert "mri_compatible_with_pml: " in text
    assert "Pre-screening only" in text


def test_explain_finds_the_sidecar_of_an_imported_profile(tmp_path: Path) -> None:
    runner.invoke(
        app,
        ["import", "fhir", str(EXAMPLE), "--as-of", "2026-12-01", "-o", str(tmp_path / "p.jsonl")],
    )
    line = (tmp_path / "p.jsonl").read_text()
    (tmp_path / "p.json").write_text(line)
    out = tmp_path / "e.md"
    result = runner.invoke(
        app, ["explain", str(tmp_path / "p.json"), "-f", "markdown", "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    assert "## Provenance of imported values" in out.read_text()
    assert "Observation cd4-7" in out.read_text()


def test_explain_refuses_a_bundle_of_two_patients(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text())
    second = json.loads(json.dumps(data["entry"][0]))
    second["fullUrl"] = "urn:uuid:other"
    second["resource"]["id"] = "other"
    data["entry"].append(second)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["explain", str(path)])
    assert result.exit_code == 3 and "holds 2 patients: explain takes one" in result.stderr


def test_ask_from_a_bundle_shows_what_was_imported(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ask", "--from", str(EXAMPLE), "--as-of", "2026-12-01", "--trial", "cmx001"], input=""
    )
    assert "Imported values" in result.stdout
    assert "Observation cd4-7" in result.stdout


def test_import_codes_lists_the_bundled_and_site_codes(tmp_path: Path) -> None:
    site = tmp_path / "site.csv"
    site.write_text(
        "concept,system,code,meaning,source\ncd4,http://lab.example,CD4X,CD4,lab catalogue\n"
    )
    result = runner.invoke(app, ["import", "codes", "--codes", str(site)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "concept,system,code,meaning,source,origin"
    assert any(line.startswith("cd4,http://loinc.org,24467-3,") for line in lines)
    assert lines[-1].endswith(f"{site}:2")


def test_an_import_never_overwrites_its_input(tmp_path: Path) -> None:
    data = tmp_path / "export.ndjson"
    data.write_text(EXAMPLE.read_text().replace("\n", " ") + "\n")
    before = data.read_bytes()
    result = runner.invoke(app, ["import", "fhir", str(data), "-o", str(data)])
    assert result.exit_code == 2 and "would overwrite it" in result.stderr
    side = tmp_path / "export.jsonl"
    result = runner.invoke(
        app, ["import", "fhir", str(data), "-o", str(side), "--provenance", str(data)]
    )
    assert result.exit_code == 2
    assert data.read_bytes() == before
    result = runner.invoke(app, ["import", "fhir", str(data), "-o", str(side)])
    assert result.exit_code == 0, result.stderr  # a bundle on one NDJSON line is read too


def test_screen_reads_a_bulk_export_folder_as_one_import(tmp_path: Path) -> None:
    from tests.fhir_factory import patient, quantity

    (tmp_path / "Patient.ndjson").write_text(json.dumps(patient()) + "\n")
    obs = quantity("o", "24467-3", 150, "/uL", "2026-11-20")
    obs["subject"] = {"reference": "Patient/0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01"}
    (tmp_path / "Observation.ndjson").write_text(json.dumps(obs) + "\n")
    result = runner.invoke(app, ["screen", str(tmp_path), "-f", "jsonl", "--as-of", "2026-12-01"])
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["source"].startswith(str(tmp_path / "Observation.ndjson"))


def test_the_html_report_of_a_bundle_shows_the_provenance_escaped(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text())
    for entry in data["entry"]:
        if entry["resource"]["id"] == "cd4-7":
            entry["resource"]["id"] = "cd4<b>7"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "r.html"
    result = runner.invoke(
        app, ["explain", str(path), "-f", "html", "-o", str(out), "--as-of", "2026-12-01"]
    )
    assert result.exit_code == 0, result.stderr
    page = out.read_text()
    assert "Provenance of imported values" in page and "Observation cd4&lt;b&gt;7" in page
    assert page.index("Provenance of imported values") < page.index("<footer>")


def test_import_reads_standard_input_as_a_bundle_or_ndjson() -> None:
    result = runner.invoke(
        app, ["import", "fhir", "-", "--as-of", "2026-12-01"], input=EXAMPLE.read_text()
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["cd4_cells_per_ul"] == 420
    lines = "\n".join(json.dumps(e["resource"]) for e in json.loads(EXAMPLE.read_text())["entry"])
    lines = lines.replace(
        "urn:uuid:0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01",
        "Patient/0c3f6b9e-7d51-4a0e-9a8e-5b1f2f6c1a01",
    )
    result = runner.invoke(
        app, ["import", "fhir", "-", "--as-of", "2026-12-01"], input=lines + "\n"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["cd4_cells_per_ul"] == 420


def test_a_second_import_into_the_exported_folder_skips_its_own_output(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "bundle.json").write_text(EXAMPLE.read_text())
    args = ["import", "fhir", str(folder), "-o", str(folder / "profiles.jsonl")]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.stderr


def test_ask_from_an_imported_profile_shows_its_provenance(tmp_path: Path) -> None:
    runner.invoke(
        app,
        ["import", "fhir", str(EXAMPLE), "--as-of", "2026-12-01", "-o", str(tmp_path / "p.jsonl")],
    )
    (tmp_path / "p.json").write_text((tmp_path / "p.jsonl").read_text())
    result = runner.invoke(
        app, ["ask", "--from", str(tmp_path / "p.json"), "--trial", "cmx001"], input=""
    )
    assert "Imported values" in result.stdout and "Observation cd4-7" in result.stdout


def test_quiet_keeps_warnings_in_the_provenance_only(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    result = runner.invoke(
        app, ["import", "fhir", str(EXAMPLE), "-q", "--as-of", "2026-12-01", "-o", str(out)]
    )
    assert result.exit_code == 0
    assert "warning:" not in result.stderr and "7 warning(s)" in result.stderr
    record = json.loads((tmp_path / "p.provenance.jsonl").read_text())
    assert any("censored" in w for w in record["warnings"])


def test_screen_reads_a_bundle_piped_on_standard_input() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pml_trials", "screen", "-", "-f", "csv", "--as-of", "2026-12-01"],
        input=EXAMPLE.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = result.stdout.decode().splitlines()[1:]
    assert len(rows) == 3 and all(row.split(",")[1] == "-:1" for row in rows)


def test_a_pipe_given_as_a_path_is_not_read_ahead(tmp_path: Path) -> None:
    import subprocess
    import sys

    profile = '{"patient_id": "p1", "age_years": 50}\n'
    command = f"{sys.executable} -m pml_trials screen <(printf '%s') -f jsonl"
    result = subprocess.run(
        ["bash", "-c", command % profile.strip()], capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["patient_id"] == "p1"


def test_screen_uses_a_site_code_list_for_fhir_inputs(tmp_path: Path) -> None:
    from datetime import date

    from pml_trials.batch.inputs import Input, find_inputs
    from pml_trials.importers.inputs import Prepare, prepared

    data = json.loads(EXAMPLE.read_text())
    for entry in data["entry"]:
        if entry["resource"]["id"] == "cd4-7":
            entry["resource"]["code"]["coding"] = [{"system": "http://lab.example", "code": "CD4X"}]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    site = tmp_path / "site.csv"
    site.write_text(
        "concept,system,code,meaning,source\ncd4,http://lab.example,CD4X,CD4,lab catalogue\n"
    )

    def cd4(codes: tuple[Path, ...]) -> object:
        options = Prepare(date(2026, 12, 1), codes=codes)
        with prepared(find_inputs([str(path)]), options, lambda _: None) as found:
            (item,) = found
            assert isinstance(item, Input) and item.label == str(path)
            return json.loads(Path(item.path).read_text())["cd4_cells_per_ul"]

    assert cd4(()) == 35  # the local code unknown: the older LOINC-coded result wins
    assert cd4((site,)) == 420
    result = runner.invoke(app, ["screen", str(path), "--codes", str(site), "-f", "csv"])
    assert result.exit_code == 0, result.stderr


def test_a_device_named_as_an_export_is_refused_unread() -> None:
    result = runner.invoke(app, ["import", "fhir", "/dev/zero", str(EXAMPLE)])
    assert result.exit_code == 3
    assert "/dev/zero: a device, not a file: not read" in result.stderr
    assert len(result.stdout.splitlines()) == 1  # the bundle after it is still imported


def test_warnings_from_data_cannot_drive_the_terminal(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text())
    for entry in data["entry"]:
        if entry["resource"]["id"] == "cd4-err":
            entry["resource"]["id"] = "x\x1b[8mhidden"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["import", "fhir", str(path), "--as-of", "2026-12-01"])
    assert "\x1b" not in result.stderr and "x\\x1b[8mhidden" in result.stderr
