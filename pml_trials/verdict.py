"""The three verdicts and the words for a criterion's value; shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """A trial's pre-screening verdict for one patient."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_INFORMATION = "needs-information"


def status(kind: str, value: bool | None) -> str:
    """The contract's word for a criterion's value: met / not met / unknown for an
    inclusion, applies / does not apply / unknown for an exclusion."""
    if value is None:
        return "unknown"
    if kind == "inclusion":
        return "met" if value else "not met"
    return "applies" if value else "does not apply"


def decisive(kind: str, value: bool | None) -> bool:
    """Whether this value alone makes the trial ineligible."""
    return value is (kind == "exclusion")
