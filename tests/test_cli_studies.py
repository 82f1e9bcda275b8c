"""Issue 4 through the CLI: check, trials, show, and a site's own criteria folder."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.studies.load import ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    """The complete example site file from criteria/README.md, written to a site folder."""
    text = (ROOT / "criteria" / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    folder = tmp_path / "site"
    folder.mkdir()
    path = folder / "example-site-trial.toml"
    path.write_text(block, encoding="utf-8")
    return path


def test_check_passes_on_the_bundled_studies() -> None:
    code, out, err = invoke("check")
    assert code == 0, err
    assert "3 studies loaded, 0 files with errors" in out
    match = re.search(r"(\d+)/(\d+) examples pass", out)
    assert match and match.group(1) == match.group(2) and int(match.group(2)) >= 18


def test_the_readme_site_example_checks_alone_and_alongside(site_file: Path) -> None:
    code, out, err = invoke("check", "--criteria", str(site_file.parent), "--no-bundled")
    assert code == 0, err
    assert "1 studies loaded" in out and "example-site-trial" in out
    code, out, _ = invoke("check", "--criteria", str(site_file.parent))
    assert code == 0 and "4 studies loaded" in out


def test_criteria_folders_from_the_environment(site_file: Path) -> None:
    code, out, _ = invoke("trials", "--format", "json", env={ENVIRONMENT: str(site_file.parent)})
    assert code == 0
    assert "example-site-trial" in [row["id"] for row in json.loads(out)]


def test_a_broken_file_is_reported_and_the_others_still_load(site_file: Path) -> None:
    broken = site_file.parent / "broken.toml"
    broken.write_text(
        site_file.read_text()
        .replace('"example-site-trial"', '"broken"')
        .replace('other_cns_infection"', 'other_cns_infectoin"', 1)
    )
    code, out, err = invoke("check", "--criteria", str(site_file.parent))
    assert code == 3
    assert "4 studies loaded, 1 files with errors" in out
    assert "broken.toml:" in err and "did you mean 'other_cns_infection'" in err and "^" in err


def test_screening_commands_refuse_a_broken_file(site_file: Path) -> None:
    site_file.write_text(site_file.read_text().replace("format = 1", "format = 2"))
    code, _, err = invoke("trials", "--criteria", str(site_file.parent))
    assert code == 3
    assert "nothing was screened" in err


def test_a_failing_example_fails_check(site_file: Path) -> None:
    text = site_file.read_text()
    site_file.write_text(text.replace('expect = "eligible"', 'expect = "ineligible"', 1))
    code, out, err = invoke("check", "--criteria", str(site_file.parent), "--no-bundled")
    assert code == 3
    assert "FAIL" in out and "expected ineligible, got eligible" in err


def test_a_site_copy_of_a_bundled_id_is_refused_with_a_hint(tmp_path: Path) -> None:
    shutil.copy(ROOT / "criteria" / "cmx001.toml", tmp_path / "cmx001.toml")
    code, _, err = invoke("check", "--criteria", str(tmp_path))
    assert code == 3 and "also defined in" in err and "--no-bundled" in err
    code, out, _ = invoke("check", "--criteria", str(tmp_path), "--no-bundled")
    assert code == 0 and "1 studies loaded" in out


def test_trials_json_lists_what_scripts_need() -> None:
    code, out, _ = invoke("trials", "--format", "json")
    assert code == 0
    rows = {row["id"]: row for row in json.loads(out)}
    assert set(rows) == {"tcell-transfer", "checkpoint-inhibitor", "cmx001"}
    assert rows["tcell-transfer"]["registry_ids"] == ["NCT06990087"]
    assert rows["cmx001"]["category"] == "antiviral"
    for row in rows.values():
        assert row["criteria"] >= 8 and row["last_reviewed"] == "2026-12-02"
        assert len(row["sha256"]) == 64


def test_trials_table_says_the_files_are_transcriptions() -> None:
    code, out, _ = invoke("trials")
    assert code == 0 and "tcell-transfer" in out and "NCT01143181" in out
    assert "transcriptions of public sources" in out and "Pre-screening only" in out


def test_show_renders_every_criterion_with_text_rule_and_note(studies) -> None:  # type: ignore[no-untyped-def]
    for study in studies:
        code, out, _ = invoke("show", study.id)
        assert code == 0
        flat = " ".join(out.split())
        assert " ".join(study.summary.split())[:60] in flat
        for criterion in study.criteria:
            assert criterion.id in flat
            assert " ".join(criterion.text.split())[:50] in flat
            assert " ".join(criterion.rule.split()) in flat
        for source in study.sources:
            assert source.key in flat


def test_show_an_unknown_study_is_a_usage_error() -> None:
    code, _, err = invoke("show", "no-such-trial")
    assert code == 2 and "no study with id no-such-trial" in err and "tcell-transfer" in err


def test_show_does_not_interpret_markup_in_criteria(tmp_path: Path, site_file: Path) -> None:
    site_file.write_text(site_file.read_text().replace('title = "', 'title = "[bold red]x[/] ', 1))
    code, out, _ = invoke("show", "example-site-trial", "--criteria", str(site_file.parent))
    assert code == 0 and "[bold red]x[/]" in out
