"""The clinic report as one self-contained, printable HTML file.

One document for one patient (``explain``: the chart copy) or a whole batch (``screen``):
``header()`` opens it; a batch first gets a patient x trial overview, then (``--detail``)
the pages of each patient eligible or needing information for some trial, held in a
spooled temporary file until the overview is complete. Each patient is a
``<section class="patient">``: a first page to file and sign, then the criterion-by-
criterion detail (:mod:`~pml_trials.render.report.html_chart`). Problems and the studies'
provenance (sources, last review, checksums) close it in ``closing()``. Printed on A4 by
default (``--paper letter``), every page says whose it is and "page x of y". Inline CSS only; no
scripts, fonts, images or other files, and a Content-Security-Policy that would block
them anyway. All text from profiles and criteria files is escaped by
:mod:`~pml_trials.render.report.markup`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pml_trials.engine import ScreeningResult
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.render.base import ReportWriter
from pml_trials.render.report.chart import (
    Detail,
    ReportOptions,
    actionable,
    detail_words,
    keeps,
)
from pml_trials.render.report.held import Held
from pml_trials.render.report.html_chart import (
    detail,
    overview_head,
    overview_row,
    page_name,
    page_rule,
    study_notes,
    summary_page,
)
from pml_trials.render.report.html_footer import (
    facts,
    problems_section,
    studies_section,
    tally_section,
)
from pml_trials.render.report.markup import Markup, block, el
from pml_trials.render.report.problems import ProblemList
from pml_trials.render.report.style import CSS, paper_css
from pml_trials.render.report.values import ranked_fields

TITLE = "PML trial pre-screening report"
# Defence in depth: even if some text escaped escaping, nothing could load or run.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class HtmlWriter(ReportWriter):
    """``--format html``: see the module docstring."""

    def __init__(self, run: RunInfo, options: ReportOptions | None = None) -> None:
        super().__init__(run)
        self.options = options or ReportOptions()
        self._problems = ProblemList()  # listed together at the end, bounded
        self._held = Held()  # a batch's patient pages, until the overview is complete
        self._pages = Held()  # their @page rules: one style sheet before the pages
        # Printed pages shorten what no verdict turns on (an ineligible trial's met
        # criteria, the sources' full citations) unless a batch asks --detail all.
        self._brief = self.options.detail is not Detail.all

    def header(self) -> str:
        head = block(
            "head",
            el("meta", charset="utf-8"),
            el("meta", name="viewport", content="width=device-width, initial-scale=1"),
            el("meta", http_equiv="Content-Security-Policy", content=POLICY),
            el("meta", name="referrer", content="no-referrer"),
            el("title", TITLE),
            el("style", Markup(CSS + paper_css(self.options.paper, self.run))),
        )
        intro = block(
            "header",
            el("h1", TITLE),
            el("p", self.run.disclaimer, class_="disclaimer"),
            facts(
                ("Generated", f"{self.run.screened_at} by pml-trials {self.run.tool_version}"),
                ("Dates counted to", _as_of_words(self.run)),
                ("Studies", ", ".join(s.id for s in self.run.studies)),
            ),
            class_="run" if self.options.overview else "run chart",
        )
        text = f'<!DOCTYPE html>\n<html lang="en">\n{head}\n<body>\n{intro}\n<main>\n'
        if self.options.overview:
            text += (
                '<section class="overview">\n'
                + el("h2", "Overview: every patient, every trial")
                + '\n<table class="overview">\n'
                + overview_head(self.run.studies)
                + "\n<tbody>\n"
            )
        return text

    def render(self, result: ScreeningResult) -> tuple[str, bool, str, str]:
        """The overview row, whether the patient is actionable, the patient's pages and
        the ``@page`` rule that names the patient on each of them."""
        ranked = ranked_fields(result)
        name = page_name(result.patient_id) if self.options.overview else None
        rule = page_rule(name, result)
        section = block(
            "section",
            # A batch gathers its patients' rules into one style sheet (closing()):
            # Chromium prints a 500-patient report in 3/4 of the time it takes when each
            # patient brings a style sheet of its own.
            None if name else el("style", Markup(rule)),
            summary_page(result, ranked, self.run),
            detail(result, self.run.within_km, brief=self._brief, notes_once=bool(name)),
            class_="patient",
            style=f"page: {name}" if name else None,
        )
        row = str(overview_row(result)) if self.options.overview else ""
        return row, actionable(result), section + "\n", rule + "\n" if name else ""

    def emit(self, chunk: Any) -> str:
        if isinstance(chunk, str):  # a patient rendered by an older writer: kept whole
            return chunk
        row, is_actionable, section, rule = chunk
        if not self.options.overview:
            return str(section)
        if keeps(self.options, bool(is_actionable)):
            self._held.add(section)
            self._pages.add(rule)
        return str(row) + "\n"

    def problem(self, problem: InputProblem) -> str:
        self._problems.add(problem)
        return ""

    def footer(self, tally: Tally) -> str:
        return "".join(self.closing(tally))

    def closing(self, tally: Tally) -> Iterator[str]:
        if self.options.overview:
            words = detail_words(self.options, self._held.count)
            yield "</tbody>\n</table>\n" + el("p", words) + "\n</section>\n"
        if self._held.count:
            yield str(study_notes(self.run.studies)) + "\n"
        if self._pages.count:
            yield "<style>\n"
            yield from self._pages.drain()
            yield "</style>\n"
        yield from self._held.drain()
        parts = ["</main>"]
        if self._problems.kept:
            parts.append(problems_section(self._problems.kept, self._problems.more))
        if tally.patients > 1 or self._problems.kept:
            parts.append(tally_section(tally))
        parts.append(studies_section(self.run.studies, brief=self._brief))
        parts.append(
            block(
                "footer",
                el(
                    "p",
                    f"pml-trials {self.run.tool_version}, run at {self.run.screened_at}.",
                    class_="run-line",
                ),
                el("p", self.run.disclaimer, class_="disclaimer"),
            )
        )
        yield "\n".join(parts) + "\n</body>\n</html>\n"


def _as_of_words(run: RunInfo) -> str:
    return f"each profile's screening date, or else {run.as_of.isoformat()}"
