"""Issue 7: the terminal explanation, as golden text and in the details that matter."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from rich.console import Console

from pml_trials.engine.choose import rank_questions
from pml_trials.render.terminal.explain import render_explanation
from pml_trials.studies.model import Study
from tests.test_report_support import NEEDS_INFORMATION, PATIENTS, screen_example


def explain_text(patient: str, studies: tuple[Study, ...]) -> str:
    out = StringIO()
    console = Console(file=out, width=100, color_system=None)
    console.print(render_explanation(screen_example(patient, studies)))
    # rich pads wrapped blocks with spaces; goldens keep no trailing whitespace
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())


@pytest.mark.parametrize("patient", PATIENTS)
def test_explanation_matches_golden(
    patient: str, studies: tuple[Study, ...], golden: Callable[[str, str], None]
) -> None:
    golden(f"explain/{patient}.txt", explain_text(patient, studies))


def test_every_criterion_appears_in_file_order_with_status_values_and_rule(
    studies: tuple[Study, ...],
) -> None:
    result = screen_example(NEEDS_INFORMATION, studies)
    text = explain_text(NEEDS_INFORMATION, studies)
    position = 0
    for trial in result:
        for criterion in trial.criteria:
            head = f"{criterion.criterion.id}: {criterion.status}"
            found = text.find(head, position)
            assert found > position, head  # in order, after the previous one
            position = found
            assert f"rule: {criterion.criterion.rule}" in " ".join(text.split())  # wrapped


def test_decisive_criteria_are_marked_in_words_and_red(studies: tuple[Study, ...]) -> None:
    text = explain_text("ex-02-hiv-aids-new", studies)
    assert "✗ E1  hiv-infection: applies (decisive)" in text
    assert "no-alternative-therapy: not met (decisive)" in text
    assert "no-other-opportunistic-infection: not met (decisive)" in text
    assert text.count("(decisive)") == 4
    out = StringIO()
    Console(file=out, width=100, color_system="standard", force_terminal=True).print(
        render_explanation(screen_example("ex-02-hiv-aids-new", studies))
    )
    assert "\x1b[1;31m  ✗ E1" in out.getvalue()  # bold red


def test_values_carry_units_and_words(studies: tuple[Study, ...]) -> None:
    text = " ".join(explain_text(NEEDS_INFORMATION, studies).split())  # unwrapped
    assert "egfr_ml_min_1_73m2: 128 mL/min/1.73 m²" in text
    assert "weight_kg: 61 kg" in text
    assert "able_to_consent: yes" in text
    assert "natalizumab_ever: no" in text
    assert "matched_donor_available: unknown" in text
    assert "gvhd_grade: grade 0" in text


def test_to_decide_list_follows_the_questionnaire_order(studies: tuple[Study, ...]) -> None:
    result = screen_example(NEEDS_INFORMATION, studies)
    text = explain_text(NEEDS_INFORMATION, studies)
    tcell = text[text.index("tcell-transfer: NEEDS INFORMATION") :]
    listed = tcell[tcell.index("To decide this trial") :]
    expected = [
        k for k in rank_questions(result) if k in result.trial("tcell-transfer").missing_fields
    ]
    assert expected == ["life_expectancy_weeks", "matched_donor_available", "pml_progressing"]
    positions = [listed.index(f"({key};") for key in expected]
    assert positions == sorted(positions)
    assert "Is a suitably HLA-matched donor" in listed
    # checkpoint-inhibitor (first) needs only the life expectancy: its own short list
    checkpoint = text[: text.index("cmx001: NEEDS INFORMATION")]
    assert checkpoint.count("To decide this trial") == 1 and "(life_expectancy_weeks;" in checkpoint


def test_criteria_text_is_never_read_as_markup(studies: tuple[Study, ...]) -> None:
    # "[cortese-2019]" style text and control characters pass through as plain text
    text = explain_text(NEEDS_INFORMATION, studies)
    assert "[mohn-2024]" in text
    assert "\x1b" not in text
