"""The cache of checked criteria files: a study from the cache is the study its file gives,
an edited, renamed, broken or damaged file is never served from it, and only criteria
files, never patient data, are stored in it."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.errors import CriteriaError, CriteriaFileError
from pml_trials.profile.validate import validate_json
from pml_trials.studies import build, cache
from pml_trials.studies.load import bundled_dir, load_dirs, load_file
from pml_trials.studies.model import Study
from tests import strategies as gen

EVERY_NODE = """\
format = 1
id = "every-node"
title = "Every part of the rule language"
category = "other"
phase = "2"
registry_ids = ["NCT00000001"]
sponsor = "Nobody"
status = "synthetic"
last_reviewed = 2026-01-31
summary = "  A synthetic study.  "

[[source]]
key = "src"
citation = "Synthetic"
url = "https://example.org/src"

[[source]]
key = "other"
citation = "Another"

[definitions]
adult = "18 <= age_years <= 75"
recent = "days_since(pml_diagnosis_date) <= 90 or weeks_since(pml_symptom_onset_date) < 26.5"
fit = "adult and recent and not pml_iris"
unused = "sex == 'female'"

[[inclusion]]
id = "fit"
text = "Fit"
source = "src"
rule = "fit"
note = "  interpreted  "

[[inclusion]]
id = "dose"
text = "Dose"
source = "other"
rule = '''
(prednisone_equivalent_mg_per_day / weight_kg <= 0.5
  and -cd4_cells_per_ul < -200 / 2 and cd4_cells_per_ul * 2 + 1 - 3 > 0)'''

[[inclusion]]
id = "jcv"
text = "JCV"
source = "src"
rule = "csf_jcv_pcr in ['detected', 'not_done'] and brain_biopsy_jcv not in ['negative']"

[[exclusion]]
id = "conditions"
text = "Conditions"
source = "src"
rule = "'hiv' in predisposing_conditions or karnofsky_score in [10, 20, 30] and fit"

[[exclusion]]
id = "late"
text = "Late"
source = "src"
rule = "last_investigational_agent_date > date('2026-01-01') or hiv_positive == True or False"

[[example]]
name = "hiv"
expect = "ineligible"
profile = { patient_id = "ex-1", screening_date = 2026-11-25, weight_kg = 70.5, predisposing_conditions = ["hiv"] }
"""


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty cache for one test; its folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.OFF, raising=False)
    return tmp_path / "cache" / "pml-trials"


@pytest.fixture
def every_node(tmp_path: Path) -> Path:
    path = tmp_path / "criteria" / "every-node.toml"
    path.parent.mkdir()
    path.write_text(EVERY_NODE, encoding="utf-8")
    return path


def uncached(path: Path, monkeypatch: pytest.MonkeyPatch) -> Study:
    with monkeypatch.context() as patch:
        patch.setenv(cache.OFF, "1")
        return load_file(path)


def from_cache_only(path: Path, monkeypatch: pytest.MonkeyPatch) -> Study:
    """Load ``path`` where checking the file would fail the test."""

    def no_check(*args: Any) -> Any:
        raise AssertionError(f"{path} was checked again instead of read from the cache")

    with monkeypatch.context() as patch:
        patch.setattr(build, "build", no_check)
        return load_file(path)


def entries(home: Path) -> list[Path]:
    return sorted(home.glob("*.json")) if home.is_dir() else []


def bundled() -> list[Path]:
    return sorted(bundled_dir().glob("*.toml"))


def test_a_study_from_the_cache_equals_the_one_checked_from_its_file(
    cache_home: Path, every_node: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in [*bundled(), every_node]:
        checked = uncached(path, monkeypatch)
        first = load_file(path)  # checked, then stored
        again = from_cache_only(path, monkeypatch)
        assert first == checked and again == checked, path
        assert repr(again) == repr(checked)
        assert again.evaluate is not checked.evaluate  # compiled again, not kept
    assert len(entries(cache_home)) == len(bundled()) + 1


@pytest.fixture(scope="module")
def checked_and_cached(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[Study], list[Study]]:
    """The bundled studies and EVERY_NODE checked from their files, and read from a cache."""
    folder = tmp_path_factory.mktemp("criteria")
    (folder / "every-node.toml").write_text(EVERY_NODE, encoding="utf-8")
    dirs = [bundled_dir(), folder]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        patch.setenv(cache.OFF, "1")
        checked = load_dirs(dirs).studies
        patch.delenv(cache.OFF)
        load_dirs(dirs)  # checked, then stored
        patch.setattr(build, "build", None)  # from here on, checking a file would fail
        cached = load_dirs(dirs).studies
    return checked, cached


@settings(max_examples=100)
@given(profile=gen.partial_profiles())
def test_the_rules_of_a_cached_study_give_the_same_values(
    checked_and_cached: tuple[list[Study], list[Study]], profile: dict[str, Any]
) -> None:
    checked, cached = checked_and_cached
    assert len(cached) == len(bundled()) + 1
    today = profile.get("screening_date") or gen.LAST_DAY
    for one, other in zip(checked, cached, strict=True):
        assert one.evaluate(profile.get, today) == other.evaluate(profile.get, today)


def test_the_screening_output_is_the_same_with_and_without_the_cache(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    runner = CliRunner()
    args = ["screen", "examples/patients", "--format", "json"]
    monkeypatch.setenv(cache.OFF, "1")
    without = runner.invoke(app, args, catch_exceptions=False)
    monkeypatch.delenv(cache.OFF)
    stored = runner.invoke(app, args, catch_exceptions=False)
    read = runner.invoke(app, args, catch_exceptions=False)
    assert entries(cache_home)
    assert without.exit_code == stored.exit_code == read.exit_code == 0
    assert without.stdout == stored.stdout == read.stdout


def test_an_edited_file_is_checked_again(
    cache_home: Path, every_node: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_file(every_node)
    every_node.write_text(EVERY_NODE.replace("age_years <= 75", "age_years <= 70"))
    study = load_file(every_node)
    assert study.definitions["adult"] == "18 <= age_years <= 70"
    assert study == uncached(every_node, monkeypatch)
    assert from_cache_only(every_node, monkeypatch) == study  # and stored again


def test_a_broken_file_is_never_cached_and_reports_what_it_would_without_it(
    cache_home: Path, every_node: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_file(every_node)
    stored_before = {p: p.read_bytes() for p in entries(cache_home)}
    every_node.write_text(EVERY_NODE.replace("age_years <= 75", "age_yeras <= 75"))
    with_cache = _errors(every_node)
    monkeypatch.setenv(cache.OFF, "1")
    assert with_cache == _errors(every_node)
    assert "did you mean 'age_years'" in with_cache[0]
    assert {p: p.read_bytes() for p in entries(cache_home)} == stored_before


def _errors(path: Path) -> list[str]:
    with pytest.raises(CriteriaFileError) as caught:
        load_file(path)
    return [e.render() for e in caught.value.errors]


def test_the_same_file_under_another_name_is_checked_there(
    cache_home: Path, every_node: Path
) -> None:
    load_file(every_node)
    other = every_node.with_name("renamed.toml")
    shutil.copy(every_node, other)
    with pytest.raises(CriteriaFileError) as caught:
        load_file(other)
    assert "must be named every-node.toml" in caught.value.errors[0].render()


def test_a_link_to_a_cached_file_under_another_name_is_checked_there(
    cache_home: Path, every_node: Path
) -> None:
    load_file(every_node)
    link = every_node.with_name("linked.toml")
    link.symlink_to(every_node)
    with pytest.raises(CriteriaFileError) as caught:
        load_file(link)
    assert "must be named every-node.toml" in caught.value.errors[0].render()


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: "",
        lambda text: "[]",
        lambda text: text.replace('"field"', '"eval"'),
        lambda text: text.replace('"age_years"', '"no_such_field"'),
        lambda text: text.replace('"exclusion"', '"inclusion"'),
        lambda text: text.replace('"ineligible"', '"maybe"'),
        lambda text: text.replace('"2026-01-31"', '"2026-02-31"'),
        lambda text: text.replace('"trees":[', '"trees":[["x",["definition",0,1,"x"]],'),
    ],
)
def test_a_damaged_entry_is_ignored_and_written_again(
    cache_home: Path, every_node: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    expected = load_file(every_node)
    (entry,) = entries(cache_home)
    text = entry.read_text(encoding="utf-8")
    damaged = damage(text)
    assert damaged != text
    entry.write_text(damaged, encoding="utf-8")
    assert load_file(every_node) == expected
    assert entry.read_text(encoding="utf-8") == text
    assert from_cache_only(every_node, monkeypatch) == expected


def test_an_entry_others_may_write_to_is_ignored(
    cache_home: Path, every_node: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_file(every_node)
    (entry,) = entries(cache_home)
    entry.chmod(0o666)
    with pytest.raises(AssertionError, match="checked again"):
        from_cache_only(every_node, monkeypatch)
    load_file(every_node)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_an_entry_of_other_code_is_not_used(
    cache_home: Path, every_node: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_file(every_node)
    monkeypatch.setattr(cache, "_code", lambda: "another version of the checker")
    with pytest.raises(AssertionError, match="checked again"):
        from_cache_only(every_node, monkeypatch)


def test_a_file_whose_examples_live_in_other_files_is_not_cached(
    cache_home: Path, every_node: Path
) -> None:
    (every_node.parent / "ex.json").write_text('{"patient_id": "ex-2"}', encoding="utf-8")
    every_node.write_text(
        EVERY_NODE
        + '\n[[example]]\nname = "file"\nexpect = "needs-information"\nfile = "ex.json"\n'
    )
    assert len(load_file(every_node).examples) == 2
    assert entries(cache_home) == []


def test_the_folder_and_its_entries_are_the_users_alone(cache_home: Path) -> None:
    load_dirs([bundled_dir()])
    assert stat.S_IMODE(cache_home.stat().st_mode) == 0o700
    assert entries(cache_home)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in entries(cache_home))
    assert not list(cache_home.glob(".*"))  # no temporary file left behind


def test_the_cache_can_be_turned_off(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.OFF, "1")
    assert not load_dirs([bundled_dir()]).errors
    assert not cache_home.exists()


def test_an_unusable_folder_only_means_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    report = load_dirs([bundled_dir()])
    assert not report.errors and len(report.studies) == len(bundled())


def test_the_cache_never_holds_patient_data(cache_home: Path, example_paths: list[Path]) -> None:
    runner = CliRunner()
    for args in (["screen", "examples/patients"], ["screen", "-f", "jsonl", "examples/patients"]):
        assert runner.invoke(app, args, catch_exceptions=False).exit_code == 0
    stored = "".join(p.read_text(encoding="utf-8") for p in entries(cache_home))
    assert stored
    for path in example_paths:
        assert validate_json(path.read_bytes())["patient_id"] not in stored
    assert "examples/patients" not in stored


def test_a_criteria_error_still_names_its_file(cache_home: Path, every_node: Path) -> None:
    every_node.write_bytes(b"\xff not utf-8")
    with pytest.raises(CriteriaFileError) as caught:
        load_file(every_node)
    (error,) = caught.value.errors
    assert isinstance(error, CriteriaError)
    assert error.render() == f"{every_node}: not UTF-8 text (byte 0)"
