"""The hot path's validator: msgspec decoding into a Struct generated from :data:`FIELDS`.

pydantic-core (:mod:`.schema`) stays the reference: it builds the JSON Schema and words
every error for people. For the lines of a batch, which are nearly all valid, this
module decodes each line with msgspec (about 3x faster, measured in ``bench/``) into a
Struct that carries every declared constraint. It only ever *accepts*: a line it does
not prove valid is handed to the reference validator, which gives the profile or the
error exactly as before. So the two agree by construction on every rejected line, and
``tests/test_profile_fast.py`` checks with generated inputs that what this accepts, the
reference accepts as the same profile (same keys in the same order, same values, same
types).

Differences from pydantic-core that are closed here:

- ``null`` is an unknown value, an absent key is left out: fields default to
  ``msgspec.UNSET``, which :func:`msgspec.to_builtins` omits;
- Python's ``$`` also matches before a final newline, the Rust regex of pydantic-core
  does not: the id and text patterns end with ``\\Z`` here;
- a repeated key (msgspec keeps the last) and an unknown key are caught by counting
  colons, as in :func:`.validate.validate_json`: in a valid profile no string holds one.

NaN, Infinity, ``4.0`` for an integer, ``true`` for a number, non-ISO dates, integers
beyond any range, a top level that is not an object: msgspec refuses them all, and the
reference validator words the error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, Required, TypedDict

import msgspec

from pml_trials.profile.fields import FIELDS, PATIENT_ID_PATTERN, TEXT_PATTERN, FieldSpec


def _at_the_end(pattern: str) -> str:
    """ "$" in a declared pattern means the very end, as in pydantic-core's regex engine;
    Python's "$" also matches before a final newline."""
    assert pattern.endswith("$"), pattern
    return pattern.removesuffix("$") + r"\Z"


ID_PATTERN = _at_the_end(PATIENT_ID_PATTERN)
TEXT = _at_the_end(TEXT_PATTERN)


def value_type(spec: FieldSpec) -> Any:
    """The msgspec type of one field's known value (``None`` is added by the caller)."""
    if spec.kind == "id":
        return Annotated[str, msgspec.Meta(pattern=ID_PATTERN)]
    if spec.kind == "date":
        return date
    if spec.kind == "text":
        high = int(spec.maximum or 0)
        return Annotated[str, msgspec.Meta(min_length=1, max_length=high, pattern=TEXT)]
    if spec.kind == "boolean":
        return bool
    if spec.kind in ("enum", "enum_list"):
        choice: Any = Literal.__getitem__(spec.choices)  # a Literal built at run time
        return choice if spec.kind == "enum" else list[choice]
    if spec.kind == "integer":
        low, high = int(spec.minimum or 0), int(spec.maximum or 0)
        return Annotated[int, msgspec.Meta(ge=low, le=high, multiple_of=spec.multiple_of)]
    if spec.kind == "number":
        return Annotated[float, msgspec.Meta(ge=spec.minimum, le=spec.maximum)]
    raise TypeError(f"no msgspec type for a {spec.kind} field")  # a new kind: add it here


@functools.cache
def profile_struct() -> type[msgspec.Struct]:
    """A Struct with one attribute per declared field: ``patient_id`` required, every
    other field optional (``UNSET`` when absent) and nullable; unknown keys refused."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        (spec.key, value_type(spec))
        if spec.kind == "id"
        else (spec.key, value_type(spec) | None, msgspec.UNSET)
        for spec in FIELDS
    ]
    return msgspec.defstruct(
        "Profile", fields, forbid_unknown_fields=True, omit_defaults=False, gc=False
    )


@functools.cache
def _decoder() -> Callable[[bytes | str], Any]:
    return msgspec.json.Decoder(profile_struct()).decode


def decode(data: bytes | str) -> dict[str, Any] | None:
    """The profile of a proven-valid document (no byte-order mark), else ``None``: then
    the reference validator decides and words the error."""
    try:
        struct = _decoder()(data)
    except msgspec.DecodeError:  # also msgspec.ValidationError
        return None
    profile: dict[str, Any] = msgspec.to_builtins(struct, builtin_types=(date,))
    colons = data.count(b":") if isinstance(data, bytes) else data.count(":")
    return profile if colons == len(profile) else None


@functools.cache
def profile_typeddict() -> Any:
    """The same fields as a TypedDict: msgspec decodes straight into a dict holding the
    keys given, in the order given (no Struct to convert: ~1.3 us a full profile less).
    Unknown keys are skipped rather than refused, which the colon count catches (each
    skipped key leaves a colon without an entry)."""
    fields = {
        spec.key: Required[value_type(spec)] if spec.kind == "id" else value_type(spec) | None
        for spec in FIELDS
    }
    return TypedDict("Profile", fields, total=False)  # type: ignore[operator]


@functools.cache
def _line_decoder() -> Callable[[bytes | str], Any]:
    return msgspec.json.Decoder(profile_typeddict()).decode


def decode_line(data: bytes) -> dict[str, Any] | None:
    """:func:`decode` for a batch's lines, where only the keys and values count (the
    renderers look fields up; none walks the profile): the same keys and values, in the
    order the line gives them, or ``None`` for the reference validator to decide."""
    try:
        profile: dict[str, Any] = _line_decoder()(data)
    except msgspec.DecodeError:  # also msgspec.ValidationError
        return None
    return profile if data.count(b":") == len(profile) else None
