"""How long ago a study was last reviewed against its sources, and whether that is too long.

A criteria file's ``last_reviewed`` is when a person last checked it against its
sources. Protocols are amended and registry records change; a file not checked for a
long time may no longer say what the study requires. ``check`` warns and ``trials``
flags a study reviewed more than ``--max-review-age`` days ago (default 180, or
``$PML_TRIALS_MAX_REVIEW_AGE``). It is a warning, never an error: it does not change
any exit code or verdict.
"""

from __future__ import annotations

import os
from datetime import date

from pml_trials.errors import UsageError
from pml_trials.record import Record

DEFAULT_MAX_DAYS = 180
ENVIRONMENT = "PML_TRIALS_MAX_REVIEW_AGE"
_LIMIT = 36_500  # a hundred years: anything larger is a typo


class Review(Record):
    """A study's review age as of a date."""

    last_reviewed: date
    as_of: date
    max_days: int

    @property
    def days(self) -> int:
        """Days since the review (negative when the date is after ``as_of``)."""
        return (self.as_of - self.last_reviewed).days

    @property
    def stale(self) -> bool:
        return self.days > self.max_days

    @property
    def future(self) -> bool:
        return self.days < 0

    def describe(self) -> str:
        """``12 days ago``, ``today``, ``in 3 days``."""
        if self.days == 0:
            return "today"
        if self.days < 0:
            return f"{-self.days} day{'s' if self.days < -1 else ''} after {self.as_of.isoformat()}"
        return f"{self.days} day{'s' if self.days > 1 else ''} ago"


def max_review_age(option: int | None) -> int:
    """The threshold in days: the option, else the environment variable, else 180."""
    if option is not None:
        return _checked(option, "--max-review-age")
    text = os.environ.get(ENVIRONMENT, "").strip()
    if not text:
        return DEFAULT_MAX_DAYS
    try:
        value = int(text)
    except ValueError:
        raise UsageError(
            f"${ENVIRONMENT} must be a whole number of days (e.g. 180), not {text[:20]!r}"
        ) from None
    return _checked(value, f"${ENVIRONMENT}")


def _checked(value: int, name: str) -> int:
    if not 0 <= value <= _LIMIT:
        raise UsageError(f"{name} must be between 0 and {_LIMIT} days, not {value}")
    return value
