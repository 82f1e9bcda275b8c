"""Checked rules stored as JSON data come back as the same nodes, and anything the checker
could not have produced is refused rather than compiled."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given

from pml_trials.rules import stored
from pml_trials.rules.nodes import DefinitionRef, Node
from pml_trials.rules.parse import parse_boolean_rule, parse_rule
from tests import strategies as gen

RULES = [
    "18 <= age_years <= 75 and not pml_iris",
    "days_since(pml_diagnosis_date) <= 90 or weeks_since(pml_symptom_onset_date) < 26.5",
    "prednisone_equivalent_mg_per_day / weight_kg <= 0.5 and -cd4_cells_per_ul < -200 / 2",
    "cd4_cells_per_ul * 2 + 1 - 3 > 0",
    "csf_jcv_pcr in ['detected', 'not_done'] and brain_biopsy_jcv not in ['negative']",
    "'hiv' in predisposing_conditions or karnofsky_score in [10, 20, 30]",
    "last_investigational_agent_date > date('2026-01-01') or screening_date < date('2020-01-01')",
    "hiv_positive == True or sex != 'male' or False",
]


def round_trip(node: Node, definitions: dict[str, Node] | None = None) -> Node:
    data = json.loads(json.dumps(stored.dump(node)))  # as the cache file holds it
    return stored.load(data, definitions or {})


@pytest.mark.parametrize("rule", RULES)
def test_every_kind_of_node_comes_back_the_same(rule: str) -> None:
    node = parse_boolean_rule(rule)
    assert round_trip(node) == node
    assert repr(round_trip(node)) == repr(node)  # types and values, not just equal ones


@given(rule=gen.rules())
def test_generated_rules_come_back_the_same(rule: str) -> None:
    node = parse_boolean_rule(rule)
    assert round_trip(node) == node


def test_a_definition_is_stored_by_name_and_its_body_shared() -> None:
    body = parse_rule("age_years >= 18")
    definitions = {"adult": lambda name: body}
    node = parse_boolean_rule("adult and (adult or pml_iris)", definitions)
    assert stored.dump(node)[4][0] == ["definition", 0, 5, "adult"]
    again = round_trip(node, {"adult": body})
    assert again == node
    uses = [n for n in _walk(again) if isinstance(n, DefinitionRef)]
    assert len(uses) == 2 and all(use.body is body for use in uses)


def _walk(node: Node) -> list[Node]:
    from pml_trials.rules.nodes import children

    return [node, *(n for child in children(node) for n in _walk(child))]


@pytest.mark.parametrize(
    "data",
    [
        ["eval", 0, 1, "x"],  # no such node
        ["field", 0, 9, "no_such_field"],
        ["field", 0, 10, "patient_id"],  # never readable by a rule
        ["field", "0", 9, "age_years"],  # offsets are whole numbers
        ["field", True, 9, "age_years"],
        ["const", 0, 1, None],
        ["const", 0, 1, [1]],
        ["date", 0, 1, "2026-02-30"],
        ["list", 0, 1, []],
        ["list", 0, 1, [1, "a"]],
        ["list", 0, 1, [True]],
        ["compare", 0, 1, "is", ["const", 0, 1, 1], ["const", 0, 1, 1]],
        ["arith", 0, 1, "**", ["const", 0, 1, 1], ["const", 0, 1, 1]],
        ["logic", 0, 1, "xor", [["const", 0, 1, True]]],
        ["member", 0, 1, 1, ["const", 0, 1, 1], ["list", 0, 1, [1]]],
        ["call", 0, 1, "__import__", ["field", 0, 1, "pml_diagnosis_date"]],
        ["definition", 0, 1, "undefined"],
        ["not"],
        "field",
        None,
    ],
)
def test_what_the_checker_cannot_have_written_is_refused(data: Any) -> None:
    with pytest.raises(ValueError, match="not a stored rule"):
        stored.load(data, {})
