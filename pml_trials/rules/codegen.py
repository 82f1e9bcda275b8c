"""Compile a study's checked rules into one fast Python function.

The function is built as a Python *syntax tree* from the checked nodes, never from the
criteria file's text: names are generated (``f0``, ``d1``, ``t2``), field keys and
literals are constants that passed the checker, and it runs with no builtins. Its
shape, for a study with criteria ``c0..cn``::

    def study(get, today):
        f0 = get('age_years')          # each field read once
        d0 = <definition>              # each definition computed once
        c0 = <rule>; c1 = <rule>; ...
        if c0 is False or ... or c5 is True: return (INELIGIBLE, (c0, ..., cn))
        if c0 is None or ...:                return (NEEDS_INFORMATION, (c0, ..., cn))
        return (ELIGIBLE, (c0, ..., cn))

Three-valued logic is written out inline (``False if (t0 := a) is False or ... else
None if t0 is None ... else True``), with checks left out where a node cannot be
unknown. :mod:`.interpret` is the slow reference it is tested against.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypedDict, TypeVar, assert_never

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
    definitions_used,
    fields_read,
)

V = TypeVar("V")
StudyFunction = Callable[[Callable[[str], Any], date], tuple[V, tuple[bool | None, ...]]]

_CMP: dict[str, type[ast.cmpop]] = {
    "==": ast.Eq,
    "!=": ast.NotEq,
    "<": ast.Lt,
    "<=": ast.LtE,
    ">": ast.Gt,
    ">=": ast.GtE,
}
_ARITH: dict[str, type[ast.operator]] = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div}


# Every statement and expression is built with a position (all the same: there is no
# text to point into), which compile() requires; ast.fix_missing_locations would add it
# afterwards, but walking the whole tree again costs a third of the code generation.
class _Position(TypedDict):
    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int


_AT: _Position = {"lineno": 1, "col_offset": 0, "end_lineno": 1, "end_col_offset": 0}


def _const(value: bool | int | float | str | None) -> ast.Constant:
    return ast.Constant(value=value, **_AT)


def _name(ident: str) -> ast.Name:
    return ast.Name(id=ident, ctx=ast.Load(), **_AT)


def _is(expr: ast.expr, value: bool | None) -> ast.expr:
    return ast.Compare(left=expr, ops=[ast.Is()], comparators=[_const(value)], **_AT)


def _any(tests: Sequence[ast.expr]) -> ast.expr:
    return tests[0] if len(tests) == 1 else ast.BoolOp(op=ast.Or(), values=list(tests), **_AT)


def _all(tests: Sequence[ast.expr]) -> ast.expr:
    return tests[0] if len(tests) == 1 else ast.BoolOp(op=ast.And(), values=list(tests), **_AT)


def _if(test: ast.expr, then: ast.expr, other: ast.expr) -> ast.expr:
    return ast.IfExp(test=test, body=then, orelse=other, **_AT)


class _Generator:
    """Turns nodes into expressions; keeps the names of fields, definitions and temps."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.definitions: dict[str, str] = {}
        self.constants: dict[str, object] = {}
        self.functions: dict[str, str] = {}  # rule function -> its constant, bound once
        self.temps = 0

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def constant(self, value: object) -> ast.expr:
        if isinstance(value, bool | int | float | str):
            return _const(value)
        name = f"k{len(self.constants)}"  # dates and sets are not literal syntax
        self.constants[name] = value
        return _name(name)

    def bind(self, node: Node) -> tuple[ast.expr, ast.expr, list[ast.expr]]:
        """(first use, later uses, unknown checks): a nullable value bound to a temp once."""
        expr = self.expr(node)
        if not node.nullable:
            return expr, expr, []
        if isinstance(expr, ast.Name):  # a field or definition: already a local
            return expr, expr, [_is(expr, None)]
        name = self.temp()
        first = ast.NamedExpr(target=ast.Name(id=name, ctx=ast.Store(), **_AT), value=expr, **_AT)
        return first, _name(name), [_is(first, None)]

    def guarded(
        self, operands: Sequence[Node], build: Callable[[list[ast.expr]], ast.expr]
    ) -> ast.expr:
        """``None if any operand is unknown else build(operands)``."""
        checks: list[ast.expr] = []
        later: list[ast.expr] = []
        for operand in operands:
            first, use, check = self.bind(operand)
            if check:
                checks.extend(check)
                later.append(use)
            else:
                later.append(first)
        body = build(later)
        return _if(_any(checks), _const(None), body) if checks else body

    def expr(self, node: Node) -> ast.expr:
        match node:
            case FieldRef(key=key):
                if key == SCREENING_DATE:
                    return _name("today")
                return _name(self.fields.setdefault(key, f"f{len(self.fields)}"))
            case DefinitionRef(name=name):
                return _name(self.definitions[name])
            case Const(value=value):
                return self.constant(value)
            case ListConst(values=values):
                return self.constant(frozenset(values))
            case Logic():
                return self.logic(node)
            case Not(operand=operand):
                return self.guarded(
                    [operand], lambda x: ast.UnaryOp(op=ast.Not(), operand=x[0], **_AT)
                )
            case Negate(operand=operand):
                return self.guarded(
                    [operand], lambda x: ast.UnaryOp(op=ast.USub(), operand=x[0], **_AT)
                )
            case Compare(op=symbol, left=left, right=right):
                op = _CMP[symbol]()
                return self.guarded(
                    [left, right],
                    lambda x: ast.Compare(left=x[0], ops=[op], comparators=[x[1]], **_AT),
                )
            case Member(item=item, container=container, negated=negated):
                op_in: ast.cmpop = ast.NotIn() if negated else ast.In()
                return self.guarded(
                    [item, container],
                    lambda x: ast.Compare(left=x[0], ops=[op_in], comparators=[x[1]], **_AT),
                )
            case Arith():
                return self.arith(node)
            case Call(function=function, arguments=arguments):
                return self.guarded(list(arguments), lambda x: self.call(function, x))
            case _:
                assert_never(node)

    def arith(self, node: Arith) -> ast.expr:
        op = _ARITH[node.op]()
        if node.op != "/" or (isinstance(node.right, Const) and node.right.value != 0):
            return self.guarded(
                [node.left, node.right], lambda x: ast.BinOp(left=x[0], op=op, right=x[1], **_AT)
            )

        # a division whose divisor may be zero: bind the divisor, answer unknown for zero
        def divide(x: list[ast.expr]) -> ast.expr:
            name = self.temp()
            bound = ast.NamedExpr(
                target=ast.Name(id=name, ctx=ast.Store(), **_AT), value=x[1], **_AT
            )
            zero = ast.Compare(left=bound, ops=[ast.Eq()], comparators=[_const(0)], **_AT)
            return _if(zero, _const(None), ast.BinOp(left=x[0], op=op, right=_name(name), **_AT))

        return self.guarded([node.left, node.right], divide)

    def call(self, function: str, arguments: list[ast.expr]) -> ast.expr:
        """A rule function: its table implementation, bound as a constant, called with
        ``today`` and the (known) arguments."""
        if function not in self.functions:
            bound = self.constant(FUNCTIONS[function].implementation)
            assert isinstance(bound, ast.Name)  # a function is never literal syntax
            self.functions[function] = bound.id
        implementation = _name(self.functions[function])
        return ast.Call(func=implementation, args=[_name("today"), *arguments], keywords=[], **_AT)

    def logic(self, node: Logic) -> ast.expr:
        """Kleene and/or: the dominant value wins, else unknown if any is, else the other."""
        dominant = node.op == "or"  # True dominates 'or', False dominates 'and'
        firsts: list[ast.expr] = []
        unknowns: list[ast.expr] = []
        for operand in node.operands:
            first, use, check = self.bind(operand)
            firsts.append(
                _is(first, dominant) if operand.nullable else self._plain(first, dominant)
            )
            if check:
                unknowns.append(_is(use, None))
        result = _if(_any(firsts), _const(dominant), _const(not dominant))
        if unknowns:
            result = _if(
                _any(firsts),
                _const(dominant),
                _if(_any(unknowns), _const(None), _const(not dominant)),
            )
        return result

    @staticmethod
    def _plain(expr: ast.expr, dominant: bool) -> ast.expr:
        return expr if dominant else ast.UnaryOp(op=ast.Not(), operand=expr, **_AT)


def compile_study(
    criteria: Sequence[tuple[bool, Node]],
    verdicts: tuple[V, V, V],
    filename: str = "<criteria>",
) -> StudyFunction[V]:
    """One function for a study. ``criteria`` is (is_exclusion, rule) in file order;
    ``verdicts`` are what to return for (ineligible, needs information, eligible)."""
    function, constants = study_tree(criteria)
    constants.update(v_ineligible=verdicts[0], v_needs=verdicts[1], v_eligible=verdicts[2])
    built: StudyFunction[V] = _build(function, constants, filename)
    return built


def study_tree(criteria: Sequence[tuple[bool, Node]]) -> tuple[ast.FunctionDef, dict[str, object]]:
    """The syntax tree of a study's function, and the constants it refers to by name."""
    gen = _Generator()
    assignments: list[tuple[str, ast.expr]] = []
    for index, (_, node) in enumerate(criteria):
        for definition in definitions_used(node):
            if definition.name not in gen.definitions:
                value = gen.expr(definition.body)
                gen.definitions[definition.name] = f"d{len(gen.definitions)}"
                assignments.append((gen.definitions[definition.name], value))
        assignments.append((f"c{index}", gen.expr(node)))
    keys = dict.fromkeys(f for _, node in criteria for f in fields_read(node))
    body = _field_reads(gen, keys)
    body += [_assign(target, value) for target, value in assignments]
    body.extend(_verdict(criteria))
    return _function("study", body), gen.constants


def _assign(target: str, value: ast.expr) -> ast.stmt:
    return ast.Assign(targets=[ast.Name(id=target, ctx=ast.Store(), **_AT)], value=value, **_AT)


def _field_reads(gen: _Generator, keys: Iterable[str], attributes: bool = False) -> list[ast.stmt]:
    """``f3 = get("age_years")`` for each field read (the screening date is ``today``),
    or with ``attributes`` ``f3 = p.age_years`` (a field key is an identifier)."""
    body: list[ast.stmt] = []
    for key in keys:
        if key == SCREENING_DATE:
            continue  # read as ``today``
        name = gen.fields.setdefault(key, f"f{len(gen.fields)}")
        value: ast.expr
        if attributes:
            value = ast.Attribute(value=_name("p"), attr=key, ctx=ast.Load(), **_AT)
        else:
            value = ast.Call(func=_name("get"), args=[_const(key)], keywords=[], **_AT)
        body.append(_assign(name, value))
    return body


def _function(
    name: str, body: list[ast.stmt], parameters: Sequence[str] = ("get", "today")
) -> ast.FunctionDef:
    """``def name(get, today): body`` (or other parameters)."""
    arguments = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=parameter, **_AT) for parameter in parameters],
        kwonlyargs=[],
        kw_defaults=[],
        defaults=[],
    )
    newer: dict[str, Any] = {"type_params": []} if sys.version_info >= (3, 12) else {}
    return ast.FunctionDef(
        name=name, args=arguments, body=body, decorator_list=[], returns=None, **newer, **_AT
    )


def _verdict(criteria: Sequence[tuple[bool, Node]]) -> list[ast.stmt]:
    names = [f"c{i}" for i in range(len(criteria))]
    values = ast.Tuple(elts=[_name(n) for n in names], ctx=ast.Load(), **_AT)

    def result(verdict: str) -> ast.stmt:
        return ast.Return(
            value=ast.Tuple(elts=[_name(verdict), values], ctx=ast.Load(), **_AT), **_AT
        )

    decisive = [
        _is(_name(n), is_exclusion) for n, (is_exclusion, _) in zip(names, criteria, strict=True)
    ]
    statements: list[ast.stmt] = []
    if decisive:
        statements.append(
            ast.If(test=_any(decisive), body=[result("v_ineligible")], orelse=[], **_AT)
        )
        unknown = [_is(_name(n), None) for n in names]
        statements.append(ast.If(test=_any(unknown), body=[result("v_needs")], orelse=[], **_AT))
    statements.append(result("v_eligible"))
    return statements


def _build(
    function: ast.FunctionDef,
    constants: Mapping[str, object],
    filename: str,
    builtins: Mapping[str, object] | None = None,
) -> Any:
    """The function the tree defines, its names bound to ``constants``, with no builtins
    but ``builtins`` (none by default)."""
    module = ast.Module(body=[function], type_ignores=[])
    return run_generated(module, constants, filename, function.name, builtins)


def run_generated(
    code: ast.Module | str,
    constants: Mapping[str, object],
    filename: str,
    name: str,
    builtins: Mapping[str, object] | None = None,
) -> Any:
    """The function ``name`` that generated ``code`` (a tree, or text written from fixed
    pieces: :mod:`.missing_code`, the csv writer's decided keys) defines, run with its
    names bound to ``constants`` and no builtins but ``builtins``. The one place generated
    code is compiled and run."""
    namespace: dict[str, Any] = {"__builtins__": dict(builtins or {}), **constants}
    # Safe by construction: the code holds only generated names, checked field keys and
    # literals; a criteria file's text is never compiled (see the module docstring).
    exec(compile(code, filename, "exec"), namespace)  # noqa: S102
    return namespace[name]


# The builders above, for other generated functions (``render/json_line.py``): the same
# rules hold there (generated names, constants bound by name, no builtins, no text compiled).
const, name, is_, if_, assign, any_ = _const, _name, _is, _if, _assign, _any
function_def, build_function = _function, _build
POSITION = _AT


def _canonical(value: ast.expr) -> str:
    """An expression's text with the temporaries it assigns (``t0 := ...``) numbered
    from 0 in order: two expressions with the same text compute the same value. (The
    names are renamed in the dump's text, ``id='t3'``: the tree holds generated names and
    bound constants only, no string that could look like one; copying the tree to
    rename it cost a batch's start-up ~50 ms.)"""
    temps = [node.target.id for node in ast.walk(value) if isinstance(node, ast.NamedExpr)]
    text = ast.dump(value)
    if not temps:
        return text
    renamed = {name: f"_{place}" for place, name in enumerate(temps)}
    return _NAME_ID.sub(lambda found: f"id='{renamed.get(found[1], found[1])}'", text)


_NAME_ID = re.compile(r"id='([A-Za-z_][A-Za-z0-9_]*)'")


LineFunction = Callable[
    [Any, date],
    tuple[date, tuple[tuple[V, tuple[bool | None, ...]], ...], tuple[V, ...]] | None,
]
# checks(read, limit, refuse) -> statements (see compile_line)
Checks = Callable[[Callable[[str], str], str, str], list[str]]


def compile_line(
    studies: Sequence[Sequence[tuple[bool, Node]]],
    verdicts: tuple[V, V, V],
    checks: Checks,
    check_keys: Iterable[str],
    filename: str = "<line>",
) -> LineFunction[V]:
    """A batch line's one call: ``line(p, as_of)`` for a profile ``p`` whose fields are
    attributes (``None`` when unknown), giving ``(today, outcomes, verdicts)``, where
    ``today`` is ``p.screening_date or as_of``, ``outcomes`` each study's outcome as its own function (:func:`compile_study`)
    gives it and ``verdicts`` each outcome's verdict; or ``None`` when the patient id is
    only dots or the profile fails ``checks`` (then the validator words why).

    ``checks(read, limit, refuse)`` gives the checks as statements
    (:func:`pml_trials.profile.contradictions.plain_checks`) over the fields
    ``check_keys``. Each field is read once, for the checks and the rules alike."""
    function, gen = _line_tree(studies, checks, check_keys)
    built: LineFunction[V] = _built(function, gen, verdicts, filename, {"len": len, "set": set})
    return built


def _line_tree(
    studies: Sequence[Sequence[tuple[bool, Node]]], checks: Checks, check_keys: Iterable[str]
) -> tuple[ast.FunctionDef, _Generator]:
    gen = _Generator()
    reads, statements, names = _all_studies(gen, studies)
    keys = [*dict.fromkeys([*check_keys, *reads])]
    assert SCREENING_DATE not in check_keys, "the checks read the screening date as limit"
    text = [
        "def line(p, as_of):",
        "    today = p.screening_date or as_of",
        "    if not p.patient_id.strip('.'):",
        "        return None",
    ]
    function = ast.parse("\n".join(text)).body[0]
    assert isinstance(function, ast.FunctionDef)
    body = function.body
    body += _field_reads(gen, keys, attributes=True)
    checked = ast.parse(
        "\n".join(["if True:", *checks(gen.fields.__getitem__, "today", "return None")])
    )
    body += checked.body[0].body  # type: ignore[attr-defined]
    body += statements
    outcomes: list[ast.expr] = []
    for number, (criteria, study_names) in enumerate(zip(studies, names, strict=True)):
        body.append(_assign(f"s{number}r", _verdict_of(study_names, criteria, _name)))
        outcomes.append(
            ast.Tuple(elts=[_name(f"s{number}r"), _name(f"s{number}v")], ctx=ast.Load(), **_AT)
        )
    result = [
        _name("today"),
        ast.Tuple(elts=outcomes, ctx=ast.Load(), **_AT),
        ast.Tuple(elts=[_name(f"s{n}r") for n in range(len(studies))], ctx=ast.Load(), **_AT),
    ]
    body.append(ast.Return(value=ast.Tuple(elts=result, ctx=ast.Load(), **_AT), **_AT))
    return function, gen


def _verdict_of(
    names: Sequence[str],
    criteria: Sequence[tuple[bool, Node]],
    make: Callable[[str], ast.expr],
) -> ast.expr:
    """A study's verdict from its criteria's values (the locals ``names``), each verdict
    given as ``make(its name)``: ineligible when one is decisive, else needs
    information when one is unknown, else eligible (no criteria: eligible)."""
    if not names:
        return make("v_eligible")
    return _if(
        _decisive(names, criteria),
        make("v_ineligible"),
        _if(_unknown(names), make("v_needs"), make("v_eligible")),
    )


def _decisive(names: Sequence[str], criteria: Sequence[tuple[bool, Node]]) -> ast.expr:
    return _any(
        [_is(_name(n), is_exclusion) for n, (is_exclusion, _) in zip(names, criteria, strict=True)]
    )


def _unknown(names: Sequence[str]) -> ast.expr:
    return _any([_is(_name(n), None) for n in names])


def _all_studies(
    gen: _Generator, studies: Sequence[Sequence[tuple[bool, Node]]]
) -> tuple[dict[str, None], list[ast.stmt], list[list[str]]]:
    """The fields every study reads, the statements computing each criterion (and each
    study's tuple of values, ``s{number}v``), and each study's criterion names."""
    reads: dict[str, None] = {}
    statements: list[ast.stmt] = []
    names_of: list[list[str]] = []

    # Each value computed once: an expression generated again (the same definition in
    # several files, the same rule in several studies) reuses the first one's name. The
    # expressions are pure over the fields, ``today``, constants and earlier names.
    computed: dict[str, str] = {}

    def once(target: str, value: ast.expr) -> str:
        key = _canonical(value)
        name = computed.get(key)
        if name is None:
            statements.append(_assign(target, value))
            name = computed[key] = target
        return name

    for number, criteria in enumerate(studies):
        gen.definitions = {}  # a study's definitions are its own
        names = []
        for index, (_, node) in enumerate(criteria):
            for key in fields_read(node):
                reads.setdefault(key)
            for definition in definitions_used(node):
                if definition.name not in gen.definitions:
                    target = f"s{number}d{len(gen.definitions)}"
                    value = gen.expr(definition.body)
                    gen.definitions[definition.name] = once(target, value)
            names.append(once(f"s{number}c{index}", gen.expr(node)))
        values = ast.Tuple(elts=[_name(n) for n in names], ctx=ast.Load(), **_AT)
        statements.append(_assign(f"s{number}v", values))
        names_of.append(names)
    return reads, statements, names_of


def _built(
    function: ast.FunctionDef,
    gen: _Generator,
    verdicts: tuple[V, V, V],
    filename: str,
    builtins: Mapping[str, object] | None = None,
) -> Any:
    constants = dict(gen.constants)
    constants.update(v_ineligible=verdicts[0], v_needs=verdicts[1], v_eligible=verdicts[2])
    return _build(function, constants, filename, builtins)
