"""What the questionnaire shows: a question, the live verdicts, and the closing summary.

Everything is built from :class:`~rich.text.Text`, never from markup: criteria files are
written by sites, and a JSON key such as ``[cd4_cells_per_ul]`` would read as a tag.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from pml_trials import DISCLAIMER
from pml_trials.engine import ScreeningResult, TrialResult
from pml_trials.engine.diagnosis import LABELS, what_would_decide
from pml_trials.engine.next_steps import next_steps, which_trials
from pml_trials.engine.result import not_confirmed
from pml_trials.profile.fields import BY_KEY, FieldSpec
from pml_trials.questionnaire.answers import CHECKLIST_HINT, hint
from pml_trials.studies.model import Study

if TYPE_CHECKING:
    from pml_trials.questionnaire.session import Session
from pml_trials.verdict import MARKS, STYLES, WORDS, Verdict

USAGE = (
    "Type ? for help, u if unknown, < to go back, +name to record any field (+cd4); "
    "Ctrl-C saves and stops"
)


def question(spec: FieldSpec, number: int, left: int, compact: bool = False) -> RenderableType:
    """Section and progress, the question with its JSON key, and how to answer
    (``compact``: without the section line, for a form's item)."""
    head = Text(spec.section, style="bold")
    if number:
        more = f"{left - 1} more question" + ("s" if left > 2 else "")
        after = f"at most {more}" if left > 1 else "the last that can matter"
        head.append(f"  screen {number}, {after}", style="dim")
    body = Text(spec.question)
    body.append(f" [{spec.key}]", style="dim")
    lines: list[RenderableType] = [body] if compact else [head, body]
    if spec.kind in ("enum", "enum_list") and not spec.vocabulary:
        choices = Text("  ")
        for index, choice in enumerate(spec.choices, 1):
            choices.append(f"{index} ", style="bold")
            choices.append(choice + ("   " if index < len(spec.choices) else ""))
        lines.append(choices)
    answer = Text(f"  answer: {hint(spec)}", style="dim")
    if spec.unit and spec.kind not in ("integer", "number"):
        answer.append(f" ({spec.unit})", style="dim")
    lines.append(answer)
    return Group(*lines)


def form_head(section: str, number: int) -> Text:
    head = Text(section, style="bold")
    head.append(f"  screen {number}: each value on its own line", style="dim")
    return head


def checklist(specs: Sequence[FieldSpec], number: int) -> RenderableType:
    """Numbered items, each with its JSON key and help, and how to answer."""
    head = Text(specs[0].section, style="bold")
    head.append(f"  screen {number}", style="dim")
    ask = Text("Does any of these apply now?")
    lines: list[RenderableType] = [head, ask] if number else [ask]
    for index, spec in enumerate(specs, 1):
        item = Text(f"  {index} ", style="bold")
        item.append(spec.checklist[:1].upper() + spec.checklist[1:])
        item.append(f" [{spec.key}]", style="dim")
        lines.append(item)
        lines.append(Text(f"      {spec.help}", style="dim"))
    lines.append(Text(f"  answer: {CHECKLIST_HINT}", style="dim"))
    return Group(*lines)


def checklist_echo(specs: Sequence[FieldSpec], values: dict[str, bool | None]) -> Text:
    """What a checklist answer recorded, field by field."""
    words = {True: "yes", False: "no", None: "unknown"}
    parts = [f"{spec.key} {words[values[spec.key]]}" for spec in specs]
    return Text("  recorded: " + ", ".join(parts), style="dim")


def review(session: Session, keys: Sequence[str]) -> RenderableType:
    """Every answer with its number, two to a line when they fit in 80 columns."""
    from pml_trials.questionnaire.answers import format_value

    lines: list[RenderableType] = [Text("Review: every answer", style="bold")]
    row = ""
    for number, key in enumerate(keys, 1):
        value = format_value(BY_KEY[key], session.profile.get(key))
        cell = f"{number:>2} {key} = {value}"
        if row and len(row) <= 38 and len(cell) <= 38:
            lines.append(Text(f"{row:<40}{cell}"))
            row = ""
            continue
        if row:
            lines.append(Text(row))
        row = cell
    if row:
        lines.append(Text(row))
    lines.append(
        Text("  a number to change it, +name to add any field (+cd4), Enter to go on", style="dim")
    )
    return Group(*lines)


def help_text(spec: FieldSpec) -> Text:
    text = Text(f"  {spec.help}\n", style="italic")
    text.append(f"  Allowed: {spec.allowed()}. {USAGE}.", style="dim")
    return text


def why(spec: FieldSpec, studies: Sequence[Study], not_applicable: bool = False) -> Text:
    """Which trials and criteria need the field, and the test (from the rule trees)."""
    from pml_trials.questionnaire.why import reasons

    lines = reasons(spec.key, studies)
    head = "  Asked because " if lines else "  No selected trial reads this field"
    if not_applicable:
        head = "  Not applicable? This question is only asked when it can matter: asked because "
    text = Text(head if lines else head + "; type u to go on", style="dim")
    for line in lines:
        text.append(f"\n    · {line}", style="dim")
    if not_applicable and lines:
        text.append(
            "\n  Answer it as it stands for this patient, or u if it is unknown.", style="dim"
        )
    return text


def legend() -> Text:
    """What the marks of :func:`verdict_line` mean."""
    text = Text("After each answer, the verdicts so far: ", style="dim")
    for index, (verdict, mark) in enumerate(MARKS.items()):
        text.append(", " if index else "", style="dim")
        text.append(f"{mark} {WORDS[verdict]}", style=STYLES[verdict])
    return text


def verdict_line(result: ScreeningResult) -> Text:
    """Every trial's current verdict, as a mark before its id, on one line."""
    line = Text("  now: ", style="dim")
    for index, trial in enumerate(result):
        line.append(" · " if index else "", style="dim")
        line.append(MARKS[trial.verdict], style=f"bold {STYLES[trial.verdict]}")
        line.append(f" {trial.study.id}")
    return line


def summary(result: ScreeningResult, asked: int, skip: Collection[str]) -> RenderableType:
    """The closing screen, made to fit an 80x24 terminal with the distances and the save
    offer for a patient with PML: the diagnosis, one line per trial (its verdict, the
    study's status, and for an ineligible trial the criteria that rule it out, quoted),
    each trial's own next step once, the cross-trial next steps (the fields still
    missing, one list instead of one per trial) and the disclaimer. Every criterion:
    ``pml-trials explain`` on the saved file. ``skip`` (the fields answered unknown) is
    kept for callers: the next steps name the missing fields whichever way they are."""
    del skip
    diagnosis = result.diagnosis
    head = Text(f"Diagnosis (AAN 2013 consensus): {LABELS[diagnosis]}", style="bold")
    head.append(f" · as of {result.screening_date.isoformat()}", style="dim")
    advice = what_would_decide(diagnosis, result.profile.get)
    if advice:
        head.append(f"\n{advice}.", style="yellow")
    parts: list[RenderableType] = [head]
    own_steps: dict[str, list[str]] = {}
    for trial in result:
        pending = not_confirmed(trial, result.pml_unconfirmed)
        parts.append(_trial_line(trial, pending))
        # A trial waiting for PML to be confirmed: its step is the advice above.
        if trial.verdict is Verdict.INELIGIBLE and trial.next_step and not (pending and advice):
            own_steps.setdefault(trial.next_step, []).append(trial.study.id)
    for text, ids in own_steps.items():
        line = Text(f"next step ({_trials(ids, len(result.studies))}): {text}", style="yellow")
        parts.append(Padding(line, (0, 0, 0, 2), expand=False))
    parts.append(next_steps_view(result))
    parts.append(
        Text(
            f"{asked} questions answered; every criterion: pml-trials explain on the saved file.",
            style="dim",
        )
    )
    parts.append(Text(DISCLAIMER, style="bold"))
    return Group(*parts)


def _trials(ids: Sequence[str], screened: int) -> str:
    return f"all {screened} trials" if len(ids) == screened and screened > 1 else ", ".join(ids)


def _trial_line(trial: TrialResult, pending: bool) -> Text:
    """``✗ id: verdict (status)``, then what decides it: for an ineligible trial each
    criterion that rules it out, quoted (only its id when PML is not confirmed yet: the
    diagnosis line says why); for an eligible one how many criteria are met."""
    line = Text(f"{MARKS[trial.verdict]} ", style=f"bold {STYLES[trial.verdict]}")
    line.append(f"{trial.study.id}: ", style="bold")
    words = "ineligible until PML is confirmed" if pending else WORDS[trial.verdict]
    line.append(words, style=STYLES[trial.verdict])
    status = trial.study.status if trial.study.status not in (None, "unknown") else None
    line.append(f" (study {status or 'status unknown'})", style="dim")
    if pending:
        line.append(": " + ", ".join(f"{r.criterion.id} {r.status}" for r in trial.reasons))
    elif trial.verdict is Verdict.INELIGIBLE:
        for reason in trial.reasons:
            line.append(f"; {reason.criterion.kind} {reason.criterion.id} {reason.status}: ")
            line.append(reason.criterion.text, style="italic")
    elif trial.verdict is Verdict.ELIGIBLE:
        line.append(f": all {len(trial.criteria)} criteria met or not applicable")
    return line


def next_steps_view(result: ScreeningResult) -> RenderableType:
    """The next steps across trials: what to order or ask, and which trials it could
    decide (``pml_trials.engine.next_steps``), most trials first."""
    steps = next_steps(result)
    if not steps:
        return Text("Next steps: none; every trial is decided with what is known.")
    lines: list[RenderableType] = [
        Text("Next steps for the trials that need information (most trials first):", style="bold")
    ]
    for number, step in enumerate(steps, start=1):
        line = Text(f"{number}. ").append(step.text, style="bold")
        line.append(f": could decide {which_trials(step, len(result.studies))}")
        line.append(f" ({', '.join(step.fields)})", style="dim")
        lines.append(Padding(line, (0, 0, 0, 2), expand=False))
    return Group(*lines)
