"""Kleene's three-valued logic on ``True`` / ``False`` / ``None`` (unknown).

These are the HL7 CQL specification's logical-operator tables for null, written out:

======= ======= ======= ======= ======= ========= =======
a       b       a and b a or b  not a   a implies b a xor b
======= ======= ======= ======= ======= ========= =======
true    unknown unknown true    false   unknown   unknown
false   unknown false   unknown true    true      unknown
unknown unknown unknown unknown unknown unknown   unknown
======= ======= ======= ======= ======= ========= =======

(with the usual two-valued results when both are known). The rule language has
``and``, ``or`` and ``not``; ``implies`` and ``xor`` are written with them and are here
for the tests.
"""

from __future__ import annotations

from collections.abc import Iterable

Tri = bool | None


def kleene_not(value: Tri) -> Tri:
    return None if value is None else not value


def kleene_and(values: Iterable[Tri]) -> Tri:
    """False if any is false, else unknown if any is unknown, else true."""
    unknown = False
    for value in values:
        if value is False:
            return False
        unknown = unknown or value is None
    return None if unknown else True


def kleene_or(values: Iterable[Tri]) -> Tri:
    """True if any is true, else unknown if any is unknown, else false."""
    unknown = False
    for value in values:
        if value is True:
            return True
        unknown = unknown or value is None
    return None if unknown else False


def kleene_implies(a: Tri, b: Tri) -> Tri:
    return kleene_or((kleene_not(a), b))


def kleene_xor(a: Tri, b: Tri) -> Tri:
    return None if a is None or b is None else a != b
