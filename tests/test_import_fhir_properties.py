"""Properties of the FHIR import over random subsets and orders of a bundle's records."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from pml_trials.importers.codes import load_codes
from pml_trials.importers.fhir.build import Options
from pml_trials.importers.fhir.mapping import CONCEPTS
from pml_trials.importers.fhir.run import import_document
from pml_trials.importers.provenance import Imported
from pml_trials.profile.validate import validate_json
from tests.fhir_factory import coded, pml_patient_bundle

CODES = load_codes(known=CONCEPTS)
BUNDLE = pml_patient_bundle()
BUNDLE["entry"].append({"resource": coded("hiv-neg", "7917-8", "165815009", "2026-06-01")})
BUNDLE["entry"].append(
    {"resource": coded("bf-x", "82810-3", "77386006", "2026-11-29", status="preliminary")}
)
PATIENT, *RECORDS = BUNDLE["entry"]
NEGATIVE = {"hiv-neg": "hiv_positive", "preg-1": "pregnant_or_breastfeeding"}


def profile_of(entries: list[dict[str, object]]) -> Imported:
    data = json.dumps({**BUNDLE, "entry": entries}).encode()
    (item,) = import_document(data, "b.json", CODES, Options(date(2026, 12, 1)))
    assert isinstance(item, Imported)
    return item


subsets = st.lists(st.sampled_from(RECORDS), unique_by=lambda e: e["resource"]["id"])


@settings(max_examples=60, deadline=None)
@given(subsets, st.randoms(use_true_random=False))
def test_any_subset_in_any_order_gives_a_valid_profile_with_a_record_for_each_value(
    entries: list[dict[str, object]], rng: object
) -> None:
    item = profile_of([PATIENT, *entries])
    validate_json(json.dumps(item.profile))
    assert set(item.profile) - {"patient_id", "screening_date"} == {e.field for e in item.evidence}
    shuffled = [PATIENT, *entries]
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert profile_of(shuffled).profile == item.profile


@settings(max_examples=60, deadline=None)
@given(subsets)
def test_a_false_only_ever_comes_from_an_explicit_negative_record(
    entries: list[dict[str, object]],
) -> None:
    item = profile_of([PATIENT, *entries])
    present = {e["resource"]["id"] for e in entries}  # type: ignore[index]
    for key, value in item.profile.items():
        if value is False:
            assert any(NEGATIVE.get(rid) == key for rid in present), key


@settings(max_examples=40, deadline=None)
@given(subsets, subsets)
def test_more_records_never_lose_a_value_silently(
    a: list[dict[str, object]], b: list[dict[str, object]]
) -> None:
    small = profile_of([PATIENT, *a])
    ids = {e["resource"]["id"] for e in a}  # type: ignore[index]
    large = profile_of([PATIENT, *a, *(e for e in b if e["resource"]["id"] not in ids)])  # type: ignore[index]
    # A value the larger input no longer has must come with a warning that says why.
    touched = {e.field for e in large.evidence} | {w.split(":")[0] for w in large.warnings}
    for key, value in small.profile.items():
        if key not in touched:
            assert large.profile.get(key) == value, key
