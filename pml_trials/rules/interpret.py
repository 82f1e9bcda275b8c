"""The reference evaluator: slow, obvious, and the source of ``missing_fields``.

It walks the checked nodes with three-valued logic and also returns, for an unknown
value, the unknown fields that could still change it: in ``a or b`` with ``a`` true,
``b``'s fields do not matter; in ``a and b`` with both unknown, both do. The compiled
code (:mod:`.codegen`) must agree with it on every value; the tests check that.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, assert_never

from pml_trials.rules.functions import FUNCTIONS
from pml_trials.rules.logic import kleene_and, kleene_not, kleene_or
from pml_trials.rules.nodes import (
    SCREENING_DATE,
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

Result = tuple[Any, frozenset[str]]
NONE: frozenset[str] = frozenset()

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: None if b == 0 else a / b,
}


def evaluate(node: Node, get: Callable[[str], Any], today: date) -> Result:
    """(value, missing): the value is True/False/None for booleans; ``missing`` is empty
    unless the value is unknown, and then names the fields that could decide it."""
    match node:
        case FieldRef(key=key):
            if key == SCREENING_DATE:
                return today, NONE
            value = get(key)
            return value, (frozenset((key,)) if value is None else NONE)
        case Const(value=value):
            return value, NONE
        case ListConst(values=values):
            return frozenset(values), NONE
        case DefinitionRef(body=body):
            return evaluate(body, get, today)
        case Logic():
            return _logic(node, get, today)
        case Not(operand=operand):
            value, missing = evaluate(operand, get, today)
            return kleene_not(value), missing
        case Compare() | Member() | Arith() | Negate() | Call():
            return _strict(node, get, today)
        case _:
            assert_never(node)


def _logic(node: Logic, get: Callable[[str], Any], today: date) -> Result:
    results = [evaluate(operand, get, today) for operand in node.operands]
    combine = kleene_and if node.op == "and" else kleene_or
    value = combine(v for v, _ in results)
    if value is not None:
        return value, NONE
    return None, frozenset().union(*(m for v, m in results if v is None))


Strict = Compare | Member | Arith | Negate | Call


def _strict(node: Strict, get: Callable[[str], Any], today: date) -> Result:
    """Operators that are unknown as soon as any operand is."""
    parts = [evaluate(child, get, today) for child in children(node)]
    if any(value is None for value, _ in parts):
        return None, frozenset().union(*(m for _, m in parts))
    values = [value for value, _ in parts]
    match node:
        case Compare(op=op):
            return _COMPARE[op](values[0], values[1]), NONE
        case Member(negated=negated):
            found = values[0] in values[1]
            return (not found if negated else found), NONE
        case Arith(op=op):
            return _ARITH[op](values[0], values[1]), NONE
        case Negate():
            return -values[0], NONE
        case Call(function=function):
            return FUNCTIONS[function].implementation(today, *values), NONE
        case _:
            assert_never(node)
