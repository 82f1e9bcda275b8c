"""Issue 6: `pml-trials ask` through typer's runner, with scripted input."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from pml_trials.cli import ask as ask_module
from pml_trials.cli.app import app
from pml_trials.engine import screen
from pml_trials.profile.validate import validate_json
from pml_trials.questionnaire import finish
from pml_trials.questionnaire.loop import Reader
from pml_trials.questionnaire.replay import replay
from pml_trials.questionnaire.save import SaveError
from pml_trials.studies.model import Study

runner = CliRunner()
AS_OF = date(2026, 11, 25)
EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / "patients").glob("*.json"))


def ask(args: list[str], lines: list[str]) -> tuple[int, str]:
    result = runner.invoke(
        app, ["ask", *args], input="\n".join(lines) + "\n", catch_exceptions=False
    )
    return result.exit_code, result.output


def typed_answers(path: Path, studies: tuple[Study, ...]) -> list[str]:
    """What a person reading the file would type, question by question."""
    profile = validate_json(path.read_bytes())
    run = replay(profile, studies, AS_OF)
    return [profile["patient_id"], *run.lines, ""]  # Enter at the review


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_answering_from_each_example_gives_its_verdicts(
    path: Path, studies: tuple[Study, ...], in_tmp: Path
) -> None:
    saved = in_tmp / "saved.json"
    lines = typed_answers(path, studies)
    code, output = ask(["--as-of", "2026-11-25", "--save", str(saved)], lines)
    assert code == 0, output
    assert "Pre-screening only" in output
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    answered = validate_json(saved.read_bytes(), source=str(saved))
    from_file = validate_json(path.read_bytes())
    assert screen(answered, studies, AS_OF).verdicts == screen(from_file, studies, AS_OF).verdicts
    # Every answer typed is in the file as typed; "unknown" is kept as null.
    for key, value in answered.items():
        if key not in ("patient_id", "screening_date"):
            assert value == from_file.get(key), key
    steps = replay(from_file, studies, AS_OF).steps
    assert set(answered) == {"patient_id", "screening_date"} | {s.key for s in steps}


def screen_json(path: Path) -> dict[str, str]:
    result = runner.invoke(app, ["screen", str(path), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (patient,) = json.loads(result.stdout)["results"]
    return {t["trial_id"]: t["verdict"] for t in patient["trials"]}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_saved_answers_screen_like_the_file_in_pml_trials_screen(
    path: Path, studies: tuple[Study, ...], in_tmp: Path
) -> None:
    saved = in_tmp / "saved.json"
    code, output = ask(["--save", str(saved)], typed_answers(path, studies))
    assert code == 0, output
    assert screen_json(saved) == screen_json(path)


def test_resume_from_a_file_asks_only_what_is_still_useful(in_tmp: Path) -> None:
    start = in_tmp / "start.json"
    profile = {"patient_id": "c-1", "csf_jcv_pcr": "detected", "brain_biopsy_jcv": "not_done"}
    start.write_text(json.dumps({**profile, "mri_compatible_with_pml": None}), encoding="utf-8")
    code, output = ask(["--from", str(start)], ["n", "n"])
    assert code == 0
    assert "Pseudonymous patient id" not in output
    assert "[mri_compatible_with_pml]" not in output  # null in the file: already "unknown"
    assert "[clinical_features_compatible_with_pml]" in output
    assert "✗ ineligible" in output
    code, output = ask(["--from", str(start), "--ask-unknown"], ["y", "n"])
    assert "[mri_compatible_with_pml]" in output


def test_trial_option_restricts_the_questions(in_tmp: Path) -> None:
    code, output = ask(["--trial", "cmx001"], ["c-2", "1", "3", "y", "y", "u"])
    assert code == 0
    assert "cmx001" in output and "tcell-transfer" not in output
    assert "[age_years]" not in output  # only the T-cell and checkpoint studies ask the age
    assert "[life_expectancy_weeks]" in output


def test_end_of_input_saves_a_recovery_file(in_tmp: Path) -> None:
    code, output = ask(["--as-of", "2026-11-25"], ["c-3", "1", "u", "3"])
    assert code == 0
    assert "Stopped (end of input)." in output
    recovered = in_tmp / "c-3.recovered.json"
    assert f"pml-trials ask --from {recovered}" in output
    assert stat.S_IMODE(recovered.stat().st_mode) == 0o600
    assert validate_json(recovered.read_bytes()) == {
        "patient_id": "c-3",
        "screening_date": AS_OF,
        "csf_jcv_pcr": "detected",
        "brain_biopsy_jcv": "not_done",
        "mri_compatible_with_pml": None,
    }
    # Resuming goes on from there, and a second stop never overwrites the first file.
    code, output = ask(["--from", str(recovered)], ["y"])
    assert "[csf_jcv_pcr]" not in output and "[mri_compatible_with_pml]" not in output
    assert "[clinical_features_compatible_with_pml]" in output
    again = validate_json((in_tmp / "c-3.recovered-2.json").read_bytes())
    assert again["clinical_features_compatible_with_pml"] is True
    assert validate_json(recovered.read_bytes())["patient_id"] == "c-3"


def interrupting(marker: str = "^C") -> Callable[..., Reader]:
    """A reader for the CLI that turns the typed line ``^C`` into a real Ctrl-C."""
    original = ask_module._reader

    def make(console: Console) -> Reader:
        read = original(console)

        def typed(prompt: str) -> str:
            line = read(prompt)
            if line == marker:
                raise KeyboardInterrupt
            return line

        return typed

    return make


def test_ctrl_c_saves_and_exits_130(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ask_module, "_reader", interrupting())
    code, output = ask([], ["c-4", "2", "^C", "never read"])
    assert code == 130
    assert "Stopped (interrupt)." in output
    assert validate_json((in_tmp / "c-4.recovered.json").read_bytes())["csf_jcv_pcr"] == (
        "not_detected"
    )


def test_ctrl_c_before_any_answer_writes_nothing(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ask_module, "_reader", interrupting())
    code, output = ask([], ["c-5", "^C"])
    assert code == 130
    assert "nothing to keep" in output
    assert list(in_tmp.iterdir()) == []


def test_invalid_answers_never_crash(in_tmp: Path) -> None:
    lines = ["", "../x", "c-6", "", "9", "detected;", "0x1", "1", "é", "y", "y", "-1", "1e400"]
    code, output = ask([], [*lines, "200", "y", "35"])
    assert code == 0
    assert output.count("  ✗ ") == 11
    assert "which of them? type numbers of those that apply" in output  # 'y' at a checklist
    assert "Stopped (end of input)." in output


def test_save_into_a_missing_folder_is_refused_before_asking(in_tmp: Path) -> None:
    code, output = ask(["--save", str(in_tmp / "no" / "p.json")], ["c-7"])
    assert code == 2
    assert "does not exist" in output
    assert "Pseudonymous patient id" not in output


def test_an_invalid_from_file_is_invalid_input(in_tmp: Path) -> None:
    bad = in_tmp / "bad.json"
    bad.write_text('{"patient_id": "Jane Doe", "age_years": 44}', encoding="utf-8")
    code, output = ask(["--from", str(bad)], [])
    assert code == 3
    assert "patient_id" in output


def test_a_from_file_keeps_its_valid_fields_and_asks_the_invalid_again(in_tmp: Path) -> None:
    bad = in_tmp / "bad.json"
    bad.write_text(
        '{"patient_id": "c-8", "age_years": 300, "frobnicate": 1, "csf_jcv_pcr": "not_detected"}',
        encoding="utf-8",
    )
    code, output = ask(["--from", str(bad), "--save", "c-8.json"], ["44", "neg", "n", "n", ""])
    assert code == 0, output
    flat = " ".join(output.split())
    assert "Not loaded from" in flat and "(asked again):" in flat
    assert "age_years: 300 is above the maximum 120" in flat
    assert "frobnicate: unknown key" in flat and "not a profile field: not asked" in flat
    assert flat.index("[age_years]") < flat.index("[brain_biopsy_jcv]")  # asked first
    saved = validate_json((in_tmp / "c-8.json").read_bytes())
    assert saved["age_years"] == 44 and saved["csf_jcv_pcr"] == "not_detected"


def test_an_unknown_trial_is_a_usage_error(in_tmp: Path) -> None:
    code, output = ask(["--trial", "nope"], ["c-9"])
    assert code == 2
    assert "no study with id nope" in output


def test_help_documents_the_answers_and_recovery() -> None:
    result = runner.invoke(app, ["ask", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    for text in ("--from", "--save", "--trial", "--as-of", "recovered.json", "0600"):
        assert text in result.output


def test_a_folder_as_save_target_is_refused_before_asking(in_tmp: Path) -> None:
    code, output = ask(["--save", str(in_tmp)], ["c-11"])
    assert code == 2
    assert "Pseudonymous patient id" not in output


def test_a_save_that_fails_keeps_the_answers_and_exits_3(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: Path, profile: object) -> Path:
        raise SaveError("cannot write the profile: No space left on device", source=str(path))

    monkeypatch.setattr(finish, "write_profile", full)
    target = in_tmp / "p.json"
    result = runner.invoke(
        app, ["ask", "--save", str(target)], input="c-10\n2\n2\n\n", catch_exceptions=False
    )
    assert result.exit_code == 3
    assert f"error: {target}: cannot write the profile" in result.stderr
    assert "Stopped (the profile could not be saved)." in result.stdout
    assert validate_json((in_tmp / "c-10.recovered.json").read_bytes())["patient_id"] == "c-10"
