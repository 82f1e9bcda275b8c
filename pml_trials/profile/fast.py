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
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Annotated, Any, Literal

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


# -- a batch's lines as Structs -------------------------------------------------------------
#
# A line decoded into a Struct costs ~30 % fewer instructions than into a dict, and the
# generated code of a batch's loop reads its fields as attributes (a slot load, not a
# call). An absent field and an explicit ``null`` are both ``None`` there (both mean
# unknown). What the dict gave for free, the number of keys the line gives, is what
# catches a repeated key (msgspec keeps the last): each absent field's default is taken
# from a pool of ``None`` (``list.pop``, called by msgspec once per field the line leaves
# out), so the fields given are ``len(FIELDS)`` minus what the pool lost. In a valid
# profile no string holds ':' (see :func:`decode`), so the line's colons are its keys,
# repeated ones included: colons == fields given exactly when no key repeats.

_POOL_LOW = len(FIELDS)  # a decode takes at most one None per field
_POOL_SIZE = 1 << 14
_ABSENT: list[None] = [None] * _POOL_SIZE


# decode_struct checks the declared patterns itself: msgspec looks up and calls each
# pattern's ``search`` for every value, a fifth of a full line's decoding (callgrind:
# 36.8k -> 29.1k instructions without the patterns). The id's compiled pattern is called
# directly (142 ns a value); free text is checked with string methods (38 ns against
# 144), which accept only what its pattern accepts (tests/test_profile_fast.py).
_ID_KEY = next(spec.key for spec in FIELDS if spec.kind == "id")
_TEXT_KEYS = tuple(spec.key for spec in FIELDS if spec.kind == "text")
_ID_MATCH = re.compile(ID_PATTERN).match


def plain_text(value: str) -> bool:
    """Whether ``value`` is free text (:data:`TEXT`; its length is checked by msgspec):
    printable, which leaves out every control character and bidirectional override
    (and more, such as a no-break space: refused here, left to the reference), and
    no ':'."""
    return value.isprintable() and ":" not in value


def _unpatterned(spec: FieldSpec) -> Any:
    """:func:`value_type` without the pattern (checked by decode_struct)."""
    if spec.kind == "id":
        return str
    if spec.kind == "text":
        return Annotated[str, msgspec.Meta(min_length=1, max_length=int(spec.maximum or 0))]
    return value_type(spec)


@functools.cache
def line_struct() -> type[msgspec.Struct]:
    """:func:`profile_struct` for a batch's lines: the same fields and constraints (the
    patterns checked by :func:`decode_struct`), ``None`` for a field left out (taken
    from the pool, which counts them)."""
    take: Any = _ABSENT.pop
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        (spec.key, _unpatterned(spec))
        if spec.kind == "id"
        else (spec.key, _unpatterned(spec) | None, msgspec.field(default_factory=take))
        for spec in FIELDS
    ]
    return msgspec.defstruct(
        "LineProfile", fields, forbid_unknown_fields=True, omit_defaults=False, gc=False
    )


@functools.cache
def _struct_decoder() -> Callable[[bytes], Any]:
    return msgspec.json.Decoder(line_struct()).decode


def decode_struct(data: bytes) -> Any:
    """A line msgspec proves valid (no byte-order mark) as a :func:`line_struct`, every
    key once; else ``None`` (the reference validator decides and words the error)."""
    pool = _ABSENT
    if len(pool) < _POOL_LOW:  # a decode never runs the pool dry (nor a failed one)
        pool.extend([None] * (_POOL_SIZE - len(pool)))
    before = len(pool)
    try:
        struct = _struct_decoder()(data)
    except msgspec.DecodeError:  # also msgspec.ValidationError
        return None
    given = _POOL_LOW - (before - len(pool))
    if data.count(b":") != given or _ID_MATCH(getattr(struct, _ID_KEY)) is None:
        return None
    for key in _TEXT_KEYS:
        text = getattr(struct, key)
        if text is not None and not plain_text(text):
            return None
    return struct


def struct_of(profile: dict[str, Any]) -> Any:
    """The :func:`line_struct` of a validated profile (a line the reference accepted)."""
    pool = _ABSENT
    if len(pool) < _POOL_LOW:
        pool.extend([None] * (_POOL_SIZE - len(pool)))
    return line_struct()(**profile)


class StructProfile(Mapping[str, Any]):
    """A :func:`line_struct` seen as the profile the renderers read: the known fields.

    ``get`` is ``getattr`` bound to the Struct (``functools.partial``: a C call, as cheap
    as ``dict.get``); it takes declared field keys only. A field is in the mapping when
    its value is known: an explicit ``null`` is left out, as an absent key (the dict of
    :func:`.validate.validate_json` keeps it as ``None``; both mean unknown, and every
    renderer reads ``None`` for either)."""

    __slots__ = ("get", "struct")

    def __init__(self, struct: Any) -> None:
        self.struct = struct
        self.get = functools.partial(getattr, struct)  # type: ignore[method-assign]

    def __getitem__(self, key: str) -> Any:
        value = getattr(self.struct, key, None) if key in _KEYS else None
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in _KEYS and getattr(self.struct, key) is not None

    def __iter__(self) -> Iterator[str]:
        struct = self.struct
        return (key for key in _KEY_ORDER if getattr(struct, key) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_KEY_ORDER = tuple(spec.key for spec in FIELDS)
_KEYS = frozenset(_KEY_ORDER)
