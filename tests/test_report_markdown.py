"""Issue 7: the Markdown report, as golden files and as a Markdown parser reads it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from markdown_it import MarkdownIt

from pml_trials import DISCLAIMER
from pml_trials.engine.run import InputProblem
from pml_trials.render.report.markdown_writer import MarkdownWriter
from pml_trials.studies.model import Study
from tests.test_report_support import (
    ELIGIBLE,
    INELIGIBLE,
    NEEDS_INFORMATION,
    PATIENTS,
    run_info,
    screen_example,
    write_report,
)


def parse(text: str) -> list[object]:
    """CommonMark with GFM tables and raw HTML allowed, as a permissive renderer would."""
    return list(MarkdownIt("commonmark", {"html": True}).enable("table").parse(text))


def report(
    studies: tuple[Study, ...], *patients: str, problems: tuple[InputProblem, ...] = ()
) -> str:
    results = [screen_example(p, studies) for p in patients]
    return write_report(MarkdownWriter(run_info(studies)), results, problems)


@pytest.mark.parametrize("patient", PATIENTS)
def test_report_matches_golden(
    patient: str, studies: tuple[Study, ...], golden: Callable[[str, str], None]
) -> None:
    golden(f"report/{patient}.md", report(studies, patient))


def test_report_has_what_the_chart_needs(studies: tuple[Study, ...]) -> None:
    text = report(studies, NEEDS_INFORMATION)
    assert f"## Patient {NEEDS_INFORMATION}" in text
    assert "- Screening date: 2026-11-25" in text
    assert "pml-trials 0.0.0-test" in text
    assert text.count(DISCLAIMER) >= 2  # top and bottom, and under each patient
    for study in studies:
        assert study.sha256 in text
        assert f"- Last reviewed: {study.last_reviewed.isoformat()}" in text
    assert "To decide this trial, find out (in this order):" in text
    assert "1. Investigator's estimate of life expectancy?" in text
    assert "2. Is a suitably HLA-matched donor" in text


def test_every_table_row_keeps_its_columns(studies: tuple[Study, ...]) -> None:
    tokens = parse(report(studies, *PATIENTS))
    rows: list[int] = []
    cells = 0
    for token in tokens:
        kind = getattr(token, "type", "")
        if kind == "tr_open":
            cells = 0
        elif kind in ("td_open", "th_open"):
            cells += 1
        elif kind == "tr_close":
            rows.append(cells)
    assert rows and set(rows) <= {4, 5}  # summary tables 5 (with study status), criteria tables 4
    assert not [t for t in tokens if getattr(t, "type", "") in ("html_block",)]


def test_batch_report_lists_problems_and_counts(studies: tuple[Study, ...]) -> None:
    problem = InputProblem("in/bad|<b>x</b>.json", "age_years", "-3 is below the minimum 0")
    text = report(studies, ELIGIBLE, INELIGIBLE, problems=(problem,))
    assert text.count("## Patient ") == 2
    assert "## Inputs that could not be screened" in text
    assert "- `in/bad|<b>x</b>.json`: age_years: -3 is below the minimum 0" in text
    assert "2 patients screened; 1 input not screened." in text
    assert "| `tcell-transfer` | 1 | 1 | 0 |" in text
    html = MarkdownIt("commonmark", {"html": True}).render(text)
    assert "<b>" not in html
    # patients come before problems and the provenance, in one document
    assert text.index("## Patient") < text.index("## Inputs") < text.index("## Studies screened")


def test_single_patient_report_has_no_counts_table(studies: tuple[Study, ...]) -> None:
    assert "## Summary" not in report(studies, ELIGIBLE)
