"""The compiled missing-fields functions give what the reference interpreter gives.

``missing_fields`` comes from :func:`pml_trials.rules.missing_code.compile_missing`
(through ``engine.result.missing_of``); :func:`pml_trials.rules.interpret.evaluate` is
the reference. Generated rules (with definitions shared by criteria), the bundled
criteria, partial and very sparse profiles.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pml_trials.engine import result as engine_result
from pml_trials.engine.missing import BITS, fields_of
from pml_trials.rules.interpret import evaluate
from pml_trials.rules.missing_code import (
    compile_missing,
    compile_missing_mask,
    compile_study_mask,
    missing_source,
    study_mask_source,
)
from pml_trials.studies.load import load_dirs
from tests import rules_driver as driver
from tests import strategies as gen

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 25)
_BUNDLED = tuple(load_dirs([ROOT / "criteria"]).studies)


def _today(profile: dict[str, Any]) -> date:
    return profile.get("screening_date") or AS_OF


@settings(max_examples=400, deadline=None)
@given(
    rule=gen.rules(),
    definition=gen.rules(1),
    join=st.sampled_from(["and", "or", None]),
    profile=gen.partial_profiles(),
)
def test_generated_rules(rule: str, definition: str, join: str | None, profile: Any) -> None:
    text = rule if join is None else f"({rule}) {join} (def0 or not def0)"
    node = driver.rule_node(text, {"def0": definition})
    today = _today(profile)
    expected = evaluate(node, profile.get, today)[1]
    assert compile_missing(node)(profile.get, today) == expected
    mask = compile_missing_mask(node, BITS)(profile.get, today)
    assert fields_of(mask) == tuple(k for k in BITS if k in expected)  # declaration order


@settings(max_examples=300, deadline=None)
@given(profile=gen.partial_profiles(), drop=st.floats(0.0, 1.0), data=st.data())
def test_bundled_criteria(profile: dict[str, Any], drop: float, data: st.DataObject) -> None:
    keys = [k for k in profile if k != "patient_id"]
    gone = data.draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    sparse = {k: v for k, v in profile.items() if k not in gone[: int(len(gone) * drop)]}
    today = _today(sparse)
    for study in _BUNDLED:
        for criterion in study.criteria:
            got = compile_missing(criterion.node)(sparse.get, today)
            assert got == evaluate(criterion.node, sparse.get, today)[1], criterion.id
            mask = compile_missing_mask(criterion.node, BITS)(sparse.get, today)
            assert set(fields_of(mask)) == got, criterion.id
            # and through the engine's entry point, sorted in declaration order
            expected = tuple(sorted(got, key=engine_result._ORDER.__getitem__))
            assert engine_result.missing_of(criterion, sparse.get, today) == expected


def test_the_text_holds_no_criteria_text() -> None:
    """Keys and literals are constants: the source shows generated names only."""
    for study in _BUNDLED:
        for criterion in study.criteria:
            source, constants = missing_source(criterion.node)
            for key in criterion.fields:
                assert key not in source
            assert "'" not in source and '"' not in source
            assert all(name.isidentifier() for name in constants)


def test_a_reused_identity_is_never_served_another_rules_function() -> None:
    """The compiled functions are kept by the rule's identity and hold the rule: an entry
    whose rule is not the one asked about is rebuilt."""
    first = driver.rule_node("age_years > 50")
    second = driver.rule_node("weight_kg > 50")
    engine_result._COMPILED[id(second)] = (first, compile_missing(first))
    empty: dict[str, object] = {}
    assert engine_result.unknown_fields(second, empty.get, AS_OF) == {"weight_kg"}


class _Attributes:
    """A profile's fields as attributes, ``None`` when unknown (as a batch line's Struct)."""

    def __init__(self, profile: dict[str, Any]) -> None:
        for key in BITS:
            setattr(self, key, profile.get(key))


@settings(max_examples=300, deadline=None)
@given(
    profile=gen.partial_profiles(),
    drop=st.floats(0.0, 1.0),
    data=st.data(),
)
def test_a_study_mask_is_the_union_of_its_undecided_criteria_masks(
    profile: dict[str, Any], drop: float, data: st.DataObject
) -> None:
    """compile_study_mask (one call per needs-information trial, only what the masks
    depend on) gives the union of compile_missing_mask over the criteria whose value is
    unknown, reading the fields through ``get`` or as attributes; any values tuple."""
    keys = [k for k in profile if k != "patient_id"]
    gone = data.draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    sparse = {k: v for k, v in profile.items() if k not in gone[: int(len(gone) * drop)]}
    today = _today(sparse)
    for study in _BUNDLED:
        nodes = [criterion.node for criterion in study.criteria]
        values = tuple(
            data.draw(st.sampled_from([None, True, False]), label=c.id) for c in study.criteria
        )
        expected = 0
        for node, value in zip(nodes, values, strict=True):
            if value is None:
                expected |= compile_missing_mask(node, BITS)(sparse.get, today)
        by_get = compile_study_mask(nodes, BITS, attributes=False)
        by_attributes = compile_study_mask(nodes, BITS, attributes=True)
        assert by_get(sparse.get, today, values) == expected, study.id
        assert by_attributes(_Attributes(sparse), today, values) == expected, study.id


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(gen.rules(), min_size=1, max_size=4),
    definition=gen.rules(1),
    profile=gen.partial_profiles(),
    data=st.data(),
)
def test_a_study_mask_of_generated_rules(
    rules: list[str], definition: str, profile: Any, data: st.DataObject
) -> None:
    nodes = [driver.rule_node(f"({rule}) or def0", {"def0": definition}) for rule in rules]
    values = tuple(data.draw(st.sampled_from([None, True, False])) for _ in nodes)
    today = _today(profile)
    expected = 0
    for node, value in zip(nodes, values, strict=True):
        if value is None:
            expected |= compile_missing_mask(node, BITS)(profile.get, today)
    assert compile_study_mask(nodes, BITS, attributes=False)(profile.get, today, values) == expected
    found = compile_study_mask(nodes, BITS, attributes=True)(_Attributes(profile), today, values)
    assert found == expected


def test_a_study_mask_reads_declared_fields_only() -> None:
    """As attributes, a field key is written into the text: only a declared one."""
    node = driver.rule_node("age_years > 50")
    with pytest.raises(ValueError, match="not a declared field"):
        compile_study_mask([node], {"weight_kg": 1}, attributes=True)
    source, _ = study_mask_source([node], BITS, attributes=True)
    assert "p.age_years" in source and "'" not in source and '"' not in source
