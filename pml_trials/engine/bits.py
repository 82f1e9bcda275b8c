"""Sets of fields and actions as ints, one bit each (:data:`.missing.BITS`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator


def bits_of(mask: int) -> Iterator[int]:
    """The set bits of ``mask``, lowest first, each as its power of two."""
    while mask:
        low = mask & -mask
        yield low
        mask ^= low


class SpacedNames:
    """``names(mask)``: the names of the set bits of ``mask`` (``name(p)`` for bit ``p``),
    lowest first, separated by spaces; what ``" ".join(name(p) for each bit p)`` gives.

    A mask is read a byte at a time (``int.to_bytes``), each non-zero byte's names
    joined once and remembered by its place and value: a few look-ups in C per mask
    rather than a Python step per bit. At most 256 texts per byte place."""

    def __init__(self, name: Callable[[int], str]) -> None:
        self._name = name
        self._tables: list[list[str | None]] = []  # place -> byte -> its names' text

    def __call__(self, mask: int) -> str:
        data = mask.to_bytes((mask.bit_length() + 7) >> 3, "little")
        tables = self._tables
        if len(data) > len(tables):
            tables.extend([None] * 256 for _ in range(len(data) - len(tables)))
        parts = [table[byte] for table, byte in zip(tables, data, strict=False) if byte]
        if None in parts:  # a byte not seen at its place before
            parts = [self._part(place, byte) for place, byte in enumerate(data) if byte]
        return " ".join(parts)  # type: ignore[arg-type]  # no None is left

    def _part(self, place: int, byte: int) -> str:
        text = self._tables[place][byte]
        if text is None:
            low = place << 3
            text = " ".join([self._name(low + bit) for bit in range(8) if byte >> bit & 1])
            self._tables[place][byte] = text
        return text
