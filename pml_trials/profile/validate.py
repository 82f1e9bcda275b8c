"""Validate a patient profile and turn pydantic-core errors into sentences for people.

A validated profile is a plain ``dict``: only the keys that were given, in declaration
order, ``None`` for an explicit ``null``. Absent and ``None`` both mean unknown.

JSON goes first through msgspec (:mod:`.fast`), which accepts only what it proves valid;
anything else goes to pydantic-core, the reference, which words the errors. pydantic-core
is imported only then, or for a profile built in Python: a valid one-file screen does not
pay its ~25 ms of import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from pml_trials.errors import ProfileError
from pml_trials.profile.contradictions import PAST, contradictions
from pml_trials.profile.fast import decode
from pml_trials.profile.fields import BY_KEY, FieldSpec
from pml_trials.profile.residence import residence_problems

if TYPE_CHECKING:
    from pydantic_core import ValidationError

Profile = dict[str, Any]
BOM = b"\xef\xbb\xbf"
_PAST_KEYS = tuple(spec.key for spec in PAST)


class InvalidProfileError(ProfileError):
    """One profile with one or more problems; each problem is a :class:`ProfileError`."""

    def __init__(self, problems: list[ProfileError]) -> None:
        super().__init__("; ".join(p.message for p in problems), source=problems[0].source)
        self.problems = problems

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


def validate_json(
    data: bytes | str, *, source: str = "-", line: int | None = None, as_of: date | None = None
) -> Profile:
    """Validate one JSON document (a file, or one line of JSON Lines). With ``as_of``
    (the run's date), dates of past events are checked against the profile's
    ``screening_date``, else ``as_of``."""
    if isinstance(data, bytes) and data.startswith(BOM):
        data = data[len(BOM) :]
    elif isinstance(data, str) and data.startswith("\ufeff"):
        data = data[1:]
    fast = decode(data)
    if fast is not None:
        profile = _check_id(fast, source, line)
    else:
        profile = reference_json(data, source=source, line=line)
    return _check_dates(profile, as_of, source, line)


def reference_json(data: bytes | str, *, source: str = "-", line: int | None = None) -> Profile:
    """:func:`validate_json` by pydantic-core alone (no byte-order mark): the reference
    the fast path is tested against, and the path of every line it does not accept."""
    from pydantic_core import ValidationError

    from pml_trials.profile.schema import validator

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


def validate_python(
    data: Mapping[str, Any], *, source: str = "-", as_of: date | None = None
) -> Profile:
    """Validate a profile built in Python (the questionnaire; TOML examples)."""
    from pydantic_core import ValidationError

    from pml_trials.profile.schema import validator

    try:
        profile: Profile = validator().validate_python(data)
    except ValidationError as exc:
        raise InvalidProfileError(problems(exc, source, None)) from None
    return _check_dates(_check_id(profile, source, None), as_of, source, None)


def _check_dates(profile: Profile, as_of: date | None, source: str, line: int | None) -> Profile:
    """Dates of things that have happened (onset, diagnosis, last doses) may not be
    after the screening date: a typo of the year would otherwise open date windows."""
    if as_of is None:
        return profile
    limit = profile.get("screening_date") or as_of
    given = [value for value in map(profile.get, _PAST_KEYS) if value is not None]
    if not given or max(given) <= limit:  # nearly always: one C-level pass
        return profile
    late = [spec for spec in PAST if (value := profile.get(spec.key)) is not None and value > limit]
    return _raise_late(profile, late, limit, source, line)


def _raise_late(
    profile: Profile, late: list[FieldSpec], limit: date, source: str, line: int | None
) -> Profile:
    what = (
        "screening date"
        if profile.get("screening_date")
        else "screening date (the run's --as-of date, else today)"
    )
    raise InvalidProfileError(
        [
            _error(
                source,
                line,
                spec.key,
                f"{profile[spec.key].isoformat()} is after the {what} {limit.isoformat()} "
                f"(allowed: a date YYYY-MM-DD on or before {limit.isoformat()})",
            )
            for spec in late
        ]
    )


def _check_id(profile: Profile, source: str, line: int | None) -> Profile:
    if not profile["patient_id"].strip("."):  # never empty: only dots
        raise InvalidProfileError(
            [_error(source, line, "patient_id", "an id of only dots could be read as a path")]
        )
    found = consistency(profile)
    if found:
        raise InvalidProfileError([_error(source, line, key, text) for key, text in found])
    if "residence_town" in profile:
        found_places = residence_problems(profile, source, line)
        if found_places:
            raise InvalidProfileError(found_places)
    return profile


def consistency(profile: Profile) -> list[tuple[str, str]]:
    """What contradicts itself across fields, as ``(field, message)`` pairs: the
    declarations of :mod:`.contradictions` (which the SQL engines render too)."""
    return contradictions(profile)


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
    allowed = f"(allowed: {spec.allowed()})"
    if spec.kind == "id":  # an invalid id may be a name typed by mistake: never repeated
        if kind == "string_pattern_mismatch":
            return f"is not a valid id; the value is not repeated here {allowed}"
        if kind in ("string_too_long", "string_too_short"):
            return f"has the wrong length for an id {allowed}"
        return f"expected {spec.allowed()}, got {_json_type(err.get('input'))} (values are never converted)"
    shown = _show(err.get("input"))
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
    import difflib  # only for an unknown key

    close = difflib.get_close_matches(key, BY_KEY, n=1, cutoff=0.6)
    if not close:
        head = key.lower().split("_")[0]
        close = [k for k in BY_KEY if head and k.split("_")[0] == head][:1]
    return f" (did you mean '{close[0]}'?)" if close else " (see `pml-trials schema profile`)"
