"""The progress bar of a long batch appears on a terminal (a real pseudo-terminal), and the
report written to a file holds no trace of it."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

TOOL = str(Path(sys.executable).with_name("pml-trials"))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_a_long_run_shows_a_progress_bar_on_the_terminal(tmp_path: Path) -> None:
    profiles = tmp_path / "many.jsonl"
    with profiles.open("w") as out:  # a run of a few seconds: the bar waits for one
        for number in range(80_000):
            out.write(f'{{"patient_id":"p{number}","age_years":{number % 90}}}\n')
    report = tmp_path / "report.csv"
    env = {**os.environ, "COLUMNS": "100", "LINES": "30", "TERM": "xterm-256color"}
    child = pexpect.spawn(
        TOOL,
        ["screen", str(profiles), "-o", str(report), "-w", "1", "--as-of", "2026-11-25"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(30, 100),
    )
    child.expect("screening")  # the bar's label, once the run has lasted a second
    child.expect(r"[\d,]+ patients")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = report.read_text()
    assert text.count("\n") == 1 + 3 * 80_000  # the header, then a row per patient and trial
    assert "\x1b" not in text and "━" not in text and " patients" not in text
