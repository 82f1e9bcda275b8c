"""Checks made before anything is written: the output is not one of the run's own files,
and its name is one the tool can write.

``screen p.json -o p.json`` would replace the patient file with the report; the same
file reached through a link, a second hard link or another spelling of its path is the
same danger. So an output is refused (usage error, exit 2) when it is, or resolves to,
any input or criteria file of the run: same resolved path, or same device and inode.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePath

from pml_trials.errors import UsageError

# (.parquet: screen --format parquet writes it itself and does not ask this guard.)
# Suffixes of formats this tool cannot write: plain text in a file named like this would
# be opened by the wrong program, or look like a spreadsheet that is not one.
UNSUPPORTED = frozenset(
    {
        ".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".pdf", ".doc", ".docx", ".odt",
        ".rtf", ".ppt", ".pptx", ".zip", ".gz", ".bz2", ".xz", ".zst", ".7z", ".tar",
        ".parquet", ".feather", ".arrow", ".sqlite", ".db", ".duckdb", ".png", ".jpg",
        ".jpeg", ".svg", ".xml", ".yaml", ".yml", ".toml",
    }
)  # fmt: skip


def refuse_unsupported(path: Path, option: str, writes: str) -> None:
    """A :class:`UsageError` for an output name of a kind this tool cannot write."""
    suffix = PurePath(path).suffix.lower()
    if suffix in UNSUPPORTED:
        raise UsageError(
            f"cannot write {suffix} files; this command writes {writes} "
            f"(choose a name with one of those suffixes)",
            source=str(path),
            field=option,
        )


def _identity(path: Path) -> tuple[str, tuple[int, int] | None]:
    resolved = os.path.realpath(path)
    try:
        info = os.stat(resolved)  # noqa: PTH116
    except OSError:
        return resolved, None
    return resolved, (info.st_dev, info.st_ino)


def same_file(a: Path | str, b: Path | str) -> bool:
    """Whether two names reach the same file (resolved path, or device and inode)."""
    first, second = _identity(Path(a)), _identity(Path(b))
    return first[0] == second[0] or (first[1] is not None and first[1] == second[1])


def is_previous_report(path: Path) -> bool:
    """Whether a file looks like a JSON or JSON Lines report of this tool (its start
    names the tool and carries the disclaimer, which no profile may hold)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return b'"disclaimer"' in head and b"Pre-screening only" in head


def refuse_own_file(output: Path, files: Iterable[Path | str], option: str = "--output") -> None:
    """A :class:`UsageError` when ``output`` is, or resolves to, one of ``files`` (the
    run's inputs and criteria files)."""
    if str(output) == "-" or str(output).startswith(("/dev/", "/proc/")):
        return
    for file in files:
        if str(file) != "-" and same_file(output, file):
            raise UsageError(
                f"is also a file this run reads ({file}); writing there would destroy it: "
                "choose another output file",
                source=str(output),
                field=option,
            )
