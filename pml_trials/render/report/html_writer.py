"""The clinic report as one self-contained, printable HTML file.

One document for one patient or a whole batch: ``header()`` opens it, each patient is a
``<section class="patient">`` (a new page when printed), problems and the studies'
provenance (sources, last review, checksums) close it in ``footer()``. Each patient shows
the AAN 2013 diagnostic category (and, for possible or probable PML, what would confirm
it); each study its recruitment status beside the verdict and the next step where the file
gives one; each criterion its wording mark and the file's note. Inline CSS only; no
scripts, fonts, images or other files, and a Content-Security-Policy that would block
them anyway. All text from profiles and criteria files is escaped by
:mod:`~pml_trials.render.report.markup`.
"""

from __future__ import annotations

from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.diagnosis import LABELS
from pml_trials.engine.result import not_confirmed
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.geo.travel import distance_note
from pml_trials.render.base import ReportWriter
from pml_trials.render.report.html_footer import (
    SHOWN_PROBLEMS,
    facts,
    problems_section,
    studies_section,
    tally_section,
)
from pml_trials.render.report.markup import Markup, block, el, join
from pml_trials.render.report.style import CSS
from pml_trials.render.report.values import (
    answer_hint,
    definitions_used,
    diagnosis_advice,
    labelled,
    left_out_words,
    nearest_words,
    ranked_fields,
    residence_words,
    site_lines,
    source_words,
    status_words,
    to_decide,
    values_read,
    verdict_words,
    within_split,
    wording_words,
)
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

TITLE = "PML trial pre-screening report"
# Defence in depth: even if some text escaped escaping, nothing could load or run.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class HtmlWriter(ReportWriter):
    """``--format html``: see the module docstring."""

    def __init__(self, run: RunInfo) -> None:
        super().__init__(run)
        self._problems: list[InputProblem] = []
        self._more_problems = 0  # past SHOWN_PROBLEMS: counted, not kept

    def header(self) -> str:
        head = block(
            "head",
            el("meta", charset="utf-8"),
            el("meta", name="viewport", content="width=device-width, initial-scale=1"),
            el("meta", http_equiv="Content-Security-Policy", content=POLICY),
            el("meta", name="referrer", content="no-referrer"),
            el("title", TITLE),
            el("style", Markup(CSS)),
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
        )
        return f'<!DOCTYPE html>\n<html lang="en">\n{head}\n<body>\n{intro}\n<main>\n'

    def render(self, result: ScreeningResult) -> str:
        ranked = ranked_fields(result)
        within = self.run.within_km
        trials, left = within_split(result, within)
        home = residence_words(result)
        left_out = None
        if left and within is not None:
            shown = "; ".join(left_out_words(t, within) for t in left)
            left_out = el("p", f"Left out by --within {within:g} km: {shown}.", class_="left-out")
        section = block(
            "section",
            el("h2", "Patient ", el("span", result.patient_id, class_="pid")),
            facts(
                ("Screening date", result.screening_date.isoformat()),
                ("Profile", source_words(result.source)),
                ("Diagnosis (AAN 2013 consensus)", LABELS[result.diagnosis]),
                ("Lives in", home or "not given (distances unknown)"),
            ),
            _advice(result),
            _summary(trials, ranked, result.pml_unconfirmed),
            left_out,
            *(_trial(trial, ranked, result.pml_unconfirmed) for trial in trials),
            el("p", self.run.disclaimer, class_="disclaimer"),
            class_="patient",
        )
        return section + "\n"

    def problem(self, problem: InputProblem) -> str:
        if len(self._problems) < SHOWN_PROBLEMS:  # listed together at the end, bounded
            self._problems.append(problem)
        else:
            self._more_problems += 1
        return ""

    def footer(self, tally: Tally) -> str:
        parts = ["</main>"]
        if self._problems:
            parts.append(problems_section(self._problems, self._more_problems))
        if tally.patients > 1 or self._problems:
            parts.append(tally_section(tally))
        parts.append(studies_section(self.run.studies))
        parts.append(
            block(
                "footer",
                el("p", f"pml-trials {self.run.tool_version}, run at {self.run.screened_at}."),
                el("p", self.run.disclaimer, class_="disclaimer"),
            )
        )
        return "\n".join(parts) + "\n</body>\n</html>\n"


def _as_of_words(run: RunInfo) -> str:
    return f"each profile's screening date, or else {run.as_of.isoformat()}"


def _advice(result: ScreeningResult) -> Markup | None:
    advice = diagnosis_advice(result)
    return el("p", el("strong", f"{advice}."), class_="advice") if advice else None


def _verdict(trial: TrialResult, unconfirmed: bool) -> Markup:
    words = verdict_words(trial, unconfirmed)
    return el("span", words, class_=f"verdict v-{trial.verdict.value}")


def _summary(trials: list[TrialResult], ranked: list[str], unconfirmed: bool) -> Markup:
    columns = ("Study", "Study status", "Verdict", "Why", "Nearest site")
    head = el(
        "thead",
        el("tr", *(el("th", name) for name in columns)),
    )
    rows = [
        el(
            "tr",
            el("td", t.study.title, " ", el("code", t.study.id)),
            el("td", t.study.status or "unknown"),
            el("td", _verdict(t, unconfirmed)),
            el("td", _why(t, ranked, unconfirmed)),
            el("td", nearest_words(t)),
        )
        for t in trials
    ]
    return block("table", el("caption", "Verdicts"), head, block("tbody", *rows), class_="summary")


def _why(trial: TrialResult, ranked: list[str], unconfirmed: bool) -> Markup:
    if trial.verdict is Verdict.INELIGIBLE:
        if not_confirmed(trial, unconfirmed) and trial.next_step:
            return join([trial.next_step])
        reasons = [f"{c.criterion.kind} {c.criterion.id} {c.status}" for c in trial.reasons]
        return join(reasons, "; ")
    if trial.verdict is Verdict.NEEDS_INFORMATION:
        keys = [el("code", spec.key) for spec in to_decide(trial, ranked)]
        return join(["to decide: ", join(keys, ", ")])
    return join(["every inclusion criterion met, no exclusion applies"])


def _trial(trial: TrialResult, ranked: list[str], unconfirmed: bool) -> Markup:
    study = trial.study
    parts: list[str | None] = [
        el("h3", study.title, " ", el("code", study.id)),
        el("p", "Verdict: ", _verdict(trial, unconfirmed), f" ({status_words(study)})"),
        el("p", "Where: ", distance_note(trial.travel, study.sites_note), class_="where"),
    ]
    if trial.next_step:
        parts.append(el("p", el("strong", "Next step: "), trial.next_step, class_="next-step"))
    sites = site_lines(trial)
    if sites:
        parts.append(block("ul", *(el("li", line) for line in sites), class_="sites"))
    if trial.reasons:
        parts.append(el("p", "Not eligible because:"))
        parts.append(block("ul", *(_reason(c) for c in trial.reasons), class_="reasons"))
    if trial.verdict is Verdict.NEEDS_INFORMATION:
        parts.append(el("p", "To decide this trial, find out (in this order):"))
        items = [
            el(
                "li",
                spec.question,
                " ",
                el("span", "(", el("code", spec.key), f"; {answer_hint(spec)})", class_="hint"),
            )
            for spec in to_decide(trial, ranked)
        ]
        parts.append(block("ol", *items, class_="to-decide"))
    parts.append(_criteria_table(trial))
    return block("section", *parts, class_="trial")


def _reason(c: CriterionResult) -> Markup:
    head = el("strong", f"{c.criterion.kind.capitalize()} {c.criterion.id} {c.status}:")
    return el("li", head, " ", c.criterion.text)


def _criteria_table(trial: TrialResult) -> Markup:
    head = el(
        "thead",
        el(
            "tr",
            el("th", "#"),
            el("th", "Criterion"),
            el("th", "Status"),
            el("th", "Patient's values"),
        ),
    )
    rows = [_criterion_row(label, c, trial.study) for label, c in labelled(trial)]
    return block("table", head, block("tbody", *rows), class_="criteria")


def _criterion_row(label: str, c: CriterionResult, study: Study) -> Markup:
    criterion = c.criterion
    rule = [
        el("div", f"{criterion.id} · {wording_words(criterion)}", class_="rule"),
        el("div", "rule: ", el("code", criterion.rule), class_="rule"),
    ]
    rule += [
        el("div", f"{name} = ", el("code", text), class_="rule")
        for name, text in definitions_used(study, criterion.rule)
    ]
    if criterion.note:
        rule.append(el("div", "note: ", criterion.note, class_="note"))
    values = [el("li", el("code", key), f": {shown}") for key, shown in values_read(c)]
    row_class = "decisive" if c.decisive else "unknown" if c.value is None else None
    return el(
        "tr",
        el("td", label),
        el("td", criterion.text, *rule),
        el("td", _status(c)),
        el("td", el("ul", *values, class_="values") if values else None),
        class_=row_class,
    )


def _status(c: CriterionResult) -> Markup:
    if c.decisive:
        return join([el("span", "✗", class_="mark"), f" {c.status} (decisive)"])
    if c.value is None:
        return join([el("span", "?", class_="mark"), f" {c.status}"])
    return join([el("span", "✓", class_="mark"), f" {c.status}"])
