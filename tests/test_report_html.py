"""Issue 7: the HTML report: golden files, structure, self-containment, print layout."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from pml_trials import DISCLAIMER
from pml_trials.engine.run import InputProblem
from pml_trials.render.report.html_writer import HtmlWriter
from pml_trials.studies.model import Study
from tests.test_report_support import (
    ELIGIBLE,
    INELIGIBLE,
    NEEDS_INFORMATION,
    PATIENTS,
    check_html,
    run_info,
    screen_example,
    write_report,
)


def report(
    studies: tuple[Study, ...], *patients: str, problems: tuple[InputProblem, ...] = ()
) -> str:
    results = [screen_example(p, studies) for p in patients]
    return write_report(HtmlWriter(run_info(studies)), results, problems)


@pytest.mark.parametrize("patient", PATIENTS)
def test_report_matches_golden(
    patient: str, studies: tuple[Study, ...], golden: Callable[[str, str], None]
) -> None:
    golden(f"report/{patient}.html", report(studies, patient))


@pytest.mark.parametrize("patient", PATIENTS)
def test_report_is_well_formed(patient: str, studies: tuple[Study, ...]) -> None:
    checker = check_html(report(studies, patient))
    assert checker.tags.count("section") == 1 + 3 + 1 + 3  # patient, trials, studies, each study


def test_report_is_self_contained(studies: tuple[Study, ...]) -> None:
    document = report(studies, *PATIENTS)
    checker = check_html(document)
    assert "script" not in checker.tags and "link" not in checker.tags
    assert "<img" not in document and "url(" not in document and "@import" not in document
    assert "@font-face" not in document
    policy = 'http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;;'
    assert policy in document
    # every link is a source address someone may follow, never something loaded
    assert all(href.startswith(("http://", "https://")) for href in checker.hrefs)


def test_report_has_what_the_chart_needs(studies: tuple[Study, ...]) -> None:
    document = report(studies, NEEDS_INFORMATION)
    text = "".join(check_html(document).text)
    assert f"Patient {NEEDS_INFORMATION}" in text
    assert "Screening date" in text and "2026-11-25" in text
    assert "pml-trials 0.0.0-test" in text
    assert text.count(DISCLAIMER) == 3  # top, under the patient, bottom
    for study in studies:
        assert study.sha256 in text
        assert study.path.name in text
        for source in study.sources:
            assert source.citation in text
    assert "Last reviewed" in text
    assert "To decide this trial, find out (in this order):" in text
    assert "needs information" in text and "eligible" in text


def test_decisive_criteria_are_marked_in_words_and_class(studies: tuple[Study, ...]) -> None:
    document = report(studies, INELIGIBLE)
    result = screen_example(INELIGIBLE, studies)
    decisive = sum(len(trial.reasons) for trial in result)
    assert decisive > 0
    assert document.count('<tr class="decisive">') == decisive
    assert document.count("(decisive)") == decisive
    assert 'class="verdict v-ineligible"' in document


def test_unknown_criteria_are_marked(studies: tuple[Study, ...]) -> None:
    document = report(studies, NEEDS_INFORMATION)
    result = screen_example(NEEDS_INFORMATION, studies)
    unknown = sum(c.value is None for trial in result for c in trial.criteria)
    assert document.count('<tr class="unknown">') == unknown == 5


def test_batch_is_one_document_with_a_page_per_patient(studies: tuple[Study, ...]) -> None:
    problem = InputProblem("in/<b>bad</b>.json", None, "invalid JSON: expected value")
    document = report(studies, *PATIENTS, problems=(problem,))
    checker = check_html(document)
    assert document.count('<section class="patient">') == 3
    assert document.count("<!DOCTYPE html>") == 1
    css = document[document.index("<style>") : document.index("</style>")]
    assert re.search(r"@media print \{[^@]*\.patient \+ \.patient[^}]*break-before: page", css)
    text = "".join(checker.text)
    assert "Inputs that could not be screened" in text
    assert "in/<b>bad</b>.json: invalid JSON: expected value" in text
    assert "3 patients screened; 1 input not screened." in text
    order = [text.index(f"Patient {p}") for p in PATIENTS]
    assert order == sorted(order)  # in input order
    assert text.index(f"Patient {PATIENTS[-1]}") < text.index("Inputs that could not")


def test_problems_are_held_back_until_the_footer(studies: tuple[Study, ...]) -> None:
    writer = HtmlWriter(run_info(studies))
    assert writer.problem(InputProblem("a.json", "age_years", "too old")) == ""


def test_render_returns_a_picklable_string(studies: tuple[Study, ...]) -> None:
    import pickle

    chunk = HtmlWriter(run_info(studies)).render(screen_example(ELIGIBLE, studies))
    assert type(chunk) is str  # plain text, whatever the builder used inside
    assert pickle.loads(pickle.dumps(chunk)) == chunk
