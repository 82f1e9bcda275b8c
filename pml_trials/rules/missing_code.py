"""Compile one rule into a function giving the fields that could still decide it.

:func:`.interpret.evaluate` is the reference for ``missing_fields``: for an unknown
value it returns the unknown fields that could change it. It walks the nodes and builds
a set per node, about 50 us a trial; on registry-like data most needs-information
trials miss the memo in front of it (the values their rules read vary too much). This
writes the same computation out as straight-line code, one statement per node, with no
short cuts, so that it gives exactly what the interpreter gives:

- a field read: its value, and ``{key}`` when it is unknown;
- ``and`` / ``or``: Kleene's value; when unknown, the fields of every operand (a known
  operand has none, so the union of all of them is the union of the unknown ones);
- ``not`` and negation: the operand's fields;
- a comparison, membership, arithmetic or a rule function: unknown when any operand is,
  with the union of the operands' fields; a division by zero is unknown with none;
- a definition: computed once, where it is first used.

The text holds only generated names (``v3``, ``m3``, ``k0``) and operators from the fixed
tables below; every field key, literal and function is a bound constant, and it runs
with no builtins, so a criteria file's text is never compiled (as in :mod:`.codegen`).
``tests/test_rules_missing_code.py`` holds it to the interpreter on generated rules and
profiles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, assert_never

from pml_trials.rules.codegen import run_generated
from pml_trials.rules.functions import FUNCTIONS
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
)

MissingFunction = Callable[[Callable[[str], Any], date], frozenset[str]]

_COMPARE = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITH = {"+": "+", "-": "-", "*": "*", "/": "/"}
_EMPTY = "E"  # the constant frozenset(): no missing field


class _Writer:
    """Statements for each node, in evaluation order; (value, missing) names per node.
    ``bits`` (field key -> a power of two) writes each set of fields as an int, the
    union of its fields' bits, instead of a frozenset. With ``attributes`` a field is
    read as ``p.key`` (a profile whose fields are attributes, ``None`` when unknown)
    rather than ``get(key)``; a key is then a declared field's (one of ``bits``, checked
    to be an identifier), the only name from outside the generated ones."""

    def __init__(self, bits: Mapping[str, int] | None = None, attributes: bool = False) -> None:
        self.lines: list[str] = []
        self.bits = bits
        self.attributes = attributes
        self.constants: dict[str, object] = {
            _EMPTY: frozenset() if bits is None else 0,
            "B": bool,
        }
        self.fields: dict[str, tuple[str, str]] = {}
        self.definitions: dict[str, tuple[str, str]] = {}
        self.temps = 0

    def constant(self, value: object) -> str:
        name = f"k{len(self.constants)}"
        self.constants[name] = value
        return name

    def may_be_none(self, name: str) -> bool:
        """Whether the value named ``name`` can be unknown: a constant other than
        ``None`` (a literal, a list, a rule function) and the date counted to cannot."""
        if name == "today":
            return False
        return name not in self.constants or self.constants[name] is None

    def temp(self) -> tuple[str, str]:
        self.temps += 1
        return f"v{self.temps}", f"m{self.temps}"

    def emit(self, line: str) -> None:
        self.lines.append(line)

    def node(self, node: Node) -> tuple[str, str]:
        match node:
            case FieldRef(key=key):
                if key == SCREENING_DATE:
                    return "today", _EMPTY
                if key not in self.fields:
                    value, missing = self.temp()
                    if self.attributes:
                        if self.bits is None or key not in self.bits or not key.isidentifier():
                            raise ValueError(f"not a declared field: {key!r}")
                        self.emit(f"{value} = p.{key}")
                    else:
                        self.emit(f"{value} = get({self.constant(key)})")
                    alone = self.constant(
                        frozenset((key,)) if self.bits is None else self.bits[key]
                    )
                    self.emit(f"{missing} = {alone} if {value} is None else {_EMPTY}")
                    self.fields[key] = (value, missing)
                return self.fields[key]
            case Const(value=value):
                return self.constant(value), _EMPTY
            case ListConst(values=values):
                return self.constant(frozenset(values)), _EMPTY
            case DefinitionRef(name=name, body=body):
                if name not in self.definitions:
                    self.definitions[name] = self.node(body)
                return self.definitions[name]
            case Logic(op=op, operands=operands):
                parts = [self.node(operand) for operand in operands]
                dominant = "True" if op == "or" else "False"
                other = "False" if op == "or" else "True"
                value, missing = self.temp()
                wins = " or ".join(f"{v} is {dominant}" for v, _ in parts)
                unknown = " or ".join(f"{v} is None" for v, _ in parts)
                self.emit(f"{value} = {dominant} if ({wins}) else None if ({unknown}) else {other}")
                union = _union([m for _, m in parts])
                if union == _EMPTY:
                    return value, _EMPTY
                self.emit(f"{missing} = ({union}) if {value} is None else {_EMPTY}")
                return value, missing
            case Not(operand=operand):
                inner, inner_missing = self.node(operand)
                return self._unary(f"(not {inner})", inner, inner_missing)
            case Negate(operand=operand):
                inner, inner_missing = self.node(operand)
                return self._unary(f"(-{inner})", inner, inner_missing)
            case Compare(op=op, left=left, right=right):
                (a, ma), (b, mb) = self.node(left), self.node(right)
                return self._strict(f"B({a} {_COMPARE[op]} {b})", [(a, ma), (b, mb)])
            case Member(item=item, container=container, negated=negated):
                (a, ma), (b, mb) = self.node(item), self.node(container)
                test = "not in" if negated else "in"
                return self._strict(f"({a} {test} {b})", [(a, ma), (b, mb)])
            case Arith(op=op, left=left, right=right):
                (a, ma), (b, mb) = self.node(left), self.node(right)
                text = f"({a} {_ARITH[op]} {b})"
                if op == "/":
                    text = f"(None if {b} == 0 else {text})"
                return self._strict(text, [(a, ma), (b, mb)])
            case Call(function=function, arguments=arguments):
                parts = [self.node(argument) for argument in arguments]
                implementation = self.constant(FUNCTIONS[function].implementation)
                args = "".join(f", {v}" for v, _ in parts)
                return self._strict(f"{implementation}(today{args})", parts)
            case _:
                assert_never(node)

    def _unary(self, text: str, inner: str, inner_missing: str) -> tuple[str, str]:
        value, _ = self.temp()
        self.emit(f"{value} = None if {inner} is None else {text}")
        return value, inner_missing

    def _strict(self, text: str, parts: list[tuple[str, str]]) -> tuple[str, str]:
        """Unknown when any operand is; the operands' fields (a known one has none)."""
        value, missing = self.temp()
        unknown = " or ".join(f"{v} is None" for v, _ in parts if self.may_be_none(v))
        self.emit(f"{value} = None if ({unknown}) else {text}" if unknown else f"{value} = {text}")
        union = _union([m for _, m in parts])
        if union == _EMPTY or " " not in union:  # no field, or one operand's: no statement
            return value, union
        self.emit(f"{missing} = {union}")
        return value, missing


def _union(names: list[str]) -> str:
    """The union of the ``names`` of sets of fields, as text: those other than the empty
    set's, joined by ``|`` (the empty set's name when none is left)."""
    return " | ".join(name for name in names if name != _EMPTY) or _EMPTY


_NAME = r"\b[vm][0-9]+\b"  # a generated value's or mask's name


def _live(lines: list[str], result: str) -> list[str]:
    """The statements ``result`` depends on (each ``name = expression``, straight-line):
    a value no mask depends on (the criterion's own value, a ``not``'s) is not computed.
    The expressions have no side effects (field reads, operators, rule functions)."""
    needed = {result}
    kept: list[str] = []
    for line in reversed(lines):
        target, expression = line.split(" = ", 1)
        if target in needed:
            needed.update(re.findall(_NAME, expression))  # (compiled once, by re's cache)
            kept.append(line)
    return kept[::-1]


def missing_source(
    node: Node, bits: Mapping[str, int] | None = None
) -> tuple[str, dict[str, object]]:
    """The function's text and the constants it refers to by name (with ``bits``, the
    fields as an int: see :class:`_Writer`)."""
    writer = _Writer(bits)
    _, missing = writer.node(node)
    body = "".join(f"    {line}\n" for line in writer.lines)
    return f"def missing(get, today):\n{body}    return {missing}\n", writer.constants


def compile_missing(node: Node, filename: str = "<criteria>") -> MissingFunction:
    """``missing(get, today)``: what :func:`.interpret.evaluate` gives as its second item."""
    source, constants = missing_source(node)
    # Safe by construction: the text holds generated names and fixed operators only;
    # keys, literals and functions are constants (see the module docstring).
    function: MissingFunction = run_generated(source, constants, filename, "missing")
    return function


MaskFunction = Callable[[Callable[[str], Any], date], int]
# study_mask(p, today, values): the union of the undecided criteria's masks
StudyMaskFunction = Callable[[Any, date, tuple[bool | None, ...]], int]


def compile_missing_mask(
    node: Node, bits: Mapping[str, int], filename: str = "<criteria>"
) -> MaskFunction:
    """``mask(get, today)``: the fields :func:`compile_missing` gives, as the sum of
    their ``bits`` (an int: union and test are one C operation, and it hashes as fast)."""
    source, constants = missing_source(node, bits)
    function: MaskFunction = run_generated(source, constants, filename, "missing")
    return function


def study_mask_source(
    nodes: Sequence[Node], bits: Mapping[str, int], attributes: bool
) -> tuple[str, dict[str, object]]:
    """:func:`compile_study_mask`'s text and constants: one block per criterion, run when
    its value is unknown (``None``), each its :func:`missing_source` statements (its own
    field reads and definitions: a block that did not run computed nothing for the
    next), their masks united."""
    writer = _Writer(bits, attributes)
    blocks: list[str] = []
    for index, node in enumerate(nodes):
        writer.lines, writer.fields, writer.definitions = [], {}, {}
        _, missing = writer.node(node)
        blocks.append(f"    if c{index} is None:\n")
        blocks += [f"        {line}\n" for line in _live(writer.lines, missing)]
        blocks.append(f"        found = found | {missing}\n")
    # The profile is read as p.key (attributes) or get(key): the parameter is named so.
    source = f"def mask({'p' if attributes else 'get'}, today, values):\n"
    if nodes:
        source += f"    {''.join(f'c{i}, ' for i in range(len(nodes)))}= values\n"
    source += f"    found = {_EMPTY}\n{''.join(blocks)}    return found\n"
    return source, writer.constants


def compile_study_mask(
    nodes: Sequence[Node], bits: Mapping[str, int], attributes: bool, filename: str = "<criteria>"
) -> StudyMaskFunction:
    """``mask(p, today, values)``: for a study's criteria (``nodes``) and an outcome's
    criterion values, the union of what :func:`compile_missing_mask` gives for each
    criterion whose value is ``None``; ``p`` is ``get`` (a profile's), or with
    ``attributes`` a profile whose fields are attributes (a batch line's Struct).

    One call per needs-information trial instead of one per undecided criterion (and no
    tuple of functions looked up by the values): registry-like rows leave four or five
    criteria undecided per such trial (issue 20)."""
    source, constants = study_mask_source(nodes, bits, attributes)
    function: StudyMaskFunction = run_generated(source, constants, filename, "mask")
    return function
