"""The prompt loop: show a question, read a line, record the answer, show the verdicts.

It takes a rich ``Console`` and a :data:`Reader` (a function that prints a prompt and
returns one line), so tests drive it with a string and the CLI with the terminal. An
invalid answer is re-asked with the reason; it never ends the loop. Ctrl-C and the end
of input end it at any point: :func:`run` returns what was answered so far, and the
caller keeps it (see :mod:`.finish`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from pml_trials.profile.fields import BY_KEY, FIELDS, FieldSpec
from pml_trials.profile.validate import InvalidProfileError, validate_python
from pml_trials.questionnaire import view
from pml_trials.questionnaire.answers import (
    AnswerError,
    Censored,
    PerUpperLimit,
    checklist,
    command,
    format_value,
    number,
    parse,
)
from pml_trials.questionnaire.screens import next_screen
from pml_trials.questionnaire.session import Session
from pml_trials.record import Record
from pml_trials.studies.model import Study
from pml_trials.terminal import safe_line

Reader = Callable[[str], str]  # prompt -> line; EOFError at the end, KeyboardInterrupt on ^C
# Told before each answer is read: the screen's kind ("question", "checklist", "form",
# "section") with its fields, then, on a form or section, "item" with the one field asked
# next and "items" with the checklist that follows (the bench and the replay check and
# answer from these).
Watcher = Callable[[str, tuple[str, ...], "Session"], None]
PROMPT = "> "
_NOT_ADDED = ("patient_id", "screening_date")


class Outcome(Record):
    """How the loop ended: ``finished`` when no useful question was left; otherwise
    ``stop`` says why, and ``session`` holds the answers so far (``None`` if it ended
    before the patient id was given)."""

    session: Session | None
    finished: bool
    stop: str | None = None  # "interrupt", "end of input", ... for the closing message
    code: int = 0  # the exit code the stop implies (130 for Ctrl-C, 143 for SIGTERM, ...)
    error: BaseException | None = None  # an unexpected error, raised again once saved


def stream_reader(console: Console, stream: TextIO) -> Reader:
    """Read lines from a stream (a pipe, a test). The line read is echoed after the
    prompt, so that the transcript on screen reads like a terminal session."""

    def read(prompt: str) -> str:
        console.print(Text(prompt), end="")
        line = stream.readline()
        if not line:
            console.print()
            raise EOFError
        line = line.rstrip("\r\n")
        console.print(Text(safe_line(line)))
        return line

    return read


def terminal_reader(console: Console) -> Reader:
    """Read from the terminal with line editing (``input()``, through rich)."""
    return lambda prompt: console.input(Text(prompt))


def run(
    console: Console,
    read: Reader,
    studies: Sequence[Study],
    as_of: date,
    start: Mapping[str, Any] | None = None,
    skip: Collection[str] = (),
    watch: Watcher | None = None,
    first: tuple[str, ...] = (),
) -> Outcome:
    """Ask the patient id (unless ``start`` has it), the fields in ``first`` (dropped
    from a ``--from`` file), then every useful question."""
    session: Session | None = None
    try:
        profile = dict(start) if start else {"patient_id": ask_patient_id(console, read)}
        session = Session(studies, as_of, profile, skip)
        console.print(view.verdict_line(session.result))
        for key in first:
            ask(console, read, session, BY_KEY[key])
        ask_screens(console, read, session, watch)
    except KeyboardInterrupt as exc:
        return interrupted(session, exc)
    except EOFError:
        return Outcome(session, False, "end of input")
    except Exception as exc:  # a bug or the machine: keep the answers, then report it
        return Outcome(session, False, "an unexpected error", 1, exc)
    return Outcome(session, True)


def ask_screens(
    console: Console, read: Reader, session: Session, watch: Watcher | None = None
) -> None:
    """Every useful screen until none is left (the review asks again after an edit)."""
    while (screen := next_screen(session.candidates())) is not None:
        session.screens += 1
        if watch is not None:
            watch(screen.kind, screen.keys, session)
        if screen.kind == "checklist":
            ask_checklist(console, read, session, screen.keys)
        elif screen.kind in ("form", "section"):
            ask_form(console, read, session, screen.keys, watch)
        else:
            ask(console, read, session, BY_KEY[screen.keys[0]])
        console.print(view.verdict_line(session.result))


def ask_form(
    console: Console,
    read: Reader,
    session: Session,
    keys: tuple[str, ...],
    watch: Watcher | None = None,
) -> None:
    """A section's numbers and choices on one screen, each validated and re-asked on its
    own; a field that an earlier answer made useless is not asked (nor shown)."""
    console.print()
    console.print(view.form_head(BY_KEY[keys[0]].section, session.screens))
    values = [k for k in keys if BY_KEY[k].kind != "boolean"]
    for key in values:
        if key not in session.candidates():
            continue
        if watch is not None:
            watch("item", (key,), session)
        before = session.asked
        spec = BY_KEY[key]
        console.print(view.question(spec, 0, 0, compact=True))
        while not handle(console, session, spec, read(PROMPT), read):
            pass
        if session.asked < before:  # went back: the chooser decides what comes next
            return
    useful = session.candidates()
    ticks = tuple(k for k in keys if BY_KEY[k].kind == "boolean" and k in useful)
    if len(ticks) == 1:
        if watch is not None:
            watch("item", ticks, session)
        spec = BY_KEY[ticks[0]]
        console.print(view.question(spec, 0, 0, compact=True))
        while not handle(console, session, spec, read(PROMPT), read):
            pass
    elif ticks:
        if watch is not None:
            watch("items", ticks, session)
        ask_checklist(console, read, session, ticks, head=False)


def ask_checklist(
    console: Console, read: Reader, session: Session, keys: tuple[str, ...], head: bool = True
) -> None:
    """A section's yes/no questions as one checklist, each item phrased so that the
    answer that could rule the patient out is the one ticked (``head``: on a screen of
    its own, with the section's name)."""
    specs = [BY_KEY[key] for key in keys]
    if head:
        console.print()
    console.print(view.checklist(specs, session.screens if head else 0))
    while True:
        text = read(PROMPT)
        extra = extra_field(None, text)
        if extra is not None:
            if add_field(console, read, session, extra, keys):
                return
            continue
        word = command(text)
        if word in ("help", "why"):
            for number, spec in enumerate(specs, 1):
                console.print(Text(f"  {number} [{spec.key}]", style="dim"))
                console.print(view.why(spec, session.studies, not_applicable=word == "why"))
            continue
        if word == "back":
            undone = session.back()
            if undone is None:
                problem(console, "there is no earlier answer in this session to go back to")
                continue
            console.print(Text(f"  back to: {BY_KEY[undone].question}", style="dim"))
            return
        try:
            ticks = checklist(len(specs), text)
            values = {
                spec.key: None if tick is None else (spec.ticked if tick else not spec.ticked)
                for spec, tick in zip(specs, ticks.values(), strict=True)
            }
            session.answer_all(values)
        except AnswerError as error:
            problem(console, error.reason)
            continue
        except InvalidProfileError as error:
            problem(console, error.problems[0].message)
            continue
        console.print(view.checklist_echo(specs, values))
        return


def extra_field(spec: FieldSpec | None, text: str) -> str | None:
    """The field named after ``+`` (``+cd4``; empty for a bare ``+``: ask which), or
    ``None`` when the text is not that: a signed number (``+5``) is a value, and a bare
    ``+`` is the answer where the field declares it (``+`` for a detected PCR)."""
    text = text.strip()
    if not text.startswith("+"):
        return None
    rest = text[1:].strip()
    if rest[:1].isdigit() or rest[:1] in (".", ","):
        return None
    if not rest and spec is not None and any(word == "+" for word, _ in spec.synonyms):
        return None
    return rest


def add_field(
    console: Console,
    read: Reader | None,
    session: Session,
    word: str,
    current: tuple[str, ...],
) -> bool:
    """Record any profile field the clinician names (``+cd4``), even one no trial needs
    now; then back to the question. ``True`` when that made part of the current screen
    (``current``) useless, so that the caller lets the chooser pick the next screen."""
    if read is None:
        problem(console, "type + and a field's name at a question")
        return False
    key = pick_field(console, read, word)
    if key is None:
        return False
    if key in current:
        problem(console, f"{key} is asked here: answer it here")
        return False
    useful = [k for k in current if k in session.candidates()]
    spec = BY_KEY[key]
    console.print(view.question(spec, 0, 0, compact=True))
    if session.profile.get(key) is not None:
        value = format_value(spec, session.profile[key])
        console.print(Text(safe_line(f"  now {value}: a new answer replaces it"), style="dim"))
    while not handle(console, session, spec, read(PROMPT), read):
        pass
    console.print(Text(f"  back to: {BY_KEY[current[0]].question}", style="dim"))
    return any(k not in session.candidates() for k in useful)


def pick_field(console: Console, read: Reader, text: str) -> str | None:
    """A profile field by its key, or by a word of its key or question."""
    if not text:
        console.print(Text("  Which field? Its key or a word of its question (cd4, karnofsky):"))
        text = read(PROMPT).strip()
    word = text.lower()
    if not word:
        return None
    # The id names the file, and the screening date is the one the verdicts are counted
    # to (--as-of): changing either mid-session could turn a decided verdict.
    if word in BY_KEY and word not in _NOT_ADDED:
        return word
    found = [
        spec.key
        for spec in FIELDS
        if spec.key not in _NOT_ADDED and (word in spec.key or word in spec.question.lower())
    ]
    if len(found) == 1:
        return found[0]
    shown = repr(text if len(text) <= 40 else text[:37] + "...")
    if found:
        console.print(Text(safe_line(f"  {shown} could be: {', '.join(found[:8])}"), style="red"))
    else:
        console.print(Text(safe_line(f"  ✗ no profile field matches {shown}"), style="red"))
    return None


def interrupted(session: Session | None, exc: KeyboardInterrupt) -> Outcome:
    """Ctrl-C, or SIGTERM/SIGHUP (raised as :class:`~pml_trials.stopping.Stopped`)."""
    signum = getattr(exc, "signum", 2)
    name = getattr(exc, "name", "interrupt")
    return Outcome(session, False, name, 128 + signum)


def ask_patient_id(console: Console, read: Reader) -> str:
    """The pseudonymous id: required (it names the saved file), so never "unknown"."""
    spec = BY_KEY["patient_id"]
    console.print(view.question(spec, 0, 0))
    while True:
        text = read(PROMPT).strip()
        word = command(text)
        if word == "help":
            console.print(view.help_text(spec))
            continue
        if word is not None:
            problem(console, "the id is required: type a pseudonymous id (never a name)")
            continue
        try:
            validate_python({"patient_id": text})
        except InvalidProfileError as error:
            problem(console, error.problems[0].message)
            continue
        return text


def ask(console: Console, read: Reader, session: Session, spec: FieldSpec) -> None:
    """Ask one question until something changes: an answer, "unknown", or going back."""
    left = len(session.candidates())
    console.print()
    console.print(view.question(spec, session.screens, left))
    while not handle(console, session, spec, read(PROMPT), read):
        pass


def handle(
    console: Console, session: Session, spec: FieldSpec, text: str, read: Reader | None = None
) -> bool:
    """Act on one line; ``True`` when the answers changed (for ``+``: when the field
    recorded made this question useless, so that the chooser decides what comes next)."""
    extra = extra_field(spec, text)
    if extra is not None:
        return add_field(console, read, session, extra, (spec.key,))
    word = command(text)
    if word == "help":
        console.print(view.help_text(spec))
        console.print(view.why(spec, session.studies))
        return False
    if word == "why":
        console.print(view.why(spec, session.studies, not_applicable=True))
        return False
    if word == "unknown":
        session.answer(spec.key, None)
        return True
    if word == "back":
        undone = session.back()
        if undone is None:
            problem(console, "there is no earlier answer in this session to go back to")
            return False
        console.print(Text(f"  back to: {BY_KEY[undone].question}", style="dim"))
        return True
    try:
        value = parse(spec, text)
        if isinstance(value, Censored):
            session.answer(spec.key, None)
            console.print(Text(safe_line(f"  {value.note}"), style="yellow"))
            return True
        if isinstance(value, PerUpperLimit):
            value = per_upper_limit(console, read, spec, value)
            if value is None:
                return False
        session.answer(spec.key, value)
    except AnswerError as error:
        problem(console, error.reason)
        return False
    except InvalidProfileError as error:
        problem(console, error.problems[0].message)
        return False
    return True


def per_upper_limit(
    console: Console, read: Reader | None, spec: FieldSpec, raw: PerUpperLimit
) -> float | None:
    """Ask the laboratory's upper limit of normal for a raw value; ``None`` to go back
    to the question (``<`` or ``u``, or no way to ask)."""
    if read is None:
        problem(console, f"type the value as a multiple of the upper limit ({spec.unit})")
        return None
    console.print(Text(f"  Upper limit of normal at this laboratory, in {raw.unit}?"))
    while True:
        text = read(PROMPT).strip()
        if command(text) in ("back", "unknown"):
            console.print(Text(f"  then type the value in {spec.unit}", style="dim"))
            return None
        try:
            limit = _positive(text)
        except AnswerError as error:
            problem(console, error.reason)
            continue
        value = raw.value / limit
        console.print(Text(f"  = {value:.3g} {spec.unit}", style="dim"))
        return value


def _positive(text: str) -> float:
    limit = number(text)
    if limit <= 0:
        raise AnswerError(f"{text!r} is not an upper limit: type a number above 0")
    return limit


def problem(console: Console, reason: str) -> None:
    console.print(Text(safe_line(f"  ✗ {reason}; please answer again"), style="red"))
