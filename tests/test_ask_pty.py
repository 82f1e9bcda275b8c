"""Issue 6: `pml-trials ask` in a real pseudo-terminal (pexpect): what the screen shows,
line editing through input(), a real Ctrl-C and a real Ctrl-D."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from pml_trials.profile.validate import validate_json

TOOL = str(Path(sys.executable).with_name("pml-trials"))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def spawn(tmp_path: Path, *args: str) -> pexpect.spawn[str]:
    env = {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    return pexpect.spawn(
        TOOL,
        ["ask", "--as-of", "2026-11-25", *args],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 100),
        preexec_fn=_default_interrupt,
    )


def _default_interrupt() -> None:
    """A shell without job control starts background commands with SIGINT ignored, and
    Python keeps an ignored SIGINT ignored: give the child the default, as a terminal has."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def seen(child: pexpect.spawn[str]) -> str:
    """What the terminal showed before the last match, without colour codes."""
    return ANSI.sub("", str(child.before) + str(child.after))


@pytest.fixture
def child(tmp_path: Path) -> Iterator[pexpect.spawn[str]]:
    process = spawn(tmp_path)
    yield process
    process.close(force=True)


def test_questions_show_section_key_and_choices_and_ctrl_c_saves(
    child: pexpect.spawn[str], tmp_path: Path
) -> None:
    child.expect("Pseudonymous patient id")
    child.expect("> ")
    child.sendline("pty-1")
    child.expect(r"csf_jcv_pcr\]")
    screen = seen(child)
    assert "PML diagnosis" in screen
    assert "screen 1" in screen
    assert "JC virus DNA by PCR in the cerebrospinal fluid? [csf_jcv_pcr]" in screen
    child.expect("> ")
    assert "1 detected   2 not_detected   3 not_done" in seen(child)
    child.sendline("1")  # detected: MRI and signs before the biopsy
    child.expect("now: ")
    child.expect(r"mri_compatible_with_pml\]")
    child.expect("> ")
    child.sendline("?")
    child.expect("Asymmetric white-matter lesions")
    child.expect("> ")
    child.sendline("perhaps")
    child.expect("is not yes or no")
    child.expect("> ")
    child.sendintr()  # a real Ctrl-C (SIGINT from the terminal)
    child.expect("Stopped \\(interrupt\\)")
    child.expect(pexpect.EOF)
    screen = seen(child)
    path = tmp_path / "pty-1.recovered.json"
    assert f"saved in {path}" in screen
    child.close()
    assert child.exitstatus == 130
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = validate_json(path.read_bytes())
    assert saved["csf_jcv_pcr"] == "detected"
    assert "mri_compatible_with_pml" not in saved


def test_ctrl_d_at_a_question_saves_too(child: pexpect.spawn[str], tmp_path: Path) -> None:
    child.expect("> ")
    child.sendline("pty-2")
    child.expect("> ")
    child.sendline("2")
    child.expect(r"brain_biopsy_jcv\]")
    child.expect("> ")
    child.sendeof()  # Ctrl-D on an empty line: end of input
    child.expect("Stopped \\(end of input\\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    saved = validate_json((tmp_path / "pty-2.recovered.json").read_bytes())
    assert saved["csf_jcv_pcr"] == "not_detected"


def test_a_whole_session_ends_with_the_table_and_saves(
    child: pexpect.spawn[str], tmp_path: Path
) -> None:
    for answer in ["pty-3", "2", "3"]:  # CSF negative, no biopsy: not confirmed
        child.expect("> ")
        child.sendline(answer)
    child.expect("Review: every answer")
    child.expect("> ")
    child.sendline("")  # Enter: nothing to change
    child.expect("Diagnosis \\(AAN 2013 consensus\\)")
    child.expect("Save the profile as JSON")
    child.expect("> ")
    child.sendline("y")
    child.expect("File name \\[pty-3.json\\]")
    child.expect("> ")
    child.sendline("")
    child.expect(pexpect.EOF)
    screen = seen(child)
    assert "Profile saved to pty-3.json" in screen
    child.close()
    assert child.exitstatus == 0
    saved = tmp_path / "pty-3.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert validate_json(saved.read_bytes())["brain_biopsy_jcv"] == "not_done"


def test_checklists_prefixes_units_review_and_save(tmp_path: Path) -> None:
    """One real session: a synonym, a checklist (a wrong item, then none), units typed
    after numbers (years, lb, U/L with the laboratory's upper limit), a review edit by
    number, and a save prompt that asks again until it gets yes or no."""
    example = Path(__file__).resolve().parent.parent / "examples" / "patients" / "ex-08-icl.json"
    start = json.loads(example.read_text("utf-8"))
    for key in ("age_years", "sex", "weight_kg", "able_to_consent", "alt_x_uln", "csf_jcv_pcr"):
        start.pop(key)
    start.pop("alternative_therapy_available")
    start["patient_id"] = "pty-4"
    start["prednisone_equivalent_mg_per_day"] = 20  # so that the weight matters
    (tmp_path / "pty-4.recovered.json").write_text(json.dumps(start), encoding="utf-8")
    child = spawn(tmp_path, "--from", "pty-4.recovered.json")
    try:
        child.expect(r"csf_jcv_pcr\]")
        child.expect("> ")
        child.sendline("pos")  # a synonym of detected
        child.expect(r"Does any of these apply now\?")
        child.expect("> ")
        screen = " ".join(seen(child).split())
        assert (
            "1 Neither the patient nor a legal representative can give informed consent" in screen
        )
        assert "[able_to_consent]" in screen and "lacks capacity" in screen  # key and help
        child.sendline("1u 3")
        child.expect("there is no item 3")
        child.expect("> ")
        child.sendline("none")
        child.expect("recorded: able_to_consent yes, alternative_therapy_available no")
        child.expect(r"age_years\]")
        child.expect("> ")
        child.sendline("70 years")
        child.expect(r"weight_kg\]")
        child.expect("> ")
        child.sendline("70 cm")
        child.expect("'cm' is not a unit this field takes: type the value in kg")
        child.expect("> ")
        child.sendline("176 lb")
        child.expect(r"alt_x_uln\]")
        child.expect("> ")
        child.sendline("84 U/L")
        child.expect(r"Upper limit of normal at this laboratory, in U/L\?")
        child.expect("> ")
        child.sendline("40")
        child.expect("= 2.1 × ULN")
        child.expect("Review: every answer")
        child.expect("> ")
        assert " 2 weight_kg = 79.8" in seen(child)
        child.sendline("2")  # edit the weight
        child.expect(r"weight_kg\]")
        child.expect("> ")
        child.sendline("80 kg")
        child.expect("Review: every answer")
        child.expect("> ")
        assert " 2 weight_kg = 80" in seen(child)
        child.sendline("")
        child.expect(r"Save the profile as JSON\? \[y/N\]")
        child.expect("> ")
        child.sendline("maybe")
        child.expect(r"please answer y \(yes\) or n \(no\)")
        child.expect("> ")
        child.sendline("y")
        child.expect("File name")
        child.expect("> ")
        child.sendline("")
        child.expect("Profile saved to pty-4.json")
        child.expect("Removed the recovery file")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    saved = validate_json((tmp_path / "pty-4.json").read_bytes())
    assert saved["csf_jcv_pcr"] == "detected" and saved["age_years"] == 70
    assert saved["weight_kg"] == 80 and saved["alt_x_uln"] == 2.1
    assert saved["able_to_consent"] is True and saved["alternative_therapy_available"] is False
    assert not (tmp_path / "pty-4.recovered.json").exists()


def test_plus_records_any_field_at_any_question(child: pexpect.spawn[str], tmp_path: Path) -> None:
    """Issue 17: ``+`` at a question records a field no trial needs now (Karnofsky, CD4),
    then goes back to the question; a bare ``+`` stays the answer where it is one."""
    child.expect("> ")
    assert "+name to record any field (+cd4)" in " ".join(seen(child).split())  # the hint
    child.sendline("pty-5")
    child.expect(r"csf_jcv_pcr\]")
    child.expect("> ")
    child.sendline("+")  # a declared synonym of detected here, not the command
    child.expect(r"mri_compatible_with_pml\]")
    child.expect("> ")
    child.sendline("+")  # here it is the command: which field?
    child.expect("Which field\\?")
    child.expect("> ")
    child.sendline("karnofsky")
    child.expect(r"karnofsky_score\]")
    child.expect("> ")
    child.sendline("70")
    child.expect("back to: Does brain MRI show lesions typical of PML\\?")
    child.expect("> ")
    child.sendline("y")
    child.expect(r"clinical_features_compatible_with_pml\]")
    child.expect("> ")
    child.sendline("+nosuchfield")
    child.expect("no profile field matches 'nosuchfield'")
    child.expect("> ")
    child.sendline("+cd4_cells_per_ul")
    child.expect(r"cd4_cells_per_ul\]")
    child.expect("> ")
    child.sendline("250")
    child.expect("back to: Are there neurological signs")
    child.expect("> ")
    child.sendline("y")
    child.expect(r"life_expectancy_weeks\]")
    child.expect("> ")
    child.sendline("1")  # a week: every study is ruled out
    child.expect("Review: every answer")
    child.expect("Enter to go on")
    review = " ".join(seen(child).split())
    assert "karnofsky_score = 70" in review and "cd4_cells_per_ul = 250" in review
    child.expect("> ")
    child.sendline("")
    child.expect("Save the profile as JSON")
    child.expect("> ")
    child.sendline("y")
    child.expect("File name")
    child.expect("> ")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    saved = validate_json((tmp_path / "pty-5.json").read_bytes())
    assert saved["karnofsky_score"] == 70
    assert saved["cd4_cells_per_ul"] == 250
    assert saved["csf_jcv_pcr"] == "detected"
