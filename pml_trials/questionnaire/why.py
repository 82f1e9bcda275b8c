"""Why a question is asked: the trials and criteria that read the field, and the test.

Derived from the checked rule trees (:mod:`pml_trials.rules.nodes`), never written by
hand: for each criterion that can read the field, the innermost comparison or membership
test that names it, quoted from the rule (or from the definition that holds it), after
the criterion's own words. ``tcell-transfer excludes (E3, "more than 0.5 mg/kg/day ...")
when prednisone_equivalent_mg_per_day / weight_kg > 0.5``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from pml_trials.rules.nodes import (
    Arith,
    Call,
    Compare,
    Const,
    DefinitionRef,
    FieldRef,
    ListConst,
    Logic,
    Member,
    Negate,
    Node,
    Not,
    children,
)
from pml_trials.studies.model import Criterion, Study

_WORDS = {"inclusion": "requires", "exclusion": "excludes"}


def reasons(key: str, studies: Sequence[Study]) -> list[str]:
    """One line per criterion that reads ``key``, in the studies' own order."""
    return [
        _line(study, criterion, key)
        for study in studies
        for criterion in study.criteria
        if key in criterion.fields
    ]


def _line(study: Study, criterion: Criterion, key: str) -> str:
    test = _test(criterion.node, criterion.rule, key, study.definitions)
    words = criterion.text if len(criterion.text) <= 90 else criterion.text[:87] + "..."
    return f"{study.id} {_WORDS[criterion.kind]} ({criterion.id}, {words!r}) when {test}".rstrip()


def _test(node: Node, text: str, key: str, definitions: dict[str, str]) -> str:
    """The innermost test naming ``key``, as written in the rule or a definition."""
    found = _innermost(node, key)
    if found is None:
        return text
    test, source = found
    if source is None:
        return text if len(text) <= 100 else text[test.start : test.end]
    body = definitions.get(source, "")
    if not body:
        return source
    inner = body if len(body) <= 70 else body[test.start : test.end]
    if text.strip() != source and len(text) <= 40:
        return f"{text} ({source}: {inner})"
    return f"{source} ({inner})"


def _innermost(node: Node, key: str, source: str | None = None) -> tuple[Node, str | None] | None:
    """The deepest Compare/Member/Call/boolean field ref reading ``key`` (with the name
    of the definition whose text its offsets index, ``None`` for the rule itself)."""
    match node:
        case FieldRef(key=name):
            return (node, source) if name == key else None
        case DefinitionRef(name=name, body=body):
            return _innermost(body, key, name)
        case Compare() | Member() | Call():
            for child in children(node):
                inner = _innermost(child, key, source)
                if inner is not None:
                    deeper = inner[0]
                    if isinstance(deeper, FieldRef) or inner[1] == source:
                        if isinstance(deeper, Compare | Member | Call) or inner[1] != source:
                            return inner
                        return (node, source)
                    return inner
            return None
        case Logic() | Not() | Arith() | Negate():
            for child in children(node):
                inner = _innermost(child, key, source)
                if inner is not None:
                    return inner
            return None
        case Const() | ListConst():
            return None
        case _:
            assert_never(node)
