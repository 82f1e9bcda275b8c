"""Rule text -> checked :mod:`.nodes`, by way of Python's ``ast`` and a whitelist.

The text is parsed with ``ast.parse(mode="eval")`` and never evaluated. Each syntax
node is handled by an explicit method; anything without one is refused with its
position. Names are checked against the profile declaration and the file's
definitions, and every operator against the static types of its operands, so a rule
that loads can only compute true, false or unknown from profile values.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from datetime import date
from typing import Literal

from pml_trials.errors import RuleError
from pml_trials.profile.fields import BY_KEY, FieldSpec
from pml_trials.rules.bounds import MAX_LITERAL, too_large
from pml_trials.rules.functions import DATE_LITERAL, FUNCTIONS, NAMES
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

MAX_LENGTH = 4000
MAX_DEPTH = 64

_COMPARE: dict[type[ast.cmpop], CompareOp] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_ARITH: dict[type[ast.operator], ArithOp] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}
_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "a subscript (a[b])",
    ast.Lambda: "lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.IfExp: "a conditional expression (a if b else c)",
    ast.Dict: "a dictionary",
    ast.Set: "a set",
    ast.Tuple: "a tuple (use a list [...])",
    ast.Starred: "a starred expression",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}

FieldTypes = Callable[[FieldSpec], Type]
Resolver = Callable[[str], Node | None]


def field_type(spec: FieldSpec) -> Type:
    """The static type of a profile field."""
    if spec.kind in ("integer", "number"):
        return NUMBER
    if spec.kind == "boolean":
        return BOOLEAN
    if spec.kind == "date":
        return DATE
    if spec.kind == "enum":
        return Type("enum", spec.choices, spec.key)
    if spec.kind == "enum_list":
        return Type("enum_list", spec.choices, spec.key)
    return STRING


def _article(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def parse_rule(text: str, definitions: Mapping[str, Resolver] | None = None) -> Node:
    """Parse and check a rule or definition; any problem is a :class:`RuleError`.

    ``definitions`` maps each definition name of the file to a function returning its
    checked body (raising :class:`RuleError` for a cycle or a broken definition).
    """
    tree = _syntax(text)
    return _Checker(text, definitions or {}).visit(tree.body, 0)


def parse_boolean_rule(text: str, definitions: Mapping[str, Resolver] | None = None) -> Node:
    """A rule that must be true/false/unknown (a criterion's ``rule``)."""
    node = parse_rule(text, definitions)
    if node.type != BOOLEAN:
        raise RuleError(
            f"a rule must be true or false, but this is {node.type.indefinite()}",
            offset=node.start,
            end=node.end,
        )
    return node


def _syntax(text: str) -> ast.Expression:
    if len(text) > MAX_LENGTH:
        raise RuleError(f"a rule may be at most {MAX_LENGTH} characters", offset=MAX_LENGTH)
    if not text.strip():
        raise RuleError("the rule is empty", offset=0)
    if "\x00" in text:
        raise RuleError("a rule may not contain a null byte", offset=text.index("\x00"))
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as exc:
        if not exc.offset:  # no position: the text ended too early ('age_years >')
            raise RuleError(f"syntax error: {exc.msg}", offset=len(text.rstrip())) from None
        offset = _offset(text, exc.lineno or 1, exc.offset - 1, in_bytes=False)
        raise RuleError(f"syntax error: {exc.msg}", offset=offset) from None
    except (ValueError, RecursionError, MemoryError, UnicodeError) as exc:
        raise RuleError(f"cannot parse the rule: {type(exc).__name__}", offset=0) from None


def _offset(text: str, lineno: int, column: int, *, in_bytes: bool = True) -> int:
    """Character offset in ``text`` of a 1-based line and a column (UTF-8 bytes from ast)."""
    lines = text.splitlines(keepends=True) or [""]
    lineno = min(max(lineno, 1), len(lines))
    line = lines[lineno - 1]
    if in_bytes:
        column = len(line.encode("utf-8", "surrogatepass")[:column].decode("utf-8", "replace"))
    start = sum(len(previous) for previous in lines[: lineno - 1])
    return min(max(start + column, 0), len(text))


class _Checker:
    """Walks the syntax tree; one ``_v_<Node>`` method per accepted node type."""

    def __init__(self, text: str, definitions: Mapping[str, Resolver]) -> None:
        self.text = text
        self.definitions = definitions

    def span(self, node: ast.AST) -> tuple[int, int]:
        lineno, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        end_lineno = getattr(node, "end_lineno", None) or lineno
        end_col = getattr(node, "end_col_offset", None)
        start = _offset(self.text, lineno, col)
        end = _offset(self.text, end_lineno, end_col) if end_col is not None else start + 1
        return start, max(end, start + 1)

    def fail(self, node: ast.AST, message: str) -> RuleError:
        start, end = self.span(node)
        return RuleError(message, offset=start, end=end)

    def visit(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            return self._raise(node, f"the rule is nested more than {MAX_DEPTH} levels deep")
        method = getattr(self, f"_v_{type(node).__name__}", None)
        if method is None:
            what = _REFUSED.get(type(node), type(node).__name__)
            return self._raise(node, f"{what} is not part of the rule language")
        result: Node = method(node, depth + 1)
        return result

    def _raise(self, node: ast.AST, message: str) -> Node:
        raise self.fail(node, message)

    def boolean(self, node: ast.AST, depth: int, what: str) -> Node:
        checked = self.visit(node, depth)
        if checked.type != BOOLEAN:
            raise self.fail(node, f"{what} needs true/false, not {checked.type.indefinite()}")
        return checked

    def number(self, node: ast.AST, depth: int, what: str) -> Node:
        checked = self.visit(node, depth)
        if checked.type != NUMBER:
            raise self.fail(node, f"{what} works on numbers, not {checked.type.indefinite()}")
        return checked

    # -- names and literals ---------------------------------------------------------

    def _v_Name(self, node: ast.Name, depth: int) -> Node:
        start, end = self.span(node)
        name = node.id
        if not self.text[start:end].isascii():  # Python folds 'ａｇｅ' into 'age'; we do not
            raise self.fail(node, "names are written in ASCII letters, digits and '_'")
        if name.startswith("__"):
            raise self.fail(node, f"names beginning with '__' are not allowed ({name})")
        if name in self.definitions:
            try:
                body = self.definitions[name](name)
            except RuleError as exc:  # a cycle: point at this use of the name
                raise self.fail(node, exc.message) from None
            if body is None:
                raise self.fail(node, f"definition '{name}' has an error (see its own message)")
            return DefinitionRef(start, end, body.type, name, body)
        spec = BY_KEY.get(name)
        if spec is None:
            raise self.fail(node, self._unknown_name(name))
        if spec.kind == "id":
            raise self.fail(node, "patient_id is an identifier and cannot be used in a rule")
        if spec.kind == "text":
            raise self.fail(
                node,
                f"{name} is free text and cannot be used in a rule "
                "(rules may use residence_country and max_travel_km)",
            )
        return FieldRef(start, end, field_type(spec), name)

    def _unknown_name(self, name: str) -> str:
        if name in ("None", "null", "unknown", "missing"):
            return (
                f"'{name}': there is no test for a missing value; unknown is handled by "
                "three-valued logic (use the field's own 'not_done' value where it has one)"
            )
        if name in ("true", "false"):
            return f"unknown name '{name}' (did you mean '{name.capitalize()}'?)"
        candidates = [*BY_KEY, *self.definitions]
        import difflib  # only for a misspelt name: not on every call

        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown name '{name}'{hint}"

    def _v_Constant(self, node: ast.Constant, depth: int) -> Node:
        start, end = self.span(node)
        value = node.value
        if isinstance(value, bool):
            return Const(start, end, BOOLEAN, value)
        if isinstance(value, int | float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.fail(node, "a number must be finite")
            if abs(value) > MAX_LITERAL:
                raise self.fail(node, "a number in a rule may be at most 1e15 in size")
            return Const(start, end, NUMBER, value)
        if isinstance(value, str):
            return Const(start, end, STRING, value)
        if value is None:
            raise self.fail(node, self._unknown_name("None"))
        raise self.fail(node, f"{type(value).__name__} literals are not part of the rule language")

    def _v_List(self, node: ast.List, depth: int) -> Node:
        start, end = self.span(node)
        if not node.elts:
            raise self.fail(node, "an empty list can never contain anything")
        items = [self.visit(element, depth) for element in node.elts]
        for element, item in zip(node.elts, items, strict=True):
            if not isinstance(item, Const) or item.type.kind not in ("number", "string"):
                raise self.fail(element, "a list may hold only numbers or only strings")
            if item.type != items[0].type:
                raise self.fail(element, "a list may hold only numbers or only strings, not both")
        values = tuple(item.value for item in items if isinstance(item, Const))
        return ListConst(start, end, Type("list", element=items[0].type.kind), values)

    # -- functions --------------------------------------------------------------------

    def _v_Call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            self.visit(node.func, depth)  # refuses attribute access, subscripts, ...
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in NAMES:
            shown = f"'{name}'" if name else "this"
            allowed = ", ".join(NAMES)
            raise self.fail(node, f"{shown} is not a function of the rule language ({allowed})")
        start, end = self.span(node)
        if name == DATE_LITERAL:
            if node.keywords or len(node.args) != 1:
                raise self.fail(node, f"{name}() takes exactly one argument")
            return self._date_literal(node, start, end)
        spec = FUNCTIONS[name]
        if node.keywords or len(node.args) != len(spec.parameters):
            count = len(spec.parameters)
            raise self.fail(
                node,
                f"{name}() takes exactly {'one' if count == 1 else count} argument"
                + ("" if count == 1 else "s"),
            )
        arguments: list[Node] = []
        for syntax, wanted in zip(node.args, spec.parameters, strict=True):
            argument = self.visit(syntax, depth)
            if argument.type.kind != wanted:
                raise self.fail(
                    syntax, f"{name}() needs {_article(wanted)}, not {argument.type.indefinite()}"
                )
            arguments.append(argument)
        return Call(start, end, Type(spec.returns), name, tuple(arguments))

    def _date_literal(self, node: ast.Call, start: int, end: int) -> Node:
        argument = node.args[0]
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            raise self.fail(argument, "date() takes a literal 'YYYY-MM-DD'")
        try:
            value = date.fromisoformat(argument.value)
        except ValueError:
            raise self.fail(
                argument, f"'{argument.value}' is not a valid date YYYY-MM-DD"
            ) from None
        if len(argument.value) != 10:
            raise self.fail(argument, "write the date as 'YYYY-MM-DD'")
        return Const(start, end, DATE, value)

    # -- operators ----------------------------------------------------------------------

    def _v_BoolOp(self, node: ast.BoolOp, depth: int) -> Node:
        op: Literal["and", "or"] = "and" if isinstance(node.op, ast.And) else "or"
        operands = tuple(self.boolean(v, depth, f"'{op}'") for v in node.values)
        start, end = self.span(node)
        return Logic(start, end, BOOLEAN, op, operands)

    def _v_UnaryOp(self, node: ast.UnaryOp, depth: int) -> Node:
        start, end = self.span(node)
        if isinstance(node.op, ast.Not):
            return Not(start, end, BOOLEAN, self.boolean(node.operand, depth, "'not'"))
        if isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.number(node.operand, depth, "a sign")
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(operand, Const) and not isinstance(operand.value, bool | str | date):
                return Const(start, end, NUMBER, -operand.value)
            return Negate(start, end, NUMBER, operand)
        raise self.fail(node, "the operator '~' is not part of the rule language")

    def _v_BinOp(self, node: ast.BinOp, depth: int) -> Node:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise self.fail(node, "only + - * / are allowed in arithmetic")
        left = self.number(node.left, depth, f"'{op}'")
        right = self.number(node.right, depth, f"'{op}'")
        start, end = self.span(node)
        arith = Arith(start, end, NUMBER, op, left, right)
        if too_large(arith):
            raise self.fail(node, "this arithmetic on whole numbers can grow beyond 1e300")
        return arith

    def _v_Compare(self, node: ast.Compare, depth: int) -> Node:
        if any(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
            raise self.fail(
                node,
                "'is' is not part of the rule language: use == or !=; "
                "there is no test for a missing value",
            )
        operands = [self.visit(node.left, depth)]
        operands += [self.visit(c, depth) for c in node.comparators]
        syntax = [node.left, *node.comparators]
        pairs: list[Node] = []
        for index, op in enumerate(node.ops):
            left, right = operands[index], operands[index + 1]
            where = (syntax[index], syntax[index + 1])
            pairs.append(self._pair(node, op, left, right, where))
        start, end = self.span(node)
        return pairs[0] if len(pairs) == 1 else Logic(start, end, BOOLEAN, "and", tuple(pairs))

    def _pair(
        self,
        node: ast.Compare,
        op: ast.cmpop,
        left: Node,
        right: Node,
        where: tuple[ast.AST, ast.AST],
    ) -> Node:
        start, end = left.start, right.end
        if isinstance(op, ast.In | ast.NotIn):
            self._check_member(left, right, where)
            return Member(start, end, BOOLEAN, left, right, isinstance(op, ast.NotIn))
        symbol = _COMPARE[type(op)]
        self._check_compare(symbol, left, right, where)
        return Compare(start, end, BOOLEAN, symbol, left, right)

    def _check_compare(
        self, op: str, left: Node, right: Node, where: tuple[ast.AST, ast.AST]
    ) -> None:
        lk, rk = left.type.kind, right.type.kind
        if {lk, rk} <= {"enum", "string"}:
            if op not in ("==", "!="):
                raise self.fail(where[0], f"'{op}' cannot order text values; use == or !=")
            self._check_enum_pair(left, right, where)
            return
        if lk != rk or lk in ("enum_list", "list"):
            raise self.fail(
                where[1],
                f"cannot compare {left.type.indefinite()} with {right.type.indefinite()}",
            )
        if lk == "boolean" and op not in ("==", "!="):
            raise self.fail(where[0], f"'{op}' cannot order true/false; use == or !=")

    def _check_enum_pair(self, left: Node, right: Node, where: tuple[ast.AST, ast.AST]) -> None:
        if (
            left.type.kind == "enum"
            and right.type.kind == "enum"
            and left.type.choices != right.type.choices
        ):
            raise self.fail(
                where[1], f"cannot compare {left.type.describe()} with {right.type.describe()}"
            )
        for enum, other, syntax in ((left, right, where[1]), (right, left, where[0])):
            if enum.type.kind == "enum" and isinstance(other, Const):
                self._check_choice(enum.type, other.value, syntax)

    def _check_choice(self, enum: Type, value: object, syntax: ast.AST) -> None:
        if value not in enum.choices:
            allowed = ", ".join(enum.choices)
            import difflib

            close = difflib.get_close_matches(str(value), enum.choices, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise self.fail(
                syntax, f"{enum.name} has no value '{value}' (allowed: {allowed}){hint}"
            )

    def _check_member(self, item: Node, container: Node, where: tuple[ast.AST, ast.AST]) -> None:
        ck = container.type.kind
        if ck == "enum_list":
            if item.type.kind == "string" and isinstance(item, Const):
                self._check_choice(container.type, item.value, where[0])
                return
            raise self.fail(
                where[0], f"only a literal value can be looked up in {container.type.describe()}"
            )
        if ck != "list" or not isinstance(container, ListConst):
            raise self.fail(where[1], f"'in' needs a list, not {container.type.indefinite()}")
        element = "string" if item.type.kind == "enum" else item.type.kind
        if element != container.type.element:
            raise self.fail(
                where[1],
                f"cannot look up {item.type.indefinite()} in {container.type.indefinite()}",
            )
        if item.type.kind == "enum":
            for value in container.values:
                self._check_choice(item.type, value, where[1])
