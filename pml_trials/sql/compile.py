"""Checked rule trees -> a sqlglot syntax tree -> SQL text in any dialect.

The query is built from the nodes the checker produced, never from rule text, and reads
a table with one column per profile field (:mod:`.table`). SQL's NULL logic is Kleene's,
the rule language's: unknown is NULL throughout, ``and``/``or``/``not`` are SQL's, and
every operator that is unknown as soon as an operand is, is NULL-propagating in SQL too.
What does not carry over by itself is guarded here (see ``docs/sql.md``):

- a division is ``CAST(a AS DOUBLE) / NULLIF(CAST(b AS DOUBLE), 0)``: a zero divisor is
  unknown on every engine (DuckDB gives inf, PostgreSQL and Spark ANSI raise), and no
  engine divides whole numbers as whole numbers;
- arithmetic is in DOUBLE, as Python's floats (decimal literals are exact DECIMAL or
  NUMERIC in SQL, which would make ``0.1 * 3 == 0.3`` true);
- ``'hiv' in predisposing_conditions`` is ``CASE WHEN list IS NULL THEN NULL ELSE
  <contains> END``: sqlglot's own renderings turn an unknown list into false on PostgreSQL
  and BigQuery;
- a criterion decides a trial through ``COALESCE(NOT c, FALSE)`` / ``COALESCE(c, FALSE)``,
  never ``IS TRUE``/``IS NOT FALSE`` (sqlglot rewrites those for Trino as ``NOT NOT c``);
- date windows count whole days to ``COALESCE(screening_date, <as-of>)`` per dialect.

A query yields, per patient and study, every criterion's value, the verdict (in the
order of :mod:`pml_trials.rules.codegen`: a decisive criterion, else an unknown one, else
eligible) and ``missing_fields``: for each field, in declaration order, whether some path
from an unknown criterion to the field runs through unknown values only (the reference
interpreter's rule, :mod:`pml_trials.rules.interpret`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, assert_never

from sqlglot import ErrorLevel
from sqlglot import expressions as exp

from pml_trials.profile.fields import FIELDS
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
    fields_read,
)
from pml_trials.sql.dialects import Dialect, compact, contains, days_between, double
from pml_trials.verdict import Verdict

if TYPE_CHECKING:
    from pml_trials.studies.model import Study

TABLE = "profiles"
DAY = "screening_day"  # the date every window counts to, a column of the first CTE
RESERVED = frozenset({"patient_id", "screening_date", "trial_id", "verdict", "missing_fields"})
_KIND = {spec.key: spec.kind for spec in FIELDS}
_ORDER = [spec.key for spec in FIELDS]
_COMPARE: dict[str, type[exp.Binary]] = {
    "==": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}
_ARITH: dict[str, type[exp.Binary]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}


# -- the rule functions (pml_trials.rules.functions.FUNCTIONS), each as SQL ----------------
# (screening day, known arguments, dialect) -> the value, exactly the table's semantics.
# tests/test_sql_functions.py checks that every function of the table has an entry.
SqlFunction = Callable[[exp.Expr, list[exp.Expr], Dialect], exp.Expr]


def _days_since(today: exp.Expr, args: list[exp.Expr], dialect: Dialect) -> exp.Expr:
    return days_between(args[0], today, dialect)


def _weeks_since(today: exp.Expr, args: list[exp.Expr], dialect: Dialect) -> exp.Expr:
    days = days_between(args[0], today, dialect)
    return exp.Div(this=double(days), expression=double(exp.Literal.number(7)))


def _months_since(today: exp.Expr, args: list[exp.Expr], dialect: Dialect) -> exp.Expr:
    """12 * (years) + (months), minus 1 when today's day of month is before the start's:
    completed calendar months (DATE_DIFF('month', ...) counts month boundaries instead)."""
    start = args[0]

    def part(unit: type[exp.Func], value: exp.Expr) -> exp.Expr:
        return exp.Cast(this=unit(this=value.copy()), to=exp.DataType.build("BIGINT"))

    years = exp.Sub(this=part(exp.Year, today), expression=part(exp.Year, start))
    months = exp.Sub(this=part(exp.Month, today), expression=part(exp.Month, start))
    total = exp.Add(
        this=exp.Mul(this=exp.Literal.number(12), expression=exp.Paren(this=years)),
        expression=exp.Paren(this=months),
    )
    early = exp.Case(
        ifs=[
            exp.If(
                this=exp.LT(this=part(exp.Day, today), expression=part(exp.Day, start)),
                true=exp.Literal.number(1),
            )
        ],
        default=exp.Literal.number(0),
    )
    return exp.Paren(this=exp.Sub(this=total, expression=early))


def _years_since(today: exp.Expr, args: list[exp.Expr], dialect: Dialect) -> exp.Expr:
    """floor(months / 12): negative counts round down, as Python's // (SQL's integer
    division truncates toward zero)."""
    months = _months_since(today, args, dialect)
    quotient = exp.Div(this=double(months), expression=double(exp.Literal.number(12)))
    return exp.Cast(this=exp.Floor(this=quotient), to=exp.DataType.build("BIGINT"))


SQL_FUNCTIONS: dict[str, SqlFunction] = {
    "days_since": _days_since,
    "weeks_since": _weeks_since,
    "months_since": _months_since,
    "years_since": _years_since,
}


def criterion_column(criterion_id: str) -> str:
    """The column of a criterion's value: its id, unless that names another column."""
    return f"{criterion_id}_criterion" if criterion_id in RESERVED else criterion_id


def _paren(expression: exp.Expr) -> exp.Expr:
    """The expression, parenthesised where an operator around it could bind into it."""
    if isinstance(expression, exp.Binary | exp.Connector | exp.Not | exp.Neg | exp.Is | exp.In):
        return exp.Paren(this=expression)
    return expression


def _is_null(expression: exp.Expr) -> exp.Expr:
    return exp.Is(this=_paren(expression), expression=exp.Null())


def _any(tests: Sequence[exp.Expr]) -> exp.Expr:
    if not tests:
        return exp.false()
    result = tests[0]
    for test in tests[1:]:
        result = exp.Or(this=result, expression=test)
    return result


def _all(tests: Sequence[exp.Expr]) -> exp.Expr:
    result = tests[0]
    for test in tests[1:]:
        result = exp.And(this=result, expression=test)
    return result


class Expressions:
    """Rule nodes as SQL expressions over the columns of one profile row."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    def value(self, node: Node) -> exp.Expr:
        """The node's value: NULL where the rule language says unknown."""
        match node:
            case FieldRef(key=key):
                return exp.column(DAY if key == SCREENING_DATE else key)
            case Const(value=value):
                return self.constant(value)
            case ListConst():
                raise TypeError("a list is only ever the right side of 'in'")  # by the checker
            case DefinitionRef(body=body):
                return self.value(body)
            case Not(operand=operand):
                return exp.Not(this=_paren(self.value(operand)))
            case Negate(operand=operand):
                return exp.Neg(this=_paren(self.value(operand)))
            case Logic(op=op, operands=operands):
                parts = [_paren(self.value(o)) for o in operands]
                return _all(parts) if op == "and" else _any(parts)
            case Compare(op=op, left=left, right=right):
                return _COMPARE[op](
                    this=_paren(self.value(left)), expression=_paren(self.value(right))
                )
            case Member():
                return self.member(node)
            case Arith():
                return self.arith(node)
            case Call(function=function, arguments=arguments):
                render = SQL_FUNCTIONS.get(function)
                if render is None:  # a function of the table without SQL: tests enumerate it
                    raise TypeError(f"no SQL for the rule function {function}()")
                values = [self.value(a) for a in arguments]
                return render(exp.column(DAY), values, self.dialect)
            case _:
                assert_never(node)

    def constant(self, value: object) -> exp.Expr:
        if isinstance(value, bool):
            return exp.true() if value else exp.false()
        if isinstance(value, int | float):
            literal = exp.Literal.number(repr(value) if isinstance(value, float) else value)
            return literal if value >= 0 else exp.Paren(this=literal)
        if isinstance(value, str):
            return exp.Literal.string(value)
        if isinstance(value, date):
            return exp.Cast(
                this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE")
            )
        raise TypeError(f"no SQL literal for {type(value).__name__}")  # pragma: no cover

    def member(self, node: Member) -> exp.Expr:
        item = self.value(node.item)
        if isinstance(node.container, ListConst):  # literals: never NULL, never NOT IN's trap
            values = [self.constant(v) for v in node.container.values]
            found: exp.Expr = exp.In(this=_paren(item), expressions=values)
        else:
            container = self.value(node.container)
            test = _is_null(container)
            if node.item.nullable:
                test = exp.Or(this=test, expression=_is_null(item))
            found = exp.Case(
                ifs=[exp.If(this=test, true=exp.Null())],
                default=contains(container, item, self.dialect),
            )
        return exp.Not(this=_paren(found)) if node.negated else found

    def number(self, node: Node) -> exp.Expr:
        """A number operand of arithmetic, as DOUBLE (already so: decimal fields, arithmetic)."""
        value = self.value(node)
        body = node.body if isinstance(node, DefinitionRef) else node
        if isinstance(body, Arith) or (isinstance(body, FieldRef) and _KIND[body.key] == "number"):
            return _paren(value)
        return double(value)

    def arith(self, node: Arith) -> exp.Expr:
        left, right = self.number(node.left), self.number(node.right)
        if node.op == "/" and not (isinstance(node.right, Const) and node.right.value != 0):
            right = exp.Nullif(this=right, expression=exp.Literal.number(0))
        return _ARITH[node.op](this=left, expression=right)

    def missing(self, node: Node, key: str) -> exp.Expr | None:
        """A test of "``key`` could still decide this unknown node", or None if it never
        can: some path from the node to the field has only unknown values on it. A strict
        operator is unknown whenever an operand is, so only ``and``/``or`` (which can be
        known with unknown operands) test their own value."""
        if not node.nullable or key not in fields_read(node):
            return None
        match node:
            case FieldRef():
                return _is_null(self.value(node))
            case DefinitionRef(body=body):
                return self.missing(body, key)
            case Not(operand=operand) | Negate(operand=operand):
                return self.missing(operand, key)
            case Call(arguments=arguments):
                paths = [t for a in arguments if (t := self.missing(a, key)) is not None]
                return _any(paths) if len(paths) == 1 else exp.Paren(this=_any(paths))
            case Logic(operands=operands):
                paths = [t for o in operands if (t := self.missing(o, key)) is not None]
                return exp.And(this=_is_null(self.value(node)), expression=_paren(_any(paths)))
            case Compare(left=a, right=b) | Arith(left=a, right=b) | Member(item=a, container=b):
                paths = [t for o in (a, b) if (t := self.missing(o, key)) is not None]
                return _any(paths) if len(paths) == 1 else exp.Paren(this=_any(paths))
            case Const() | ListConst():  # pragma: no cover - never nullable
                return None
            case _:
                assert_never(node)


def _today(as_of: date | None) -> exp.Expr:
    """The date counted to when a profile has no screening_date: ``--as-of``, else the
    database's CURRENT_DATE (the Python engine uses the local date)."""
    if as_of is None:
        return exp.CurrentDate()
    return exp.Cast(this=exp.Literal.string(as_of.isoformat()), to=exp.DataType.build("DATE"))


def one_line(text: str, limit: int = 300) -> str:
    """Text safe in a ``--`` or ``/* */`` comment: one line, no comment end, no control
    characters, at most ``limit`` characters (a criteria file may be hostile)."""
    flat = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", text).replace("*/", "* /")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _comment(text: str) -> str:
    return f" {one_line(text)} "


class StudyColumns:
    """One study's columns: criterion values, missing-field flags, the verdict, the list."""

    def __init__(self, study: Study, dialect: Dialect, prefix: str = "") -> None:
        self.study = study
        self.dialect = dialect
        self.prefix = prefix
        self.names = [prefix + criterion_column(c.id) for c in study.criteria]
        self.verdict_name = prefix + "verdict"
        self.missing_name = prefix + "missing_fields"
        read = {key for c in study.criteria for key in c.fields if key != SCREENING_DATE}
        self.keys = [key for key in _ORDER if key in read]

    def criteria(self, comments: bool) -> list[exp.Expr]:
        sql = Expressions(self.dialect)
        columns: list[exp.Expr] = []
        for criterion, name in zip(self.study.criteria, self.names, strict=True):
            column = exp.alias_(sql.value(criterion.node), name, quoted=True)
            if comments:
                column.add_comments(
                    [
                        _comment(f"{criterion.id} ({criterion.kind}): {criterion.text}"),
                        _comment(f"rule: {criterion.rule}"),
                    ]
                )
            columns.append(column)
        return columns

    def flag_name(self, key: str) -> str:
        return f"{self.prefix}missing__{key}"

    def flags(self) -> list[exp.Expr]:
        """Per field the study reads: could it decide one of the unknown criteria?"""
        sql = Expressions(self.dialect)
        columns: list[exp.Expr] = []
        for key in self.keys:
            paths = [t for c in self.study.criteria if (t := sql.missing(c.node, key)) is not None]
            columns.append(exp.alias_(_any(paths), self.flag_name(key), quoted=True))
        return columns

    def verdict(self) -> exp.Expr:
        values = [exp.column(n, quoted=True) for n in self.names]
        decisive = [
            exp.Coalesce(
                this=value if c.kind == "exclusion" else exp.Not(this=value),
                expressions=[exp.false()],
            )
            for c, value in zip(self.study.criteria, values, strict=True)
        ]
        case = exp.Case(
            ifs=[
                exp.If(this=_any(decisive), true=exp.Literal.string(Verdict.INELIGIBLE.value)),
                exp.If(
                    this=_any([_is_null(v) for v in values]),
                    true=exp.Literal.string(Verdict.NEEDS_INFORMATION.value),
                ),
            ],
            default=exp.Literal.string(Verdict.ELIGIBLE.value),
        )
        return exp.alias_(case, self.verdict_name, quoted=True)

    def missing_list(self) -> exp.Expr:
        needs = exp.EQ(
            this=exp.column(self.verdict_name, quoted=True),
            expression=exp.Literal.string(Verdict.NEEDS_INFORMATION.value),
        )
        items: list[exp.Expr] = [
            exp.Case(
                ifs=[
                    exp.If(
                        this=exp.And(
                            this=needs, expression=exp.column(self.flag_name(key), quoted=True)
                        ),
                        true=exp.Literal.string(key),
                    )
                ]
            )
            for key in self.keys
        ]
        if not items:  # no field can be missing: an empty list of text
            items = [exp.Cast(this=exp.Null(), to=exp.DataType.build("TEXT"))]
        return exp.alias_(compact(items, self.dialect), self.missing_name, quoted=True)


def _profile_cte(table: exp.Expr, as_of: date | None) -> exp.Select:
    day = exp.Coalesce(this=exp.column(SCREENING_DATE), expressions=[_today(as_of)])
    return exp.select(exp.Star(), exp.alias_(day, DAY)).from_(table)


def _source(table: str | exp.Expr) -> exp.Expr:
    return exp.to_table(table) if isinstance(table, str) else table


def study_query(
    study: Study,
    dialect: Dialect,
    as_of: date | None = None,
    table: str | exp.Expr = TABLE,
    *,
    missing: bool = True,
    comments: bool = True,
) -> exp.Select:
    """One study over the profile table: one row per patient, with ``patient_id``,
    ``screening_date`` (the date counted to), ``trial_id``, ``verdict``, one column per
    criterion (named by its id) and, with ``missing``, ``missing_fields``."""
    columns = StudyColumns(study, dialect)
    criteria = exp.select(exp.column("patient_id"), exp.column(DAY), *columns.criteria(comments))
    if missing:
        criteria = criteria.select(*columns.flags())
    criteria = criteria.from_("profile")
    verdicts = exp.select(exp.Star(), columns.verdict()).from_("criteria")
    final = exp.select(
        exp.column("patient_id"),
        exp.alias_(exp.column(DAY), SCREENING_DATE),
        exp.alias_(exp.Literal.string(study.id), "trial_id"),
        exp.column(columns.verdict_name, quoted=True),
        *(exp.column(n, quoted=True) for n in columns.names),
    )
    if missing:
        final = final.select(columns.missing_list())
    return (
        final.from_("verdicts")
        .with_("profile", _profile_cte(_source(table), as_of))
        .with_("criteria", criteria)
        .with_("verdicts", verdicts)
    )


def screening_query(
    studies: Sequence[Study],
    dialect: Dialect,
    as_of: date | None,
    table: str | exp.Expr = TABLE,
    *,
    keep: Sequence[str] = (),
    missing: bool = True,
) -> tuple[exp.Select, list[StudyColumns]]:
    """Every study at once, one row per patient: the columns ``keep`` of the table, then
    per study ``s<i>_<criterion>``..., ``s<i>_verdict`` and (with ``missing``)
    ``s<i>_missing_fields``. For engines that screen a whole table in one pass."""
    parts = [StudyColumns(s, dialect, prefix=f"s{i}_") for i, s in enumerate(studies)]
    criteria = exp.select(exp.Star())
    for part in parts:
        criteria = criteria.select(*part.criteria(comments=False))
        if missing:
            criteria = criteria.select(*part.flags())
    verdicts = exp.select(exp.Star(), *(p.verdict() for p in parts)).from_("criteria")
    final = exp.select(*(exp.column(k, quoted=True) for k in keep))
    for part in parts:
        final = final.select(
            *(exp.column(n, quoted=True) for n in part.names),
            exp.column(part.verdict_name, quoted=True),
        )
        if missing:
            final = final.select(part.missing_list())
    query = (
        final.from_("verdicts")
        .with_("profile", _profile_cte(_source(table), as_of))
        .with_("criteria", criteria.from_("profile"))
        .with_("verdicts", verdicts)
    )
    return query, parts


def render(query: exp.Expr, dialect: Dialect, *, pretty: bool = True) -> str:
    """The query as text in ``dialect``."""
    return query.sql(dialect=dialect.value, pretty=pretty, unsupported_level=ErrorLevel.RAISE)
