"""Hypothesis strategies: valid field values, partial profiles, and well-typed rules.

Rules are generated as *text* over the real profile fields, fully parenthesised, so
that every generated rule must load; the properties then compare the compiled code, the
reference interpreter and Python's own evaluation of the same text.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from hypothesis import strategies as st

from pml_trials.engine.missing import BITS
from pml_trials.profile.fields import FIELDS, FieldSpec
from pml_trials.rules.functions import FUNCTIONS

# the rule functions of one date, from the one table: a new one is fuzzed at once
DATE_FUNCTIONS = sorted(n for n, f in FUNCTIONS.items() if f.parameters == ("date",))

# Free-text fields (the town) cannot be read by rules, and a town is valid only with its
# country: tests/test_residence.py covers them.
ASKABLE = tuple(s for s in FIELDS if s.kind not in ("id", "text") and s.key != "screening_date")
BOOLEANS = tuple(s.key for s in FIELDS if s.kind == "boolean")
NUMBERS = tuple(s.key for s in FIELDS if s.kind in ("number", "integer"))
DATES = tuple(s.key for s in FIELDS if s.kind == "date")  # screening_date too: never unknown
ENUMS = tuple(s for s in FIELDS if s.kind == "enum")
LISTS = tuple(s for s in FIELDS if s.kind == "enum_list")
FIRST_DAY, LAST_DAY = date(2015, 1, 1), date(2030, 12, 31)


# -- values and profiles -------------------------------------------------------------------


@functools.cache
def values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """A known, valid value of one field, as the validator returns it (dates as dates)."""
    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind == "enum":
        return st.sampled_from(spec.choices)
    if spec.kind == "enum_list":
        return st.lists(st.sampled_from(spec.choices), max_size=4, unique=True)
    if spec.kind == "date":
        return st.dates(FIRST_DAY, LAST_DAY)
    low, high = spec.minimum or 0.0, spec.maximum or 0.0
    if spec.kind == "integer":
        step = spec.multiple_of or 1
        return st.integers(int(low) // step, int(high) // step).map(lambda n: n * step)
    # the ends of the range, zero (divisions) and small round numbers are where rules turn
    edges = st.sampled_from(sorted({low, high, max(low, 0.0), min(high, 1.0)}))
    small = st.integers(int(low), int(min(high, 200))).map(float)
    return st.one_of(edges, small, st.floats(low, high, allow_nan=False, allow_infinity=False))


@functools.cache
def partial_profiles() -> st.SearchStrategy[dict[str, Any]]:
    """A valid profile with a random subset of fields known (absent or ``None`` =
    unknown); the screening date given or not."""
    optional: dict[str, st.SearchStrategy[Any]] = {"screening_date": st.dates(FIRST_DAY, LAST_DAY)}
    for spec in ASKABLE:
        known = values(spec)
        optional[spec.key] = st.one_of(st.none(), known, known, known)  # null 1 in 4
    return st.fixed_dictionaries({"patient_id": st.just("p-1")}, optional=optional).map(consistent)


@functools.cache
def full_profiles() -> st.SearchStrategy[dict[str, Any]]:
    """Every field known (the screening date too)."""
    known = {spec.key: values(spec) for spec in ASKABLE}
    return st.fixed_dictionaries(
        {"patient_id": st.just("p-1"), "screening_date": st.dates(FIRST_DAY, LAST_DAY), **known}
    ).map(consistent)


def missing_masks(max_trials: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    """One to ``max_trials`` trials' missing fields (up to 12 each), each as a mask of
    :data:`pml_trials.engine.missing.BITS` (0: none missing)."""
    keys = [spec.key for spec in FIELDS if spec.kind != "id"]
    mask = st.lists(st.sampled_from(keys), max_size=12, unique=True).map(
        lambda chosen: sum(BITS[key] for key in chosen)
    )
    return st.lists(mask, min_size=1, max_size=max_trials).map(tuple)


def consistent(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile with what validation refuses across fields put right (issue 11): a
    non-empty list, ``none_identified`` alone, HIV listed only if not HIV negative, an
    allogeneic transplant listed, GVHD only after one."""
    fixed = dict(profile)
    gvhd = (fixed.get("gvhd_grade") or 0) > 0 or any(
        fixed.get(key) is True for key in ("chronic_gvhd_active", "gvhd_systemic_treatment")
    )
    if gvhd and fixed.get("allogeneic_hct") is False:
        fixed["allogeneic_hct"] = True
    conditions = fixed.get("predisposing_conditions")
    if conditions is not None:
        listed = [c for c in conditions if c != "none_identified"] or list(conditions[:1])
        if fixed.get("allogeneic_hct") is True and "hematopoietic_cell_transplant" not in listed:
            listed = [c for c in listed if c != "none_identified"]
            listed.append("hematopoietic_cell_transplant")
        if "hiv" in listed and fixed.get("hiv_positive") is False:
            fixed["hiv_positive"] = True
        fixed["predisposing_conditions"] = listed or ["other"]
    return fixed


def unknown_fields(profile: dict[str, Any]) -> list[str]:
    """The askable fields a profile does not know (never ``screening_date``, which
    defaults to the run's date rather than being unknown)."""
    return [s.key for s in ASKABLE if profile.get(s.key) is None]


@st.composite
def completions(
    draw: st.DrawFn, profile: dict[str, Any], keys: list[str] | None = None
) -> dict[str, Any]:
    """The profile with some (or, given ``keys``, exactly those) unknown fields answered."""
    unknown = unknown_fields(profile)
    chosen = keys if keys is not None else [k for k in unknown if draw(st.booleans())]
    filled = dict(profile)
    for key in chosen:
        filled[key] = draw(values(_SPEC[key]))
    return filled


_SPEC = {s.key: s for s in FIELDS}


# -- rules ------------------------------------------------------------------------------------


def _paren(text: str) -> str:
    return f"({text})"


def _number_literals() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-5, 200).map(str),
        st.sampled_from(["0", "0.5", "1.5", "2.6", "18", "1000", "0.25"]),
    )


def _date_literals() -> st.SearchStrategy[str]:
    return st.dates(FIRST_DAY, LAST_DAY).map(lambda d: f"date('{d.isoformat()}')")


def dates_() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(DATES), _date_literals())


@functools.cache  # strategies are built once: building them is slow
def numbers(depth: int) -> st.SearchStrategy[str]:
    """A number-valued expression."""
    leaf = st.one_of(
        st.sampled_from(NUMBERS),
        _number_literals(),
        st.builds(lambda f, d: f"{f}({d})", st.sampled_from(DATE_FUNCTIONS), dates_()),
    )
    if depth <= 0:
        return leaf
    sub = numbers(depth - 1)
    arith = st.builds(
        lambda a, op, b: f"{_paren(a)} {op} {_paren(b)}", sub, st.sampled_from("+-*/"), sub
    )
    return st.one_of(leaf, arith, sub.map(lambda a: f"-{_paren(a)}"))


@functools.cache  # strategies are built once: building them is slow
def _comparison(depth: int) -> st.SearchStrategy[str]:
    ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    num = numbers(depth)
    pair = st.builds(lambda a, op, b: f"{_paren(a)} {op} {_paren(b)}", num, ops, num)
    chain = st.builds(
        lambda a, o1, b, o2, c: f"{_paren(a)} {o1} {_paren(b)} {o2} {_paren(c)}",
        num,
        ops,
        num,
        ops,
        num,
    )
    on_dates = st.builds(lambda a, op, b: f"{a} {op} {b}", dates_(), ops, dates_())
    return st.one_of(pair, chain, on_dates)


@st.composite
def _enum_test(draw: st.DrawFn) -> str:
    spec = draw(st.sampled_from(ENUMS))
    kind = draw(st.sampled_from(("eq", "in", "same")))
    if kind == "same":
        return f"{spec.key} {draw(st.sampled_from(['==', '!=']))} {spec.key}"
    if kind == "in":
        chosen = draw(st.lists(st.sampled_from(spec.choices), min_size=1, max_size=3, unique=True))
        listed = ", ".join(f"'{c}'" for c in chosen)
        return f"{spec.key} {draw(st.sampled_from(['in', 'not in']))} [{listed}]"
    value = draw(st.sampled_from(spec.choices))
    op = draw(st.sampled_from(["==", "!="]))
    return draw(st.sampled_from([f"{spec.key} {op} '{value}'", f"'{value}' {op} {spec.key}"]))


@st.composite
def _list_test(draw: st.DrawFn) -> str:
    spec = draw(st.sampled_from(LISTS))
    value = draw(st.sampled_from(spec.choices))
    return f"'{value}' {draw(st.sampled_from(['in', 'not in']))} {spec.key}"


@functools.cache  # strategies are built once: building them is slow
def _number_in_list(depth: int) -> st.SearchStrategy[str]:
    items = st.lists(_number_literals(), min_size=1, max_size=4).map(", ".join)
    ops = st.sampled_from(["in", "not in"])
    return st.builds(lambda a, op, xs: f"{_paren(a)} {op} [{xs}]", numbers(depth), ops, items)


@functools.cache  # strategies are built once: building them is slow
def rules(depth: int = 3) -> st.SearchStrategy[str]:
    """A boolean-valued rule: every operator of the language, over real fields."""
    leaf = st.one_of(
        st.sampled_from(BOOLEANS),
        st.sampled_from(["True", "False"]),
        _comparison(min(depth, 1)),
        _enum_test(),
        _list_test(),
        _number_in_list(min(depth, 1)),
    )
    if depth <= 0:
        return leaf
    sub = rules(depth - 1)
    logic = st.builds(
        lambda parts, op: f" {op} ".join(_paren(p) for p in parts),
        st.lists(sub, min_size=2, max_size=3),
        st.sampled_from(["and", "or"]),
    )
    equal = st.builds(
        lambda a, op, b: f"{_paren(a)} {op} {_paren(b)}", sub, st.sampled_from(["==", "!="]), sub
    )
    return st.one_of(leaf, logic, sub.map(lambda a: f"not {_paren(a)}"), equal)


# -- arbitrary text that looks like a rule -------------------------------------------------

TOKENS = (
    *BOOLEANS[:5],
    *NUMBERS[:5],
    *DATES[:2],
    "predisposing_conditions",
    "sex",
    "'female'",
    "'hiv'",
    "'x'",
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "lambda",
    "for",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "**",
    "//",
    "%",
    "@",
    "&",
    "|",
    "~",
    ":=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    "0",
    "1",
    "2.5",
    "1e999",
    "10" * 30,
    *FUNCTIONS,
    "date",
    "date('2026-01-01')",
    "__class__",
    "None",
    "True",
    "\n",
    "\\",
    "#",
    '"',
    "é",
    "\x00",
)


def rule_like_text() -> st.SearchStrategy[str]:
    """Text made of the language's tokens and some that are not: reaches deep into the
    parser and the checker, where arbitrary text mostly stops at the first character."""
    return st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)
