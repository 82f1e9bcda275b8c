"""A checked rule written back as text in one normal form, for comparing two versions.

Two rules that differ only in spacing, parentheses, quotes or line breaks read the same
here; a chained comparison reads as the conjunction it is (``18 <= age_years and
age_years <= 75``); a definition is shown by its name (its body is compared on its own).
Parentheses appear only where the operators' precedence needs them.
"""

from __future__ import annotations

from datetime import date

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
    if isinstance(node, FieldRef):
        return node.key, _ATOM
    if isinstance(node, DefinitionRef):
        return node.name, _ATOM
    if isinstance(node, Const):
        return _scalar(node.value), _ATOM
    if isinstance(node, ListConst):
        return "[" + ", ".join(_scalar(v) for v in node.values) + "]", _ATOM
    if isinstance(node, Call):
        return f"{node.function}({_text(node.argument)[0]})", _ATOM
    if isinstance(node, Not):
        return "not " + _wrap(node.operand, _NOT), _NOT
    if isinstance(node, Negate):
        return "-" + _wrap(node.operand, _UNARY), _UNARY
    if isinstance(node, Logic):
        level = _AND if node.op == "and" else _OR
        # associative: a nested `and` inside `and` needs no parentheses
        return f" {node.op} ".join(_wrap(o, level) for o in node.operands), level
    if isinstance(node, Compare):
        left, right = _wrap(node.left, _SUM), _wrap(node.right, _SUM)
        return f"{left} {node.op} {right}", _COMPARE
    if isinstance(node, Member):
        op = "not in" if node.negated else "in"
        return f"{_wrap(node.item, _SUM)} {op} {_wrap(node.container, _SUM)}", _COMPARE
    if isinstance(node, Arith):
        level = _SUM if node.op in "+-" else _PRODUCT
        # left-associative: the right operand needs parentheses at the same level
        return f"{_wrap(node.left, level)} {node.op} {_wrap(node.right, level + 1)}", level
    raise TypeError(f"no text for {type(node).__name__}")  # pragma: no cover


def _scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, date):
        return f"date('{value.isoformat()}')"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)
