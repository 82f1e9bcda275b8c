"""Writing a profile to disk: mode 0600, and a recovery file that never overwrites.

A saved profile is the patient's data: it is written readable by its owner only, as
JSON that :func:`~pml_trials.profile.validate_json` reads back. The recovery file (what
Ctrl-C or the end of input leaves behind) goes to the current directory as
``<patient_id>.recovered.json``; if that exists, ``<patient_id>.recovered-2.json`` and so
on: an existing file is never replaced. If the current directory cannot be written, the
home directory is used instead, and if neither can, a private folder in the temporary
folder (the caller prints the answers themselves if even that fails).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pml_trials.errors import PmlTrialsError

MODE = 0o600


class SaveError(PmlTrialsError):
    """A profile could not be written where it was asked to go."""


def to_json(profile: dict[str, Any]) -> str:
    """The profile as a JSON document: one key per line, dates as ``YYYY-MM-DD``."""
    return json.dumps(profile, indent=2, ensure_ascii=False, default=_iso) + "\n"


def write_profile(path: Path, profile: dict[str, Any]) -> Path:
    """Write (or replace) ``path`` atomically with mode 0600 (:mod:`pml_trials.files.write`)."""
    from pml_trials.files.write import write_text

    try:
        return write_text(path, to_json(profile), what="the profile")
    except PmlTrialsError as exc:  # a folder that does not exist, a full disk ...
        raise SaveError(exc.message, source=str(path)) from None


def write_new(path: Path, profile: dict[str, Any]) -> None:
    """Create ``path`` with mode 0600; ``FileExistsError`` if it exists."""
    from pml_trials.files.write import create_new

    create_new(path, to_json(profile))


def save_recovery(profile: dict[str, Any], directories: list[Path] | None = None) -> Path:
    """Write the answers so far to a new recovery file and return its path: in the
    current folder, else the home folder, else a private file in the temporary folder."""
    last: OSError | None = None
    for directory in directories or _places():
        for path in recovery_names(directory, str(profile["patient_id"])):
            try:
                write_new(path, profile)
            except FileExistsError:
                continue
            except OSError as exc:  # not writable: try the next directory
                last = exc
                break
            return path
    reason = last.strerror if last else "no free file name"
    raise SaveError(f"cannot write a recovery file: {reason}")


def _places() -> list[Path]:
    places: list[Path] = []
    with contextlib.suppress(OSError):
        places.append(Path.cwd())
    with contextlib.suppress(RuntimeError, KeyError, OSError):
        places.append(Path.home())
    places.append(_private_temporary())
    return places


def _private_temporary() -> Path:
    """A folder of this process's own (mode 0700) in the temporary folder, so that no
    other user can guess, read or pre-create the recovery file's name."""
    import tempfile

    try:
        return Path(tempfile.mkdtemp(prefix="pml-trials-recovered-"))
    except OSError:
        return Path(tempfile.gettempdir())


def recovery_names(directory: Path, patient_id: str, tries: int = 1000) -> Iterator[Path]:
    """``<id>.recovered.json``, then ``<id>.recovered-2.json`` ... in ``directory``."""
    yield directory / f"{patient_id}.recovered.json"
    for number in range(2, tries + 1):
        yield directory / f"{patient_id}.recovered-{number}.json"


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write a {type(value).__name__} to JSON")  # pragma: no cover
