"""One patient's JSON text in one generated function (issue 20).

:class:`~pml_trials.render.json_writer.ResultEncoder` gives the line in order: constant
text, texts the function computes (the id, the diagnosis, a float field's text, the
missing fields, the sites, the next steps) and slots, texts that take one of a few
values (a criterion's value and status, a trial's verdict and next step, a boolean or
enum field). This module turns that into a Python function, built once per set of
studies with the builders of :mod:`pml_trials.rules.codegen` (a syntax tree of generated
names and bound constants, run without builtins), of the shape::

    def line(patient_id, source, profile, outcomes, today):
        get = profile.get
        if TYPE(profile) is STRUCT_PROFILE:  # a batch's line: the Struct's attributes
            s = profile.struct
            f0 = s.age_years
            ...
        else:
            f0 = get('age_years')
            ...
        t0 = 'null' if f0 is None else (I0(f0) or J(f0)) if TYPE(f0) is INT else J(f0)
        ...                                  # the texts of fields that are no slot
        v0, c0 = o0 ...                      # each study's verdict and criterion values
        c0_0, c0_1, ... = c0
        ...
        return f'{{"patient_id":{pid},...{(',"kind":..."value":true,...' if c0_0 is True
                 else ... if c0_0 is False else ... else GROUP(3, (c0_0, f6)))}...'

A run of constant text and slots is one part of the f-string: nested conditional
expressions choose its whole text, written out for every combination of the slots'
alternatives (at most :data:`_LEAVES`), so the line joins a few dozen parts instead of
one per field and criterion. A value no alternative names (never a valid profile's)
gives the run's text from each slot's generic writer (``GROUP``).

Each field's text is what the C JSON encoder gives for its value (``J``): a known kind
of value takes a shorter way to the same text (``true``/``false``/``null`` by identity,
an enum's choices by equality, small integers from a table, a float or a date from a
bounded memo of ``J``'s texts); any other value goes to ``J`` itself. Floats are
remembered except zeros (``0.0 == -0.0``; their texts differ), and only for values of
type ``float`` (``1 == 1.0 == True``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pml_trials.engine.diagnosis import FIELDS as DIAGNOSIS_FIELDS
from pml_trials.engine.result import Outcome
from pml_trials.profile.fields import BY_KEY
from pml_trials.rules.codegen import (
    POSITION,
    any_,
    assign,
    build_function,
    const,
    function_def,
    if_,
    is_,
    name,
)
from pml_trials.verdict import Verdict

if TYPE_CHECKING:
    from pml_trials.render.json_writer import ResultEncoder

LineFunction = Callable[[str, str, Mapping[str, Any], tuple[Outcome, ...], date], str]
_VALUE_LIMIT = 4096  # float and date texts remembered, per field (emptied when full)
_SMALL_RANGE = 1000  # integer fields with at most this many values: a table of texts
_LEAVES = 64  # the most texts a run of constant text and slots is written out as
_STACK = 30  # CPython's STACK_USE_GUIDELINE: the most values an f-string joins on the stack


def _call(function: str, *arguments: ast.expr) -> ast.expr:
    return ast.Call(func=name(function), args=list(arguments), keywords=[], **POSITION)


def _or(*values: ast.expr) -> ast.expr:
    return ast.BoolOp(op=ast.Or(), values=list(values), **POSITION)


def _is_type(value: ast.expr, kind: str) -> ast.expr:
    return ast.Compare(
        left=_call("TYPE", value), ops=[ast.Is()], comparators=[name(kind)], **POSITION
    )


def _store(*targets: str, value: ast.expr) -> ast.stmt:
    if len(targets) == 1:
        return assign(targets[0], value)
    target = ast.Tuple(
        elts=[ast.Name(id=t, ctx=ast.Store(), **POSITION) for t in targets],
        ctx=ast.Store(),
        **POSITION,
    )
    return ast.Assign(targets=[target], value=value, **POSITION)


def _if(test: ast.expr, then: list[ast.stmt], other: list[ast.stmt]) -> ast.stmt:
    return ast.If(test=test, body=then, orelse=other, **POSITION)


def _joined(parts: list[ast.expr]) -> ast.expr:
    """An f-string of ``parts``, nested so that none has more than :data:`_STACK` values.
    CPython compiles a longer one into a list appended to part by part (the list grown
    a dozen times) and then ``str.join``; up to that many, the parts stay on the stack
    and one instruction joins them (the nesting copies the ~6 kB line twice: cheaper)."""
    while len(parts) > _STACK:
        parts = [
            ast.FormattedValue(
                value=ast.JoinedStr(values=parts[at : at + _STACK], **POSITION),
                conversion=-1,
                format_spec=None,
                **POSITION,
            )
            for at in range(0, len(parts), _STACK)
        ]
    return ast.JoinedStr(values=parts, **POSITION)


def remember(cache: dict[Any, str], value: Any, text: str) -> str:
    """A float's or a date's text kept for the next patient (zeros never: see above)."""
    if value:
        if len(cache) >= _VALUE_LIMIT:
            cache.clear()
        cache[value] = text
    return text


class _Fields:
    """Each field's text as a local: the statements, and the constants they use."""

    def __init__(self, encoder: ResultEncoder) -> None:
        self.encoder = encoder
        self.constants: dict[str, object] = {}
        self.body: list[ast.stmt] = []
        self.statements: list[ast.stmt] = []  # the texts of the fields the line shows
        self._texts: set[str] = set()

    def local_value(self, key: str) -> str:
        """The local holding a field's value (read at the top, see _reads)."""
        return _local(self.encoder, key)

    def local_text(self, key: str) -> str:
        """The local holding a field's JSON text, computed once (the first time asked)."""
        local = self.local_value(key)
        text = "t" + local[1:] if local.startswith("f") else f"t_{key}"
        if text not in self._texts:
            self._texts.add(text)
            kind = BY_KEY[key].kind
            if kind == "enum_list":  # remembered by the items (only choices: str)
                items = ast.Tuple(
                    elts=[const(key), ast.Starred(value=name(local), ctx=ast.Load(), **POSITION)],
                    ctx=ast.Load(),
                    **POSITION,
                )
                known = _or(_call("LISTS", items), _call("LIST", const(key), name(local)))
                value: ast.expr = if_(is_(name(local), None), const("null"), known)
            else:
                value = self.text(name(local), kind, len(self._texts), key)
            self.statements.append(assign(text, value))
        return text

    def text(self, value: ast.expr, kind: str, number: int, key: str) -> ast.expr:
        """The JSON text of ``value`` (a local), a field of ``kind``."""
        plain = _call("J", value)
        null = is_(value, None)
        if kind == "boolean":
            return if_(
                is_(value, True),
                const("true"),
                if_(is_(value, False), const("false"), if_(null, const("null"), plain)),
            )
        if kind == "enum":
            table = f"E{number}"
            self.constants[table] = {c: self.encoder.json(c) for c in BY_KEY[key].choices}.get
            known = _or(_call(table, value), plain)
            return if_(null, const("null"), if_(_is_type(value, "STR"), known, plain))
        if kind == "integer":
            spec = BY_KEY[key]
            low, high = int(spec.minimum or 0), int(spec.maximum or 0)
            step = spec.multiple_of or 1
            if (high - low) // step >= _SMALL_RANGE:
                known = _call("INT_TEXT", value)
            else:
                table = f"I{number}"
                texts = {n: self.encoder.json(n) for n in range(low, high + 1, step)}
                self.constants[table] = texts.get
                known = _or(_call(table, value), _call("INT_TEXT", value))
            return if_(null, const("null"), if_(_is_type(value, "INT"), known, plain))
        if kind in ("number", "date"):
            memo: dict[Any, str] = {}
            table = f"M{number}"
            self.constants[table] = memo
            self.constants[f"{table}get"] = memo.get
            written = plain
            if kind == "number":  # J of a finite float is float.__repr__ (the C encoder's)
                finite = ast.Compare(
                    left=ast.BinOp(left=value, op=ast.Sub(), right=value, **POSITION),
                    ops=[ast.Eq()],
                    comparators=[const(0.0)],
                    **POSITION,
                )
                written = if_(finite, _call("FLOAT_TEXT", value), plain)
            miss = _call("REMEMBER", name(table), value, written)
            known = _or(_call(f"{table}get", value), miss)
            guard = _is_type(value, "FLOAT" if kind == "number" else "DATE")
            return if_(null, const("null"), if_(guard, known, plain))
        if kind in ("text", "id"):
            return if_(null, const("null"), if_(_is_type(value, "STR"), _call("B", value), plain))
        return plain


_PLACE = ("residence_town", "residence_country", "max_travel_km")


def _local(encoder: ResultEncoder, key: str) -> str:
    """The local holding a field's value: ``f<n>`` for a field the criteria read, else
    one named by the key (the diagnosis' and the residence's fields)."""
    keys = (*encoder.scalar_keys, *encoder.list_keys)
    return f"f{keys.index(key)}" if key in keys else f"r_{key}"


def _reads(encoder: ResultEncoder) -> ast.stmt:
    """Each field the line shows or depends on read once into its local: as the Struct's
    attribute when the profile is a batch's :class:`~pml_trials.profile.fast.StructProfile`
    (its ``get`` is ``getattr`` on the Struct: the same value, without a call), else
    through ``get``."""
    keys = dict.fromkeys((*encoder.scalar_keys, *encoder.list_keys, *DIAGNOSIS_FIELDS, *_PLACE))
    struct = [
        assign(
            _local(encoder, key),
            ast.Attribute(value=name("s"), attr=key, ctx=ast.Load(), **POSITION),
        )
        for key in keys
    ]
    struct.insert(
        0,
        assign(
            "s", ast.Attribute(value=name("profile"), attr="struct", ctx=ast.Load(), **POSITION)
        ),
    )
    plain = [assign(_local(encoder, key), _call("get", const(key))) for key in keys]
    return _if(_is_type(name("profile"), "STRUCT_PROFILE"), struct, plain)


@dataclass(frozen=True)
class Slot:
    """A text of the line that takes one of a few values: a criterion's value and status
    (``value``), a trial's verdict (``verdict``) and next step (``step``), a boolean or
    enum field's value (``field``)."""

    kind: str
    study: int = 0
    criterion: int = 0
    key: str = ""


Item = str | tuple[str] | Slot  # constant text, a local the function computes, a slot


@dataclass
class _Choices:
    """A slot in the generated code: its alternatives (a test of ``local`` and the text
    it gives; a test of None: the text otherwise), and how to write any other value."""

    local: str
    alternatives: list[tuple[ast.expr | None, str]]
    generic: Callable[[Any], str]


def _group_text(groups: list[list[str | _Choices]], number: int, values: tuple[Any, ...]) -> str:
    """A group's text for values some slot has no alternative for (never a valid
    profile's: a field holding a value of another kind, say), each slot written by its
    generic function."""
    found = iter(values)
    return "".join(
        item if isinstance(item, str) else item.generic(next(found)) for item in groups[number]
    )


class _Line:
    """The f-string's parts: runs of constant text and slots become one text each, chosen
    by nested conditional expressions (each leaf: the run's whole text, for one choice of
    every slot in it), so the line joins a few dozen parts instead of every field and
    criterion; a run holds at most :data:`_LEAVES` combinations."""

    def __init__(self, encoder: ResultEncoder, fields: _Fields) -> None:
        self.encoder = encoder
        self.fields = fields
        self.parts: list[ast.expr] = []
        self.groups: list[list[str | _Choices]] = []
        self._run: list[str | _Choices] = []
        self._leaves = 1
        self.texts: set[str] = set()  # the field locals t<n> the line uses

    def add(self, item: Item) -> None:
        if isinstance(item, str):
            self._run.append(item)
        elif isinstance(item, Slot):
            choices = self.choices(item)
            if choices is None:
                self.add((self.fields.local_text(item.key),))
                return
            count = len(choices.alternatives)
            if self._leaves * count > _LEAVES:
                self.close()
            self._run.append(choices)
            self._leaves *= count
        else:
            self.close()
            self.parts.append(
                ast.FormattedValue(value=name(item[0]), conversion=-1, format_spec=None, **POSITION)
            )

    def close(self) -> None:
        run, self._run, self._leaves = self._run, [], 1
        if not run:
            return
        slots = [item for item in run if isinstance(item, _Choices)]
        if not slots:
            self.parts.append(const("".join(map(str, run))))
            return
        number = len(self.groups)
        self.groups.append(run)
        other = _call(
            "GROUP",
            const(number),
            ast.Tuple(elts=[name(slot.local) for slot in slots], ctx=ast.Load(), **POSITION),
        )
        tree = self._tree(run, 0, "", other)
        self.parts.append(
            ast.FormattedValue(value=tree, conversion=-1, format_spec=None, **POSITION)
        )

    def _tree(self, run: list[str | _Choices], at: int, text: str, other: ast.expr) -> ast.expr:
        while at < len(run) and isinstance(run[at], str):
            text += str(run[at])
            at += 1
        if at == len(run):
            return const(text)
        slot = run[at]
        assert isinstance(slot, _Choices)
        expr = other
        for test, choice in reversed(slot.alternatives):
            leaf = self._tree(run, at + 1, text + choice, other)
            expr = leaf if test is None else if_(test, leaf, expr)
        return expr

    def choices(self, slot: Slot) -> _Choices | None:
        encoder = self.encoder
        if slot.kind == "value":
            local = f"c{slot.study}_{slot.criterion}"
            texts = encoder.value_texts(slot.study, slot.criterion)
            likely = (False, True) if slot_is_exclusion(encoder, slot) else (True, False)
            return _Choices(
                local,
                [(is_(name(local), v), texts[v]) for v in (*likely, None)],
                functools.partial(encoder.value_text, slot.study, slot.criterion),
            )
        if slot.kind == "verdict":
            local = f"v{slot.study}"
            verdicts = encoder.verdict_texts(slot.study)
            return _Choices(
                local,
                [
                    (_is_name(name(local), f"V_{v.name}"), verdicts[v])
                    for v in (Verdict.INELIGIBLE, Verdict.NEEDS_INFORMATION, Verdict.ELIGIBLE)
                ],
                functools.partial(encoder.verdict_text, slot.study),
            )
        if slot.kind == "step":
            local = f"c{slot.study}"
            steps: list[tuple[ast.expr | None, str]] = [
                (is_(name(f"c{slot.study}_{index}"), decisive), text)
                for index, decisive, text in encoder.step_texts(slot.study)
            ]
            steps.append((None, "null"))
            return _Choices(local, steps, functools.partial(encoder.step_text, slot.study))
        key = slot.key
        kind = BY_KEY[key].kind
        local = self.fields.local_value(key)
        value = name(local)
        if kind == "boolean":
            alternatives = [(is_(value, v), encoder.json(v)) for v in (False, True, None)]
        elif kind == "enum":
            alternatives = [
                (
                    ast.Compare(left=value, ops=[ast.Eq()], comparators=[const(c)], **POSITION),
                    encoder.json(c),
                )
                for c in BY_KEY[key].choices
            ]
            alternatives.append((is_(value, None), "null"))
        else:
            return None
        return _Choices(local, list(alternatives), encoder.json)


def slot_is_exclusion(encoder: ResultEncoder, slot: Slot) -> bool:
    return encoder.studies[slot.study].criteria[slot.criterion].kind == "exclusion"


def _is_name(value: ast.expr, constant: str) -> ast.expr:
    return ast.Compare(left=value, ops=[ast.Is()], comparators=[name(constant)], **POSITION)


def _place(
    encoder: ResultEncoder, country: ast.expr, town: ast.expr, limit: ast.expr
) -> list[ast.stmt]:
    """The residence's text and each listed site's, for a patient with a town: from
    the place remembered by (country, town), the sites' text by how many lie within
    the travel limit (json_writer.ResultEncoder._place)."""
    key = ast.Tuple(elts=[country, town], ctx=ast.Load(), **POSITION)
    body = [
        assign("pl", _call("PLACES", key)),
        _if(
            is_(name("pl"), None),
            [assign("pl", _call("PLACE", country, town, name("profile")))],
            [],
        ),
    ]
    names = ["res", "home"]
    for number in encoder.with_sites:
        names += [f"d{number}", f"w{number}"]
    body.append(_store(*names, value=name("pl")))
    for at, number in enumerate(encoder.with_sites):
        within = f"n{number}"
        body.append(
            assign(
                within,
                if_(is_(limit, None), const(None), _call("BISECT", name(f"d{number}"), limit)),
            )
        )
        get = ast.Attribute(value=name(f"w{number}"), attr="get", ctx=ast.Load(), **POSITION)
        found = ast.Call(func=get, args=[name(within)], keywords=[], **POSITION)
        body.append(assign(f"x{number}", found))
        miss = _call("SITES", const(at), name("pl"), name(within), limit)
        body.append(_if(is_(name(f"x{number}"), None), [assign(f"x{number}", miss)], []))
    return body


def line_function(encoder: ResultEncoder, order: list[Item]) -> LineFunction:
    """The function giving ``encoder.encode_line``'s text. ``order`` is the line in order:
    constant text, ``(local,)`` for a text the function computes (``pid``, ``src``,
    ``sd``, ``dg``, ``m<study>``, ``x<study>``, ``res``, ``st``), or a :class:`Slot`."""
    from pml_trials.profile.fast import StructProfile  # msgspec: imported by a batch anyway

    fields = _Fields(encoder)
    line = _Line(encoder, fields)
    for item in order:
        line.add(item)
    line.close()
    body = fields.body
    body.append(
        assign("get", ast.Attribute(value=name("profile"), attr="get", ctx=ast.Load(), **POSITION))
    )
    body.append(_reads(encoder))
    body.append(assign("pid", _call("B", name("patient_id"))))
    body.append(assign("src", _call("B", name("source"))))
    today = name("today")
    body.append(
        assign(
            "sd",
            if_(
                _is_type(today, "DATE"),
                _or(_call("Dget", today), _call("REMEMBER", name("D"), today, _call("J", today))),
                _call("J", today),
            ),
        )
    )
    answers = ast.Tuple(
        elts=[name(_local(encoder, k)) for k in DIAGNOSIS_FIELDS], ctx=ast.Load(), **POSITION
    )
    body.append(assign("dk", answers))
    body.append(assign("dg", _call("DGget", name("dk"))))
    body.append(
        _if(is_(name("dg"), None), [assign("dg", _call("DG_MISS", name("dk"), name("get")))], [])
    )
    body.extend(fields.statements)
    studies = len(encoder.studies)
    constants: dict[str, object] = {**fields.constants}
    if studies:
        body.append(_store(*(f"o{s}" for s in range(studies)), value=name("outcomes")))
    for s, study in enumerate(encoder.studies):
        body.append(_store(f"v{s}", f"c{s}", value=name(f"o{s}")))
        if study.criteria:
            target = ast.Tuple(
                elts=[
                    ast.Name(id=f"c{s}_{n}", ctx=ast.Store(), **POSITION)
                    for n in range(len(study.criteria))
                ],
                ctx=ast.Store(),
                **POSITION,
            )
            body.append(ast.Assign(targets=[target], value=name(f"c{s}"), **POSITION))
        mask = _call("MASK", const(s), name(f"c{s}"), name("get"), today)
        needs = [
            assign(f"k{s}", mask),
            assign(f"m{s}", _call("MISSING_TEXT", name(f"k{s}"))),
            _if(is_(name(f"m{s}"), None), [assign(f"m{s}", _call("MISSING", name(f"k{s}")))], []),
        ]
        decided = [assign(f"k{s}", const(0)), assign(f"m{s}", const("[]"))]
        verdict = _is_name(name(f"v{s}"), "NEEDS")
        body.append(_if(verdict, needs, decided))
    masks: list[ast.expr] = [name(f"k{s}") for s in range(studies)]
    steps = _call("STEPS", ast.Tuple(elts=masks, ctx=ast.Load(), **POSITION))
    if masks:
        body.append(
            _if(
                any_(masks) if len(masks) > 1 else masks[0],
                [assign("st", steps)],
                [assign("st", const("[]"))],
            )
        )
    else:
        body.append(assign("st", const("[]")))
    sites = [f"x{s}" for s in encoder.with_sites] + ["res"]
    town, country, limit = (name(_local(encoder, key)) for key in _PLACE)
    body.append(
        _if(
            _or(is_(town, None), is_(country, None)),  # no home (home_of)
            [_store(*sites, value=name("NO_TOWN"))],
            _place(encoder, country, town, limit),
        )
    )
    body.append(ast.Return(value=_joined(line.parts), **POSITION))
    constants.update(encoder.line_constants())
    constants.update(
        TYPE=type,
        INT=int,
        FLOAT=float,
        STR=str,
        DATE=date,
        NEEDS=Verdict.NEEDS_INFORMATION,
        INT_TEXT=int.__repr__,
        FLOAT_TEXT=float.__repr__,
        REMEMBER=remember,
        STRUCT_PROFILE=StructProfile,
        GROUP=functools.partial(_group_text, line.groups),
        **{f"V_{v.name}": v for v in Verdict},
    )
    function = function_def("line", body, ("patient_id", "source", "profile", "outcomes", "today"))
    built: LineFunction = build_function(function, constants, "<json line>")
    return built
