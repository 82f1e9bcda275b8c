"""One patient's JSON text in one generated function (issue 20).

:class:`~pml_trials.render.json_writer.ResultEncoder` compiles the studies into text
pieces with slots for what varies. This module turns those pieces into a Python
function, built once per set of studies with the builders of :mod:`pml_trials.rules.codegen`
(a syntax tree of generated names and bound constants, run without builtins), of the
shape::

    def line(patient_id, source, profile, outcomes, today):
        get = profile.get
        f0 = get('age_years')
        t0 = 'null' if f0 is None else (I0(f0) or J(f0)) if TYPE(f0) is INT else J(f0)
        ...                                  # each field's JSON text, by its kind
        v0, c0 = o0 ...                      # each study's cached outcome pieces
        ...
        return f'{"patient_id":{pid},...'    # constant text and the texts above, once

Each field's text is what the C JSON encoder gives for its value (``J``): a known kind
of value takes a shorter way to the same text (``true``/``false``/``null`` by identity,
an enum's choices and small integers from a table, a float or a date from a bounded
memo of ``J``'s texts); any other value goes to ``J`` itself. Floats are remembered
except zeros (``0.0 == -0.0``; their texts differ), and only for values of type
``float`` (``1 == 1.0 == True``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
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
            miss = _call("REMEMBER", name(table), value, plain)
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


def line_function(encoder: ResultEncoder, order: list[str | tuple[str]]) -> LineFunction:
    """The function giving ``encoder.encode_line``'s text. ``order`` is the line in order:
    constant text, or ``(local,)`` for a text the function computes (the slots' locals
    are named by ``encoder``: ``pid``, ``src``, ``sd``, ``dg``, ``t<field>``,
    ``m<study>``, ``x<study>``, ``res``, ``st``; a study's outcome pieces ``a<study>_<n>``)."""
    from pml_trials.profile.fast import StructProfile  # msgspec: imported by a batch anyway

    fields = _Fields(encoder)
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
    for number, key in enumerate(encoder.scalar_keys):
        body.append(
            assign(f"t{number}", fields.text(name(f"f{number}"), BY_KEY[key].kind, number, key))
        )
    for number, key in enumerate(encoder.list_keys, start=len(encoder.scalar_keys)):
        body.append(assign(f"t{number}", _call("LIST", const(key), name(f"f{number}"))))
    studies = len(encoder.studies)
    constants: dict[str, object] = {**fields.constants}
    if studies:
        body.append(_store(*(f"o{s}" for s in range(studies)), value=name("outcomes")))
    for s in range(studies):
        body.append(_store(f"v{s}", f"c{s}", value=name(f"o{s}")))
        constants[f"C{s}"] = encoder.outcome_cache(s).get
        body.append(assign(f"p{s}", _call(f"C{s}", name(f"c{s}"))))
        miss = assign(f"p{s}", _call("PIECES", const(s), name(f"o{s}")))
        body.append(_if(is_(name(f"p{s}"), None), [miss], []))
        dynamic = encoder.dynamic_pieces(s)
        if dynamic:
            names = [f"a{s}_{n}" for n in range(dynamic)]
            body.append(
                _store(*names, value=name(f"p{s}"))
                if dynamic > 1
                else _store(
                    names[0],
                    value=ast.Subscript(
                        value=name(f"p{s}"), slice=const(0), ctx=ast.Load(), **POSITION
                    ),
                )
            )
        mask = _call("MASK", const(s), name(f"c{s}"), name("get"), today)
        needs = [
            assign(f"k{s}", mask),
            assign(f"m{s}", _call("MISSING_TEXT", name(f"k{s}"))),
            _if(is_(name(f"m{s}"), None), [assign(f"m{s}", _call("MISSING", name(f"k{s}")))], []),
        ]
        decided = [assign(f"k{s}", const(0)), assign(f"m{s}", const("[]"))]
        verdict = ast.Compare(
            left=name(f"v{s}"), ops=[ast.Is()], comparators=[name("NEEDS")], **POSITION
        )
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
            [_store(*sites, value=_call("TOWN", country, town, limit, name("profile")))],
        )
    )
    parts: list[ast.expr] = []
    text = ""  # constant text not yet added
    for item in order:
        if isinstance(item, str):
            text += item
        else:
            if text:
                parts.append(const(text))
                text = ""
            parts.append(
                ast.FormattedValue(value=name(item[0]), conversion=-1, format_spec=None, **POSITION)
            )
    if text:
        parts.append(const(text))
    body.append(ast.Return(value=_joined(parts), **POSITION))
    constants.update(encoder.line_constants())
    constants.update(
        TYPE=type,
        INT=int,
        FLOAT=float,
        STR=str,
        DATE=date,
        NEEDS=Verdict.NEEDS_INFORMATION,
        INT_TEXT=int.__repr__,
        REMEMBER=remember,
        STRUCT_PROFILE=StructProfile,
    )
    function = function_def("line", body, ("patient_id", "source", "profile", "outcomes", "today"))
    built: LineFunction = build_function(function, constants, "<json line>")
    return built
