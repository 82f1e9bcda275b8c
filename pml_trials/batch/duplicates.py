"""Warn when two inputs carry the same ``patient_id``; both are still screened.

Memory must not grow with the batch, so the check remembers a fixed number of ids: the
first :data:`NAMED` with where each was seen (the warning names that input), then up
to :data:`HASHED` more by their 64-bit hash (the warning says "an earlier input"; two
different ids share a hash with a probability near 1e-10). Past that one notice says
the check stopped growing; PML registries hold thousands of patients, not 30,000.

A unit's ids are checked together with set operations, so the common case (no
duplicate) costs the main process almost nothing per patient.
"""

from __future__ import annotations

from collections.abc import Sequence

NAMED = 10_000  # about 1.7 MB
HASHED = 20_000  # about 1.5 MB
EARLIER = "an earlier input"


class DuplicateIds:
    """Where each patient id was first seen (as far as it remembers)."""

    def __init__(self, named: int = NAMED, hashed: int = HASHED) -> None:
        self.named = named
        self.capacity = hashed
        self.first: dict[str, str] = {}
        self.hashes: set[int] = set()
        self.full = False  # an id was not remembered for lack of room

    @property
    def limit(self) -> int:
        return self.named + self.capacity

    def check(self, patients: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """``(patient_id, source, where it was seen first)`` for each repeated id among
        ``patients`` (id and source, in input order); and remember them all."""
        ids = [patient_id for patient_id, _ in patients]
        clash = (
            len(set(ids)) != len(ids)
            or not self.first.keys().isdisjoint(ids)
            or not self.hashes.isdisjoint(map(hash, ids))
        )
        if clash:
            return [found for found in map(self._one, patients) if found is not None]
        room = self.named - len(self.first)
        if room > 0:
            self.first.update(patients[:room])
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
