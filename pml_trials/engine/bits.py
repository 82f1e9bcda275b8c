"""Sets of fields and actions as ints, one bit each (:data:`.missing.BITS`)."""

from __future__ import annotations

from collections.abc import Iterator


def bits_of(mask: int) -> Iterator[int]:
    """The set bits of ``mask``, lowest first, each as its power of two."""
    while mask:
        low = mask & -mask
        yield low
        mask ^= low
