"""The clinic report as Markdown (GitHub-flavoured: tables), for one patient or a batch.

The same content as the HTML report. Every string from a profile or criteria file goes
through :func:`~pml_trials.render.report.escape.md` or ``md_code``, so a criterion cannot
open a table cell, emphasis, a link or raw HTML in whatever renders the Markdown.
"""

from __future__ import annotations

from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.geo.travel import distance_note
from pml_trials.render.base import ReportWriter
from pml_trials.render.report.escape import md, md_code
from pml_trials.render.report.markdown_footer import (
    problems_section,
    studies_section,
    tally_section,
)
from pml_trials.render.report.values import (
    answer_hint,
    definitions_used,
    labelled,
    left_out_words,
    nearest_words,
    ranked_fields,
    residence_words,
    site_lines,
    source_words,
    to_decide,
    values_read,
    within_split,
)
from pml_trials.studies.model import Study
from pml_trials.verdict import WORDS, Verdict

TITLE = "PML trial pre-screening report"


class MarkdownWriter(ReportWriter):
    """``--format markdown``: see the module docstring."""

    def __init__(self, run: RunInfo) -> None:
        super().__init__(run)
        self._problems: list[InputProblem] = []

    def header(self) -> str:
        run = self.run
        return _lines(
            f"# {TITLE}",
            "",
            f"> **{md(run.disclaimer)}**",
            "",
            f"- Generated: {md(run.screened_at)} by pml-trials {md(run.tool_version)}",
            f"- Dates counted to: each profile's screening date, or else {run.as_of.isoformat()}",
            f"- Studies: {', '.join(md_code(s.id) for s in run.studies)}",
            "",
        )

    def render(self, result: ScreeningResult) -> str:
        ranked = ranked_fields(result)
        within = self.run.within_km
        trials, left = within_split(result, within)
        home = residence_words(result)
        parts = [
            _lines(
                f"## Patient {md(result.patient_id)}",
                "",
                f"- Screening date: {result.screening_date.isoformat()}",
                f"- Profile: {md_code(source_words(result.source))}",
                f"- Lives in: {md(home) if home else 'not given (distances unknown)'}",
                "",
                "| Study | Verdict | Why | Nearest site |",
                "|---|---|---|---|",
                *(_summary_row(t, ranked) for t in trials),
                "",
            )
        ]
        if left and within is not None:
            shown = "; ".join(md(left_out_words(t, within)) for t in left)
            parts.append(_lines(f"Left out by `--within {within:g}` km: {shown}.", ""))
        parts += [_trial(t, ranked) for t in trials]
        parts.append(_lines(f"**{md(self.run.disclaimer)}**", ""))
        return "".join(parts)

    def problem(self, problem: InputProblem) -> str:
        self._problems.append(problem)  # listed together at the end, after the patients
        return ""

    def footer(self, tally: Tally) -> str:
        parts: list[str] = []
        if self._problems:
            parts.append(problems_section(self._problems))
        if tally.patients > 1 or self._problems:
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
        return "".join(parts)


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _verdict(verdict: Verdict) -> str:
    return f"**{WORDS[verdict]}**"


def _summary_row(trial: TrialResult, ranked: list[str]) -> str:
    study = f"{md(trial.study.title)} ({md_code(trial.study.id, in_table=True)})"
    where = md(nearest_words(trial))
    return f"| {study} | {_verdict(trial.verdict)} | {_why(trial, ranked)} | {where} |"


def _why(trial: TrialResult, ranked: list[str]) -> str:
    if trial.verdict is Verdict.INELIGIBLE:
        return "; ".join(
            f"{c.criterion.kind} {md_code(c.criterion.id, in_table=True)} {c.status}"
            for c in trial.reasons
        )
    if trial.verdict is Verdict.NEEDS_INFORMATION:
        keys = [md_code(spec.key, in_table=True) for spec in to_decide(trial, ranked)]
        return "to decide: " + ", ".join(keys)
    return "every inclusion criterion met, no exclusion applies"


def _trial(trial: TrialResult, ranked: list[str]) -> str:
    study = trial.study
    lines = [
        f"### {md(study.title)} ({md_code(study.id)})",
        "",
        f"Verdict: {_verdict(trial.verdict)}",
        "",
        f"Where: {md(distance_note(trial.travel, study.sites_note))}",
        "",
    ]
    sites = site_lines(trial)
    if sites:
        lines += [f"- {md(line)}" for line in sites] + [""]
    if trial.reasons:
        lines += ["Not eligible because:", ""]
        lines += [_reason(c) for c in trial.reasons] + [""]
    if trial.verdict is Verdict.NEEDS_INFORMATION:
        lines += ["To decide this trial, find out (in this order):", ""]
        lines += [
            f"{n}. {md(spec.question)} ({md_code(spec.key)}; {md(answer_hint(spec))})"
            for n, spec in enumerate(to_decide(trial, ranked), start=1)
        ] + [""]
    lines += ["| # | Criterion | Status | Patient's values |", "|---|---|---|---|"]
    lines += [_criterion_row(label, c, study) for label, c in labelled(trial)]
    return _lines(*lines, "")


def _reason(c: CriterionResult) -> str:
    head = f"{c.criterion.kind.capitalize()} {md_code(c.criterion.id)} {c.status}"
    return f"- **{head}:** {md(c.criterion.text)}"


def _criterion_row(label: str, c: CriterionResult, study: Study) -> str:
    criterion = c.criterion
    code = [f"rule: {md_code(criterion.rule, in_table=True)}"]
    code += [
        f"{md_code(name, in_table=True)} = {md_code(text, in_table=True)}"
        for name, text in definitions_used(study, criterion.rule)
    ]
    where = f"({md_code(criterion.id, in_table=True)}, source {md(criterion.source)})"
    text = f"{md(criterion.text)} {where}; {'; '.join(code)}"
    values = "; ".join(f"{md_code(k, in_table=True)}: {md(v)}" for k, v in values_read(c))
    return f"| {label} | {text} | {_status(c)} | {values} |"


def _status(c: CriterionResult) -> str:
    if c.decisive:
        return f"**✗ {c.status} (decisive)**"
    return f"? {c.status}" if c.value is None else f"✓ {c.status}"
