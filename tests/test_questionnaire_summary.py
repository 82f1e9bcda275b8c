"""Issue 17: the end of a session (summary, distances, save offer and whether the profile
was saved) fits an 80x24 terminal, with one cross-trial list of next steps.

Each example patient is answered through the real prompt loop at 80 columns (the lines
a person reading the file would type, ``questionnaire.replay``), Enter at the review
page, then ``n`` at the save offer; everything printed after that Enter is counted. The
examples with PML are the typical patients of the issue; the two without confirmed PML
fit too, and are held to it.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from pml_trials import DISCLAIMER
from pml_trials.engine import screen
from pml_trials.engine.next_steps import next_steps
from pml_trials.profile.validate import validate_json
from pml_trials.questionnaire.finish import questionnaire
from pml_trials.questionnaire.loop import stream_reader
from pml_trials.questionnaire.replay import replay
from pml_trials.studies.model import Study
from pml_trials.verdict import MARKS, Verdict

AS_OF = date(2026, 11, 25)
EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / "patients").glob("*.json"))
REVIEW_END = "a number to change it, +name to add any field (+cd4), Enter to go on"


def end_of_session(profile: dict[str, Any], studies: tuple[Study, ...]) -> list[str]:
    """The lines printed after Enter at the review page, at 80 columns."""
    typed = replay(profile, studies, AS_OF).lines
    start = {"patient_id": profile["patient_id"]}
    if profile.get("screening_date") is not None:
        start["screening_date"] = profile["screening_date"]
    out = io.StringIO()
    con = Console(file=out, width=80, color_system=None, legacy_windows=False)
    lines = io.StringIO("\n".join([*typed, "", "n"]) + "\n")
    code = questionnaire(con, stream_reader(con, lines), studies, AS_OF, start)
    assert code == 0
    screen_lines = out.getvalue().splitlines()
    last_review = max(i for i, line in enumerate(screen_lines) if REVIEW_END in line)
    assert screen_lines[last_review + 1].rstrip() == ">"  # the Enter that ends the review
    return screen_lines[last_review + 2 :]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_end_of_a_session_fits_80x24(
    path: Path, studies: tuple[Study, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    profile = validate_json(path.read_bytes())
    end = end_of_session(profile, studies)
    text = "\n".join(end)
    assert all(len(line.rstrip()) <= 80 for line in end)
    assert len(end) <= 24, text
    assert next(line for line in end if line).startswith("Diagnosis (AAN 2013 consensus): ")
    assert DISCLAIMER in text
    assert end[-1] == "The profile was not saved."
    result = screen(profile, studies, AS_OF)
    for trial in result:  # every verdict, one line each
        assert (
            sum(line.startswith(f"{MARKS[trial.verdict]} {trial.study.id}: ") for line in end) == 1
        )
    # The missing fields: once, in the cross-trial next steps, never again per trial.
    flat = " ".join(text.split())
    for step in next_steps(result):
        assert step.text in flat
        for key in step.fields:
            assert flat.count(key) == 1, key
    if all(t.verdict is not Verdict.NEEDS_INFORMATION for t in result):
        assert "Next steps: none" in text
