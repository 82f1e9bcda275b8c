"""The checked form of a rule: typed, positioned nodes, built only by :mod:`.parse`.

This is the public node model every backend consumes (interpreter, compiled Python,
stored form, a SQL compiler). :data:`Node` is a *closed union* of the node classes:
dispatch with ``match`` and end with ``case _: assert_never(node)``, so a backend that
misses a node type fails ``mypy --strict``::

    def emit(node: Node) -> str:
        match node:
            case FieldRef(key=key): ...
            case Call(function=name, arguments=args):
                spec = FUNCTIONS[name]  # pml_trials.rules.functions: the one table
            ...
            case _:
                assert_never(node)

Values at run time are ``True``, ``False`` or ``None`` (unknown) for booleans, and a
number, date, string or list, or ``None``, for the rest. ``nullable`` says whether a
node can be unknown at all, so the code generator can skip checks that cannot fire.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, TypeAlias, assert_never, get_args

from pml_trials.record import Record, field

TypeKind = Literal["boolean", "number", "date", "enum", "string", "enum_list", "list"]
CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]
ArithOp = Literal["+", "-", "*", "/"]
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


class NodeBase(Record):
    """Base: ``start``/``end`` are character offsets of the node in its rule text.

    Annotate with :data:`Node` (the closed union), never with this base class."""

    start: int
    end: int
    type: Type

    @property
    def nullable(self) -> bool:
        return True


class FieldRef(NodeBase):
    key: str

    @property
    def nullable(self) -> bool:
        return self.key != SCREENING_DATE


class Const(NodeBase):
    value: Scalar

    @property
    def nullable(self) -> bool:
        return False


class ListConst(NodeBase):
    values: tuple[Scalar, ...]

    @property
    def nullable(self) -> bool:
        return False


class Not(NodeBase):
    operand: Node

    @property
    def nullable(self) -> bool:
        return self.operand.nullable


class Logic(NodeBase):
    """``and`` / ``or`` over two or more booleans, with Kleene's three-valued logic."""

    op: Literal["and", "or"]
    operands: tuple[Node, ...]

    @property
    def nullable(self) -> bool:
        return any(o.nullable for o in self.operands)


class Compare(NodeBase):
    """One binary comparison; chains are split into a conjunction of these."""

    op: CompareOp
    left: Node
    right: Node

    @property
    def nullable(self) -> bool:
        return self.left.nullable or self.right.nullable


class Member(NodeBase):
    """``item in container`` (``negated`` for ``not in``)."""

    item: Node
    container: Node
    negated: bool

    @property
    def nullable(self) -> bool:
        return self.item.nullable or self.container.nullable


class Arith(NodeBase):
    op: ArithOp
    left: Node
    right: Node

    @property
    def nullable(self) -> bool:
        # a division by a value that can be zero is unknown
        zero_possible = not (isinstance(self.right, Const) and self.right.value != 0)
        return self.left.nullable or self.right.nullable or (self.op == "/" and zero_possible)


class Negate(NodeBase):
    operand: Node

    @property
    def nullable(self) -> bool:
        return self.operand.nullable


class Call(NodeBase):
    """A rule function, e.g. ``days_since(d)``: ``function`` is a key of
    :data:`pml_trials.rules.functions.FUNCTIONS`, which holds its types and meaning.
    Every function is strict: unknown as soon as an argument is."""

    function: str
    arguments: tuple[Node, ...]

    @property
    def nullable(self) -> bool:
        return any(a.nullable for a in self.arguments)


class DefinitionRef(NodeBase):
    """A use of one of the file's named definitions (compiled once, shared)."""

    name: str
    body: Node = field(compare=False)

    @property
    def nullable(self) -> bool:
        return self.body.nullable


Node: TypeAlias = (
    FieldRef
    | Const
    | ListConst
    | Not
    | Logic
    | Compare
    | Member
    | Arith
    | Negate
    | Call
    | DefinitionRef
)
"""Every node of a checked rule: a closed union, see the module docstring."""

NODE_TYPES: tuple[type[NodeBase], ...] = get_args(Node)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes (a definition's body counts as its child)."""
    match node:
        case Not(operand=operand) | Negate(operand=operand):
            return (operand,)
        case Logic(operands=operands):
            return operands
        case Compare(left=left, right=right) | Arith(left=left, right=right):
            return (left, right)
        case Member(item=item, container=container):
            return (item, container)
        case Call(arguments=arguments):
            return arguments
        case DefinitionRef(body=body):
            return (body,)
        case FieldRef() | Const() | ListConst():
            return ()
        case _:
            assert_never(node)


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
