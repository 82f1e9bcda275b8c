"""A checked rule written back as text in one normal form, for comparing two versions.

Two rules that differ only in spacing, parentheses, quotes or line breaks read the same
here; a chained comparison reads as the conjunction it is (``18 <= age_years and
age_years <= 75``); a definition is shown by its name (its body is compared on its own).
Parentheses appear only where the operators' precedence needs them.
"""

from __future__ import annotations

from datetime import date
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
    Scalar,
)

_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _ATOM = range(8)


def rule_text(node: Node) -> str:
    """The rule in normal form (see the module docstring)."""
    return _text(node)[0]


def _wrap(node: Node, floor: int) -> str:
    text, level = _text(node)
    return f"({text})" if level < floor else text


def _text(node: Node) -> tuple[str, int]:
    match node:
        case FieldRef(key=key):
            return key, _ATOM
        case DefinitionRef(name=name):
            return name, _ATOM
        case Const(value=value):
            return _scalar(value), _ATOM
        case ListConst(values=values):
            return "[" + ", ".join(_scalar(v) for v in values) + "]", _ATOM
        case Call(function=function, arguments=arguments):
            return f"{function}({', '.join(_text(a)[0] for a in arguments)})", _ATOM
        case Not(operand=operand):
            return "not " + _wrap(operand, _NOT), _NOT
        case Negate(operand=operand):
            return "-" + _wrap(operand, _UNARY), _UNARY
        case Logic(op=op, operands=operands):
            level = _AND if op == "and" else _OR
            # associative: a nested `and` inside `and` needs no parentheses
            return f" {op} ".join(_wrap(o, level) for o in operands), level
        case Compare(op=op, left=left, right=right):
            return f"{_wrap(left, _SUM)} {op} {_wrap(right, _SUM)}", _COMPARE
        case Member(negated=negated, item=item, container=container):
            word = "not in" if negated else "in"
            return f"{_wrap(item, _SUM)} {word} {_wrap(container, _SUM)}", _COMPARE
        case Arith(op=op, left=left, right=right):
            level = _SUM if op in "+-" else _PRODUCT
            # left-associative: the right operand needs parentheses at the same level
            return f"{_wrap(left, level)} {op} {_wrap(right, level + 1)}", level
        case _:
            assert_never(node)


def _scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, date):
        return f"date('{value.isoformat()}')"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)
