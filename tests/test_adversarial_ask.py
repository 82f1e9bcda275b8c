"""Issue 12, attacks on ``pml-trials ask``: any text at any prompt, unexpected errors,
SIGTERM and SIGHUP in a real terminal, nowhere to write the recovery file, typos at the
save prompt. Nothing a person typed may be lost."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pexpect
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.profile.fields import BY_KEY, FIELDS
from pml_trials.profile.validate import InvalidProfileError, validate_json
from pml_trials.questionnaire import save
from pml_trials.questionnaire import session as session_module
from pml_trials.questionnaire.answers import AnswerError, Censored, PerUpperLimit, parse
from pml_trials.questionnaire.loop import handle
from pml_trials.questionnaire.session import Session
from pml_trials.studies.model import Study
from tests.attack import ROOT, environment

AS_OF = date(2026, 11, 25)
TOOL = str(Path(sys.executable).with_name("pml-trials"))
runner = CliRunner()
HOSTILE = ["²", "9" * 5000, "1" * 400 + ".5", "\x00", "\ud800", "\x1b[8m", "١٢", "1e99999", "-"]

# Any text, surrogates (unpaired, as a broken terminal sends them) and controls included
ANY_TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=60),
    st.sampled_from(HOSTILE),
    st.from_regex(r"[0-9²³¹٠-٩,. +-eE]{1,40}", fullmatch=True),
    st.from_regex(r"[<>≥]?[0-9 ,.]{1,12} ?(kg|lb|U/L|G/L|x|%|mg|cm|µmol/L|/µL)?", fullmatch=True),
    st.from_regex(r"[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{4}", fullmatch=True),
)


@given(spec=st.sampled_from(FIELDS), text=ANY_TEXT)
def test_any_text_at_any_question_is_an_answer_or_a_reason(spec: object, text: str) -> None:
    """Every parser, through its one entry: a value, or AnswerError; the value is then
    accepted or refused by the validator, never an exception of another kind."""
    assert spec in FIELDS
    field = BY_KEY[spec.key]  # type: ignore[attr-defined]
    reasons: list[str] = []
    try:
        value = parse(field, text)
    except AnswerError as error:
        reasons.append(error.reason)
    else:
        if isinstance(value, Censored | PerUpperLimit):  # recorded as unknown / asks the ULN
            return
        try:
            Session((), AS_OF, {"patient_id": "p-1"}).answer(field.key, value)
        except InvalidProfileError as error:
            reasons.append(error.problems[0].message)
    assert all(reasons)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_at_a_list_question_is_asked_again(
    studies: tuple[Study, ...], text: str
) -> None:
    out = io.StringIO()
    con = Console(file=out, width=100, color_system=None)
    session = Session(studies, AS_OF, {"patient_id": "p-1"})
    for key in ("predisposing_conditions", "cd4_cells_per_ul", "age_years", "pml_diagnosis_date"):
        assert handle(con, session, BY_KEY[key], text) is False
        assert "please answer again" in out.getvalue()
    assert "\x1b" not in out.getvalue()  # what was typed is echoed with escapes shown


def test_an_unexpected_error_still_writes_the_recovery_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    real = Session.answer
    calls: list[str] = []

    def broken(self: Session, key: str, value: object) -> None:
        calls.append(key)
        if len(calls) > 1:
            raise RuntimeError("a bug")
        real(self, key, value)

    monkeypatch.setattr(session_module.Session, "answer", broken)
    result = runner.invoke(
        app, ["ask", "--as-of", "2026-11-25"], input="err-1\n1\n3\ny\n", catch_exceptions=True
    )
    assert isinstance(result.exception, RuntimeError)
    saved = validate_json((tmp_path / "err-1.recovered.json").read_bytes())
    assert saved["csf_jcv_pcr"] == "detected"
    assert "saved in" in result.output


def test_nowhere_to_write_prints_the_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(save, "_places", lambda: [tmp_path / "missing"])
    result = runner.invoke(app, ["ask", "--as-of", "2026-11-25"], input="lost-1\n1\n")
    assert result.exit_code == 0
    assert "No file could be written anywhere; the answers so far are:" in result.output
    start = result.output.index("{", result.output.index("the answers so far are:"))
    answers = json.JSONDecoder().raw_decode(result.output[start:])[0]
    assert answers["patient_id"] == "lost-1" and answers["csf_jcv_pcr"] == "detected"


def test_unwritable_folder_and_home_fall_back_to_a_private_temporary_file(
    tmp_path: Path, request: pytest.FixtureRequest, as_nobody: tuple[str, ...]
) -> None:
    """As an unprivileged user: the current folder and home cannot be written."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    tmp = Path(tempfile.mkdtemp())  # under /tmp: reachable by nobody, unlike tmp_path
    tmp.chmod(0o1777)
    request.addfinalizer(lambda: shutil.rmtree(tmp, ignore_errors=True))
    env = environment(HOME=str(locked), TMPDIR=str(tmp), PML_TRIALS_NO_CACHE="1")
    command = [
        *as_nobody,
        sys.executable, "-c", "from pml_trials.cli import main; main()", "ask", "--as-of", "2026-11-25",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=locked, input=b"tmp-1\n1\n", capture_output=True, env=env, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = list(tmp.glob("pml-trials-recovered-*/tmp-1.recovered.json"))
    assert len(found) == 1, result.stdout.decode()
    assert str(found[0]).encode() in result.stdout
    assert stat.S_IMODE(found[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(found[0].parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("typed", "saved"), [(["", "yse", "y", ""], True), (["", "nope", "n"], False)]
)
def test_the_save_prompt_asks_again_and_says_what_it_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: list[str], saved: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    start = tmp_path / "start.json"
    # every field known: the questionnaire goes straight to the save offer
    start.write_bytes((ROOT / "examples" / "patients" / "ex-01-hiv-art.json").read_bytes())
    lines = "\n".join(typed) + "\n"
    result = runner.invoke(app, ["ask", "--from", str(start), "--as-of", "2026-11-25"], input=lines)
    assert result.exit_code == 0, result.output
    assert "please answer y (yes) or n (no)" in result.output
    patient = json.loads(start.read_text("utf-8"))["patient_id"]
    assert (tmp_path / f"{patient}.json").exists() is saved
    assert ("Profile saved to" in result.output) is saved
    assert ("The profile was not saved." in result.output) is not saved


def test_closed_standard_input_is_an_environment_failure(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", "-c", '"$0" -c "from pml_trials.cli import main; main()" ask <&-', sys.executable],
        capture_output=True, env=environment(), timeout=60, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert b"standard input is closed" in result.stderr


# -- real signals in a real terminal ----------------------------------------------------


def spawn(tmp_path: Path) -> pexpect.spawn[str]:
    env = {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "dumb", "NO_COLOR": "1"}
    return pexpect.spawn(
        TOOL, ["ask", "--as-of", "2026-11-25"], cwd=str(tmp_path), env=env,
        encoding="utf-8", timeout=30, dimensions=(40, 100),
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_keep_the_answers(tmp_path: Path, signum: int, code: int) -> None:
    child = spawn(tmp_path)
    try:
        child.expect("> ")
        child.sendline("sig-1")
        child.expect(r"csf_jcv_pcr\]")
        child.expect("> ")
        child.sendline("1")
        child.expect(r"mri_compatible_with_pml\]")  # PCR detected: the clinical pathway
        child.expect("> ")
        child.kill(signum)
        child.expect(pexpect.EOF)
        child.close()
    finally:
        child.close(force=True)
    path = tmp_path / "sig-1.recovered.json"
    assert validate_json(path.read_bytes())["csf_jcv_pcr"] == "detected"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert child.exitstatus == code or child.signalstatus is None
    assert child.exitstatus == code
