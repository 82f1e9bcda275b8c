"""After the questions: the summary, saving the profile, or keeping what was answered.

Until the profile is saved, any end (Ctrl-C, end of input, even during the save offer)
writes the answers to a recovery file and says where (see :mod:`.save`), so nothing a
person typed is lost. ``pml-trials ask --from <that file>`` resumes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from pml_trials import DISCLAIMER
from pml_trials.errors import ExitCode
from pml_trials.questionnaire import view
from pml_trials.questionnaire.loop import PROMPT, Outcome, Reader, run
from pml_trials.questionnaire.save import SaveError, save_recovery, write_profile
from pml_trials.questionnaire.session import Session
from pml_trials.questionnaire.where import where
from pml_trials.studies.model import Study

INTERRUPTED = 130  # the shell's code for a run ended by Ctrl-C (SIGINT)


def questionnaire(
    console: Console,
    read: Reader,
    studies: Sequence[Study],
    as_of: date,
    start: Mapping[str, Any] | None = None,
    skip: Collection[str] = (),
    save: Path | None = None,
) -> int:
    """The whole ``ask`` session; returns the exit code."""
    console.print(Text(f"Pre-screening questionnaire for: {', '.join(s.id for s in studies)}"))
    console.print(Text(DISCLAIMER, style="bold"))
    console.print(Text(f"{view.USAGE}.", style="dim"))
    console.print(view.legend())
    outcome = run(console, read, studies, as_of, start, skip)
    if not outcome.finished:
        return stopped(console, outcome)
    assert outcome.session is not None  # a finished run always has one
    session = outcome.session
    try:
        console.print()
        console.print(view.summary(session.result, session.asked, session.skip))
        console.print(where(session.result))
        saved = save_profile(console, read, session, save)
    except (KeyboardInterrupt, EOFError) as exc:
        stop = "interrupt" if isinstance(exc, KeyboardInterrupt) else "end of input"
        return stopped(console, Outcome(session, False, stop))
    except SaveError:  # only with --save: keep the answers, then let the CLI report it
        stopped(console, Outcome(session, False, "the profile could not be saved"))
        raise
    if saved is not None:
        console.print(Text(f"Profile saved to {saved} (readable by you only)."), soft_wrap=True)
    return ExitCode.OK


def stopped(console: Console, outcome: Outcome) -> int:
    """Keep the answers so far in a new recovery file, and say where."""
    console.print()
    console.print(Text(f"Stopped ({outcome.stop}).", style="bold"))
    code = INTERRUPTED if outcome.stop == "interrupt" else ExitCode.OK
    session = outcome.session
    if session is None or not session.history:
        console.print(Text("No answers were given in this session: nothing to keep."))
        return code
    path = save_recovery(session.saved_profile())
    # soft_wrap: a path broken over two lines could not be copied
    console.print(
        Text(f"The answers so far are saved in {path} (readable by you only)."), soft_wrap=True
    )
    console.print(Text(f"Resume with: pml-trials ask --from {path}"), soft_wrap=True)
    return code


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
            console.print(Text(f"  ✗ {error.render()}; try another name", style="red"))


def yes(console: Console, read: Reader, question: str) -> bool:
    """A yes/no question; no unless the answer is yes."""
    console.print(Text(f"{question} [y/N]"))
    return read(PROMPT).strip().lower() in ("y", "yes")
