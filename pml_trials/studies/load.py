"""Find, read, check and compile criteria files.

A file with any problem is reported with every problem found (file, line, criterion id,
and the rule with a caret for rule errors) and is not used; the other files still load.
Screening refuses to run while any file is broken (the CLI decides that), so a broken
file is never silently skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from pml_trials.errors import CriteriaError, CriteriaFileError
from pml_trials.record import Record, field
from pml_trials.studies import cache
from pml_trials.studies.model import Study

MAX_FILE_BYTES = 1_048_576
ENVIRONMENT = "PML_TRIALS_CRITERIA"


class LoadReport(Record, frozen=False):
    """The studies that loaded, and every problem with the files that did not."""

    studies: list[Study] = field(default_factory=list)
    errors: list[CriteriaError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    broken: list[Path] = field(default_factory=list)


def bundled_dir() -> Path:
    """The studies shipped with pml-trials (inside the wheel, or the source checkout)."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "criteria"
    return packaged if packaged.is_dir() else package.parent / "criteria"


def criteria_dirs(extra: Sequence[Path] = (), *, bundled: bool = True) -> list[Path]:
    """Bundled folder (unless ``bundled`` is false), then ``$PML_TRIALS_CRITERIA``, then
    ``--criteria`` folders; each once."""
    env = [Path(p) for p in os.environ.get(ENVIRONMENT, "").split(os.pathsep) if p]
    dirs = ([bundled_dir()] if bundled else []) + env + list(extra)
    unique: dict[Path, Path] = {}
    for d in dirs:
        unique.setdefault(d.resolve(), d)
    return list(unique.values())


def load_dirs(dirs: Iterable[Path]) -> LoadReport:
    """Load every ``*.toml`` of each folder (not recursive, hidden files skipped), in
    name order."""
    report = LoadReport()
    for directory in dirs:
        if not directory.is_dir():
            report.errors.append(
                CriteriaError("no such folder of criteria files", source=str(directory))
            )
            continue
        # hidden files (an editor's .x.toml.swp-like copies, a checkout's .git) are not studies
        report.files.extend(
            sorted(p for p in directory.glob("*.toml") if not p.name.startswith("."))
        )
    seen: dict[str, Path] = {}
    for path in report.files:
        try:
            study = load_file(path)
        except CriteriaFileError as exc:
            report.errors.extend(exc.errors)
            report.broken.append(path)
            continue
        if study.id in seen:
            report.errors.append(_duplicate_study(study, seen[study.id]))
            report.broken.append(path)
            continue
        seen[study.id] = path
        report.studies.append(study)
    return report


def _duplicate_study(study: Study, first: Path) -> CriteriaError:
    from pml_trials.studies.lines import TomlLines

    try:  # the file loaded a moment ago; read again only for the line of its id
        line = TomlLines(study.path.read_text(encoding="utf-8-sig")).line(("id",))
    except (OSError, UnicodeDecodeError):
        line = None
    return CriteriaError(
        f"study id '{study.id}' is also defined in {first} "
        "(use --no-bundled to replace the bundled studies with your own)",
        source=str(study.path),
        line=line,
    )


def load_file(path: Path) -> Study:
    """Read, validate, check and compile one criteria file, or raise every problem.

    A file that loaded before, unchanged, comes from the cache (:mod:`.cache`) with its
    rules compiled again; any other is read and checked (:mod:`.build`)."""
    raw = _read(path)
    sha256 = cache.checksum(raw)
    study = cache.lookup(path, sha256)
    if study is None:
        from pml_trials.studies.build import build

        try:
            study, cacheable = build(path, raw, sha256)
        except (RecursionError, MemoryError, OverflowError) as exc:  # a hostile file
            message = f"the file could not be checked ({type(exc).__name__}): it nests too deeply or is too large"
            raise CriteriaFileError([CriteriaError(message, source=str(path))]) from None
        if cacheable:
            cache.store(study)
    return study


def load_version(raw: bytes, label: str) -> Study:
    """A study from bytes that are not its own file: standard input, or an older version
    (``git show REV:criteria/x.toml``). Checked exactly as a file is, but for the file
    name (``label`` names it in messages; ``file =`` examples are read relative to its
    folder); never cached."""
    from pml_trials.studies.build import build

    if len(raw) > MAX_FILE_BYTES:
        raise CriteriaFileError(
            [
                CriteriaError(
                    f"the file is {len(raw)} bytes; criteria files may be at most {MAX_FILE_BYTES}",
                    source=label,
                )
            ]
        )
    study, _ = build(Path(label), raw, cache.checksum(raw), named=False)
    return study


def _read(path: Path) -> bytes:
    """The file's bytes; a device, FIFO or a file over MAX_FILE_BYTES is refused unread."""
    from pml_trials.files.read import NotReadableError, read_limited

    try:
        return read_limited(path, MAX_FILE_BYTES)
    except NotReadableError as exc:
        raise CriteriaFileError([CriteriaError(str(exc), source=str(path))]) from None
