"""Which questions share a screen: one screen per section, its numbers, choices and dates
first (a form, each value on its own line), then its yes/no exclusions as one checklist;
the diagnosis stays one question per screen.

The grouping is a pure function of the field declarations (:func:`group_of`), so the
questionnaire and the bench's screen oracle (``bench/questionnaire.py``) cannot disagree
about it. A screen holds only fields the chooser still ranks (each could change an
undecided trial), in its order, and the screen is the one of the chooser's best field.
"""

from __future__ import annotations

from typing import Literal

from pml_trials.profile.fields import BY_KEY, DIAGNOSIS, RECORD, RESIDENCE
from pml_trials.record import Record

ScreenKind = Literal["question", "checklist", "form", "section"]
_ALONE = {DIAGNOSIS, RECORD, RESIDENCE}


class Screen(Record):
    kind: ScreenKind
    keys: tuple[str, ...]


def group_of(key: str) -> str:
    """The screen a field shares with others, ``section:<section>``, or the field's own
    key when it is asked alone (the diagnosis, the record, the residence)."""
    spec = BY_KEY[key]
    if spec.section in _ALONE or spec.vocabulary:
        return key
    if spec.kind == "boolean" and spec.checklist:
        return f"section:{spec.section}"
    if spec.kind in ("integer", "number", "enum", "enum_list", "date"):
        return f"section:{spec.section}"
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
    values = tuple(k for k in items if BY_KEY[k].kind != "boolean")
    ticks = tuple(k for k in items if BY_KEY[k].kind == "boolean")
    if not values:
        return Screen("checklist", ticks)
    if not ticks:
        return Screen("form", values)
    return Screen("section", values + ticks)
