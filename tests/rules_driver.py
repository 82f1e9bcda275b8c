"""Run a rule two ways: compiled into a study and screened, and by the reference interpreter.

Shared by the JSON case tables (``tests/cases/*.json``), the engine tests and the
properties. Studies are built in memory from rule texts, exactly as the loader builds
them (parse and check, then ``compile_study``), without a TOML file around them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pml_trials.engine import screen
from pml_trials.profile.validate import validate_json
from pml_trials.rules.codegen import compile_study
from pml_trials.rules.interpret import evaluate
from pml_trials.rules.nodes import Node, fields_read
from pml_trials.rules.parse import Resolver, parse_boolean_rule, parse_rule
from pml_trials.studies.model import Criterion, Source, Study
from pml_trials.verdict import Verdict

CASES = Path(__file__).resolve().parent / "cases"
AS_OF = date(2026, 11, 25)
Value = bool | None


def resolvers(definitions: Mapping[str, str]) -> dict[str, Resolver]:
    """Definitions for :func:`parse_rule`, each parsed once on first use (no cycle
    detection: the case tables have none; the loader's is tested with files)."""
    parsed: dict[str, Node] = {}

    def resolve(name: str) -> Node:
        if name not in parsed:
            parsed[name] = parse_rule(definitions[name], table)
        return parsed[name]

    table: dict[str, Resolver] = dict.fromkeys(definitions, resolve)
    return table


def rule_node(text: str, definitions: Mapping[str, str] | None = None) -> Node:
    return parse_boolean_rule(text, resolvers(definitions or {}))


def study(rules: Sequence[tuple[bool, str]], definitions: Mapping[str, str] | None = None) -> Study:
    """A study of ``(is_exclusion, rule)`` criteria, ids ``c0``, ``c1``, ..."""
    criteria = []
    for index, (is_exclusion, text) in enumerate(rules):
        node = rule_node(text, definitions)
        criteria.append(
            Criterion(
                id=f"c{index}",
                kind="exclusion" if is_exclusion else "inclusion",
                text=text,
                source="tests",
                rule=text,
                node=node,
                fields=fields_read(node),
            )
        )
    verdicts = (Verdict.INELIGIBLE, Verdict.NEEDS_INFORMATION, Verdict.ELIGIBLE)
    return Study(
        id="test-study",
        title="Test study",
        category="other",
        last_reviewed=AS_OF,
        summary="A study built by the tests.",
        sources=(Source("tests", "the tests"),),
        definitions=dict(definitions or {}),
        criteria=tuple(criteria),
        examples=(),
        path=Path("test-study.toml"),
        sha256="0" * 64,
        evaluate=compile_study([(c.kind == "exclusion", c.node) for c in criteria], verdicts),
    )


def compiled_value(rule: Study, profile: Mapping[str, Any], as_of: date = AS_OF) -> Value:
    """The one criterion's value, through ``screen()`` and the generated code."""
    (_, values) = screen(profile, (rule,), as_of).outcomes[0]
    return values[0]


def reference_value(
    node: Node, profile: Mapping[str, Any], as_of: date = AS_OF
) -> tuple[Value, frozenset[str]]:
    """(value, missing) from the reference interpreter, counting to the same date."""
    today = profile.get("screening_date") or as_of
    value, missing = evaluate(node, profile.get, today)
    assert value is None or isinstance(value, bool)
    return value, missing


def both(
    text: str,
    profile: Mapping[str, Any],
    as_of: date = AS_OF,
    definitions: Mapping[str, str] | None = None,
) -> tuple[Value, Value]:
    """(compiled, reference) values of a rule for a profile."""
    built = study([(False, text)], definitions)
    return compiled_value(built, profile, as_of), reference_value(
        built.criteria[0].node, profile, as_of
    )[0]


def json_profile(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A case's profile as JSON, validated as a patient file is (``patient_id`` added)."""
    document = {"patient_id": "case", **raw}
    return validate_json(json.dumps(document))


def load_table(name: str) -> list[dict[str, Any]]:
    """The rows of ``tests/cases/<name>.json``: ``{"cases": [...]}``; a row whose only
    key is ``comment`` is a heading."""
    data = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = [row for row in data["cases"] if set(row) != {"comment"}]
    return rows
