"""Issues 7 and 16: the Markdown report, as golden files and as a Markdown parser reads
it: the chart copy of one patient, and a batch's overview with --detail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from markdown_it import MarkdownIt

from pml_trials import DISCLAIMER
from pml_trials.engine.run import InputProblem
from pml_trials.render.report.chart import Detail, ReportOptions
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
    studies: tuple[Study, ...],
    *patients: str,
    problems: tuple[InputProblem, ...] = (),
    options: ReportOptions | None = None,
) -> str:
    """The chart copy of one patient (explain), or with ``options`` a batch report."""
    results = [screen_example(p, studies) for p in patients]
    chosen = options or ReportOptions(overview=False)
    return write_report(MarkdownWriter(run_info(studies), chosen), results, problems)


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
    assert "To decide, find out: Investigator's estimate of life expectancy?; Is a suitably" in text
    assert "**HLA typing / donor search**: could decide tcell-transfer" in text
    assert "| Reviewed by (name) | Signature | Date | Site |" in text
    assert "- Diagnosis (AAN 2013): " in text
    assert f"- Profile: {NEEDS_INFORMATION}.json" in text  # the name, never the folders


def test_every_table_row_keeps_its_columns(studies: tuple[Study, ...]) -> None:
    tokens = parse(report(studies, *PATIENTS, options=ReportOptions(detail=Detail.all)))
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
    # the counts 4, the verdicts, reviewer and criteria tables 4, the overview 6
    assert rows and set(rows) <= {4, 6}
    assert not [t for t in tokens if getattr(t, "type", "") in ("html_block",)]


def test_batch_report_lists_problems_and_counts(studies: tuple[Study, ...]) -> None:
    problem = InputProblem("ward-7/bad|<b>x.json", "age_years", "-3 is below the minimum 0")
    options = ReportOptions(detail=Detail.all)
    text = report(studies, ELIGIBLE, INELIGIBLE, problems=(problem,), options=options)
    assert text.count("## Patient ") == 2
    assert "## Inputs that could not be screened" in text
    assert "- `bad|<b>x.json`: age_years: -3 is below the minimum 0" in text
    assert "ward-7" not in text  # the file's name, never its folders
    assert "2 patients screened; 1 input not screened." in text
    assert "| `tcell-transfer` | 1 | 1 | 0 |" in text
    html = MarkdownIt("commonmark", {"html": True}).render(text)
    assert "<b>" not in html
    # patients come before problems and the provenance, in one document
    assert text.index("## Patient") < text.index("## Inputs") < text.index("## Studies screened")
    assert text.index("## Overview") < text.index("## Patient")


def test_batch_detail_actionable_leaves_out_the_ineligible(studies: tuple[Study, ...]) -> None:
    text = report(studies, *PATIENTS, options=ReportOptions())
    assert f"| {INELIGIBLE} | 2026-11-25 |" in text  # in the overview
    assert f"## Patient {INELIGIBLE}" not in text
    assert f"## Patient {ELIGIBLE}" in text and f"## Patient {NEEDS_INFORMATION}" in text
    none = report(studies, *PATIENTS, options=ReportOptions(detail=Detail.none))
    assert "## Patient " not in none and "no patient (--detail none): 0 patient(s)" in none


def test_single_patient_report_has_no_counts_table(studies: tuple[Study, ...]) -> None:
    assert "## Summary" not in report(studies, ELIGIBLE)
