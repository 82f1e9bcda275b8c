"""The three verdicts and every word, mark and colour shown for them (the one set every
output uses), and the words for a criterion's value; part of the shared base layer."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """A trial's pre-screening verdict for one patient."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_INFORMATION = "needs-information"


# How a verdict reads in a sentence or a cell, its mark, and its colour (a rich style
# name, only a string here); COUNTED is the form after a number ("3 needing information").
WORDS: dict[Verdict, str] = {
    Verdict.ELIGIBLE: "eligible",
    Verdict.INELIGIBLE: "ineligible",
    Verdict.NEEDS_INFORMATION: "needs information",
}
COUNTED: dict[Verdict, str] = {**WORDS, Verdict.NEEDS_INFORMATION: "needing information"}
MARKS: dict[Verdict, str] = {
    Verdict.ELIGIBLE: "✓",
    Verdict.INELIGIBLE: "✗",
    Verdict.NEEDS_INFORMATION: "?",
}
STYLES: dict[Verdict, str] = {
    Verdict.ELIGIBLE: "green",
    Verdict.INELIGIBLE: "red",
    Verdict.NEEDS_INFORMATION: "yellow",
}


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
