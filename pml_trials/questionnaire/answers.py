"""Typed answers from what a person types, one parser per kind of field.

Parsing only turns text into the JSON type the field has (``yes`` into ``True``, ``2``
into the second listed value, ``2026-11-03`` into a date). Whether the value is allowed
(range, steps of 10, a valid id) is decided by the profile's one validator, through
:meth:`Session.answer`, never by a second copy of the rules here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pml_trials.profile.fields import FieldSpec
from pml_trials.record import Record

Command = Literal["help", "unknown", "back", "why"]
COMMANDS: dict[str, Command] = {
    "?": "help",
    "help": "help",
    "u": "unknown",
    "unknown": "unknown",
    "<": "back",
    "back": "back",
    "n/a": "why",
    "na": "why",
    "not applicable": "why",
}
_YES = {"y", "yes", "true", "j", "ja", "oui", "si", "yes."}
_NO = {"n", "no", "false", "nein", "non", "no."}
# ASCII digits only: \d would also match ٣ or ４, and int("²") fails
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SLASHED = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})")
_YEAR_FIRST = re.compile(r"([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})")
# A number, then perhaps a unit: "70 kg", "0,5", "1 200", ">90"
_QUANTITY = re.compile(
    r"(?P<bound>[<>≤≥]=?)?\s*(?P<number>[+-]?[0-9][0-9 ,.\u202f]*[0-9]|[+-]?[0-9]|[+-]?[.,][0-9]+)(?P<exp>[eE][+-]?[0-9]+)?\s*(?P<unit>[^0-9\s].*)?"
)
_GROUPED = re.compile(r"[0-9]{1,3}([ \u202f,.][0-9]{3})+")
MAX_ANSWER = 1000  # characters: no field's answer is longer


class AnswerError(ValueError):
    """The text is not an answer of the field's kind; ``reason`` says why, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Censored(Record):
    """A bound, not a value (``>90``): recorded as unknown, with ``note`` shown.

    The contract (PROFILE.md, "Censored values"): a rule never sees the bound, so a
    censored answer can never make a rule true that the real value could make false."""

    note: str


class PerUpperLimit(Record):
    """A raw laboratory value (``84 U/L``) for a × ULN field: the loop asks the
    laboratory's upper limit of normal in ``unit`` and records ``value / limit``."""

    value: float
    unit: str


def command(text: str) -> Command | None:
    """``help``, ``unknown`` or ``back`` when the text is one of their words."""
    return COMMANDS.get(text.strip().lower())


def parse(spec: FieldSpec, text: str) -> Any:
    """The typed value for ``text`` (already known not to be a command).

    This is every parser's one entry: whatever the text (``²``, a number of 5,000
    digits, a NUL, an unpaired surrogate), the result is a value or an
    :class:`AnswerError` to re-ask with, never another exception."""
    text = text.strip()
    if not text:
        raise AnswerError("please type an answer (u if it is unknown, ? for help)")
    if len(text) > MAX_ANSWER:
        raise AnswerError(f"the answer is longer than {MAX_ANSWER} characters")
    try:
        return _PARSERS[spec.kind](spec, text)
    except AnswerError:
        raise
    except (ValueError, OverflowError, ArithmeticError, UnicodeError):
        raise AnswerError(f"{_quote(text)} is not understood here ({hint(spec)})") from None


CHECKLIST_HINT = "numbers of those that apply (1 3), n if none, u after a number if unknown (2u)"
_TICK = re.compile(r"(?:u\s*)?([0-9]{1,3})(?:\s*u)?|u")


def checklist(count: int, text: str) -> dict[int, bool | None]:
    """A checklist answer: item number (from 1) -> ticked (``True``), not ticked
    (``False``) or unknown (``None``), for every item. ``none`` ticks nothing; ``u``
    alone makes every item unknown; ``2u`` (or ``u2``) one. Anything else is an
    :class:`AnswerError` to re-ask with."""
    text = text.strip().lower()
    if not text:
        raise AnswerError(f"please type {CHECKLIST_HINT}")
    if len(text) > MAX_ANSWER:
        raise AnswerError(f"the answer is longer than {MAX_ANSWER} characters")
    if text in ("none", "0", "no", "n", "nothing", "none apply"):
        return dict.fromkeys(range(1, count + 1), False)
    if text in ("u", "unknown"):
        return dict.fromkeys(range(1, count + 1), None)
    if text in _YES:
        raise AnswerError(f"which of them? type {CHECKLIST_HINT}")
    answer: dict[int, bool | None] = dict.fromkeys(range(1, count + 1), False)
    given: dict[int, bool | None] = {}
    for token in (t for t in re.split(r"[\s,;]+", text) if t):
        match = _TICK.fullmatch(token)
        if match is None or match[1] is None:
            raise AnswerError(f"{_quote(token)} is not an item number ({CHECKLIST_HINT})")
        number = int(match[1])
        if not 1 <= number <= count:
            raise AnswerError(f"there is no item {number} (1-{count})")
        value = None if "u" in token else True
        if given.get(number, value) != value:
            raise AnswerError(f"item {number} is given both as ticked and as unknown")
        given[number] = value
    answer.update(given)
    return answer


def hint(spec: FieldSpec) -> str:
    """How to answer, shown under the question."""
    if spec.kind == "boolean":
        return "y or n"
    if spec.vocabulary:
        return f"{spec.vocabulary}, or the country's English name"
    if spec.kind == "enum":
        return "the value or its number"
    if spec.kind == "enum_list":
        return "values or numbers, separated by commas"
    if spec.kind == "date":
        return "a date YYYY-MM-DD"
    if spec.kind in ("id", "text"):
        return spec.allowed()
    return spec.range_text()


def format_value(spec: FieldSpec, value: Any) -> str:
    """A value as one would type it (``None`` as ``u``); ``parse`` reads it back."""
    if value is None:
        return "u"
    if spec.kind == "boolean":
        return "y" if value else "n"
    if spec.kind == "enum_list":
        return ", ".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if isinstance(value, date) else str(value)


def _boolean(spec: FieldSpec, text: str) -> bool:
    word = text.lower()
    if word in _YES or word in _NO:
        return word in _YES
    raise AnswerError(f"{_quote(text)} is not yes or no (type y or n)")


def _choice(spec: FieldSpec, text: str) -> str:
    if spec.vocabulary:
        return _country(spec, text)
    word = text.lower().replace(" ", "_").replace("-", "_")
    if word in spec.choices:
        return word
    if (
        word.isascii()
        and word.isdecimal()
        and len(word) < 4
        and 1 <= int(word) <= len(spec.choices)
    ):
        return spec.choices[int(word) - 1]
    synonyms = dict(spec.synonyms)
    if text.lower() in synonyms:
        return synonyms[text.lower()]
    starts = sorted({c for c in spec.choices if c.startswith(word)} | {
        v for w, v in spec.synonyms if w.startswith(word) and len(w) > 1
    }) if word and not word.isdecimal() else []  # fmt: skip
    if len(starts) == 1:
        return starts[0]
    if len(starts) > 1:
        raise AnswerError(f"{_quote(text)} could be {' or '.join(starts)}: type more letters")
    return _not_listed(spec, text)


def _country(spec: FieldSpec, text: str) -> str:
    """A country by its ISO code or its English name ("de", "Germany")."""
    from pml_trials.geo.country_names import NAMES
    from pml_trials.geo.names import fold

    code = text.strip().upper()
    if code in spec.choices:
        return code
    by_name = {fold(name): c for c, name in NAMES.items() if c in spec.choices}
    if fold(text) in by_name:
        return by_name[fold(text)]
    raise AnswerError(f"{_quote(text)} is not a country code or name ({spec.allowed()})")


def _choices(spec: FieldSpec, text: str) -> list[str]:
    parts = [p for p in (part.strip() for part in text.split(",")) if p]
    if not parts:
        raise AnswerError("please name at least one value (or u if unknown)")
    return list(dict.fromkeys(_choice(spec, part) for part in parts))


def _not_listed(spec: FieldSpec, text: str) -> str:
    import difflib

    numbers = f"1-{len(spec.choices)}"
    words = {c: c for c in spec.choices} | dict(spec.synonyms)
    near = difflib.get_close_matches(text.lower().replace(" ", "_"), list(words), 1, 0.6)
    guess = f"; did you mean {words[near[0]]}?" if near else ""
    raise AnswerError(
        f"{_quote(text)} is not one of the listed values (or numbers {numbers}){guess}"
    )


def _integer(spec: FieldSpec, text: str) -> Any:
    value = _quantity(spec, text)
    if isinstance(value, Censored | PerUpperLimit):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise AnswerError(f"{_quote(text)} is not a whole number ({spec.range_text()})")
        return int(value)
    return value


def _number(spec: FieldSpec, text: str) -> Any:
    return _quantity(spec, text)


def _quantity(spec: FieldSpec, text: str) -> Any:
    """A number, with a decimal comma or thousands separators, a unit after it (the
    field's, converted, or refused with the reason), or a bound (``>90``)."""
    match = _QUANTITY.fullmatch(text)
    if match is None:
        what = "a whole number" if spec.kind == "integer" else "a number"
        raise AnswerError(f"{_quote(text)} is not {what} ({spec.range_text()})")
    number = _plain_number(match["number"], text) + (match["exp"] or "")
    value: int | float = int(number) if _INTEGER.fullmatch(number) else float(number)
    unit = (match["unit"] or "").strip()
    if unit:
        converted = _convert(spec, value, unit, text)
        if isinstance(converted, PerUpperLimit):
            return converted
        value = converted
    if match["bound"]:
        if not spec.censored:
            raise AnswerError(f"{_quote(text)} is a bound, not a value: type the value itself")
        return Censored(
            f"{_quote(text)} is a bound, not a value: recorded as unknown, so no rule "
            "counts it either way (type the exact value if the report has one)"
        )
    return value


def number(text: str) -> float:
    """A plain number (decimal comma and separators allowed, no unit): an upper limit."""
    text = text.strip()
    match = _QUANTITY.fullmatch(text[:MAX_ANSWER])
    if match is None or match["unit"] or match["bound"]:
        raise AnswerError(f"{_quote(text)} is not a number")
    try:
        return float(_plain_number(match["number"], text) + (match["exp"] or ""))
    except (ValueError, OverflowError):
        raise AnswerError(f"{_quote(text)} is not a number") from None


def _plain_number(number: str, text: str) -> str:
    """``1 200`` and ``1.200.000`` as 1200000, ``0,5`` as 0.5; ``1,200`` is ambiguous."""
    number = number.replace("\u202f", " ")
    if " " in number:
        if not _GROUPED.fullmatch(number) or "," in number or "." in number.split(" ")[0]:
            raise AnswerError(f"{_quote(text)} is not one number")
        return number.replace(" ", "")
    if "," in number and "." in number:  # the last one marks the decimals
        point = max(number.rfind(","), number.rfind("."))
        whole, decimals = number[:point], number[point + 1 :]
        if not _GROUPED.fullmatch(whole) or not decimals.isdecimal():
            raise AnswerError(f"{_quote(text)} is not a number written with separators")
        return whole.replace(",", "").replace(".", "") + "." + decimals
    for mark in ",.":
        parts = number.split(mark)
        if len(parts) > 2:  # 1,200,000 or 1.200.000
            if not _GROUPED.fullmatch(number):
                raise AnswerError(f"{_quote(text)} is not a number written with separators")
            return number.replace(mark, "")
        if len(parts) == 2:
            whole, decimals = parts
            if mark == "," and len(decimals) == 3 and whole.lstrip("+-") not in ("", "0"):
                grouped, decimal = whole + decimals, f"{float(f'{whole}.{decimals}'):g}"
                raise AnswerError(
                    f"{_quote(text)} could be {grouped} or {decimal}: type {grouped} or {decimal}"
                )
            return f"{whole}.{decimals}"
    return number


def _unit_key(unit: str) -> str:
    return unit.lower().replace(" ", "").replace("µ", "u").replace("μ", "u").replace("×", "x")


def _convert(spec: FieldSpec, value: float, unit: str, text: str) -> Any:
    typed = _unit_key(unit)
    if typed in {_unit_key(u) for u in (spec.unit, *spec.unit_aliases) if u}:
        return value
    for name, factor in spec.conversions:
        if typed == _unit_key(name):
            converted = value * factor
            return round(converted, 1) if spec.kind == "number" else converted
    for name in spec.lab_units:
        if typed == _unit_key(name):
            return PerUpperLimit(float(value), name)
    accepted = [spec.unit, *(name for name, _ in spec.conversions), *spec.lab_units]
    if not spec.unit:
        raise AnswerError(f"{_quote(text)}: this answer has no unit; type the number alone")
    raise AnswerError(
        f"{_quote(unit)} is not a unit this field takes: type the value in {spec.unit}"
        + (f" (or in {', '.join(accepted[1:])})" if len(accepted) > 1 else "")
    )


def _date(spec: FieldSpec, text: str) -> date:
    if match := _YEAR_FIRST.fullmatch(text):
        text = f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}"
    if match := _SLASHED.fullmatch(text):
        first, second, year = int(match[1]), int(match[2]), match[3]
        readings = dict.fromkeys(
            f"{year}-{month:02d}-{day:02d}"
            for month, day in ((second, first), (first, second))
            if _is_date(f"{year}-{month:02d}-{day:02d}")
        )
        example = " or ".join(readings) or "2026-11-03"
        raise AnswerError(f"{_quote(text)}: write it as YYYY-MM-DD, e.g. {example}")
    if not _DATE.fullmatch(text):
        raise AnswerError(f"{_quote(text)} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AnswerError(f"{_quote(text)} is not a date in the calendar") from None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _text(spec: FieldSpec, text: str) -> str:
    return text


def _quote(text: str) -> str:
    """The answer as typed, short; repr escapes anything unprintable (ESC, NUL, ...)."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


_PARSERS: dict[str, Callable[[FieldSpec, str], Any]] = {
    "boolean": _boolean,
    "enum": _choice,
    "enum_list": _choices,
    "integer": _integer,
    "number": _number,
    "date": _date,
    "id": _text,
    "text": _text,
}
