"""Which questions share a screen: a section's yes/no exclusions as one checklist, its
numbers and choices as one form; the diagnosis, dates and lists one per screen.

The grouping is a pure function of the field declarations (:func:`group_of`), so the
questionnaire and the bench's screen oracle (``bench/questionnaire.py``) cannot disagree
about it. A screen holds only fields the chooser still ranks (each could change an
undecided trial), in its order, and the screen is the one of the chooser's best field.
"""

from __future__ import annotations

from typing import Literal

from pml_trials.profile.fields import BY_KEY, DIAGNOSIS, RECORD, RESIDENCE
from pml_trials.record import Record

ScreenKind = Literal["question", "checklist", "form"]
_ALONE = {DIAGNOSIS, RECORD, RESIDENCE}


class Screen(Record):
    kind: ScreenKind
    keys: tuple[str, ...]


def group_of(key: str) -> str:
    """The screen a field shares with others: ``checklist:<section>``, ``form:<section>``,
    or the field's own key when it is asked alone."""
    spec = BY_KEY[key]
    if spec.section in _ALONE or spec.vocabulary:
        return key
    if spec.kind == "boolean" and spec.checklist:
        return f"checklist:{spec.section}"
    if spec.kind in ("integer", "number", "enum"):
        return f"form:{spec.section}"
    return key


def next_screen(ranked: list[str]) -> Screen | None:
    """The next screen for the chooser's ranking (best first), or ``None`` at the end."""
    if not ranked:
        return None
    group = group_of(ranked[0])
    if group == ranked[0]:
        return Screen("question", (ranked[0],))
    items = tuple(k for k in ranked if group_of(k) == group)
    if len(items) == 1:
        return Screen("question", items)
    return Screen("checklist" if group.startswith("checklist:") else "form", items)
