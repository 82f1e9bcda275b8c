"""Warn when two inputs carry the same ``patient_id``; both are still screened.

Memory must not grow with the batch, so the check remembers a fixed number of ids: the
first :data:`NAMED` with where each was seen (the warning names that input), then up
to :data:`HASHED` more by their 64-bit hash (the warning says "an earlier input"; two
different ids share a hash with a probability near 1e-10). Past that one notice says
the check stopped growing; PML registries hold thousands of patients, not 30,000.

A unit's ids are checked together with set operations, so the common case (no
duplicate) costs the main process almost nothing per patient. The hashes are kept in a
sorted array (8 bytes each, :class:`Hashes`): in a set they took about 150 bytes each,
3 MB for 20,000, which was most of what a batch's memory grew by (issue 20).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import itemgetter
from struct import pack
from typing import Protocol

from pml_trials.record import Record

NAMED = 10_000  # about 1.7 MB
HASHED = 20_000  # 160 kB, and 256 kB of marks
EARLIER = "an earlier input"
_ONES = repeat(1)  # endless: map() stops at the shorter


class Packed(Record):
    """A unit's patients as a worker sends them back: the ids joined in one string and
    the sources in another, NUL between them (no id or label holds one), so that
    pickling, the pipe and unpickling handle two strings instead of a tuple per patient,
    and the duplicate check splits the ids in C (issue 20, 100k patients in units of
    545: unpickling 24 -> 4 ms in the main process, pickling 15 -> 3 + 7 ms of packing
    in the workers). The sources are split only where they are needed: the first
    patients of a batch (remembered by name) and a repeated id."""

    ids: str
    sources: str
    count: int

    @classmethod
    def of(cls, patients: Sequence[tuple[str, str]]) -> Packed:
        if not patients:
            return cls("", "", 0)
        ids, sources = zip(*patients, strict=True)
        return cls.joined(ids, sources)

    @classmethod
    def joined(cls, ids: Sequence[str], sources: Sequence[str]) -> Packed:
        """The patients whose ids and sources these are, in order."""
        return cls("\0".join(ids), "\0".join(sources), len(ids))

    def id_list(self) -> list[str]:
        return self.ids.split("\0") if self.count else []

    def source_list(self, first: int | None = None) -> list[str]:
        """The sources of all the patients, or of (at least) the ``first`` few."""
        if not self.count:
            return []
        if first is None or first >= self.count:
            return self.sources.split("\0")
        return self.sources.split("\0", first)[:first]

    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.id_list(), self.source_list(), strict=True))


class Patients(Protocol):
    """A unit's patients as lists (:class:`Packed`, or a unit's ``Done``)."""

    def id_list(self) -> list[str]: ...

    def source_list(self, first: int | None = None) -> list[str]: ...


class Hashes:
    """A set of 64-bit hashes in little memory: a sorted array (the latest few in a small
    set until there are :data:`MERGE` of them), and a byte per :data:`SLOTS` slot marking
    the slots some hash falls in, so that a unit's hashes are looked up together in C and
    only the few in a marked slot are searched for (a set took about 150 bytes per hash;
    this takes 8 plus 256 kB in all)."""

    MERGE = 2048
    SLOTS = 1 << 18

    def __init__(self) -> None:
        self.sorted = array("q")
        self.recent: set[int] = set()
        self.marks = bytearray(self.SLOTS)

    def __len__(self) -> int:
        return len(self.sorted) + len(self.recent)

    def __contains__(self, value: int) -> bool:
        return bool(self.marks[value & (self.SLOTS - 1)]) and self._stored(value)

    def isdisjoint(self, values: Iterable[int]) -> bool:
        values = list(values)
        if len(values) < 2:  # itemgetter of one index gives the item, not a tuple
            return not any(map(self.__contains__, values))
        mask = self.SLOTS - 1
        marked = itemgetter(*[value & mask for value in values])(self.marks)
        # Only the hashes in a marked slot (~7 % of them once there are 20,000) are
        # searched for, picked by compress() in C rather than by a generator over every
        # (hash, mark) pair (issue 20; with the marking below, 3.5 % fewer instructions
        # for the check of 100,000 ids).
        return not any(map(self._stored, compress(values, marked)))

    def _stored(self, value: int) -> bool:
        """Whether ``value`` is here, its slot known to be marked."""
        if value in self.recent:
            return True
        at = bisect_left(self.sorted, value)
        return at < len(self.sorted) and self.sorted[at] == value

    def add(self, value: int) -> None:
        self.update((value,))

    def update(self, values: Iterable[int]) -> None:
        """Add hashes not already here (the caller checked)."""
        values = list(values)
        mask, recent = self.SLOTS - 1, self.recent
        recent.update(values)
        # Each slot marked in C (deque consumes the map), not in a loop here.
        deque(map(self.marks.__setitem__, [value & mask for value in values], _ONES), maxlen=0)
        if len(recent) >= self.MERGE:
            # Two sorted runs: list.sort (timsort) merges them in C, where heapq.merge
            # stepped through every hash in Python (a tenth of the main process's work
            # in a 2-worker batch).
            # (array("q", merged) parses each int as a function argument: struct.pack
            # converts them several times faster.)
            merged = self.sorted.tolist()
            merged += recent
            merged.sort()
            self.sorted = array("q", pack(f"{len(merged)}q", *merged))
            self.recent = set()


class DuplicateIds:
    """Where each patient id was first seen (as far as it remembers)."""

    def __init__(self, named: int = NAMED, hashed: int = HASHED) -> None:
        self.named = named
        self.capacity = hashed
        self.first: dict[str, str] = {}
        self.hashes = Hashes()
        self.full = False  # an id was not remembered for lack of room

    @property
    def limit(self) -> int:
        return self.named + self.capacity

    def check(self, patients: Sequence[tuple[str, str]] | Patients) -> list[tuple[str, str, str]]:
        """``(patient_id, source, where it was seen first)`` for each repeated id among
        ``patients`` (id and source, in input order); and remember them all."""
        if not isinstance(patients, Sequence):
            ids = patients.id_list()
            sources = patients.source_list
        else:
            ids = [patient_id for patient_id, _ in patients]

            def sources(first: int | None = None) -> list[str]:
                return [source for _, source in patients[:first]]

        clash = (
            len(set(ids)) != len(ids)
            or not self.first.keys().isdisjoint(ids)
            or not self.hashes.isdisjoint(map(hash, ids))
        )
        if clash:
            found = map(self._one, zip(ids, sources(), strict=True))
            return [one for one in found if one is not None]
        room = self.named - len(self.first)
        if room > 0:
            self.first.update(zip(ids[:room], sources(room), strict=True))
        rest = ids[max(room, 0) :]
        if rest:
            space = self.capacity - len(self.hashes)
            self.hashes.update(map(hash, rest[:space]))
            self.full = self.full or len(rest) > space
        return []

    def _one(self, patient: tuple[str, str]) -> tuple[str, str, str] | None:
        patient_id, source = patient
        first = self.first.get(patient_id)
        if first is None and hash(patient_id) in self.hashes:
            first = EARLIER
        if first is not None:
            return (patient_id, source, first)
        if len(self.first) < self.named:
            self.first[patient_id] = source
        elif len(self.hashes) < self.capacity:
            self.hashes.add(hash(patient_id))
        else:
            self.full = True
        return None
