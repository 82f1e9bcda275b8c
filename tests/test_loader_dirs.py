"""Where criteria files come from: folders, $PML_TRIALS_CRITERIA, --criteria, --no-bundled;
and a broken file never stops the others from loading."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.engine.examples import run_examples
from pml_trials.studies.load import ENVIRONMENT, bundled_dir, criteria_dirs, load_dirs

DATA = Path(__file__).resolve().parent / "data" / "criteria"
GOOD, BROKEN = DATA / "good", DATA / "broken"
runner = CliRunner()


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT, raising=False)


def test_a_folder_of_good_files_loads() -> None:
    report = load_dirs([GOOD])
    assert not report.errors
    assert [s.id for s in report.studies] == ["alpha"]
    assert report.files == [GOOD / "alpha.toml"]  # README.md is not a criteria file


def test_the_examples_of_a_good_file_hold() -> None:
    (study,) = load_dirs([GOOD]).studies
    outcomes = run_examples(study, date(2026, 11, 25))
    assert [o.result.verdict.value for o in outcomes] == [
        "eligible",
        "ineligible",
        "needs-information",
    ]
    assert all(o.passed for o in outcomes)


def test_a_broken_file_does_not_stop_the_others() -> None:
    report = load_dirs([BROKEN, GOOD])
    assert [s.id for s in report.studies] == ["beta", "alpha"]
    assert report.broken == [BROKEN / "broken.toml"]
    (error,) = report.errors
    assert (error.source, error.line, error.context) == (
        str(BROKEN / "broken.toml"),
        17,
        "inclusion 'adult'",
    )


def test_files_load_in_name_order_and_not_from_sub_folders(tmp_path: Path) -> None:
    shutil.copy(BROKEN / "beta.toml", tmp_path / "beta.toml")
    (tmp_path / "sub").mkdir()
    shutil.copy(GOOD / "alpha.toml", tmp_path / "sub" / "alpha.toml")
    shutil.copy(GOOD / "alpha.toml", tmp_path / "alpha.toml")
    assert [s.id for s in load_dirs([tmp_path]).studies] == ["alpha", "beta"]


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    report = load_dirs([tmp_path / "nowhere", GOOD])
    assert [e.message for e in report.errors] == ["no such folder of criteria files"]
    assert [s.id for s in report.studies] == ["alpha"]


def test_bundled_first_then_environment_then_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT, f"{GOOD}:{BROKEN}")
    extra = DATA / "extra"
    assert criteria_dirs([extra]) == [bundled_dir(), GOOD, BROKEN, extra]


def test_environment_with_empty_parts_and_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT, f":{GOOD}::{GOOD}/../good:")
    assert criteria_dirs(bundled=False) == [GOOD]


def test_no_bundled_leaves_out_only_the_bundled_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT, str(GOOD))
    assert criteria_dirs([BROKEN], bundled=False) == [GOOD, BROKEN]
    assert criteria_dirs() == [bundled_dir(), GOOD]


def test_environment_folders_are_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT, f"{GOOD}:{BROKEN}")
    report = load_dirs(criteria_dirs(bundled=False))
    assert {s.id for s in report.studies} == {"alpha", "beta"}
    assert report.broken == [BROKEN / "broken.toml"]


# -- through `pml-trials check` ----------------------------------------------------------------


def test_check_with_no_bundled_uses_only_the_given_folder() -> None:
    args = ["check", "--no-bundled", "--criteria", str(GOOD), "--as-of", "2026-11-25"]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "alpha" in result.stdout
    assert "tcell-transfer" not in result.stdout
    assert "1 studies loaded, 0 files with errors; 3/3 examples pass." in result.stdout


def test_check_reads_the_environment_variable() -> None:
    args = ["check", "--no-bundled", "--as-of", "2026-11-25"]
    result = runner.invoke(app, args, env={ENVIRONMENT: str(GOOD)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "alpha" in result.stdout


def test_check_reports_a_broken_file_and_still_checks_the_others() -> None:
    args = ["check", "--no-bundled", "--criteria", str(BROKEN)]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 3
    assert f"{BROKEN / 'broken.toml'}:17: inclusion 'adult': unknown name 'age_yeers'" in (
        result.stderr
    )
    assert "    ^^^^^^^^^" in result.stderr
    assert "beta" in result.stdout and "1 files with errors" in result.stdout


def test_check_with_the_bundled_studies_passes() -> None:
    result = runner.invoke(app, ["check", "--as-of", "2026-11-25"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 files with errors" in result.stdout


def test_a_bundled_id_given_again_is_refused(tmp_path: Path) -> None:
    shutil.copy(bundled_dir() / "cmx001.toml", tmp_path / "cmx001.toml")
    result = runner.invoke(app, ["check", "--criteria", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 3
    assert "study id 'cmx001' is also defined in" in result.stderr
