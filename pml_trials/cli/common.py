"""What the commands share: consoles, loading studies, and turning errors into exits."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pml_trials.errors import EnvironmentFailure, ExitCode, PmlTrialsError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from pml_trials.studies.load import LoadReport
    from pml_trials.studies.model import Study


def stdout() -> Console:
    """The console for standard output. When its reader goes away (``| head``) rich
    would exit 1 without a word; here it is an environment failure (exit 4) that says so."""
    from rich.console import Console

    class Stdout(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            silence_stdout()
            raise EnvironmentFailure(
                "the output was closed before everything was written (broken pipe)"
            )

    return Stdout(highlight=False, soft_wrap=False)


def write_stdout(text: str) -> None:
    """Write text to standard output now; a reader gone away is exit 4 with a message
    (click would otherwise exit 1 without one)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        raise EnvironmentFailure(
            "the output was closed before everything was written (broken pipe)"
        ) from None


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def report_error(error: PmlTrialsError) -> None:
    """An error on stderr, as it renders itself (no markup): one ``error:`` line per
    problem, followed by its snippet and caret if it has one."""
    from pml_trials.terminal import safe

    problems: list[PmlTrialsError] = getattr(error, "problems", None) or [error]
    for problem in problems:
        sys.stderr.write(safe(f"error: {problem.render()}") + "\n")


def say(text: str) -> None:
    """One line for the person at the terminal (stderr), made safe to print."""
    from pml_trials.terminal import safe_line

    sys.stderr.write(f"pml-trials: {safe_line(text)}\n")
    sys.stderr.flush()


def criteria_files(criteria: Sequence[Path] | None, no_bundled: bool) -> list[Path]:
    """Every criteria file a run reads (to keep an output from replacing one)."""
    from pml_trials.studies.load import criteria_dirs

    files: list[Path] = []
    for folder in criteria_dirs(criteria or (), bundled=not no_bundled):
        files += sorted(folder.glob("*.toml")) if folder.is_dir() else []
    return files


def refuse_run_files(
    output: Path, inputs: Sequence[str | Path], criteria: Sequence[Path] | None, no_bundled: bool
) -> None:
    """Refuse (exit 2) an output that is one of the run's inputs or criteria files."""
    from pml_trials.files.guard import refuse_own_file

    refuse_own_file(output, [*inputs, *criteria_files(criteria, no_bundled)])


@contextmanager
def user_errors() -> Iterator[None]:
    """Map a :class:`PmlTrialsError` to its message on stderr and its exit code, and a
    stop by a signal to one line and the shell's code for it (128 + the signal)."""
    try:
        yield
    except PmlTrialsError as error:
        report_error(error)
        leave(error.exit_code)
    except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM, SIGHUP: after every cleanup ran
        from pml_trials.stopping import Stopped, exit_code

        what = stop.name if isinstance(stop, Stopped) else "interrupt (Ctrl-C)"
        with contextlib.suppress(OSError, ValueError):
            say(f"stopped by {what}; an --output file was left as it was")
        leave(exit_code(stop))


def leave(code: int) -> NoReturn:
    """End the command with ``code`` as typer does (``typer.Exit``, which the start-up
    fast path turns into the same exit): typer is imported here, not for every call."""
    import typer

    raise typer.Exit(code) from None


def as_of_date(value: datetime | None) -> date:
    """The run's ``--as-of`` date, default today (local date, as a clinic means it)."""
    return value.date() if value else date.today()  # noqa: DTZ011 - a calendar date


def load(criteria: Sequence[Path] | None, no_bundled: bool) -> LoadReport:
    from pml_trials.studies.load import criteria_dirs, load_dirs

    return load_dirs(criteria_dirs(criteria or (), bundled=not no_bundled))


def studies_for_screening(
    criteria: Sequence[Path] | None, no_bundled: bool, trial_ids: Sequence[str] | None
) -> tuple[Study, ...]:
    """The studies to screen against. Any broken criteria file stops the run (exit 3):
    a study is never silently left out of a screening."""
    report = load(criteria, no_bundled)
    if report.errors:
        for error in report.errors:
            report_error(error)
        sys.stderr.write(
            f"error: {len(report.broken) or len(report.errors)} criteria file(s) have errors; "
            "nothing was screened (run `pml-trials check` for details)\n"
        )
        leave(ExitCode.INVALID_INPUT)
    return select(report.studies, trial_ids)


def select(studies: Sequence[Study], trial_ids: Sequence[str] | None) -> tuple[Study, ...]:
    """The studies named by ``--trial`` (in the order given), or all of them."""
    if not trial_ids:
        if not studies:
            raise UsageError("no studies to screen against (see --criteria and --no-bundled)")
        return tuple(studies)
    by_id = {s.id: s for s in studies}
    unknown = [t for t in trial_ids if t not in by_id]
    if unknown:
        raise UsageError(f"no study with id {', '.join(unknown)} (known: {', '.join(by_id)})")
    return tuple(by_id[t] for t in dict.fromkeys(trial_ids))
