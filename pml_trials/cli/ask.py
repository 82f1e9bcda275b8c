"""``pml-trials ask``: the interactive questionnaire."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pml_trials.cli import options

if TYPE_CHECKING:
    from rich.console import Console

    from pml_trials.questionnaire.loop import Reader

FromFile = Annotated[
    Path | None,
    typer.Option(
        "--from",
        metavar="FILE",
        help="Start from this profile (JSON) and ask only what is still useful; also "
        "resumes from a recovery file. Fields the file records as null count as answered "
        "'unknown' and are not asked again (see --ask-unknown).",
        exists=True,
        dir_okay=False,
    ),
]
Save = Annotated[
    Path | None,
    typer.Option(
        "--save",
        metavar="FILE",
        help="At the end, save the profile as JSON to FILE (mode 0600, replacing FILE) "
        "without asking.",
        dir_okay=False,
    ),
]
AskUnknown = Annotated[
    bool,
    typer.Option("--ask-unknown", help="With --from: ask again the fields the file has as null."),
]


def command(
    from_file: FromFile = None,
    save: Save = None,
    ask_unknown: AskUnknown = False,
    trial: options.Trial = None,
    as_of: options.AsOf = None,
    criteria: options.Criteria = None,
    no_bundled: options.NoBundled = False,
) -> None:
    """Ask only the questions that can change a verdict, then show the verdicts.

    The first question is a pseudonymous patient id (never a name), unless --from gives
    one. Each question shows its section, unit, allowed values and the profile's JSON key.
    Answers: y/n for yes/no; a value or its number for a list of choices (several
    separated by commas where more than one applies); numbers within the range shown;
    dates as YYYY-MM-DD. Type ? for help, u for unknown, < to go back one question.

    At the end: the verdict table with each trial's reasons or what is still missing,
    where each trial runs (nearest site and great-circle distance when the profile has a
    town, e.g. from --from; the town is not asked, since it never changes a verdict), and
    an offer to save the profile as JSON (mode 0600; it records the screening date used).
    Ctrl-C or the end of input at any point saves the answers so far to a new file
    <patient_id>.recovered.json in the current directory (<patient_id>.recovered-2.json
    and so on if that exists; the home directory if the current one is not writable) and
    says where; resume with --from. Exit 0 when done or at the end of input, 130 after
    Ctrl-C.
    """
    from pml_trials.cli.common import as_of_date, stdout, studies_for_screening, user_errors
    from pml_trials.questionnaire.finish import questionnaire

    with user_errors():
        studies = studies_for_screening(criteria, no_bundled, trial)
        start, skip = _start(from_file, ask_unknown)
        _check_save(save)
        console = stdout()
        code = questionnaire(
            console, _reader(console), studies, as_of_date(as_of), start, skip, save
        )
    raise typer.Exit(code)


def _start(path: Path | None, ask_unknown: bool) -> tuple[dict[str, Any] | None, set[str]]:
    """The profile to resume from, and the fields it records as unknown (null)."""
    if path is None:
        return None, set()
    from pml_trials.errors import ProfileError
    from pml_trials.profile.validate import validate_json

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    profile = validate_json(data, source=str(path))
    skip = set() if ask_unknown else {k for k, v in profile.items() if v is None}
    return profile, skip


def _check_save(path: Path | None) -> None:
    """Refuse a --save path that cannot work before asking anything, not after."""
    from pml_trials.errors import UsageError

    if path is not None and not path.parent.is_dir():
        raise UsageError(f"--save: the folder {path.parent} does not exist")


def _reader(console: Console) -> Reader:
    """Line editing on a terminal; plain lines (echoed) from a pipe or a test."""
    from pml_trials.questionnaire.loop import stream_reader, terminal_reader

    if sys.stdin.isatty():
        import readline  # noqa: F401 - gives input() line editing and history

        return terminal_reader(console)
    return stream_reader(console, sys.stdin)
