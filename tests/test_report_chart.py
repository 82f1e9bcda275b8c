"""Issue 16: privacy on paper (file names, never an invalid patient id), the blank
pre-screen form, and the report options through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.engine.run import InputProblem
from pml_trials.profile.fields import BY_KEY, SECTIONS
from pml_trials.render.report.chart import file_name, on_paper
from pml_trials.render.report.form import form_fields
from pml_trials.studies.model import Study
from tests.test_report_support import check_html

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parent.parent / "examples/patients"


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("/home/dr-x/ward 7/smith-john/p1.json", "p1.json"),
        ("registry/all.jsonl:12", "all.jsonl, line 12"),
        ("-", "standard input"),
        ("-:3", "standard input, line 3"),
        ("p1.json", "p1.json"),
    ],
)
def test_a_report_names_the_file_never_its_folders(source: str, printed: str) -> None:
    assert file_name(source) == printed


def test_an_invalid_patient_id_is_never_printed() -> None:
    problem = InputProblem("/data/ward/x.json", "patient_id", '"John Smith" is not a valid id')
    shown = on_paper(problem)
    assert "John" not in shown.message and "Smith" not in shown.message
    assert shown.source == "x.json" and shown.field == "patient_id"
    other = on_paper(InputProblem("a/b.json", "age_years", "-3 is below the minimum 0"))
    assert other.message == "-3 is below the minimum 0"


@pytest.mark.parametrize("output_format", ["html", "markdown"])
def test_batch_reports_never_echo_an_invalid_patient_id(output_format: str, tmp_path: Path) -> None:
    bad = tmp_path / "ward-7" / "bad.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps({"patient_id": "John Smith", "age_years": 40}), "utf-8")
    out = tmp_path / f"report.{output_format}"
    args = ["screen", str(bad), str(EXAMPLES / "ex-08-icl.json"), "-f", output_format]
    result = runner.invoke(app, [*args, "-o", str(out), "--as-of", "2026-11-25"])
    assert result.exit_code == 3
    text = out.read_text("utf-8")
    assert "Smith" not in text and "ward-7" not in text and str(tmp_path) not in text
    assert "bad.json" in text and "not a valid patient id" in text


def test_the_form_asks_what_the_studies_read_in_the_questionnaires_order(
    studies: tuple[Study, ...],
) -> None:
    specs = form_fields(studies)
    read = {key for s in studies for key in s.fields} & set(BY_KEY)
    assert {s.key for s in specs} == read | {"patient_id", "screening_date"}
    order = list(BY_KEY)
    assert [s.key for s in specs] == sorted((s.key for s in specs), key=order.index)
    one = form_fields([s for s in studies if s.id == "cmx001"])
    assert "hla_typing_available" not in {s.key for s in one}  # only the chosen study's
    assert len(one) < len(specs)


def test_the_html_form_has_sections_units_and_boxes() -> None:
    result = runner.invoke(app, ["form"], catch_exceptions=False)
    assert result.exit_code == 0
    checker = check_html(result.output)
    text = "".join(checker.text)
    sections = [s for s in SECTIONS if s in text]
    assert [text.index(s) for s in sections] == sorted(text.index(s) for s in sections)
    assert "☐ yes   ☐ no   ☐ unknown" in text
    assert (
        "(a number 1–400 kg)" in text
        and "☐ detected   ☐ not detected   ☐ not done   ☐ unknown" in text
    )
    assert "HLA typing / donor search" in text  # how to find it out
    assert "size: A4" in result.output
    letter = runner.invoke(app, ["form", "--paper", "letter"], catch_exceptions=False)
    assert "size: letter" in letter.output


def test_the_markdown_form_for_one_trial_parses_as_tables() -> None:
    result = runner.invoke(app, ["form", "-f", "markdown", "-t", "cmx001"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "hla_typing_available" not in result.output
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(result.output)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert "table_open" in kinds and "html_inline" not in kinds and "html_block" not in kinds
    assert "| Is the patient pregnant or breastfeeding? (`pregnant_or_breastfeeding`) |" in (
        result.output
    )


def test_an_unknown_trial_for_the_form_is_a_usage_error() -> None:
    result = runner.invoke(app, ["form", "-t", "no-such-trial"])
    assert result.exit_code == 2


def test_screen_detail_and_paper_options(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    base = ["screen", str(EXAMPLES), "-o", str(out), "--as-of", "2026-11-25"]
    assert runner.invoke(app, [*base, "--detail", "none", "--paper", "letter"]).exit_code == 0
    text = out.read_text("utf-8")
    assert text.count('<section class="patient"') == 0 and "size: letter" in text
    assert runner.invoke(app, base).exit_code == 0
    actionable = out.read_text("utf-8").count('<section class="patient"')
    assert runner.invoke(app, [*base, "--detail", "all"]).exit_code == 0
    assert out.read_text("utf-8").count('<section class="patient"') == 14 > actionable > 0


def test_explain_paper_option_and_a_bad_value(tmp_path: Path) -> None:
    profile = str(EXAMPLES / "ex-08-icl.json")
    ok = runner.invoke(app, ["explain", profile, "-f", "html", "--paper", "letter"])
    assert ok.exit_code == 0 and "size: letter" in ok.output
    bad = runner.invoke(app, ["explain", profile, "-f", "html", "--paper", "a5"])
    assert bad.exit_code == 2
