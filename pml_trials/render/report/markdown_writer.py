"""The clinic report as Markdown (GitHub-flavoured: tables), for one patient or a batch.

The same content as the HTML report: the patient's AAN 2013 diagnostic category (and,
for possible or probable PML, what would confirm it), each study's verdict beside its
recruitment status, the next step where the file gives one, and every criterion with its
wording mark and the file's note. Every string from a profile or criteria file goes
through :func:`~pml_trials.render.report.escape.md` or ``md_code``, so a criterion cannot
open a table cell, emphasis, a link or raw HTML in whatever renders the Markdown.
"""

from __future__ import annotations

from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.result import not_confirmed
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.geo.travel import distance_note
from pml_trials.render.base import ReportWriter
from pml_trials.render.report.escape import md, md_code
from pml_trials.render.report.markdown_footer import (
    SHOWN_PROBLEMS,
    problems_section,
    studies_section,
    tally_section,
)
from pml_trials.render.report.values import (
    answer_hint,
    definitions_used,
    diagnosis_advice,
    diagnosis_words,
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


class MarkdownWriter(ReportWriter):
    """``--format markdown``: see the module docstring."""

    def __init__(self, run: RunInfo) -> None:
        super().__init__(run)
        self._problems: list[InputProblem] = []
        self._more_problems = 0  # past SHOWN_PROBLEMS: counted, not kept

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
                f"- {md(diagnosis_words(result))}",
                *_advice(result),
                f"- Lives in: {md(home) if home else 'not given (distances unknown)'}",
                "",
                "| Study | Study status | Verdict | Why | Nearest site |",
                "|---|---|---|---|---|",
                *(_summary_row(t, ranked, result.pml_unconfirmed) for t in trials),
                "",
            )
        ]
        if left and within is not None:
            shown = "; ".join(md(left_out_words(t, within)) for t in left)
            parts.append(_lines(f"Left out by `--within {within:g}` km: {shown}.", ""))
        parts += [_trial(t, ranked, result.pml_unconfirmed) for t in trials]
        parts.append(_lines(f"**{md(self.run.disclaimer)}**", ""))
        return "".join(parts)

    def problem(self, problem: InputProblem) -> str:
        if len(self._problems) < SHOWN_PROBLEMS:  # listed together at the end, bounded
            self._problems.append(problem)
        else:
            self._more_problems += 1
        return ""

    def footer(self, tally: Tally) -> str:
        parts: list[str] = []
        if self._problems:
            parts.append(problems_section(self._problems, self._more_problems))
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


def _advice(result: ScreeningResult) -> list[str]:
    advice = diagnosis_advice(result)
    return [f"- **{md(advice)}.**"] if advice else []


def _verdict(trial: TrialResult, unconfirmed: bool) -> str:
    return f"**{verdict_words(trial, unconfirmed)}**"


def _summary_row(trial: TrialResult, ranked: list[str], unconfirmed: bool) -> str:
    study = f"{md(trial.study.title)} ({md_code(trial.study.id, in_table=True)})"
    status = md(trial.study.status or "unknown")
    why = _why(trial, ranked, unconfirmed)
    where = md(nearest_words(trial))
    return f"| {study} | {status} | {_verdict(trial, unconfirmed)} | {why} | {where} |"


def _why(trial: TrialResult, ranked: list[str], unconfirmed: bool) -> str:
    if trial.verdict is Verdict.INELIGIBLE:
        if not_confirmed(trial, unconfirmed) and trial.next_step:
            return md(trial.next_step)
        return "; ".join(
            f"{c.criterion.kind} {md_code(c.criterion.id, in_table=True)} {c.status}"
            for c in trial.reasons
        )
    if trial.verdict is Verdict.NEEDS_INFORMATION:
        keys = [md_code(spec.key, in_table=True) for spec in to_decide(trial, ranked)]
        return "to decide: " + ", ".join(keys)
    return "every inclusion criterion met, no exclusion applies"


def _trial(trial: TrialResult, ranked: list[str], unconfirmed: bool) -> str:
    study = trial.study
    lines = [
        f"### {md(study.title)} ({md_code(study.id)})",
        "",
        f"Verdict: {_verdict(trial, unconfirmed)} ({md(status_words(study))})",
        "",
        f"Where: {md(distance_note(trial.travel, study.sites_note))}",
        "",
    ]
    if trial.next_step:
        lines += [f"Next step: {md(trial.next_step)}", ""]
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
    where = f"({md_code(criterion.id, in_table=True)}, {md(wording_words(criterion))})"
    text = f"{md(criterion.text)} {where}; {'; '.join(code)}"
    if criterion.note:
        text += f"; note: {md(criterion.note)}"
    values = "; ".join(f"{md_code(k, in_table=True)}: {md(v)}" for k, v in values_read(c))
    return f"| {label} | {text} | {_status(c)} | {values} |"


def _status(c: CriterionResult) -> str:
    if c.decisive:
        return f"**✗ {c.status} (decisive)**"
    return f"? {c.status}" if c.value is None else f"✓ {c.status}"
