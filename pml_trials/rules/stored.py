"""Checked rules as JSON data and back, for the cache of loaded criteria files.

A node becomes a list: a tag, its start and end offsets, then what the node holds, with
sub-nodes nested (``["compare", 0, 13, ">=", ["field", 0, 9, "age_years"], ["const",
13, 15, 18]]``). Types are not stored: each follows from the node, exactly as the
checker gave it (a field's from its declaration, an operator's from what it computes).
A use of a definition stores only the name; its body is the definition's own node, built
before its users, so each body exists once, as it did when the file was checked.

Reading refuses anything the checker could not have produced (unknown tags, operators,
fields or functions) with :class:`ValueError`, so a damaged cache file is never
compiled: the caller loads the criteria file itself instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, assert_never, get_args

from pml_trials.profile.fields import BY_KEY
from pml_trials.rules.functions import FUNCTIONS
from pml_trials.rules.nodes import (
    BOOLEAN,
    DATE,
    NUMBER,
    STRING,
    Arith,
    ArithOp,
    Call,
    Compare,
    CompareOp,
    Const,
    DefinitionRef,
    FieldRef,
    ListConst,
    Logic,
    Member,
    Negate,
    Node,
    Not,
    Type,
)
from pml_trials.rules.parse import field_type

Stored = list[Any]
_COMPARE: frozenset[str] = frozenset(get_args(CompareOp))
_ARITH: frozenset[str] = frozenset(get_args(ArithOp))


def dump(node: Node) -> Stored:
    """A node as JSON data (see the module docstring)."""
    at = [node.start, node.end]
    match node:
        case FieldRef(key=key):
            return ["field", *at, key]
        case Const(value=date() as day):
            return ["date", *at, day.isoformat()]
        case Const(value=value):
            return ["const", *at, value]
        case ListConst(values=values):
            return ["list", *at, list(values)]
        case DefinitionRef(name=name):
            return ["definition", *at, name]
        case Not(operand=operand):
            return ["not", *at, dump(operand)]
        case Negate(operand=operand):
            return ["negate", *at, dump(operand)]
        case Logic(op=op, operands=operands):
            return ["logic", *at, op, [dump(o) for o in operands]]
        case Compare(op=op, left=left, right=right):
            return ["compare", *at, op, dump(left), dump(right)]
        case Arith(op=op, left=left, right=right):
            return ["arith", *at, op, dump(left), dump(right)]
        case Member(negated=negated, item=item, container=container):
            return ["member", *at, negated, dump(item), dump(container)]
        case Call(function=function, arguments=arguments):
            # one argument stores as it always did: ["call", s, e, name, argument]
            return ["call", *at, function, *(dump(a) for a in arguments)]
        case _:
            assert_never(node)


def load(data: Stored, definitions: Mapping[str, Node]) -> Node:
    """The node that :func:`dump` stored; ``definitions`` holds the bodies it may use.
    Raises :class:`ValueError` for data that :func:`dump` cannot have written."""
    try:
        return _load(data, definitions)
    except (TypeError, KeyError, IndexError, ValueError, RecursionError) as exc:
        raise ValueError(f"not a stored rule ({type(exc).__name__}: {exc})") from None


def _load(data: Stored, definitions: Mapping[str, Node]) -> Node:
    tag, start, end, *rest = data
    if not (type(start) is int and type(end) is int):
        raise ValueError("offsets are not whole numbers")
    if tag == "field":
        key = _one_of(rest[0], BY_KEY)
        if BY_KEY[key].kind in ("id", "text"):
            raise ValueError(f"a rule cannot read {key}")
        return FieldRef(start, end, field_type(BY_KEY[key]), key)
    if tag in ("const", "date"):
        return _const(tag, start, end, rest[0])
    if tag == "list":
        values = tuple(rest[0])
        if not values or not (_numbers(values) or all(type(v) is str for v in values)):
            raise ValueError("a list holds only numbers or only strings")
        element = Type("list", element="number" if _numbers(values) else "string")
        return ListConst(start, end, element, values)
    if tag == "definition":
        body = definitions[rest[0]]
        return DefinitionRef(start, end, body.type, rest[0], body)
    return _operator(tag, start, end, rest, definitions)


def _operator(tag: str, start: int, end: int, rest: list[Any], defs: Mapping[str, Node]) -> Node:
    if tag == "not":
        return Not(start, end, BOOLEAN, _load(rest[0], defs))
    if tag == "negate":
        return Negate(start, end, NUMBER, _load(rest[0], defs))
    if tag == "logic":
        operands = tuple(_load(o, defs) for o in rest[1])
        return Logic(start, end, BOOLEAN, _one_of(rest[0], ("and", "or")), operands)
    if tag == "compare":
        op = _one_of(rest[0], _COMPARE)
        return Compare(start, end, BOOLEAN, op, _load(rest[1], defs), _load(rest[2], defs))
    if tag == "arith":
        op = _one_of(rest[0], _ARITH)
        return Arith(start, end, NUMBER, op, _load(rest[1], defs), _load(rest[2], defs))
    if tag == "member":
        negated = _one_of(rest[0], (True, False))
        if type(negated) is not bool:
            raise ValueError("negated is not true or false")
        return Member(start, end, BOOLEAN, _load(rest[1], defs), _load(rest[2], defs), negated)
    if tag == "call":
        spec = FUNCTIONS[_one_of(rest[0], FUNCTIONS)]
        arguments = tuple(_load(a, defs) for a in rest[1:])
        if [a.type.kind for a in arguments] != list(spec.parameters):
            raise ValueError(f"wrong arguments for {spec.name}()")
        return Call(start, end, Type(spec.returns), spec.name, arguments)
    raise ValueError(f"no node {tag!r}")


def _const(tag: str, start: int, end: int, value: Any) -> Const:
    if tag == "date":
        return Const(start, end, DATE, date.fromisoformat(value))
    if type(value) is bool:
        return Const(start, end, BOOLEAN, value)
    if _numbers((value,)):
        return Const(start, end, NUMBER, value)
    if type(value) is str:
        return Const(start, end, STRING, value)
    raise ValueError(f"no constant {value!r}")


def _numbers(values: tuple[Any, ...]) -> bool:
    return all(type(v) in (int, float) for v in values)


def _one_of(value: Any, allowed: Any) -> Any:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of the allowed")
    return value
