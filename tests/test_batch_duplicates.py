"""Repeated patient ids: found within a unit and across units, named while few, then by
hash, and never remembered beyond a fixed number (memory stays flat)."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from pml_trials.batch.duplicates import EARLIER, DuplicateIds, Hashes, Packed


def unit(*ids: str, at: str = "f") -> list[tuple[str, str]]:
    return [(patient_id, f"{at}:{n}") for n, patient_id in enumerate(ids, start=1)]


def test_no_repeat_no_warning() -> None:
    seen = DuplicateIds()
    assert seen.check(unit("a", "b", "c")) == []
    assert seen.check(unit("d", "e", at="g")) == []


def test_a_repeat_across_units_names_the_first_source() -> None:
    seen = DuplicateIds()
    seen.check(unit("a", "b"))
    assert seen.check(unit("c", "b", at="g")) == [("b", "g:2", "f:2")]


def test_a_repeat_within_one_unit_and_its_third_occurrence() -> None:
    seen = DuplicateIds()
    assert seen.check(unit("a", "b", "a", "a")) == [("a", "f:3", "f:1"), ("a", "f:4", "f:1")]


def test_past_the_named_ids_repeats_are_found_by_hash() -> None:
    seen = DuplicateIds(named=2, hashed=3)
    assert seen.check(unit("a", "b", "c", "d")) == []
    assert len(seen.first) == 2 and len(seen.hashes) == 2
    assert seen.check(unit("d", "a", at="g")) == [("d", "g:1", EARLIER), ("a", "g:2", "f:1")]


def test_memory_is_bounded_and_the_end_of_the_check_is_known() -> None:
    seen = DuplicateIds(named=2, hashed=3)
    seen.check(unit(*(f"p{n}" for n in range(100))))
    assert len(seen.first) == 2 and len(seen.hashes) == 3
    assert seen.full and seen.limit == 5
    assert seen.check(unit("p4")) == [("p4", "f:1", EARLIER)]
    assert seen.check(unit("p50")) == []  # not remembered: the documented limit


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 40), max_size=8), max_size=12),
    st.integers(0, 5),
    st.integers(0, 8),
)
def test_the_compact_hashes_answer_as_a_set_would(
    units: list[list[int]], named: int, hashed: int
) -> None:
    """Issue 20: the hashes live in a sorted array with a small set of recent ones,
    merged every few (here 3, so merges happen all the time): every answer is the one
    a plain set gives."""
    compact, plain = DuplicateIds(named, hashed), DuplicateIds(named, hashed)
    plain.hashes = set()  # type: ignore[assignment]
    original = Hashes.MERGE
    Hashes.MERGE = 3
    try:
        for number, ids in enumerate(units):
            patients = unit(*(f"p{i}" for i in ids), at=f"u{number}")
            assert compact.check(patients) == plain.check(patients)
            assert len(compact.hashes) == len(plain.hashes) and compact.full == plain.full
    finally:
        Hashes.MERGE = original


def test_twenty_thousand_hashes_take_well_under_a_megabyte() -> None:
    seen = DuplicateIds(named=0)
    for start in range(0, 20_000, 500):
        seen.check(unit(*(f"id-{n}" for n in range(start, start + 500))))
    hashes = seen.hashes
    assert len(hashes) == 20_000
    size = sys.getsizeof(hashes.sorted) + sys.getsizeof(hashes.recent)
    assert size < 400_000, size  # a set of ints took about 3 MB


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 40), max_size=8), max_size=12),
    st.integers(0, 5),
    st.integers(0, 8),
)
def test_packed_patients_are_checked_as_their_pairs_are(
    units: list[list[int]], named: int, hashed: int
) -> None:
    """Issue 20: workers send a unit's ids and sources as two joined strings
    (:class:`Packed`); every warning, and what is remembered, is the same."""
    packed, pairs = DuplicateIds(named, hashed), DuplicateIds(named, hashed)
    for number, ids in enumerate(units):
        patients = unit(*(f"p{i}" for i in ids), at=f"dir/u {number}.jsonl")
        compact = Packed.of(patients)
        assert compact.pairs() == patients and compact.count == len(patients)
        assert packed.check(compact) == pairs.check(patients)
        assert packed.first == pairs.first and packed.full == pairs.full
        assert len(packed.hashes) == len(pairs.hashes)
