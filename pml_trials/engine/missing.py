"""The missing fields of needs-information trials, remembered by what they depend on.

A trial that needs information lists the unknown fields whose answers could still decide
it (:attr:`.result.TrialResult.missing_fields`). That list depends only on the study, on
its outcome (which criteria are undecided), on the date counted to and on the values of
the fields the undecided criteria read: not on the patient id, the source, or any field
only decided criteria read. Registry exports repeat the same gaps, so renderers ask
:class:`MissingFields` instead of building the trial's view for every row: one dict
lookup on a hit, the same computation as ``missing_fields`` on a miss.

Memory is bounded: each study's memo is emptied when it reaches ``limit`` entries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from pml_trials.engine.result import _ORDER, unknown_fields
from pml_trials.profile.fields import BY_KEY
from pml_trials.rules.nodes import SCREENING_DATE
from pml_trials.studies.model import Study

Values = tuple[bool | None, ...]
LIMIT = 8192  # entries per study: ~2 MB for the three bundled studies when full


class MissingFields:
    """``missing(number, values, profile, today)``: what ``TrialResult.missing_fields``
    gives for study ``number`` of ``studies`` with that outcome's criterion values."""

    def __init__(self, studies: Sequence[Study], limit: int = LIMIT) -> None:
        self.studies = tuple(studies)
        self.limit = limit
        # per study: criterion values -> (undecided criteria, fields they read, any list)
        self._reads: list[dict[Values, tuple[tuple[int, ...], tuple[str, ...], bool]]] = [
            {} for _ in self.studies
        ]
        self._memo: list[dict[tuple[Any, ...], tuple[str, ...]]] = [{} for _ in self.studies]

    def missing(
        self, number: int, values: Values, profile: Mapping[str, Any], today: date
    ) -> tuple[str, ...]:
        reads = self._reads[number].get(values)
        if reads is None:
            reads = self._reads_of(number, values)
        undecided, keys, lists = reads
        get = profile.get
        if lists:
            read: list[Any] = [_hashable(get(key)) for key in keys]
        else:
            read = [*map(get, keys)]
        key = (values, today, *read)
        memo = self._memo[number]
        found = memo.get(key)
        if found is None:
            found = self._compute(number, undecided, get, today)
            if len(memo) >= self.limit:
                memo.clear()
            memo[key] = found
        return found

    def _reads_of(
        self, number: int, values: Values
    ) -> tuple[tuple[int, ...], tuple[str, ...], bool]:
        criteria = self.studies[number].criteria
        undecided = tuple(i for i, value in enumerate(values) if value is None)
        read = {key for i in undecided for key in criteria[i].fields}
        read.discard(SCREENING_DATE)  # the date counted to: in the key as ``today``
        keys = tuple(sorted(read, key=_ORDER.__getitem__))
        lists = any(BY_KEY[key].kind == "enum_list" for key in keys)
        reads = (undecided, keys, lists)
        if len(self._reads[number]) < self.limit:
            self._reads[number][values] = reads
        return reads

    def _compute(
        self, number: int, undecided: tuple[int, ...], get: Callable[[str], Any], today: date
    ) -> tuple[str, ...]:
        criteria = self.studies[number].criteria
        found: set[str] = set()
        for index in undecided:  # each criterion's own memo would be missed here too
            found.update(unknown_fields(criteria[index].node, get, today))
        return tuple(sorted(found, key=_ORDER.__getitem__))


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
