"""The msgspec fast path against the pydantic-core reference: the same inputs accepted,
the same profiles (keys, order, values and their types), the same errors word for word.

Documents are built as JSON *text*, so they can hold what a dict cannot: repeated keys,
escaped keys, NaN and Infinity, integers beyond 64 bits, a byte-order mark, trailing
bytes. Each document is judged by :func:`validate_json` (fast path first) and by the
reference alone (what ``validate_json`` was before the fast path).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pml_trials.profile import fast
from pml_trials.profile.fields import FIELDS
from pml_trials.profile.validate import (
    BOM,
    InvalidProfileError,
    _check_dates,
    reference_json,
    validate_json,
)
from pml_trials.profile.validate import (
    _check_id as check_across_fields,
)
from tests import strategies

TEXT_KEYS = tuple(spec.key for spec in FIELDS if spec.kind == "text")
KEYS = [spec.key for spec in FIELDS]
AS_OF = date(2026, 11, 25)  # past-event dates after it are refused
# JSON tokens that probe every difference between the two validators.
HOSTILE = [
    "null", "true", "false", "0", "1", "-0", "4.0", "1.5", "1e2", "1E2", "-1", "120", "121",
    "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "9223372036854775807",
    "9223372036854775808", "18446744073709551616", "-9223372036854775809", "0.1", "400",
    "400.0001", "1e10", "10000000001", "5", "10", "7",
    '""', '"x"', '"a\\n"', '"a\\u0000"', '"2026-11-25"', '"2026-02-30"', '"2024-02-29"',
    '"2026-11-25T00:00:00"', '"20261125"', '"2026-11-25 "', '"0001-01-01"', '"9999-12-31"',
    '"female"', '"Female"', '"detected"', '"not_done"', '"positive"', '"hiv"', '"other"',
    '["hiv"]', '["hiv","hiv"]', '["HIV"]', '[]', '[null]', '"hiv"', '{}', '[1]',
    '"..."', '"."', '"p-1"', '"é"', '"' + "a" * 64 + '"', '"' + "a" * 65 + '"', '"a:b"',
    # free text (a town): length in characters, no ':', no control or bidi characters
    '"Paris"', '"Paris\\n"', '"Par\\tis"', '"S\u00e3o Paulo"', '"\\u202eParis"', '" "',
    '"' + "é" * 100 + '"', '"' + "é" * 101 + '"', '"' + "\U0001F600" * 100 + '"',
    '"' + "\U0001F600" * 101 + '"', '"\\ud83d\\ude00"', '"\\ud83d"', '"a\\u0085"',
    '"a\\u2028"', '"Springfield, Illinois"', '"DE"', '"de"', '"US"',
]  # fmt: skip
NEAR_KEYS = ["age", "agee_years", "Age_years", "patient", "sex ", "hiv", "x:y", "\u00e9"]


def _json_value(value: Any) -> str:
    return json.dumps(value.isoformat() if isinstance(value, date) else value)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A JSON object as text: mostly a valid profile, with some keys given hostile
    values, repeated, escaped, unknown or left out, and odd bytes around it."""
    base = draw(strategies.partial_profiles())
    pairs = [(json.dumps(k), _json_value(v)) for k, v in base.items()]
    if draw(st.booleans()):
        draw(st.randoms()).shuffle(pairs)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["hostile", "repeat", "escape", "unknown", "drop"]))
        if action == "hostile":
            key = json.dumps(draw(st.sampled_from(KEYS)))
            pairs.append((key, draw(st.sampled_from(HOSTILE))))
        elif action == "repeat" and pairs:
            pairs.append(draw(st.sampled_from(pairs)))
        elif action == "escape" and pairs:
            index = draw(st.integers(0, len(pairs) - 1))
            key, value = pairs[index]
            pairs[index] = ('"\\u00' + f"{ord(key[1]):02x}" + key[2:], value)
        elif action == "unknown":
            pairs.append((json.dumps(draw(st.sampled_from(NEAR_KEYS))), "1"))
        elif action == "drop" and pairs:
            pairs.pop(draw(st.integers(0, len(pairs) - 1)))
    space = draw(st.sampled_from(["", " ", "\t", "\n"]))
    text = "{" + ",".join(f"{k}:{space}{v}" for k, v in pairs) + "}"
    text = draw(st.sampled_from(["", " ", "\ufeff"])) + text
    text += draw(st.sampled_from(["", " ", "\n", "\r\n", "x", "}", "\x00"]))
    if draw(st.integers(0, 20)) == 0:
        text = draw(st.sampled_from(["[]", "null", "1", '"p"', "", "{", "{}"]))
    return text.encode()


def judged(judge: Any, data: bytes) -> tuple[str, Any]:
    """("ok", profile with types) or ("error", [(field, message), ...])."""
    try:
        profile = judge(data)
    except InvalidProfileError as exc:
        return "error", [(p.field, p.message, p.line) for p in exc.problems]
    return "ok", typed(profile)


def typed(profile: dict[str, Any]) -> list[tuple[str, type, Any]]:
    out = []
    for key, value in profile.items():
        if isinstance(value, list):
            value = [(type(v), v) for v in value]
        out.append((key, type(value), value))
    return out


def reference(data: bytes, line: int | None = None) -> Any:
    """``validate_json`` as it was before the fast path: pydantic-core alone."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    return _check_dates(reference_json(data, source="s", line=line), AS_OF, "s", line)


# Lines each decoder test also runs on: a town without its country, line and paragraph
# separators and a bidi override in free text, a space and a newline in the id.
EDGE_LINES = [
    b'{"patient_id":"p-1","residence_town":"2026-11-25"}',
    b'{"patient_id":"p","residence_town":"a\\u2028","residence_country":"FR"}',
    b'{"patient_id":"p","residence_town":"Ba\\u202esel","residence_country":"CH"}',
    b'{"patient_id":"a b"}',
    b'{"patient_id":"p\\n"}',
]


def _edge_lines(test: Any) -> Any:
    """``test`` with each of :data:`EDGE_LINES` as a hypothesis example."""
    for line in EDGE_LINES:
        test = example(line)(test)
    return test


@settings(max_examples=1500, deadline=None)
@given(documents())
@example(b'{"patient_id":"a\\n"}')  # Python's "$" matches before a final newline
@example(b'{"patient_id":"p","age_years":4.0}')
@example(b'{"patient_id":"p","age_years":true}')
@example(b'{"patient_id":"p","weight_kg":5}')  # an integer for a number: 5.0, a float
@example(b'{"patient_id":"p","weight_kg":NaN}')
@example(b'{"patient_id":"p","weight_kg":1e400}')
@example(b'{"patient_id":"p","age_years":18446744073709551616}')
@example(b'{"patient_id":"p","sex":"male","sex":"female"}')
@example(b'{"patient_id":"p","sex":null}')
@example(b'{"patient_id":"p","agee_years":4}')
@example(b'{"patient_id":"..."}')
@example(b'\xef\xbb\xbf{"patient_id":"p"}')
@example(b'{"patient_id":"p","screening_date":"2026-11-25T00:00:00"}')
@example(b'{"patient_id":"a\xff"}')  # not UTF-8
@example(b'{"patient_id":"p"}\x00')  # a NUL byte after the object
@example(b'{"patient_id":"\\ud800"}')  # a lone surrogate, escaped
def test_fast_path_judges_every_document_as_the_reference(data: bytes) -> None:
    fast_verdict = judged(lambda d: validate_json(d, source="s", line=7, as_of=AS_OF), data)
    assert fast_verdict == judged(lambda d: reference(d, 7), data)


@settings(max_examples=1500, deadline=None)
@given(documents())
@_edge_lines
def test_what_msgspec_accepts_the_reference_accepts_as_the_same_profile(data: bytes) -> None:
    """What msgspec accepts, followed by the checks across fields that validate_json runs
    after either path, is judged as the reference judges it."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    profile = fast.decode(data)
    if profile is not None:
        checked = judged(lambda _: check_across_fields(profile, "s", None), data)
        assert checked == judged(lambda d: reference_json(d, source="s"), data)


@settings(max_examples=300, deadline=None)
@given(st.one_of(strategies.partial_profiles(), strategies.full_profiles()))
def test_msgspec_accepts_valid_profiles_on_its_own(profile: dict[str, Any]) -> None:
    """The fast path is taken: a valid profile never needs the reference."""
    data = json.dumps({k: _json_value(v) and v for k, v in profile.items()}, default=str)
    assert fast.decode(data.encode()) == profile


@pytest.mark.parametrize(
    "data",
    [
        b'{"patient_id":"a\\n"}',  # a control character in free text
        b'{"patient_id":"p","age_years":4.0}',  # a float for an integer
        b'{"patient_id":"p","weight_kg":NaN}',
        b'{"patient_id":"p","sex":"male","sex":"female"}',  # repeated keys
        b'{"patient_id":"p","sex":"male","sex":"male"}',
        b'{"patient_id":"p","sex":null,"sex":null}',
        b'{"patient_id":"p","age_years":40,"sex":"male","age_years":40}',
        b'{"patient_id":"p","patient_id":"q"}',
        b'{"patient_id":"p","agee_years":4}',  # an unknown key
    ],
)
def test_msgspec_leaves_each_known_difference_to_the_reference(data: bytes) -> None:
    """Neither fast decoder (the dict one, the line Struct) accepts a line the
    reference refuses: the reference words why."""
    assert fast.decode(data) is None
    assert fast.decode_struct(data) is None
    assert judged(reference, data)[0] == "error"


def test_the_struct_carries_every_declared_field() -> None:
    assert fast.profile_struct().__struct_fields__ == tuple(KEYS)


@settings(max_examples=300, deadline=None)
@given(profile=strategies.partial_profiles(), as_of=st.dates())
def test_plainly_consistent_is_no_contradiction_and_no_late_date(
    profile: dict[str, Any], as_of: date
) -> None:
    """The batch's one-call check is the validator's two: no contradiction, and no past
    date after the screening date (the profile's, else the run's)."""
    from pml_trials.profile.contradictions import PAST, contradictions, plainly_consistent

    limit = profile.get("screening_date") or as_of
    late = any((profile.get(s.key) or limit) > limit for s in PAST)
    assert plainly_consistent(profile, as_of) == (not contradictions(profile) and not late)


# -- a batch's lines as Structs (fast.decode_struct) -------------------------------------------


def _struct_typed(struct: Any) -> list[tuple[str, type, Any]]:
    """The known fields of a line Struct as :func:`typed` gives a profile's (an explicit
    null and an absent key are both left out)."""
    known = {key: getattr(struct, key) for key in KEYS if getattr(struct, key) is not None}
    return sorted(typed(known), key=str)


def _known(profile: dict[str, Any]) -> list[tuple[str, type, Any]]:
    return sorted(typed({k: v for k, v in profile.items() if v is not None}), key=str)


@settings(max_examples=1500, deadline=None)
@given(documents())
@example(b'{"patient_id":"p","sex":"male","sex":"male"}')  # repeated, the same value
@example(b'{"patient_id":"p","sex":null,"sex":null}')  # repeated, both null
@example(b'{"patient_id":"p","patient_id":"p"}')  # the required key repeated
@example(b'{"patient_id":"p","sex":null,"age_years":null}')
@example(b'{"patient_id" : "p", "sex"\t:"male" ,"age_years" :40}')  # spaces before colons
@example(b'{"patient_id":"p","agee_years":4}')  # an unknown key
@example(b'{"patient_id":"p","zz":null}')
@_edge_lines
def test_a_line_struct_is_accepted_only_as_the_reference_accepts_it(data: bytes) -> None:
    """decode_struct accepts exactly what fast.decode accepts (a repeated key is never kept silently, an unknown key never skipped), with
    the same known values of the same types; what fast.decode accepts, the reference
    accepts after the checks across fields (the test above), which the batch's line
    function runs (tests/test_fast_paths_identical.py)."""
    line = data.replace(b"\n", b" ")
    struct = fast.decode_struct(line)
    profile = fast.decode(line)
    if struct is None and profile is not None:  # a town its string methods do not prove
        assert any(not fast.plain_text(profile[key]) for key in TEXT_KEYS if key in profile)
    else:
        assert (struct is None) == (profile is None)
    if struct is not None and profile is not None:
        assert _struct_typed(struct) == _known(profile)


@given(st.text())
@example("a\u2028")  # a line separator: the pattern allows it, isprintable does not
@example("\u00a0Basel")  # a no-break space, likewise
@example("Ba\u202esel")
@example("Basel:")
@example(" ")
def test_free_text_the_fast_path_accepts_its_pattern_accepts(text: str) -> None:
    """decode_struct checks free text with string methods instead of the pattern: they
    may refuse more (the reference then decides) but never accept what it refuses."""
    if fast.plain_text(text) and text:
        assert re.match(fast.TEXT, text)


def test_explicit_nulls_and_absent_keys_are_both_unknown_in_a_line_struct() -> None:
    given = fast.decode_struct(b'{"patient_id":"p","sex":null,"residence_town":null}')
    absent = fast.decode_struct(b'{"patient_id":"p"}')
    spaced = fast.decode_struct(b'{"patient_id" :"p" , "sex"  :  null}')
    assert given is not None and absent is not None and spaced is not None
    assert given == absent == spaced
    profile = fast.StructProfile(given)
    assert profile.get("sex") is None and profile.get("residence_town") is None
    assert "sex" not in profile and "patient_id" in profile and "zz" not in profile
    assert profile["patient_id"] == "p" and dict(profile) == {"patient_id": "p"}
    with pytest.raises(KeyError):
        profile["sex"]


def test_the_pool_of_absent_defaults_never_runs_dry() -> None:
    """Lines that fail after msgspec took defaults (no id), many times the pool's size,
    then a valid line: still decoded, its given keys still counted."""
    for _ in range(3 * fast._POOL_SIZE // len(KEYS) + 10):
        assert fast.decode_struct(b'{"sex":"male"}') is None
    assert fast.decode_struct(b'{"patient_id":"p","sex":"male"}') is not None
    assert fast.decode_struct(b'{"patient_id":"p","sex":"male","sex":"male"}') is None


@settings(max_examples=300, deadline=None)
@given(st.one_of(strategies.partial_profiles(), strategies.full_profiles()))
def test_a_validated_profile_as_a_line_struct_holds_its_values(profile: dict[str, Any]) -> None:
    """struct_of (a line the validator accepted, screened by the same generated call)."""
    assert _struct_typed(fast.struct_of(profile)) == _known(profile)
