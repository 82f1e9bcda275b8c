"""Issue 20, csv on registry-like profiles: the pieces of a needs-information row's fast
path give what the straightforward definitions give.

- ``bits.SpacedNames`` (a mask's names, a byte at a time) is ``" ".join`` of each bit's;
- a ``MissingFields`` on ``next_steps.answering_bits`` packs a trial's missing fields
  and the actions answering them in one int: exactly the plain mask and
  ``answered_actions`` of it;
- ``ranked_keys`` / ``ranked_text`` are the CSV's next-step keys (``actions_by_masks``);
- the csv prefix takes a source as it is only where ``cell`` would;
- a warm writer, with every cache emptied at each entry or left to grow, renders each
  patient as the straightforward rows give it (a key that left something out would repeat text).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pml_trials.engine import screen
from pml_trials.engine.bits import SpacedNames
from pml_trials.engine.missing import BITS, MissingFields, fields_of, fields_text
from pml_trials.engine.next_steps import (
    ACTION_SHIFT,
    actions_by_masks,
    answered_actions,
    answering_bits,
    ranked_keys,
    ranked_text,
)
from pml_trials.engine.run import RunInfo
from pml_trials.render import csv_writer as csv_out
from pml_trials.studies.load import load_dirs
from pml_trials.verdict import Verdict, decisive
from tests import strategies
from tests.test_fast_paths_identical import _straight_csv

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 25)
STUDIES = tuple(load_dirs([ROOT / "criteria"]).studies)
_KEYS = list(BITS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, (1 << 90) - 1), min_size=1, max_size=8))
def test_spaced_names_are_the_names_of_each_bit(masks: list[int]) -> None:
    names = SpacedNames(lambda place: f"n{place}")
    for mask in masks * 2:  # the second time from remembered bytes
        expected = " ".join(f"n{p}" for p in range(mask.bit_length()) if mask >> p & 1)
        assert names(mask) == expected


@given(st.lists(st.sampled_from(_KEYS), max_size=20, unique=True))
def test_fields_text_is_the_fields_joined(keys: list[str]) -> None:
    mask = sum(BITS[key] for key in keys)
    assert fields_text(mask) == " ".join(fields_of(mask))


@settings(max_examples=200, deadline=None)
@given(profile=strategies.partial_profiles())
def test_a_packed_mask_is_the_mask_and_its_answering_actions(profile: dict[str, Any]) -> None:
    plain, packed = MissingFields(STUDIES), MissingFields(STUDIES, bits=answering_bits())
    result = screen(profile, STUDIES, AS_OF)
    for number, trial in enumerate(result):
        if trial.verdict is Verdict.NEEDS_INFORMATION:
            today = result.screening_date
            mask = plain.mask(number, trial.values, profile.get, today)
            both = packed.mask(number, trial.values, profile.get, today)
            assert both & ((1 << ACTION_SHIFT) - 1) == mask
            assert both >> ACTION_SHIFT == answered_actions(mask)


@given(strategies.missing_masks())
def test_ranked_keys_name_the_csv_next_steps(masks: tuple[int, ...]) -> None:
    """What the csv writes for each trial needing information, from its ranked key,
    is what ``actions_by_masks`` gives from every trial's missing fields."""
    keys = ranked_keys([answered_actions(mask) for mask in masks])
    assert tuple(map(ranked_text, keys)) == actions_by_masks(masks)


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from('ab-=+@\t\r\n,":0/ '), min_size=1, max_size=8)
    | st.from_regex(r"-(:[0-9]+)?", fullmatch=True)
)
def test_a_source_is_taken_as_it_is_only_where_cell_would(text: str) -> None:
    writer = csv_out.CsvWriter(RunInfo(STUDIES, "2026-11-25T19:20:00Z", AS_OF))
    profile = {"patient_id": "p-1"}
    result = screen(profile, STUDIES, AS_OF, text)
    row = writer.render_line("p-1", text, profile, result.outcomes, AS_OF)
    assert row.startswith(f"p-1,{csv_out.cell(text)},{STUDIES[0].id},")


class _Attributes:
    """A profile's fields as attributes, ``None`` when unknown (as a batch line's Struct)."""

    def __init__(self, profile: dict[str, Any]) -> None:
        for key in BITS:
            setattr(self, key, profile.get(key))


@pytest.mark.parametrize("limit", [1, 3, 8192])
@settings(max_examples=40, deadline=None)
@given(profiles=st.lists(strategies.partial_profiles(), min_size=4, max_size=12))
def test_a_warm_writer_with_any_bound_renders_as_a_fresh_one(
    limit: int, profiles: list[dict[str, Any]]
) -> None:
    """Needs-information cells remembered by packed mask and ranked key, decided row
    ends by outcome and by decisive criteria (emptied at each entry with limit 1): one
    warm writer renders every patient as the straightforward rows (from the engine's
    views) give it, from the profile and from its fields as attributes (render_struct)."""
    run = RunInfo(STUDIES, "2026-11-25T19:20:00Z", AS_OF)
    saved = csv_out._NEEDS_LIMIT, csv_out._CACHE_LIMIT
    csv_out._NEEDS_LIMIT = csv_out._CACHE_LIMIT = limit
    try:
        warm = csv_out.CsvWriter(run)
        for number, profile in enumerate(profiles * 2):
            result = screen(profile, STUDIES, AS_OF, f"g.jsonl:{number}")
            args = (result.patient_id, result.source, profile, result.outcomes, AS_OF)
            expected = _straight_csv(csv_out.CsvWriter(run), result)
            assert warm.render_line(*args) == expected
            struct = _Attributes(profile)
            assert warm.render_struct(*args[:2], struct, *args[3:]) == expected
    finally:
        csv_out._NEEDS_LIMIT, csv_out._CACHE_LIMIT = saved


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_decided_key_names_the_decisive_criteria(data: st.DataObject) -> None:
    """The csv's decided-row key has bit i set exactly where criterion i is decisive."""
    for study in STUDIES:
        values = tuple(
            data.draw(st.sampled_from([None, True, False]), label=c.id) for c in study.criteria
        )
        pairs = enumerate(zip(study.criteria, values, strict=True))
        expected = sum(1 << i for i, (c, v) in pairs if decisive(c.kind, v))
        assert csv_out._decided_key(study)(values) == expected


def test_a_town_is_remembered_with_its_country() -> None:
    """The resolved town is remembered by name and country: London in Canada and in
    Great Britain have their own nearest sites and distances."""
    run = RunInfo(STUDIES, "2026-11-25T19:20:00Z", AS_OF)
    warm = csv_out.CsvWriter(run)
    for country in ("GB", "CA", "GB"):
        profile = {"patient_id": "p-1", "residence_town": "London", "residence_country": country}
        result = screen(profile, STUDIES, AS_OF, "x:1")
        args = (result.patient_id, result.source, profile, result.outcomes, AS_OF)
        assert warm.render_line(*args) == _straight_csv(csv_out.CsvWriter(run), result)
