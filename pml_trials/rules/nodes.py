"""The checked form of a rule: typed, positioned nodes, built only by :mod:`.parse`.

Values at run time are ``True``, ``False`` or ``None`` (unknown) for booleans, and a
number, date, string or list, or ``None``, for the rest. ``nullable`` says whether a
node can be unknown at all, so the code generator can skip checks that cannot fire.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pml_trials.record import Record, field

TypeKind = Literal["boolean", "number", "date", "enum", "string", "enum_list", "list"]
CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]
ArithOp = Literal["+", "-", "*", "/"]
Function = Literal["days_since", "weeks_since"]
Scalar = bool | int | float | str | date

# The date every rule counts to. It is never unknown: without a value in the profile it
# is the run's date (the contract), so a rule that names it reads that date, and it can
# never be a missing field (answering it would move every date window at once).
SCREENING_DATE = "screening_date"


class Type(Record):
    """A static type. ``choices`` are an enum's values; ``element`` a list literal's type."""

    kind: TypeKind
    choices: tuple[str, ...] = ()
    name: str = ""  # the field an enum or list belongs to, for messages
    element: TypeKind | None = None

    def describe(self) -> str:
        if self.kind in ("enum", "enum_list") and self.name:
            return f"{'enum' if self.kind == 'enum' else 'list'} {self.name}"
        if self.kind == "list" and self.element:
            return f"list of {self.element}s"
        return self.kind

    def indefinite(self) -> str:
        """``a number``, ``an enum sex``: the description after an article."""
        text = self.describe()
        return f"{'an' if text[0] in 'aeiou' else 'a'} {text}"


BOOLEAN = Type("boolean")
NUMBER = Type("number")
DATE = Type("date")
STRING = Type("string")


class Node(Record):
    """Base: ``start``/``end`` are character offsets of the node in its rule text."""

    start: int
    end: int
    type: Type

    @property
    def nullable(self) -> bool:
        return True


class FieldRef(Node):
    key: str

    @property
    def nullable(self) -> bool:
        return self.key != SCREENING_DATE


class Const(Node):
    value: Scalar

    @property
    def nullable(self) -> bool:
        return False


class ListConst(Node):
    values: tuple[Scalar, ...]

    @property
    def nullable(self) -> bool:
        return False


class Not(Node):
    operand: Node

    @property
    def nullable(self) -> bool:
        return self.operand.nullable


class Logic(Node):
    """``and`` / ``or`` over two or more booleans, with Kleene's three-valued logic."""

    op: Literal["and", "or"]
    operands: tuple[Node, ...]

    @property
    def nullable(self) -> bool:
        return any(o.nullable for o in self.operands)


class Compare(Node):
    """One binary comparison; chains are split into a conjunction of these."""

    op: CompareOp
    left: Node
    right: Node

    @property
    def nullable(self) -> bool:
        return self.left.nullable or self.right.nullable


class Member(Node):
    """``item in container`` (``negated`` for ``not in``)."""

    item: Node
    container: Node
    negated: bool

    @property
    def nullable(self) -> bool:
        return self.item.nullable or self.container.nullable


class Arith(Node):
    op: ArithOp
    left: Node
    right: Node

    @property
    def nullable(self) -> bool:
        # a division by a value that can be zero is unknown
        zero_possible = not (isinstance(self.right, Const) and self.right.value != 0)
        return self.left.nullable or self.right.nullable or (self.op == "/" and zero_possible)


class Negate(Node):
    operand: Node

    @property
    def nullable(self) -> bool:
        return self.operand.nullable


class Call(Node):
    """``days_since(d)`` / ``weeks_since(d)``: counted to the profile's screening date."""

    function: Function
    argument: Node

    @property
    def nullable(self) -> bool:
        return self.argument.nullable


class DefinitionRef(Node):
    """A use of one of the file's named definitions (compiled once, shared)."""

    name: str
    body: Node = field(compare=False)

    @property
    def nullable(self) -> bool:
        return self.body.nullable


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes (a definition's body counts as its child)."""
    if isinstance(node, Not | Negate):
        return (node.operand,)
    if isinstance(node, Logic):
        return node.operands
    if isinstance(node, Compare | Arith):
        return (node.left, node.right)
    if isinstance(node, Member):
        return (node.item, node.container)
    if isinstance(node, Call):
        return (node.argument,)
    if isinstance(node, DefinitionRef):
        return (node.body,)
    return ()


def fields_read(node: Node) -> tuple[str, ...]:
    """Every profile field the node can read, in order of first appearance. A
    definition's body is walked once however often it is used: definitions that use
    each other twice over would otherwise cost 2**n steps."""
    seen: dict[str, None] = {}
    walked: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, FieldRef):
            seen.setdefault(current.key)
        elif isinstance(current, DefinitionRef):
            if current.name in walked:
                continue
            walked.add(current.name)
        stack.extend(reversed(children(current)))
    return tuple(seen)


def definitions_used(node: Node) -> tuple[DefinitionRef, ...]:
    """The definitions a node uses, dependencies before their users, each once (each
    body walked once, without recursion)."""
    order: dict[str, DefinitionRef] = {}
    entered: set[str] = set()
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if done:
            assert isinstance(current, DefinitionRef)
            order.setdefault(current.name, current)
            continue
        if isinstance(current, DefinitionRef):
            if current.name in entered:
                continue
            entered.add(current.name)
            stack.append((current, True))  # after its dependencies
        stack.extend((child, False) for child in reversed(children(current)))
    return tuple(order.values())
