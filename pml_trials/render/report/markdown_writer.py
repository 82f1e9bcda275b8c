"""The clinic report as Markdown (GitHub-flavoured: tables), for one patient or a batch.

The same content as the HTML report: for one patient (``explain``) the chart copy (who,
the verdicts with each study's recruitment status and why in the questionnaire's words,
the next steps across trials, a reviewer block, then the criterion-by-criterion detail);
for a batch (``screen``) a patient x trial overview first, then (``--detail``) the pages
of the patients eligible or needing information for some trial, held back in a spooled
file until the overview is complete. Every string from a profile or criteria file goes
through :func:`~pml_trials.render.report.escape.md` or ``md_code``, so a criterion cannot
open a table cell, emphasis, a link or raw HTML in whatever renders the Markdown.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.geo.travel import distance_note
from pml_trials.render.base import ReportWriter
from pml_trials.render.report.chart import (
    ReportOptions,
    actionable,
    deciding_questions,
    detail_words,
    diagnosis,
    file_name,
    keeps,
    label,
    reason_instead,
    reasons,
    shown,
    steps,
    verdict_text,
    which_trials,
)
from pml_trials.render.report.escape import md, md_code
from pml_trials.render.report.held import Held
from pml_trials.render.report.markdown_footer import (
    problems_section,
    studies_section,
    tally_section,
)
from pml_trials.render.report.problems import ProblemList
from pml_trials.render.report.values import (
    definitions_used,
    labelled,
    left_out_words,
    nearest_words,
    ranked_fields,
    residence_words,
    site_lines,
    status_words,
    within_split,
    wording_words,
)
from pml_trials.studies.model import Study
from pml_trials.verdict import MARKS, WORDS, Verdict

TITLE = "PML trial pre-screening report"


class MarkdownWriter(ReportWriter):
    """``--format markdown``: see the module docstring."""

    def __init__(self, run: RunInfo, options: ReportOptions | None = None) -> None:
        super().__init__(run)
        self.options = options or ReportOptions()
        self._problems = ProblemList()  # listed together at the end, bounded
        self._held = Held()

    def header(self) -> str:
        run = self.run
        text = _lines(
            f"# {TITLE}",
            "",
            f"> **{md(run.disclaimer)}**",
            "",
            f"- Generated: {md(run.screened_at)} by pml-trials {md(run.tool_version)}",
            f"- Dates counted to: each profile's screening date, or else {run.as_of.isoformat()}",
            f"- Studies: {', '.join(md_code(s.id) for s in run.studies)}",
            "",
        )
        if self.options.overview:
            ids = [md_code(s.id, in_table=True) for s in run.studies]
            text += _lines(
                "## Overview: every patient, every trial",
                "",
                "| Patient | Screening | " + " | ".join(ids) + " | First next step |",
                "|---|---|" + "---|" * len(ids) + "---|",
            )
        return text

    def render(self, result: ScreeningResult) -> tuple[str, bool, str]:
        """The overview row, whether the patient is actionable, and the patient's pages."""
        ranked = ranked_fields(result)
        within = self.run.within_km
        trials, left = within_split(result, within)
        parts = [_summary(result, trials, ranked, self.run.disclaimer)]
        if left and within is not None:
            shown_left = "; ".join(md(left_out_words(t, within)) for t in left)
            parts.append(_lines(f"Left out by `--within {within:g}` km: {shown_left}.", ""))
        parts.append(_lines(f"### Criterion by criterion: patient {md(result.patient_id)}", ""))
        parts += [_trial(t, verdict_text(t, result)) for t in trials]
        row = _overview_row(result) if self.options.overview else ""
        return row, actionable(result), "".join(parts)

    def emit(self, chunk: Any) -> str:
        if isinstance(chunk, str):
            return chunk
        row, is_actionable, section = chunk
        if not self.options.overview:
            return str(section)
        if keeps(self.options, bool(is_actionable)):
            self._held.add(section)
        return str(row)

    def problem(self, problem: InputProblem) -> str:
        self._problems.add(problem)
        return ""

    def footer(self, tally: Tally) -> str:
        return "".join(self.closing(tally))

    def closing(self, tally: Tally) -> Iterator[str]:
        if self.options.overview:
            yield _lines("", detail_words(self.options, self._held.count), "")
        yield from self._held.drain()
        parts: list[str] = []
        if self._problems.kept:
            parts.append(problems_section(self._problems.kept, self._problems.more))
        if tally.patients > 1 or self._problems.kept:
            parts.append(tally_section(tally))
        parts.append(studies_section(self.run.studies))
        parts.append(
            _lines(
                "---",
                "",
                f"pml-trials {md(self.run.tool_version)}, run at {md(self.run.screened_at)}. "
                f"**{md(self.run.disclaimer)}**",
            )
        )
        yield "".join(parts)


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _verdict(verdict: Verdict, words: str | None = None) -> str:
    return f"**{MARKS[verdict]} {words or WORDS[verdict]}**"


def _overview_row(result: ScreeningResult) -> str:
    found = steps(result)
    first = f"{found[0].text} ({which_trials(found[0], len(result.studies))})" if found else ""
    cells = [md(result.patient_id), result.screening_date.isoformat()]
    cells += [_verdict(v) for v in result.verdicts] + [md(first)]
    return "| " + " | ".join(cells) + " |\n"


def _summary(
    result: ScreeningResult, trials: list[TrialResult], ranked: Sequence[str], disclaimer: str
) -> str:
    category = diagnosis(result)
    home = residence_words(result)
    lines = [
        f"## Patient {md(result.patient_id)}",
        "",
        f"- Screening date: {result.screening_date.isoformat()}",
        f"- Profile: {md(file_name(result.source))}",
        f"- Lives in: {md(home) if home else 'not given (distances unknown)'}",
        "- Diagnosis (AAN 2013): "
        + (
            md(category)
            if category
            else "not assessed by this version: see the diagnosis criteria in the detail"
        ),
        "",
        "| Study | Recruitment; nearest site | Verdict | Why |",
        "|---|---|---|---|",
        *(_summary_row(t, ranked, result) for t in trials),
        "",
        "### Next steps (what to order or ask, most trials first)",
        "",
    ]
    found = steps(result)
    if not found:
        lines.append("None: every trial is decided with what is known.")
    for number, step in enumerate(found, start=1):
        answers = "; ".join(md(label(k)) for k in step.fields)
        which = md(which_trials(step, len(result.studies)))
        lines.append(f"{number}. **{md(step.text)}**: could decide {which}. Answers: {answers}")
    lines += [
        "",
        "### Reviewed by",
        "",
        "| Reviewed by (name) | Signature | Date | Site |",
        "|---|---|---|---|",
        "| | | | |",
        "",
        f"**{md(disclaimer)}**",
        "",
    ]
    return _lines(*lines)


def _summary_row(trial: TrialResult, ranked: Sequence[str], result: ScreeningResult) -> str:
    study = f"{md(trial.study.title)} ({md_code(trial.study.id, in_table=True)})"
    status = md(f"{trial.study.status or 'not recorded'}; {nearest_words(trial)}")
    verdict = _verdict(trial.verdict, verdict_text(trial, result))
    instead = reason_instead(trial, result)
    why = md(instead) if instead else _why(trial, ranked)
    return f"| {study} | {status} | {verdict} | {why} |"


def _why(trial: TrialResult, ranked: Sequence[str]) -> str:
    if trial.verdict is Verdict.INELIGIBLE:
        return " · ".join(
            md(text) + (f" ({'; '.join(md(v) for v in values)})" if values else "")
            for text, values in reasons(trial)
        )
    if trial.verdict is Verdict.NEEDS_INFORMATION:
        return "To decide, find out: " + "; ".join(md(q) for q in deciding_questions(trial, ranked))
    return "Every inclusion criterion met; no exclusion applies."


def _trial(trial: TrialResult, words: str) -> str:
    study = trial.study
    lines = [
        f"#### {md(study.title)} ({md_code(study.id)}): {_verdict(trial.verdict, words)} "
        f"({md(status_words(study))})",
        "",
        f"Where: {md(distance_note(trial.travel, study.sites_note))}",
        "",
        "| # | Criterion (source's words) | Status | Patient's answers |",
        "|---|---|---|---|",
    ]
    sites = site_lines(trial)
    if sites:
        lines[4:4] = [f"- {md(line)}" for line in sites] + [""]
    if trial.next_step:
        lines[2:2] = [f"Next step: {md(trial.next_step)}", ""]
    lines += [_criterion_row(tag, c, study) for tag, c in labelled(trial)]
    return _lines(*lines, "")


def _criterion_row(tag: str, c: CriterionResult, study: Study) -> str:
    criterion = c.criterion
    code = [f"rule: {md_code(criterion.rule, in_table=True)}"]
    code += [
        f"{md_code(name, in_table=True)} = {md_code(text, in_table=True)}"
        for name, text in definitions_used(study, criterion.rule)
    ]
    where = f"({md_code(criterion.id, in_table=True)}, {md(wording_words(criterion))})"
    text = f"{md(criterion.text)} {where}; {'; '.join(code)}"
    if criterion.note:
        text += f"; the file's note: {md(criterion.note)}"
    values = "; ".join(f"{md(label(k))}: **{md(shown(k, v))}**" for k, v in c.fields.items())
    return f"| {tag} | {text} | {_status(c)} | {values} |"


def _status(c: CriterionResult) -> str:
    if c.decisive:
        return f"**✗ {c.status} (decisive)**"
    return f"? {c.status}" if c.value is None else f"✓ {c.status}"
