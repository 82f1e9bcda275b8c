"""Issue 6: saved profiles are private, reload, and a recovery never overwrites a file."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest

from pml_trials.profile.validate import validate_json
from pml_trials.questionnaire.save import (
    SaveError,
    recovery_names,
    save_recovery,
    to_json,
    write_profile,
)

PROFILE = {
    "patient_id": "q-1",
    "screening_date": date(2026, 11, 25),
    "age_years": 50,
    "pml_iris": None,
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_json_is_the_profile_contract() -> None:
    text = to_json(PROFILE)
    assert '"screening_date": "2026-11-25"' in text
    assert '"pml_iris": null' in text
    assert validate_json(text) == PROFILE


def test_write_profile_is_private_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "q-1.json"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    assert write_profile(path, PROFILE) == path
    assert mode(path) == 0o600
    assert validate_json(path.read_bytes()) == PROFILE
    assert [p.name for p in tmp_path.iterdir()] == ["q-1.json"]  # no temporary file left


def test_write_profile_into_a_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(SaveError) as caught:
        write_profile(tmp_path / "nowhere" / "q-1.json", PROFILE)
    assert "cannot write the profile there: no such file or directory" in caught.value.render()


def test_recovery_never_overwrites(tmp_path: Path) -> None:
    first = save_recovery(PROFILE, [tmp_path])
    second = save_recovery({**PROFILE, "age_years": 51}, [tmp_path])
    assert first.name == "q-1.recovered.json"
    assert second.name == "q-1.recovered-2.json"
    assert validate_json(first.read_bytes())["age_years"] == 50
    assert validate_json(second.read_bytes())["age_years"] == 51
    assert mode(first) == mode(second) == 0o600


def test_recovery_falls_back_to_the_next_folder(tmp_path: Path) -> None:
    path = save_recovery(PROFILE, [tmp_path / "missing", tmp_path])
    assert path == tmp_path / "q-1.recovered.json"


def test_recovery_says_when_nothing_can_be_written(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="cannot write a recovery file"):
        save_recovery(PROFILE, [tmp_path / "missing"])


def test_recovery_names_count_up(tmp_path: Path) -> None:
    names = [p.name for p in recovery_names(tmp_path, "q-1", tries=3)]
    assert names == ["q-1.recovered.json", "q-1.recovered-2.json", "q-1.recovered-3.json"]
