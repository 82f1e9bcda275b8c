"""Issue 7: ``pml-trials explain`` on the command line: inputs, formats, files, exits."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials import DISCLAIMER, __version__
from pml_trials.cli.app import app
from tests.test_report_support import (
    INELIGIBLE,
    NEEDS_INFORMATION,
    ROOT,
    check_html,
)

runner = CliRunner()
EXAMPLE = str(ROOT / "examples" / "patients" / f"{NEEDS_INFORMATION}.json")


def explain(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["explain", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_text_explains_every_trial_with_the_disclaimer() -> None:
    code, out, _ = explain(EXAMPLE)
    assert code == 0
    for heading in (
        "checkpoint-inhibitor: NEEDS INFORMATION · study status: unknown",
        "cmx001: NEEDS INFORMATION · study status: completed",
        "tcell-transfer: NEEDS",
    ):
        assert heading in out
    assert "To decide this trial" in out
    assert DISCLAIMER in out


def test_trial_option_limits_the_explanation() -> None:
    code, out, _ = explain(EXAMPLE, "--trial", "cmx001")
    assert code == 0
    assert "cmx001: NEEDS INFORMATION" in out
    assert "tcell-transfer" not in out and "checkpoint-inhibitor" not in out


def test_unknown_trial_is_a_usage_error() -> None:
    code, _, err = explain(EXAMPLE, "--trial", "no-such-study")
    assert code == 2
    assert "no study with id no-such-study" in err


def test_profile_from_standard_input() -> None:
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    code, out, _ = explain("-", "--trial", "cmx001", stdin=text)
    assert code == 0
    assert f"Patient {NEEDS_INFORMATION}" in out and "standard input" in out


def test_invalid_profile_gives_one_line_per_problem_and_exit_3() -> None:
    bad = json.dumps({"patient_id": "p-1", "age_years": -3, "cd4_count": 5, "sex": "f"})
    code, out, err = explain("-", stdin=bad)
    assert code == 3
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 3, lines
    assert all(line.startswith("error: -: ") for line in lines)
    assert any("age_years" in line for line in lines)
    assert any("cd4_count: unknown key" in line for line in lines)


def test_missing_profile_file_is_invalid_input(tmp_path: Path) -> None:
    code, _, err = explain(str(tmp_path / "absent.json"))
    assert code == 3
    assert "cannot read the file" in err


def test_as_of_counts_date_windows_when_the_profile_has_none(tmp_path: Path) -> None:
    raw = json.loads(Path(EXAMPLE).read_text(encoding="utf-8"))
    del raw["screening_date"]
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(raw), encoding="utf-8")
    code, out, _ = explain(str(profile), "--as-of", "2027-01-31", "-f", "markdown")
    assert code == 0
    assert "- Screening date: 2027-01-31" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_output_file_is_private_and_complete(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"report.{fmt}"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    code, out, _ = explain(EXAMPLE, "-f", fmt, "-o", str(target))
    assert code == 0
    assert out == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text(encoding="utf-8")
    assert NEEDS_INFORMATION in text and DISCLAIMER in text
    assert "\x1b" not in text  # no colour codes in a file
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary left
    if fmt == "text":
        assert all(line == line.rstrip() for line in text.splitlines())


def test_output_to_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = explain(EXAMPLE, "-o", str(tmp_path / "no" / "report.html"), "-f", "html")
    assert code == 2
    assert "cannot write" in err


def test_html_on_standard_output_is_one_document() -> None:
    example = str(ROOT / "examples" / "patients" / f"{INELIGIBLE}.json")
    code, out, _ = explain(example, "-f", "html")
    assert code == 0
    checker = check_html(out)
    assert checker.tags.count("section") >= 1
    assert f"pml-trials {__version__}" in out
    assert "ineligible" in "".join(checker.text)


def test_markdown_report_names_the_tool_version_and_studies() -> None:
    code, out, _ = explain(EXAMPLE, "-f", "markdown")
    assert code == 0
    assert f"pml-trials {__version__}" in out
    assert "## Studies screened" in out and "sha256" in out


def test_broken_criteria_folder_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("format = 1\nid = 'broken'\n", encoding="utf-8")
    code, out, err = explain(EXAMPLE, "--criteria", str(tmp_path), "--no-bundled")
    assert code == 3
    assert out == ""
    assert "nothing was screened" in err
