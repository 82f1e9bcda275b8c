"""``pml-trials ask``: the interactive questionnaire."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pml_trials.cli import options

if TYPE_CHECKING:
    from datetime import date

    from rich.console import Console

    from pml_trials.questionnaire.loop import Reader

FromFile = Annotated[
    Path | None,
    typer.Option(
        "--from",
        metavar="FILE",
        help="Start from this profile (JSON), or a FHIR Bundle of one patient (imported, "
        "with each value's provenance shown), and ask only what is still useful; also "
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
    dates as YYYY-MM-DD. Type ? for help (and which trials need the field), u for unknown,
    < to go back one question, n/a to hear why a question is asked. After the diagnosis,
    each section is one screen: its values, then a checklist of its yes/no exclusions
    (type the numbers that apply, n if none, 2u for an unknown item). Units after a
    number (70 kg, 154 lb, 84 U/L), decimal commas and >90 (recorded as unknown) are
    understood. Before the end, a review lists every answer: a number edits it, + adds
    any field, Enter goes on.

    At the end: the verdict table with each trial's reasons or what is still missing,
    where each trial runs (nearest site and great-circle distance when the profile has a
    town, e.g. from --from; the town is not asked, since it never changes a verdict), and
    an offer to save the profile as JSON (mode 0600; it records the screening date used).
    Ctrl-C, the end of input, SIGTERM, a hang-up or an unexpected error at any point
    saves the answers so far to a new file
    <patient_id>.recovered.json in the current directory (<patient_id>.recovered-2.json
    and so on if that exists; the home directory if the current one is not writable) and
    says where (a private folder in $TMPDIR if neither is writable); resume with --from.
    Exit 0 when done or at the end of input, 130 after Ctrl-C, 143 after SIGTERM, 129
    after a hang-up.
    """
    from pml_trials.cli.common import as_of_date, stdout, studies_for_screening, user_errors
    from pml_trials.questionnaire.finish import questionnaire

    with user_errors():
        studies = studies_for_screening(criteria, no_bundled, trial)
        start, skip, dropped = _start(from_file, ask_unknown, as_of_date(as_of))
        _check_save(save)
        console = stdout()
        code = questionnaire(
            console,
            _reader(console),
            studies,
            as_of_date(as_of),
            start,
            skip,
            save,
            resumed=from_file,
            dropped=dropped,
        )
    raise typer.Exit(code)


def _start(
    path: Path | None, ask_unknown: bool, as_of: date
) -> tuple[dict[str, Any] | None, set[str], dict[str, str]]:
    """The profile to resume from, the fields it records as unknown (null), and its
    invalid fields (dropped, with the reason, to be asked again). A FHIR Bundle of one
    patient is imported first; what an import filled (from the bundle, or from the
    provenance file beside an imported profile) is shown with its provenance before the
    first question."""
    if path is None:
        return None, set(), {}
    from pml_trials.errors import ProfileError
    from pml_trials.files.read import NotReadableError
    from pml_trials.importers.explain import (
        profile_from_fhir,
        provenance_text,
        read_profile_or_bundle,
        sidecar_record,
    )
    from pml_trials.importers.fhir.run import looks_like_fhir

    try:
        data = read_profile_or_bundle(path)
    except NotReadableError as exc:
        raise ProfileError(str(exc), source=str(path)) from None
    record = None
    if looks_like_fhir(data):
        data, record = profile_from_fhir(data, str(path), as_of)
    profile, dropped = _salvage(data, str(path), as_of)
    record = record or sidecar_record(str(path), profile["patient_id"], None)
    if record is not None:  # imported: say where each value came from before asking
        sys.stdout.write(provenance_text(record))
    skip = set() if ask_unknown else {k for k, v in profile.items() if v is None}
    return profile, skip - set(dropped), dropped


def _salvage(data: bytes, source: str, as_of: date) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the file; when only some fields are invalid (an age of 300, a key the
    profile does not have), keep the others and name the dropped ones with the reason.
    A file that is not a JSON object, or whose patient_id is invalid, stays an error."""
    import json

    from pml_trials.profile.validate import InvalidProfileError, validate_json, validate_python

    try:
        return validate_json(data, source=source, as_of=as_of), {}
    except InvalidProfileError as error:
        first = error
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        raise first from None
    if not isinstance(raw, dict):
        raise first
    dropped: dict[str, str] = {}
    problems = first.problems
    for _ in range(len(raw) + 1):
        keys = {(p.field or "").split(".")[0].split("[")[0] for p in problems}
        if "" in keys or "patient_id" in keys or not keys <= set(raw):
            raise first
        for problem in problems:
            key = (problem.field or "").split(".")[0].split("[")[0]
            dropped.setdefault(key, problem.message)
            raw.pop(key, None)
        try:
            profile = validate_python(raw, source=source, as_of=as_of)
        except InvalidProfileError as again:
            problems = again.problems
            continue
        return profile, dropped
    raise first


def _check_save(path: Path | None) -> None:
    """Refuse a --save path that cannot work before asking anything, not after."""
    from pml_trials.errors import UsageError

    if path is None:
        return
    if not path.parent.is_dir():
        raise UsageError(f"--save: the folder {path.parent} does not exist")
    from pml_trials.files.guard import refuse_unsupported

    refuse_unsupported(path, "--save", "a JSON profile (.json)")


def _reader(console: Console) -> Reader:
    """Line editing on a terminal; plain lines (echoed) from a pipe or a test."""
    from pml_trials.questionnaire.loop import stream_reader, terminal_reader

    if sys.stdin is None:  # started with <&-
        from pml_trials.errors import EnvironmentFailure

        raise EnvironmentFailure(
            "standard input is closed: nothing can be answered (run it in a terminal, "
            "or give the answers on standard input)"
        )
    # Bytes that are not UTF-8 (a terminal in another encoding) become U+FFFD and are
    # re-asked, rather than a UnicodeDecodeError that would end the session.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    if sys.stdin.isatty():
        import readline  # noqa: F401 - gives input() line editing and history

        return terminal_reader(console)
    return stream_reader(console, sys.stdin)
