"""After the questions: the summary, saving the profile, or keeping what was answered.

Until the profile is saved, any end (Ctrl-C, end of input, even during the save offer)
writes the answers to a recovery file and says where (see :mod:`.save`), so nothing a
person typed is lost. ``pml-trials ask --from <that file>`` resumes.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from pml_trials import DISCLAIMER
from pml_trials.errors import ExitCode
from pml_trials.profile.fields import BY_KEY
from pml_trials.questionnaire import view
from pml_trials.questionnaire.loop import (
    PROMPT,
    Outcome,
    Reader,
    ask_screens,
    handle,
    interrupted,
    pick_field,
    run,
)
from pml_trials.questionnaire.save import SaveError, save_recovery, to_json, write_profile
from pml_trials.questionnaire.session import Session
from pml_trials.questionnaire.where import where
from pml_trials.studies.model import Study
from pml_trials.terminal import safe_line

INTERRUPTED = 130  # the shell's code for a run ended by Ctrl-C (SIGINT)
# SIGTERM: 143, SIGHUP: 129 (128 + the signal's number), as the shell reports them


def questionnaire(
    console: Console,
    read: Reader,
    studies: Sequence[Study],
    as_of: date,
    start: Mapping[str, Any] | None = None,
    skip: Collection[str] = (),
    save: Path | None = None,
    resumed: Path | None = None,
    dropped: Mapping[str, str] | None = None,
) -> int:
    """The whole ``ask`` session; returns the exit code. An unexpected error anywhere
    still keeps the answers in a recovery file first, then goes on to be reported.
    ``resumed`` is the file ``--from`` read (a recovery file is removed once the
    profile is saved); ``dropped`` its invalid fields with the reason, asked again."""
    console.print(Text(f"Pre-screening questionnaire for: {', '.join(s.id for s in studies)}"))
    console.print(Text(DISCLAIMER, style="bold"))
    console.print(Text(f"{view.USAGE}.", style="dim"))
    console.print(view.legend())
    if dropped:
        console.print(Text(f"Not loaded from {resumed} (asked again):", style="yellow"))
        for key, reason in dropped.items():
            again = "" if key in BY_KEY else " (not a profile field: not asked)"
            console.print(Text(safe_line(f"  {key}: {reason}{again}"), style="yellow"))
    outcome = run(
        console,
        read,
        studies,
        as_of,
        start,
        skip,
        first=tuple(k for k in dropped or () if k in BY_KEY),
    )
    if not outcome.finished:
        return stopped(console, outcome)
    assert outcome.session is not None  # a finished run always has one
    session = outcome.session
    try:
        review(console, read, session)
        console.print()
        console.print(view.summary(session.result, session.asked, session.skip))
        console.print(where(session.result))
        saved = save_profile(console, read, session, save)
    except KeyboardInterrupt as exc:
        return stopped(console, interrupted(session, exc))
    except EOFError:
        return stopped(console, Outcome(session, False, "end of input"))
    except SaveError:  # only with --save: keep the answers, then let the CLI report it
        stopped(console, Outcome(session, False, "the profile could not be saved"))
        raise
    except Exception as exc:
        return stopped(console, Outcome(session, False, "an unexpected error", 1, exc))
    if saved is not None:
        console.print(Text(f"Profile saved to {saved} (readable by you only)."), soft_wrap=True)
        _remove_recovery(console, resumed, saved)
    else:
        console.print(Text("The profile was not saved."))
    return ExitCode.OK


def review(console: Console, read: Reader, session: Session) -> None:
    """Every answer with its number; a number edits it (and asks whatever became useful),
    ``+`` records any other profile field, Enter goes on to the summary and saving."""
    while True:
        keys = [k for k in session.saved_profile() if k not in ("patient_id", "screening_date")]
        console.print()
        console.print(view.review(session, keys))
        try:
            text = read(PROMPT).strip()
        except EOFError:  # the end of input goes on to the summary (and the save offer)
            console.print()
            return
        if not text:
            return
        if text.startswith("+"):
            key = pick_field(console, read, text[1:].strip())
        elif text.isascii() and text.isdecimal() and 1 <= int(text) <= len(keys):
            key = keys[int(text) - 1]
        else:
            console.print(
                Text(
                    f"  ✗ type a number 1-{len(keys)}, +name to add a field, or Enter", style="red"
                )
            )
            continue
        if key is None:
            continue
        spec = BY_KEY[key]
        console.print(view.question(spec, 0, 0))
        while not handle(console, session, spec, read(PROMPT), read):
            pass
        ask_screens(console, read, session)


def _remove_recovery(console: Console, resumed: Path | None, saved: Path) -> None:
    """A session resumed from a recovery file and now saved leaves no stale copy."""
    if resumed is None or ".recovered" not in resumed.name:
        return
    with contextlib.suppress(OSError):
        if resumed.resolve() == saved.resolve():
            return
        resumed.unlink()
        console.print(Text(f"Removed the recovery file {resumed}."), soft_wrap=True)


def stopped(console: Console, outcome: Outcome) -> int:
    """Keep the answers so far in a new recovery file, then say where. The file is
    written before anything is printed: after a hang-up the terminal is gone, and
    printing to it fails. An unexpected error is raised again once the answers are kept."""
    session = outcome.session
    if session is None or not session.history:
        _tell(console, outcome, ["No answers were given in this session: nothing to keep."])
    else:
        profile = session.saved_profile()
        try:
            path = save_recovery(profile)
        except SaveError:
            lines = ["No file could be written anywhere; the answers so far are:", to_json(profile)]
            _tell(console, outcome, lines, everywhere=True)
        else:
            lines = [
                f"The answers so far are saved in {path} (readable by you only).",
                f"Resume with: pml-trials ask --from {path}",
            ]
            _tell(console, outcome, lines, everywhere=outcome.code not in (0, 130))
    if outcome.error is not None:
        raise outcome.error
    return outcome.code


def _tell(console: Console, outcome: Outcome, lines: list[str], everywhere: bool = False) -> None:
    """The closing lines on the console, and on stderr too when the console may be gone
    (a hang-up, SIGTERM, an error); a terminal that is gone is not an error now."""
    try:
        console.print()
        console.print(Text(f"Stopped ({outcome.stop}).", style="bold"))
        for line in lines:
            console.print(Text(line), soft_wrap=True)  # a path broken in two cannot be copied
    except (OSError, ValueError):
        everywhere = True
    if everywhere and console.file is not sys.stderr:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("".join(f"pml-trials: {line}\n" for line in lines[:1]))
            sys.stderr.flush()


def save_profile(
    console: Console, read: Reader, session: Session, save: Path | None
) -> Path | None:
    """Write the profile to ``save``, or offer to; the path written, or ``None``."""
    if save is not None:
        return write_profile(save, session.saved_profile())
    if not yes(console, read, "Save the profile as JSON?"):
        return None
    default = Path(f"{session.patient_id}.json")
    while True:
        console.print(Text(f"File name [{default}]:"))
        path = Path(read(PROMPT).strip() or default)
        if path.exists() and not yes(console, read, f"{path} exists. Replace it?"):
            continue
        try:
            return write_profile(path, session.saved_profile())
        except SaveError as error:
            console.print(Text(safe_line(f"  ✗ {error.render()}; try another name"), style="red"))


def yes(console: Console, read: Reader, question: str) -> bool:
    """A yes/no question: yes or no (an empty answer is the default, no); anything else
    is asked again, so a typo never discards a session."""
    console.print(Text(f"{question} [y/N]"))
    while True:
        answer = read(PROMPT).strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        console.print(Text("  ✗ please answer y (yes) or n (no)", style="red"))
