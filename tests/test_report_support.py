"""Helpers shared by the explain and report tests (screening example patients, a fixed
run, a strict HTML structure checker), and the tests that show the checker can fail."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pml_trials.engine import ScreeningResult, screen
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.profile.validate import validate_json
from pml_trials.render.base import ReportWriter
from pml_trials.studies.model import Study

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 25)
# One patient per verdict, found by screening examples/patients against the bundled studies.
ELIGIBLE = "ex-08-icl"  # eligible for all three studies
INELIGIBLE = "ex-12-not-pml-ms-relapse"  # ineligible for all three
NEEDS_INFORMATION = "ex-11-pid-cd40l"  # eligible, and needs information for two
PATIENTS = (ELIGIBLE, INELIGIBLE, NEEDS_INFORMATION)

VOID = {"meta", "br", "hr", "wbr", "link", "img", "input"}
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section",
    "h1", "h2", "h3", "h4", "p", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tr",
    "th", "td", "ul", "ol", "li", "span", "strong", "code", "div", "br", "a",
}  # fmt: skip


def run_info(studies: Sequence[Study]) -> RunInfo:
    """A run with a fixed clock and version, so goldens do not change on their own."""
    return RunInfo(tuple(studies), "2026-11-25T19:20:00Z", AS_OF, tool_version="0.0.0-test")


def screen_example(patient: str, studies: Sequence[Study]) -> ScreeningResult:
    relative = f"examples/patients/{patient}.json"
    profile = validate_json((ROOT / relative).read_bytes(), source=relative)
    return screen(profile, studies, AS_OF, relative)


def write_report(
    writer: ReportWriter,
    results: Sequence[ScreeningResult],
    problems: Sequence[InputProblem] = (),
) -> str:
    """Drive a writer the way a batch does: header, each patient, problems, footer."""
    tally = Tally()
    parts = [writer.header()]
    for result in results:
        tally.add(result)
        parts.append(writer.emit(writer.render(result)))
    for problem in problems:
        tally.problems += 1
        parts.append(writer.problem(problem))
    parts.append(writer.footer(tally))
    return "".join(parts)


class StructureChecker(HTMLParser):
    """Strict enough for generated HTML: every element closed in order, only the elements
    the report uses, no event handlers, links only to http(s); collects the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"unexpected element <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("src", "srcdoc", "formaction"):
                self.errors.append(f"attribute {name} on <{tag}>")
            if name == "href":
                self.hrefs.append(value or "")
                if not re.match(r"https?://", value or ""):
                    self.errors.append(f"link to {value!r}")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag of void element </{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(document: str) -> StructureChecker:
    """Parse ``document``; raise AssertionError listing every structural problem."""
    checker = StructureChecker()
    checker.feed(document)
    checker.close()
    problems = list(checker.errors)
    if checker.stack:
        problems.append(f"never closed: {checker.stack}")
    if checker.doctype.lower() != "doctype html":
        problems.append(f"doctype is {checker.doctype!r}")
    problems += [
        f"<{tag}> appears {checker.tags.count(tag)} times"
        for tag in ("html", "head", "title", "body", "main")
        if checker.tags.count(tag) != 1
    ]
    assert not problems, problems
    return checker


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("<div><p>x</div></p>", "closes"),
        ("<div>", "never closed"),
        ('<a href="javascript:alert(1)">x</a>', "link to"),
        ('<span onclick="x()">x</span>', "attribute onclick"),
        ("<script>alert(1)</script>", "unexpected element <script>"),
        ("<br/>", "self-closing"),
    ],
)
def test_the_structure_checker_finds_what_it_must(document: str, problem: str) -> None:
    page = f"<!DOCTYPE html><html><head><title>t</title></head><body><main>{document}</main>"
    page += "</body></html>"
    with pytest.raises(AssertionError, match=problem):
        check_html(page)


def test_the_structure_checker_accepts_a_plain_document() -> None:
    page = "<!DOCTYPE html><html><head><title>t</title></head><body><main><p>a &lt; b</p>"
    checker = check_html(page + "</main></body></html>")
    assert "a < b" in "".join(checker.text)
