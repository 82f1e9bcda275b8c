"""``pml-trials explain`` in the terminal: every criterion of every trial, and why.

First the patient's AAN 2013 diagnostic category (and, for possible or probable PML,
what would confirm it). For each trial: its verdict beside the study's recruitment
status (a possible or probable PML reads "ineligible until PML is confirmed", never a
bare "ineligible"), what would decide it where the file says, then each criterion in file
order with its kind, the source's words (or the file's own, marked), the file's note,
its status, the patient's values the rule read (with units) and the rule
itself in dim text. After the diagnosis, the next steps across trials (what to order or ask, which
trials each could decide). Decisive criteria are marked ``✗ … decisive`` (and red in colour), so
the marks survive a terminal without colour. A trial that needs information ends with the
questions that would decide it, in the questionnaire's order. Under each trial's title:
where it runs, the nearest site and its great-circle distance from the patient's town
(or why not known); distance informs, it is never a criterion. All text is plain
:class:`~rich.text.Text`, never markup, and :func:`clean` turns control characters into
U+FFFD: criteria files are written by sites, and an escape sequence in one must not
reach the terminal.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pml_trials import DISCLAIMER
from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.next_steps import next_steps, which_trials
from pml_trials.geo.travel import distance_note, home_of
from pml_trials.render.report.chart import file_name
from pml_trials.render.report.escape import clean
from pml_trials.render.report.values import (
    answer_hint,
    definitions_used,
    diagnosis_advice,
    diagnosis_words,
    labelled,
    ranked_fields,
    status_words,
    to_decide,
    values_read,
    verdict_words,
)
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

VERDICT_STYLE = {
    Verdict.ELIGIBLE: "bold green",
    Verdict.INELIGIBLE: "bold red",
    Verdict.NEEDS_INFORMATION: "bold yellow",
}
INDENT = 7  # the criterion's details line up under its text


def render_explanation(result: ScreeningResult) -> RenderableType:
    """The whole explanation of one patient's screening, ready for ``Console.print``."""
    ranked = ranked_fields(result)
    parts: list[RenderableType] = [_patient(result), _diagnosis(result), _next_steps(result)]
    for trial in result:
        parts += [Text(""), *_trial(trial, ranked, result.pml_unconfirmed)]
    parts += [Text(""), Text(DISCLAIMER, style="italic")]
    return Group(*parts)


def _patient(result: ScreeningResult) -> Text:
    source = clean(file_name(result.source))
    out = Text().append(f"Patient {clean(result.patient_id)}", style="bold")
    out.append(f" · screening date {result.screening_date.isoformat()}")
    home = home_of(result.profile)
    if home is not None:
        out.append(f" · lives in {clean(home.name)} ({home.country})")
    return out.append(f" · {source}", style="dim")


def _next_steps(result: ScreeningResult) -> RenderableType:
    """What to order or ask next, across trials, before the detail of each."""
    steps = next_steps(result)
    if not steps:
        none = Text("Next steps: none; every trial is decided with what is known.")
        return Padding(none, (1, 0, 0, 0))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column()
    for number, step in enumerate(steps, start=1):
        words = Text(clean(step.text), style="bold")
        words.append(f": could decide {which_trials(step, len(result.studies))}")
        words.append(f"\n{', '.join(step.fields)}", style="dim")
        grid.add_row(f"{number}.", words)
    title = Text("Next steps across trials (most trials first):", style="bold")
    return Padding(Group(title, Padding(grid, (0, 0, 0, 2), expand=False)), (1, 0, 0, 0))


def _diagnosis(result: ScreeningResult) -> Text:
    out = Text(diagnosis_words(result), style="bold")
    advice = diagnosis_advice(result)
    if advice:
        out.append(f"\n{advice}.", style="yellow")
    return out


def _trial(trial: TrialResult, ranked: list[str], unconfirmed: bool) -> list[RenderableType]:
    study = trial.study
    verdict = verdict_words(trial, unconfirmed)
    head = Text(clean(study.id), style="bold").append(": ")
    head.append(verdict.upper(), style=VERDICT_STYLE[trial.verdict])
    head.append(f" · {clean(status_words(study))}", style="bold")
    facts = f"last reviewed {study.last_reviewed.isoformat()} · {clean(study.path.name)} "
    facts += f"sha256 {study.sha256[:12]}…"
    where = Text("Where: ", style="bold").append(
        clean(distance_note(trial.travel, study.sites_note))
    )
    parts: list[RenderableType] = [
        head,
        Text(clean(study.title)),
        Text(facts, style="dim"),
        where,
    ]
    if trial.next_step:
        parts.append(Text(f"Next step: {clean(trial.next_step)}", style="yellow"))
    kind = ""
    for label, criterion in labelled(trial):
        if criterion.criterion.kind != kind:
            kind = criterion.criterion.kind
            title = Text(f"{kind.capitalize()} criteria", style="bold")
            parts.append(Padding(title, (1, 0, 0, 2), expand=False))
        parts.append(_criterion(label, criterion, study))
    if trial.verdict is Verdict.NEEDS_INFORMATION:
        parts.append(_to_decide(trial, ranked))
    return parts


def _criterion(label: str, c: CriterionResult, study: Study) -> RenderableType:
    criterion = c.criterion
    if c.decisive:
        mark, style = "✗", "bold red"
    elif c.value is None:
        mark, style = "?", "yellow"
    else:
        mark, style = "✓", "green"
    head = Text(f"  {mark} {label:<3} ", style=style)
    head.append(clean(criterion.id), style="bold").append(f": {c.status}", style=style)
    if c.decisive:
        head.append(" (decisive)", style="bold red reverse")
    head.append(f"  [{clean(criterion.source)}]", style="cyan")
    details = Text(clean(criterion.text))
    if criterion.wording == "file":
        details.append("  (the file's own wording, not a quote)", style="cyan")
    values = values_read(c)
    if values:
        details.append("\n")
        for index, (key, shown) in enumerate(values):
            details.append("; " if index else "")
            details.append(f"{key}: ").append(
                clean(shown), style="bold" if shown != "unknown" else ""
            )
    details.append(f"\nrule: {clean(criterion.rule)}", style="dim")
    for name, text in definitions_used(study, criterion.rule):
        details.append(f"\n{name} = {clean(text)}", style="dim")
    if criterion.note:
        details.append(f"\nnote: {clean(criterion.note)}", style="italic")
    return Group(head, Padding(details, (0, 0, 0, INDENT), expand=False))


def _to_decide(trial: TrialResult, ranked: list[str]) -> RenderableType:
    items = Table.grid(padding=(0, 1))
    items.add_column(justify="right", no_wrap=True)
    items.add_column()
    for number, spec in enumerate(to_decide(trial, ranked), start=1):
        hint = Text(f"({spec.key}; {answer_hint(spec)})", style="dim")
        items.add_row(f"{number}.", Text(f"{spec.question} ").append_text(hint))
    title = Text("To decide this trial, find out (in this order):", style="bold")
    return Padding(
        Group(title, Padding(items, (0, 0, 0, 2), expand=False)), (1, 0, 0, 2), expand=False
    )
