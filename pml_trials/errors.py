"""Errors meant for people, and the exit codes the CLI maps them to.

Every error a user can cause is a :class:`PmlTrialsError`. It is a value with a place
(file, line, column, field) until the CLI edge, which is the only code that formats it.

Exit codes (README "Exit codes", kept equal by tests/test_readme.py): 0 done, 1 internal
error (a bug), 2 usage, 3 invalid input, 4 environment failure (:class:`EnvironmentFailure`:
disk full, EFBIG, read-only file system, refused rename, closed or broken standard
streams, a worker killed by the system), and 128+N after signal N (130 Ctrl-C, 129
SIGHUP, 143 SIGTERM; see :mod:`pml_trials.stopping`).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit codes; documented in the README and tested."""

    OK = 0  # done, whatever the verdicts
    INTERNAL = 1  # a bug in pml-trials
    USAGE = 2  # the command line was wrong
    INVALID_INPUT = 3  # a profile or criteria file was invalid (the rest was still processed)
    ENVIRONMENT = 4  # the machine failed the run: disk full, output closed, worker killed, ...


class PmlTrialsError(Exception):
    """Base class of every user-facing error.

    ``source`` is a file path (or ``-``), ``line``/``column`` are 1-based, ``field`` is a
    field path, ``snippet`` a line of the offending text shown with a caret under
    ``column`` (``width`` carets).
    """

    exit_code = ExitCode.INVALID_INPUT

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        snippet: str | None = None,
        width: int = 1,
        context: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.field = field
        self.snippet = snippet
        self.width = max(1, width)
        self.context = context

    def where(self) -> str:
        """``source:line`` (or whichever part is known)."""
        parts = [p for p in (self.source, str(self.line) if self.line else None) if p]
        return ":".join(parts)

    def render(self) -> str:
        """One line ``where: context: field: message``, then the snippet and its caret."""
        head = ": ".join(p for p in (self.where(), self.context, self.field, self.message) if p)
        if self.snippet is None or self.column is None:
            return head
        caret = " " * (self.column - 1) + "^" * self.width
        return f"{head}\n    {self.snippet}\n    {caret}"

    def __str__(self) -> str:
        return self.render()


class UsageError(PmlTrialsError):
    """The command line asked for something that does not exist (exit 2)."""

    exit_code = ExitCode.USAGE


class EnvironmentFailure(PmlTrialsError):  # noqa: N818 - named for what it is
    """The machine, not the data or pml-trials, stopped the run (exit 4): a full disk, a
    closed standard output or input, a worker killed by the system, a refused rename.
    The message says what failed and what to do; nothing already written was replaced."""

    exit_code = ExitCode.ENVIRONMENT


class ProfileError(PmlTrialsError):
    """A patient profile (file, line or questionnaire answer) is invalid."""


class RuleError(PmlTrialsError):
    """A rule or definition in a criteria file is not in the language, or mistyped.

    ``offset``/``end`` are 0-based character offsets into the rule text; the loader
    turns them into a TOML line and a caret.
    """

    def __init__(self, message: str, *, offset: int = 0, end: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset
        self.end = offset + 1 if end is None else max(end, offset + 1)


class CriteriaError(PmlTrialsError):
    """A criteria file cannot be read, does not follow the contract, or fails a check."""


class CriteriaFileError(Exception):
    """All the problems of one criteria file (raised by loading, caught per file)."""

    def __init__(self, errors: list[CriteriaError]) -> None:
        super().__init__("\n".join(e.render() for e in errors))
        self.errors = errors
