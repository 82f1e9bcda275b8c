"""Issue 20: the generated JSON line (render/json_line.py) writes what json.dumps writes.

The line function reads a batch's Struct by attribute, chooses the text of runs of
criterion values, verdicts, next steps and boolean or enum fields by identity and
equality tests, and remembers diagnoses, towns, next steps and missing fields. Each
test here holds it to the straightforward text, ``json.dumps(result_object(...))``:
for a StructProfile and for the dict of the same profile, warm and fresh, with every
cache emptied at each entry, and for values of another kind where a slot expects a
boolean or a choice (``1`` is ``True`` to a dict key, not to the contract).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pml_trials.engine import ScreeningResult, screen
from pml_trials.engine.run import RunInfo
from pml_trials.profile import fast
from pml_trials.profile.fields import FIELDS
from pml_trials.profile.validate import validate_json
from pml_trials.render import json_writer as json_out
from pml_trials.studies.model import Study
from tests import strategies

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 25)
TOWNS = [("DE", "Berlin"), ("FR", "Paris"), ("FR", "Lyon"), ("DE", "Hamburg")]
_STUDIES: list[tuple[Study, ...]] = []


def _studies() -> tuple[Study, ...]:
    if not _STUDIES:
        from pml_trials.studies.load import load_dirs

        _STUDIES.append(tuple(load_dirs([ROOT / "criteria"]).studies))
    return _STUDIES[0]


def straight(result: ScreeningResult, end: str = "}") -> str:
    text = json.dumps(json_out.result_object(result), separators=(",", ":"), ensure_ascii=False)
    return text[:-1] + end


def _line(encoder: json_out.ResultEncoder, result: ScreeningResult, profile: Any) -> str:
    return encoder.encode_line(
        result.patient_id, result.source, profile, result.outcomes, result.screening_date
    )


def _bool_outcomes(result: ScreeningResult) -> bool:
    return all(type(v) in (bool, type(None)) for _, values in result.outcomes for v in values)


def _with_town(profile: dict[str, Any], town: int, limit: float | None) -> dict[str, Any]:
    if town < len(TOWNS):
        profile = dict(profile)
        profile["residence_country"], profile["residence_town"] = TOWNS[town]
        profile["max_travel_km"] = limit
    return profile


@settings(max_examples=150, deadline=None)
@given(
    profiles=st.lists(
        st.tuples(
            strategies.partial_profiles() | strategies.full_profiles(),
            st.integers(0, len(TOWNS)),
            st.none() | st.sampled_from([1.0, 150.0, 400.0, 900.0, 20000.0]),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_struct_and_a_dict_of_one_profile_give_the_straightforward_line(
    profiles: list[tuple[dict[str, Any], int, float | None]],
) -> None:
    """A batch's line renders a StructProfile (fields read as the Struct's attributes),
    other callers a dict (read through ``get``): both give json.dumps' text, from a warm
    encoder, one whose caches are emptied at each entry, and a fresh one."""
    studies = _studies()
    warm = json_out.ResultEncoder(studies)
    for number, (drawn, town, limit) in enumerate(profiles):
        profile = _with_town(drawn, town, limit)
        result = screen(profile, studies, AS_OF, f"g.jsonl:{number}")
        expected = straight(result)
        wrapped = fast.StructProfile(fast.struct_of(profile))
        assert _line(warm, result, wrapped) == expected
        assert _line(warm, result, profile) == expected
        assert _line(json_out.ResultEncoder(studies), result, wrapped) == expected


@settings(max_examples=10, deadline=None)
@given(profiles=st.lists(strategies.partial_profiles(), min_size=20, max_size=20))
def test_every_cache_emptied_at_each_entry_changes_no_byte(
    profiles: list[dict[str, Any]],
) -> None:
    """Diagnoses, towns, sites, next steps, their trials and missing fields remembered
    one at a time (each entry evicts the last): the same text as the straightforward
    path, patient after patient (each twice)."""
    studies = _studies()
    with pytest.MonkeyPatch.context() as patch:
        for limit in ("_DIAGNOSES_LIMIT", "_SITE_TEXT_LIMIT", "_STEPS_LIMIT", "_CACHE_LIMIT"):
            patch.setattr(json_out, limit, 1)
        encoder = json_out.ResultEncoder(studies)
        for number, drawn in enumerate(profiles * 2):
            profile = _with_town(drawn, number % (len(TOWNS) + 1), [None, 300.0][number % 2])
            result = screen(profile, studies, AS_OF, f"e.jsonl:{number}")
            wrapped = fast.StructProfile(fast.struct_of(profile))
            assert _line(encoder, result, wrapped) == straight(result), profile


# Values a boolean or enum slot has no alternative for, and values a dict would take for
# one (1 == 1.0 == True, 0 == 0.0 == -0.0 == False, a choice in another case).
_OTHERS: list[Any] = [1, 0, 1.0, 0.0, -0.0, 2, "true", "", [], date(2024, 2, 29)]


def _slot_profiles() -> list[dict[str, Any]]:
    studies = _studies()
    keys = {key for s in studies for c in s.criteria for key in c.fields}
    profiles: list[dict[str, Any]] = []
    for spec in FIELDS:
        if spec.key not in keys or spec.kind not in ("boolean", "enum"):
            continue
        choices = [True, False] if spec.kind == "boolean" else list(spec.choices)
        case = [c.upper() for c in spec.choices] if spec.kind == "enum" else []
        for n, value in enumerate([None, *choices, *_OTHERS, *case]):
            profiles.append({"patient_id": f"s-{spec.key}-{n}", spec.key: value})
    return profiles


def _fields(text: str) -> list[Any]:
    """Every criterion's fields as written (numbers kept as their text: 1 is not 1.0)."""
    document = json.loads(text, parse_float=str, parse_int=str)
    return [c["fields"] for trial in document["trials"] for c in trial["criteria"]]


def test_a_slot_writes_values_of_another_kind_as_json_dumps() -> None:
    """A boolean field holding 1, 0, 1.0, -0.0 (a dict key would take them for True or
    False), an enum field holding a choice in capitals or a number: json.dumps' text
    (the value itself), never the text of the alternative they equal; each after the
    field's real values, from a warm encoder and a fresh one."""
    studies = _studies()
    warm = json_out.ResultEncoder(studies, end="}\n")
    checked = 0
    for profile in _slot_profiles():
        try:
            result = screen(profile, studies, AS_OF)
            expected = straight(result, "}\n")
        except (TypeError, ValueError):
            continue  # a value the rules cannot compare: never a profile that validates
        if not _bool_outcomes(result):
            continue  # a rule giving back the field's own 0 or 1: never a valid profile
        texts = [warm.encode(result), json_out.ResultEncoder(studies, end="}\n").encode(result)]
        if any(type(v) in (int, float) for v in profile.values()):
            # 0 or 1 in a boolean field also meets the engine's memos of missing fields,
            # keyed by criterion values (0 == False: engine/missing.py, engine/result.py),
            # which may differ between the two paths: the fields' texts are compared
            assert all(_fields(text) == _fields(expected) for text in texts), profile
        else:
            assert texts == [expected, expected], profile
        checked += 1
    assert checked > len(_slot_profiles()) // 2


def test_a_criterion_value_of_another_kind_is_written_as_it_is() -> None:
    """The generic text of a criterion's value (a run whose slot met a value it has no
    alternative for) keeps 1 apart from True and 0 from False."""
    studies = _studies()
    encoder = json_out.ResultEncoder(studies)
    for value in (1, 0, 1.0, 0.0):
        text = encoder.value_text(0, 0, value)
        assert text.startswith(f'"value":{json.dumps(value)},'), text
    assert encoder.value_text(0, 0, True) == encoder.value_texts(0, 0)[True]


@settings(max_examples=5, deadline=None)
@given(profiles=st.lists(strategies.partial_profiles(), min_size=20, max_size=20))
def test_the_run_limit_changes_no_byte(profiles: list[dict[str, Any]]) -> None:
    """Runs of one combination (every slot its own part), of a few and of many give
    one text."""
    from pml_trials.render import json_line

    studies = _studies()
    results = [screen(p, studies, AS_OF) for p in profiles]
    texts = []
    with pytest.MonkeyPatch.context() as patch:
        for leaves in (1, 4, 256):
            patch.setattr(json_line, "_LEAVES", leaves)
            encoder = json_out.ResultEncoder(studies)
            texts.append([encoder.encode(result) for result in results])
    assert texts[0] == texts[1] == texts[2] == [straight(result) for result in results]


def test_a_jsonl_writer_renders_a_batch_line_as_its_result(tmp_path: Path) -> None:
    """The writer's line (the batch's call) and its render of the result agree."""
    studies = _studies()
    run = RunInfo(studies, "2026-11-25T19:20:00Z", AS_OF)
    writer = json_out.JsonlWriter(run)
    profile = {"patient_id": "w-1", "residence_country": "DE", "residence_town": "Berlin"}
    result = screen(profile, studies, AS_OF, "w.jsonl:1")
    first = writer.render(result)
    wrapped = fast.StructProfile(fast.struct_of(profile))
    args = (result.patient_id, result.source, wrapped, result.outcomes, result.screening_date)
    assert writer.render_line(*args) == first


@pytest.mark.parametrize("kind", [json_out.JsonWriter, json_out.JsonlWriter])
def test_the_first_results_go_without_compiling_the_encoder_and_give_the_same_text(
    kind: type[json_out.JsonWriter] | type[json_out.JsonlWriter],
) -> None:
    """Compiling the encoder takes 20-40 ms: a one-file screen renders its patient with
    the plain builder; from the PLAIN_FIRST + 1st result on, the encoder writes the same
    text."""
    studies = _studies()
    run = RunInfo(studies, "2026-11-25T19:20:00Z", AS_OF)
    plain, compiled = kind(run), kind(run)
    compiled._plain = json_out.PLAIN_FIRST  # the next result compiles
    examples = sorted((ROOT / "examples/patients").glob("*.json"))
    results = [
        screen(validate_json(path.read_bytes(), source=path.name), studies, AS_OF, path.name)
        for path in examples
    ]
    texts = [plain.render(result) for result in results[: json_out.PLAIN_FIRST]]
    assert plain._encoder is None
    assert [compiled.render(result) for result in results[: json_out.PLAIN_FIRST]] == texts
    assert compiled._encoder is not None
    plain.render(results[0])
    assert plain._encoder is not None
