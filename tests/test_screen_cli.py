"""Issue 5: ``pml-trials screen`` on the command line: exit codes, standard input,
``--output`` written atomically, broken criteria, options."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pml_trials import DISCLAIMER
from pml_trials.batch import screening
from pml_trials.cli.app import app
from pml_trials.cli.screen_run import screened_at

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples/patients/ex-01-hiv-art.json"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    monkeypatch.delenv("PML_TRIALS_CRITERIA", raising=False)


def screen(*args: str, stdin: bytes | None = None) -> Result:
    return runner.invoke(
        app, ["screen", *args, "--as-of", "2026-11-25"], input=stdin, catch_exceptions=False
    )


def test_exit_0_when_every_input_is_valid_whatever_the_verdicts() -> None:
    result = screen("examples/patients", "-f", "csv")
    assert result.exit_code == 0 and ",ineligible," in result.stdout and result.stderr == ""


def test_exit_3_when_any_input_is_invalid_and_the_others_are_still_screened() -> None:
    result = screen(EXAMPLE, "tests/data/bad/wrong-type.json", "-f", "csv")
    assert result.exit_code == 3
    assert result.stdout.count("ex-01-hiv-art,") == 3
    assert result.stderr.splitlines() == [
        "tests/data/bad/wrong-type.json: age_years: expected an integer 0–120 years, got the "
        'string "44" (values are never converted)',
        "pml-trials: 1 invalid input not screened; 1 patient screened",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--trial", "no-such-trial"],
        ["--format", "pdf"],
        ["--workers", "-1"],
    ],
)
def test_exit_2_for_usage_errors(args: list[str]) -> None:
    result = runner.invoke(app, ["screen", EXAMPLE, *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_no_path_is_a_usage_error() -> None:
    assert runner.invoke(app, ["screen"]).exit_code == 2


def test_a_broken_criteria_file_stops_the_run_before_any_screening(tmp_path: Path) -> None:
    criteria = tmp_path / "criteria"
    criteria.mkdir()
    (criteria / "broken.toml").write_text('format = 1\nid = "broken"\n', encoding="utf-8")
    report = tmp_path / "report.csv"
    result = screen(EXAMPLE, "--criteria", str(criteria), "-o", str(report))
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "nothing was screened" in result.stderr
    assert not report.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["criteria"]


def test_standard_input_holding_one_document() -> None:
    document = (ROOT / EXAMPLE).read_bytes()  # pretty-printed over many lines
    result = screen("-", "-f", "jsonl", stdin=document)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "-"


def test_standard_input_holding_json_lines() -> None:
    lines = b'{"patient_id": "a"}\n{"patient_id": "b", "age_years": -1}\n\n{"patient_id": "c"}\n'
    result = screen("-", "-f", "jsonl", stdin=lines)
    assert result.exit_code == 3
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == ["-:1", "-:4"]
    assert result.stderr.startswith("-:2: age_years: -1 is below the minimum 0")


def test_standard_input_whose_first_line_is_broken_keeps_the_good_lines() -> None:
    lines = b'{"patient_id": "a", \n{"patient_id": "b"}\n'
    result = screen("-", "-f", "csv", stdin=lines)
    assert result.exit_code == 3
    rows = result.stdout.splitlines()
    assert rows[1].startswith(",-:1,,not_screened,invalid JSON")  # the rejected line's row
    assert rows[2].startswith("b,-:2,")


def test_empty_standard_input_is_a_problem() -> None:
    result = screen("-", "-f", "csv", stdin=b"")
    assert result.exit_code == 3 and "-: empty: no profile was given" in result.stderr


def test_output_file_is_written_whole_with_mode_0600(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    result = screen("examples/patients", "-o", str(report))  # format from the suffix
    assert result.exit_code == 0 and result.stdout == ""
    assert report.read_text("utf-8") == screen("examples/patients", "-f", "jsonl").stdout
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["report.jsonl"]  # no temporary file left


def test_the_report_being_written_is_never_read_as_input(tmp_path: Path) -> None:
    shutil.copy(ROOT / EXAMPLE, tmp_path / "p.json")
    report = tmp_path / "report.json"
    assert screen(str(tmp_path), "-o", str(report)).exit_code == 0
    again = screen(str(tmp_path), "-o", str(report))  # report.json is now in the folder
    assert again.exit_code == 0, again.stderr
    assert len(json.loads(report.read_text("utf-8"))["results"]) == 1


def test_a_failed_run_leaves_no_report_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.csv"
    report.write_text("the previous report\n", encoding="utf-8")

    def fail(self: screening.Screener, unit: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(screening.Screener, "process", fail)
    with pytest.raises(RuntimeError):
        screen("examples/patients", "-o", str(report))
    assert report.read_text("utf-8") == "the previous report\n"  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_output_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = screen(EXAMPLE, "-o", str(tmp_path / "no" / "report.csv"))
    assert result.exit_code == 2 and "cannot write the report there" in result.stderr


def test_trial_option_restricts_and_orders_the_trials() -> None:
    result = screen(EXAMPLE, "-f", "csv", "--trial", "tcell-transfer", "--trial", "cmx001")
    trials = [line.split(",")[2] for line in result.stdout.splitlines()[1:]]
    assert trials == ["tcell-transfer", "cmx001"]


def test_no_progress_bar_or_colour_when_stderr_and_stdout_are_not_terminals() -> None:
    result = screen("examples/patients", "tests/data/bad/wrong-type.json")
    assert "\x1b[" not in result.stdout + result.stderr
    assert "screening" not in result.stderr


def test_screened_at_comes_from_the_environment_for_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T20:20:00+01:00")
    assert screened_at() == "2026-11-25T19:20:00Z"
    monkeypatch.setenv("PML_TRIALS_NOW", "yesterday")
    result = screen(EXAMPLE)
    assert result.exit_code == 2 and "PML_TRIALS_NOW" in result.stderr
    monkeypatch.delenv("PML_TRIALS_NOW")
    assert screened_at().endswith("Z") and len(screened_at()) == 20


def test_the_table_names_invalid_inputs_in_its_summary_line() -> None:
    result = screen(EXAMPLE, "tests/data/bad/empty.json")
    assert result.exit_code == 3
    assert "1 patient × 3 trials" in result.stdout
    assert "1 input was invalid and not screened" in result.stdout
    assert result.stdout.rstrip().endswith(DISCLAIMER)
