"""Validate a patient profile and turn pydantic-core errors into sentences for people.

A validated profile is a plain ``dict``: only the keys that were given, ``None`` for an
explicit ``null``. Absent and ``None`` both mean unknown.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from pydantic_core import ValidationError

from pml_trials.errors import ProfileError
from pml_trials.profile.fields import BY_KEY, FieldSpec
from pml_trials.profile.residence import residence_problems
from pml_trials.profile.schema import validator

Profile = dict[str, Any]
BOM = b"\xef\xbb\xbf"


class InvalidProfileError(ProfileError):
    """One profile with one or more problems; each problem is a :class:`ProfileError`."""

    def __init__(self, problems: list[ProfileError]) -> None:
        super().__init__("; ".join(p.message for p in problems), source=problems[0].source)
        self.problems = problems

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


def validate_json(data: bytes | str, *, source: str = "-", line: int | None = None) -> Profile:
    """Validate one JSON document (a file, or one line of JSON Lines)."""
    if isinstance(data, bytes) and data.startswith(BOM):
        data = data[len(BOM) :]
    elif isinstance(data, str) and data.startswith("\ufeff"):
        data = data[1:]
    try:
        profile: Profile = validator().validate_json(data)
    except ValidationError as exc:
        raise InvalidProfileError(problems(exc, source, line)) from None
    # In a valid profile no string can hold ':' (ids, enum values and dates cannot), so
    # every ':' separates a key from its value: fewer keys than colons means a key repeats.
    colons = data.count(b":") if isinstance(data, bytes) else data.count(":")
    if colons != len(profile):
        raise InvalidProfileError([_duplicate(data, source, line)])
    return _check_id(profile, source, line)


def validate_python(data: Mapping[str, Any], *, source: str = "-") -> Profile:
    """Validate a profile built in Python (the questionnaire; TOML examples)."""
    try:
        profile: Profile = validator().validate_python(data)
    except ValidationError as exc:
        raise InvalidProfileError(problems(exc, source, None)) from None
    return _check_id(profile, source, None)


def _check_id(profile: Profile, source: str, line: int | None) -> Profile:
    if set(profile["patient_id"]) == {"."}:
        raise InvalidProfileError(
            [_error(source, line, "patient_id", "an id of only dots could be read as a path")]
        )
    if "residence_town" in profile:
        found = residence_problems(profile, source, line)
        if found:
            raise InvalidProfileError(found)
    return profile


def _duplicate(data: bytes | str, source: str, line: int | None) -> ProfileError:
    seen: set[str] = set()
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        for key, _ in items:
            if key in seen:
                repeated.append(key)
            seen.add(key)
        return {}

    json.loads(data, object_pairs_hook=pairs)
    key = repeated[0] if repeated else "?"
    return _error(source, line, key, "the key appears more than once (give each key once)")


def problems(exc: ValidationError, source: str, line: int | None) -> list[ProfileError]:
    """One :class:`ProfileError` per pydantic-core error, worded for a clinician."""
    return [_error(source, line, *_describe(err)) for err in exc.errors(include_url=False)]


def _error(source: str, line: int | None, field: str, message: str) -> ProfileError:
    return ProfileError(message, source=source, line=line, field=field or None)


def _describe(err: Any) -> tuple[str, str]:
    kind: str = err["type"]
    loc = err["loc"]
    key = str(loc[0]) if loc else ""
    if kind == "json_invalid":
        return "", f"invalid JSON: {err['ctx']['error']}"
    if kind in ("dict_type", "model_type"):
        return "", "the top level must be a JSON object {...} holding one patient"
    if kind == "extra_forbidden":
        return key, f"unknown key{_suggest(key)}"
    if kind == "missing":
        return key, "is required (a pseudonymous id, never a name)"
    spec = BY_KEY.get(key)
    if spec is None:  # pragma: no cover - every other error is about a declared field
        return key, str(err["msg"])
    path = key + "".join(f"[{part}]" for part in loc[1:])
    return path, _value_problem(kind, err, spec)


def _value_problem(kind: str, err: Any, spec: FieldSpec) -> str:
    shown = _show(err.get("input"))
    allowed = f"(allowed: {spec.allowed()})"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{shown} is below the minimum {_limit(spec.minimum)} {allowed}"
    if kind in ("less_than_equal", "less_than"):
        return f"{shown} is above the maximum {_limit(spec.maximum)} {allowed}"
    if kind == "multiple_of":
        return f"{shown} is not a multiple of {spec.multiple_of} {allowed}"
    if kind == "finite_number":
        return f"NaN and Infinity are not allowed {allowed}"
    if kind == "literal_error":
        return f"{shown} is not an allowed value {allowed}"
    if kind.startswith("date") and isinstance(err.get("input"), str):
        detail = err.get("ctx", {}).get("error", "")
        return f"{shown} is not a valid date{f' ({detail})' if detail else ''} {allowed}"
    if kind == "string_pattern_mismatch" and spec.kind == "text":
        return f"{shown} holds ':' or a control character, which are not allowed {allowed}"
    if kind in ("string_too_short", "string_too_long") and spec.kind == "text":
        return f"{shown} is empty or too long {allowed}"
    if kind == "string_pattern_mismatch":
        return f"{shown} is not a valid id {allowed}"
    got = _json_type(err.get("input"))
    expected = spec.allowed()
    if spec.kind == "enum_list":  # "any of a, b" alone reads as if one value would do
        expected = f"a list [...] holding {expected}"
    value = "" if err.get("input") is None else f" {shown}"  # not "got null null"
    return f"expected {expected}, got {got}{value} (values are never converted)"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "the boolean"
    if isinstance(value, str):
        return "the string"
    if isinstance(value, int | float):
        return "the number"
    if isinstance(value, list):
        return "the list"
    if value is None:
        return "null"
    return "the object" if isinstance(value, dict) else "the value"


def _limit(value: float | None) -> str:
    return f"{value:g}" if value is not None else "?"


def _show(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _suggest(key: str) -> str:
    """`` (did you mean 'x'?)`` for a near miss among the declared keys, else ``''``."""
    close = difflib.get_close_matches(key, BY_KEY, n=1, cutoff=0.6)
    if not close:
        head = key.lower().split("_")[0]
        close = [k for k in BY_KEY if head and k.split("_")[0] == head][:1]
    return f" (did you mean '{close[0]}'?)" if close else " (see `pml-trials schema profile`)"
