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

Command = Literal["help", "unknown", "back"]
COMMANDS: dict[str, Command] = {
    "?": "help",
    "help": "help",
    "u": "unknown",
    "unknown": "unknown",
    "<": "back",
    "back": "back",
}
_YES = {"y", "yes", "true"}
_NO = {"n", "no", "false"}
# ASCII digits only: \d would also match ٣ or ４, and int("²") fails
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_ANSWER = 1000  # characters: no field's answer is longer


class AnswerError(ValueError):
    """The text is not an answer of the field's kind; ``reason`` says why, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    word = text.lower().replace(" ", "_")
    if word in spec.choices:
        return word
    if (
        word.isascii()
        and word.isdecimal()
        and len(word) < 4
        and 1 <= int(word) <= len(spec.choices)
    ):
        return spec.choices[int(word) - 1]
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
    numbers = f"1-{len(spec.choices)}"
    raise AnswerError(f"{_quote(text)} is not one of the listed values (or numbers {numbers})")


def _integer(spec: FieldSpec, text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise AnswerError(f"{_quote(text)} is not a whole number ({spec.range_text()})")
    return int(text)


def _number(spec: FieldSpec, text: str) -> int | float:
    if not _NUMBER.fullmatch(text):
        raise AnswerError(
            f"{_quote(text)} is not a number (digits, '.' for decimals, no separators)"
        )
    return int(text) if _INTEGER.fullmatch(text) else float(text)


def _date(spec: FieldSpec, text: str) -> date:
    if not _DATE.fullmatch(text):
        raise AnswerError(f"{_quote(text)} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AnswerError(f"{_quote(text)} is not a date in the calendar") from None


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
