"""Issue 6: `pml-trials ask` in a real pseudo-terminal (pexpect): what the screen shows,
line editing through input(), a real Ctrl-C and a real Ctrl-D."""

from __future__ import annotations

import os
import re
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
    )


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
    assert "question 1" in screen
    assert "JC virus DNA by PCR in the cerebrospinal fluid? [csf_jcv_pcr]" in screen
    child.expect("> ")
    assert "1 detected   2 not_detected   3 not_done" in seen(child)
    child.sendline("1")
    child.expect("now: ")
    child.expect(r"brain_biopsy_jcv\]")
    child.expect("> ")
    child.sendline("3")
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
    child.expect("Pre-screening of pty-3")
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
