"""Issues 7 and 16: the HTML report: golden files, structure, self-containment, print
layout; the chart copy's first page (verdicts, reasons in clinical words, next steps, a
reviewer block) and a batch's overview with --detail."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest

from pml_trials import DISCLAIMER
from pml_trials.engine.run import InputProblem
from pml_trials.profile.fields import FIELDS
from pml_trials.render.report.chart import Detail, Paper, ReportOptions
from pml_trials.render.report.html_chart import label_runs
from pml_trials.render.report.html_writer import HtmlWriter
from pml_trials.render.report.values import criterion_labels, labelled
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

CHART = ReportOptions(overview=False)  # explain's chart copy of one patient


def report(
    studies: tuple[Study, ...],
    *patients: str,
    problems: tuple[InputProblem, ...] = (),
    options: ReportOptions = CHART,
) -> str:
    results = [screen_example(p, studies) for p in patients]
    return write_report(HtmlWriter(run_info(studies), options), results, problems)


def batch(studies: tuple[Study, ...], *patients: str, **kwargs: object) -> str:
    problems = kwargs.pop("problems", ())
    options = ReportOptions(**kwargs)  # type: ignore[arg-type]
    return report(studies, *patients, problems=problems, options=options)  # type: ignore[arg-type]


@pytest.mark.parametrize("patient", PATIENTS)
def test_report_matches_golden(
    patient: str, studies: tuple[Study, ...], golden: Callable[[str, str], None]
) -> None:
    golden(f"report/{patient}.html", report(studies, patient))


@pytest.mark.parametrize("patient", PATIENTS)
def test_report_is_well_formed(patient: str, studies: tuple[Study, ...]) -> None:
    checker = check_html(report(studies, patient))
    # patient, next steps, reviewer, trials; studies, each study
    assert checker.tags.count("section") == 1 + 1 + 1 + 3 + 1 + 3


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
    assert text.count(DISCLAIMER) == 3  # top, on the first page, bottom
    for study in studies:
        assert study.sha256 in text
        assert study.path.name in text
        for source in study.sources:
            assert source.citation in text
    assert "Last reviewed" in text
    assert "To decide, find out:" in text
    assert "needs information" in text and "eligible" in text
    assert "Diagnosis (AAN 2013)" in text
    assert "Next steps" in text and "HLA typing / donor search: could decide tcell-transfer" in text
    for box in ("Reviewed by (name)", "Signature", "Date", "Site"):
        assert box in text
    assert "examples/patients" not in document  # the file's name only, never its folders
    assert f"{NEEDS_INFORMATION}.json" in text


@pytest.mark.parametrize("patient", PATIENTS)
def test_the_first_page_speaks_in_clinical_words_not_json_keys(
    patient: str, studies: tuple[Study, ...]
) -> None:
    document = report(studies, patient)
    first = document[
        document.index('<div class="summary-page">') : document.index('<div class="detail">')
    ]
    words = html.unescape(re.sub(r"<[^>]+>", " ", first))
    keys = [spec.key for spec in FIELDS if spec.key in words]
    assert keys == []
    assert "Signature" in words


def test_an_ineligible_verdict_gives_the_answers_that_decided_it(
    studies: tuple[Study, ...],
) -> None:
    document = report(studies, INELIGIBLE)
    assert "Inclusion not met (confirmed-pml)" in document
    assert "CSF JC virus PCR: not detected" in document


def test_every_printed_page_names_the_patient_date_and_page(studies: tuple[Study, ...]) -> None:
    document = report(studies, ELIGIBLE)
    css = "".join(re.findall(r"<style>(.*?)</style>", document, flags=re.S))
    assert "size: A4" in css
    assert 'counter(page) " of " counter(pages)' in css
    assert (
        f'@page {{ @top-left {{ content: "Patient {ELIGIBLE} - screening date " "2026-11-25"' in css
    )
    letter = write_report(
        HtmlWriter(run_info(studies), ReportOptions(paper=Paper.letter, overview=False)),
        [screen_example(ELIGIBLE, studies)],
    )
    assert "size: letter" in letter and "size: A4" not in letter


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
    problem = InputProblem("ward-7/<b>bad.json", None, "invalid JSON: expected value")
    document = batch(studies, *PATIENTS, problems=(problem,), detail=Detail.all)
    checker = check_html(document)
    assert document.count('<section class="patient"') == 3
    assert document.count("<!DOCTYPE html>") == 1
    css = document[document.index("<style>") : document.index("</style>")]
    assert re.search(r"@media print \{[^@]*\.patient \{ break-before: page", css)
    for patient in PATIENTS:  # each patient's pages are a named page with its own header
        assert f'style="page: p-{patient.replace("-", "_2d_")}"' in document
    text = "".join(checker.text)
    assert "Inputs that could not be screened" in text
    assert "<b>bad.json: invalid JSON: expected value" in text  # the name, not the folder
    assert "ward-7" not in document
    assert "3 patients screened; 1 input not screened." in text
    order = [text.index(f"Patient {p}") for p in PATIENTS]
    assert order == sorted(order)  # in input order
    assert text.index(f"Patient {PATIENTS[-1]}") < text.index("Inputs that could not")
    assert text.index("Overview: every patient, every trial") < order[0]


@pytest.mark.parametrize(
    ("detail", "pages"),
    [(Detail.all, PATIENTS), (Detail.actionable, (ELIGIBLE, NEEDS_INFORMATION)), (Detail.none, ())],
)
def test_batch_detail_is_for_the_patients_asked_for(
    detail: Detail, pages: tuple[str, ...], studies: tuple[Study, ...]
) -> None:
    document = batch(studies, *PATIENTS, detail=detail)
    overview = document[document.index('<table class="overview">') : document.index("</table>")]
    for patient in PATIENTS:  # every patient is in the overview
        assert f'<span class="pid">{patient}</span>' in overview
    assert document.count('<section class="patient"') == len(pages)
    for patient in pages:
        assert f"Criterion by criterion: patient {patient}" in "".join(check_html(document).text)
    assert f": {len(pages)} patient(s)." in document


def test_problems_are_held_back_until_the_footer(studies: tuple[Study, ...]) -> None:
    writer = HtmlWriter(run_info(studies))
    assert writer.problem(InputProblem("a.json", "age_years", "too old")) == ""


def test_render_returns_picklable_plain_text(studies: tuple[Study, ...]) -> None:
    import pickle

    writer = HtmlWriter(run_info(studies))
    row, actionable, pages, rule = writer.render(screen_example(ELIGIBLE, studies))
    assert type(row) is str and type(pages) is str and actionable is True  # not Markup
    assert type(rule) is str and rule.startswith("@page p-")
    chunk = (row, actionable, pages, rule)
    assert pickle.loads(pickle.dumps(chunk)) == chunk


# -- issue 16: what the printed chart copy keeps (print CSS hides the rest) ---------------


def _rows(document: str) -> list[str]:
    return re.findall(r"<tr(?: class=\"[^\"]*\")?>\n?<td>[IE][0-9]+</td>.*?</tr>", document, re.S)


@pytest.mark.parametrize("patient", [f"ex-{n:02d}" for n in range(1, 15)])
def test_print_lists_by_label_only_the_met_criteria_of_ineligible_trials(
    patient: str, studies: tuple[Study, ...]
) -> None:
    from tests.test_report_print import EXAMPLES  # the example patients' file names

    name = next(e for e in EXAMPLES if e.startswith(patient))
    result = screen_example(name, studies)
    document = report(studies, name)
    on_screen = 0
    for trial in result:
        brief = [
            c for c in trial.criteria if trial.verdict.value == "ineligible" and c.value is not None
        ]
        brief = [c for c in brief if not c.decisive]
        on_screen += len(brief)
        for c in trial.criteria:  # the screen view keeps every criterion's words
            assert html.escape(c.criterion.text, quote=False) in document, c.criterion.id
    rows = _rows(document)
    assert len(rows) == sum(len(t.criteria) for t in result)
    assert sum(row.startswith('<tr class="on-screen">') for row in rows) == on_screen
    assert document.count('<div class="by-label on-paper">') == sum(
        any(t.verdict.value == "ineligible" and c.value is not None and not c.decisive
            for c in t.criteria)
        for t in result
    )  # fmt: skip
    css = document[document.index("<style>") : document.index("</style>")]
    assert re.search(r"@media print \{[^@]*\.on-screen, tr\.on-screen \{ display: none; \}", css)
    assert re.search(r"^\.on-paper \{ display: none; \}", css, re.M)  # on screen: full rows only


def test_an_ineligible_trials_brief_list_names_each_met_criterion_and_its_answer(
    studies: tuple[Study, ...],
) -> None:
    document = report(studies, INELIGIBLE)
    listed = document[document.index('<div class="by-label on-paper">') :]
    listed = listed[: listed.index("</div>")]
    assert "listed by label" in listed and "pml-trials explain" in listed
    assert "<li><strong>I2</strong> adult: ✓ met (Age: 33 years)</li>" in listed
    assert "confirmed-pml" not in listed  # decisive: printed in full, not by label
    # a decided trial's notes print only for the criteria printed in full
    notes = re.findall(r"<li( class=\"on-screen\")?><strong>([IE][0-9]+)</strong> note:", document)
    assert ("", "I1") in notes and (' class="on-screen"', "I2") in notes


@pytest.mark.parametrize("patient", [ELIGIBLE, NEEDS_INFORMATION])
def test_eligible_and_undecided_trials_print_every_criterion_in_full(
    patient: str, studies: tuple[Study, ...]
) -> None:
    result = screen_example(patient, studies)
    assert all(t.verdict.value != "ineligible" for t in result)
    document = report(studies, patient)
    assert not [row for row in _rows(document) if row.startswith('<tr class="on-screen">')]
    assert 'class="by-label on-paper"' not in document
    assert '<li class="on-screen"><strong>' not in document  # every note printed


def test_a_batch_with_detail_all_prints_every_criterion_and_source_in_full(
    studies: tuple[Study, ...],
) -> None:
    shortened = batch(studies, INELIGIBLE, detail=Detail.actionable)  # ex-12 is held back
    assert '<div class="by-label on-paper">' not in shortened  # no detail pages at all
    assert '<span class="on-paper">(as above)</span>' in shortened  # provenance shortened
    everything = batch(studies, *PATIENTS, detail=Detail.all)
    assert INELIGIBLE in everything and "Criterion by criterion" in everything
    assert '<tr class="on-screen">' not in everything
    assert 'class="by-label on-paper"' not in everything
    assert '<li class="on-screen"><strong>' not in everything
    assert '<span class="on-paper">' not in everything.split('<section class="studies">')[1]
    chart = report(studies, INELIGIBLE)  # explain's chart copy shortens
    assert '<tr class="on-screen">' in chart and 'class="by-label on-paper"' in chart


# -- issue 16: a batch prints the studies' notes once; its patients' @page rules together ------


def _patient_sections(document: str) -> dict[str, str]:
    parts = document.split('<section class="patient"')[1:]
    found = {}
    for part in parts:
        pid = re.search(r'<span class="pid">([^<]+)</span>', part)
        assert pid is not None
        found[pid.group(1)] = part
    return found


@pytest.mark.parametrize("detail", [Detail.all, Detail.actionable])
def test_a_batch_prints_each_studys_notes_once_and_each_trial_names_them(
    detail: Detail, studies: tuple[Study, ...]
) -> None:
    document = batch(studies, *PATIENTS, detail=detail)
    text = "".join(check_html(document).text)
    noted = 0
    for study in studies:
        for tag, c in zip(criterion_labels(study.criteria), study.criteria, strict=True):
            if c.note:
                noted += 1
                assert text.count(c.note) == 1, (study.id, c.id)  # once, in Study notes
                assert f"{tag} {c.id} note: {c.note}" in text
    assert noted > 10
    notes_at = document.index('<section class="study-notes">')
    assert document.index("Overview: every patient, every trial") < notes_at
    assert notes_at < document.index('<section class="patient"')
    sections = _patient_sections(document)
    assert sections
    for patient, section in sections.items():
        assert " note: " not in section and "note below" not in section
        for trial in screen_example(patient, studies):
            tags = label_runs([tag for tag, c in labelled(trial) if c.criterion.note])
            ref = f"The file's notes on {tags}: in Study notes, {trial.study.id} (before"
            assert html.escape(ref, quote=False) in section, (patient, trial.study.id)
    css = document[document.index("<style>") : document.index("</style>")]
    assert re.search(r"@media print \{[^@]*\.study-notes \{ break-before: page", css)


def test_the_chart_copy_keeps_each_note_under_its_trial(studies: tuple[Study, ...]) -> None:
    document = report(studies, NEEDS_INFORMATION)
    assert 'class="study-notes"' not in document and 'class="notes-ref"' not in document
    for trial in screen_example(NEEDS_INFORMATION, studies):
        for tag, c in labelled(trial):
            if c.criterion.note:
                note = html.escape(f" note: {c.criterion.note}", quote=False)
                assert f"<li><strong>{tag}</strong>{note}</li>" in document


def test_a_batch_puts_its_patients_page_rules_in_one_style_sheet(
    studies: tuple[Study, ...],
) -> None:
    document = batch(studies, *PATIENTS, detail=Detail.all)
    sheets = re.findall(r"<style>(.*?)</style>", document, flags=re.S)
    assert len(sheets) == 2  # the head's, and the patients' page rules
    rules = re.findall(r"@page (p-\S+) \{ @top-left \{ content: \"Patient ([^\"]+) - ", sheets[1])
    assert [patient for _, patient in rules] == list(PATIENTS)
    for name, patient in rules:
        assert f'<section class="patient" style="page: {name}">' in document, patient
    assert document.index(sheets[1]) < document.index('<section class="patient"')
    none = batch(studies, *PATIENTS, detail=Detail.none)
    assert none.count("<style>") == 1 and 'class="study-notes"' not in none


def test_on_screen_a_long_batch_lays_out_only_the_patients_in_view(
    studies: tuple[Study, ...],
) -> None:
    css = batch(studies, ELIGIBLE).split("</style>")[0]
    screen = css[css.index("@media screen {") : css.index("@media print {")]
    assert ".patient { content-visibility: auto;" in screen  # skipped until scrolled to
    assert "content-visibility" not in css[css.index("@media print {") :]  # print: all


@pytest.mark.parametrize(
    ("tags", "words"),
    [
        (["I1"], "I1"),
        (["I1", "I2", "I3", "E1", "E2"], "I1–I3, E1–E2"),
        (["I1", "I3", "I4", "E2"], "I1, I3–I4, E2"),
        (["I9", "I10", "I11", "E1"], "I9–I11, E1"),
        (["I2", "E3", "E4", "E6"], "I2, E3–E4, E6"),
    ],
)
def test_noted_criteria_are_named_by_label_ranges(tags: list[str], words: str) -> None:
    assert label_runs(tags) == words


def test_the_criterion_cells_built_once_per_batch_are_those_built_every_time(
    studies: tuple[Study, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pml_trials.render.report import html_chart

    cached = batch(studies, *PATIENTS, ELIGIBLE, NEEDS_INFORMATION, detail=Detail.all)
    assert html_chart._CELLS
    monkeypatch.setattr(html_chart, "_CELLS_MAX", 1)  # evicted on every new criterion
    html_chart._CELLS.clear()
    assert batch(studies, *PATIENTS, ELIGIBLE, NEEDS_INFORMATION, detail=Detail.all) == cached
    assert len(html_chart._CELLS) == 1
    monkeypatch.undo()
    chart = report(studies, ELIGIBLE)  # the chart copy's cells say "note below"
    assert "note below" in chart
    assert "note below" not in batch(studies, ELIGIBLE, detail=Detail.all)  # a batch's do not
    assert report(studies, ELIGIBLE) == chart
