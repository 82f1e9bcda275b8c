"""The missing fields of needs-information trials, computed as bit masks.

A trial that needs information lists the unknown fields whose answers could still decide
it (:attr:`.result.TrialResult.missing_fields`). That list depends only on the study, on
its outcome (which criteria are undecided), on the date counted to and on the values of
the fields the undecided criteria read. Renderers ask :class:`MissingFields` instead of
building the trial's view for every row: each undecided criterion's fields come from its
rule compiled to straight-line code that unites the fields as an int, one bit per
profile field in declaration order (:func:`.rules.missing_code.compile_missing_mask`,
held to the reference interpreter by the tests). A mask is small, hashes in one step and
names exactly the fields, so renderers key their caches of rendered text by it (issue
20: registry-like rows were rendered afresh because values-keyed memos kept missing).

Memory is bounded: the undecided criteria are remembered per outcome up to ``limit``
outcomes per study, and the field tuples of at most :data:`FIELDS_LIMIT` masks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from pml_trials.engine.bits import SpacedNames, bits_of
from pml_trials.profile.fields import FIELDS
from pml_trials.rules.missing_code import MaskFunction, StudyMaskFunction
from pml_trials.studies.model import Study

Values = tuple[bool | None, ...]
LIMIT = 8192  # outcomes per study whose undecided criteria are remembered
FIELDS_LIMIT = 8192  # masks whose field tuples are remembered

# One bit per profile field, in declaration order: a mask's fields read from its lowest
# bit up are in the order ``missing_fields`` gives.
BITS: Mapping[str, int] = {spec.key: 1 << index for index, spec in enumerate(FIELDS)}
_KEY_OF_BIT = {bit: key for key, bit in BITS.items()}
_FIELDS_OF: dict[int, tuple[str, ...]] = {}
_KEYS = tuple(BITS)  # each bit's field, from the lowest


def fields_text(mask: int) -> str:
    """The fields of a mask separated by spaces: ``" ".join(fields_of(mask))``."""
    return _FIELDS_TEXT(mask)


_FIELDS_TEXT = SpacedNames(_KEYS.__getitem__)


def fields_of(mask: int) -> tuple[str, ...]:
    """The fields of a mask, in declaration order."""
    found = _FIELDS_OF.get(mask)
    if found is None:
        found = tuple([_KEY_OF_BIT[low] for low in bits_of(mask)])
        if len(_FIELDS_OF) >= FIELDS_LIMIT:
            _FIELDS_OF.clear()
        _FIELDS_OF[mask] = found
    return found


class MissingFields:
    """``mask(number, values, get, today)``: the fields ``TrialResult.missing_fields``
    gives for study ``number`` of ``studies`` with that outcome's criterion values, as a
    mask of :data:`BITS`; ``missing(...)`` gives them as the tuple.

    Built on other ``bits`` (one int per field), ``mask`` gives the union of the missing
    fields' ints instead: :func:`.next_steps.answering_bits` adds the actions answering
    them (``missing`` is then not defined)."""

    def __init__(
        self, studies: Sequence[Study], limit: int = LIMIT, bits: Mapping[str, int] = BITS
    ) -> None:
        self.studies = tuple(studies)
        self.limit = limit
        self.bits = bits
        # per study: criterion values -> the undecided criteria's mask functions
        self._undecided: list[dict[Values, tuple[MaskFunction, ...]]] = [{} for _ in self.studies]
        # per study, per criterion: its compiled mask function, built on first use
        self._compiled: list[list[MaskFunction | None]] = [
            [None] * len(study.criteria) for study in self.studies
        ]

    def mask(self, number: int, values: Values, get: Callable[[str], Any], today: date) -> int:
        functions = self._undecided[number].get(values)
        if functions is None:
            functions = self._functions_of(number, values)
        found = 0
        for function in functions:
            found |= function(get, today)
        return found

    def missing(
        self, number: int, values: Values, profile: Mapping[str, Any], today: date
    ) -> tuple[str, ...]:
        return fields_of(self.mask(number, values, profile.get, today))

    def study_functions(self, attributes: bool, after: int = 8) -> list[StudyMaskFunction]:
        """Each study's ``mask(p, today, values)``: what :meth:`mask` gives for that
        study, in one generated call (:func:`.rules.missing_code.compile_study_mask`);
        ``p`` is the profile's ``get``, or with ``attributes`` a profile whose fields are
        attributes (a batch line's Struct). The first ``after`` calls for a study go
        through :meth:`mask` (compiling a whole study costs ~5 ms, which a one-file
        screen would pay); the next compiles it and puts it in the list in its place."""
        functions: list[StudyMaskFunction] = []

        def first_calls(number: int) -> StudyMaskFunction:
            calls = 0

            def compiling(p: Any, today: date, values: Values) -> int:
                nonlocal calls
                calls += 1
                if calls <= after:
                    get = p.__getattribute__ if attributes else p
                    return self.mask(number, values, get, today)
                from pml_trials.rules.missing_code import compile_study_mask

                nodes = [criterion.node for criterion in self.studies[number].criteria]
                function = compile_study_mask(nodes, self.bits, attributes)
                functions[number] = function
                return function(p, today, values)

            return compiling

        functions += [first_calls(number) for number in range(len(self.studies))]
        return functions

    def _functions_of(self, number: int, values: Values) -> tuple[MaskFunction, ...]:
        compiled = self._compiled[number]
        functions = []
        for index, value in enumerate(values):
            if value is None:
                function = compiled[index]
                if function is None:
                    from pml_trials.rules.missing_code import compile_missing_mask

                    criterion = self.studies[number].criteria[index]
                    function = compile_missing_mask(criterion.node, self.bits)
                    compiled[index] = function
                functions.append(function)
        found = tuple(functions)
        remembered = self._undecided[number]
        if len(remembered) >= self.limit:
            remembered.clear()
        remembered[values] = found
        return found
