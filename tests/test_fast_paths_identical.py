"""Issue 20: every speed-up leaves every output byte as it was.

Each report format is produced twice from the same inputs: by the fast path (msgspec
validation, the missing-fields memo, the renderers' caches, workers) and by the
straightforward one (pydantic-core validation alone, each trial's ``missing_fields``
computed afresh by the reference interpreter, CSV rows built from the engine's views, JSON from the contract's
objects through ``json.dumps``). Inputs: the example patients, and seeded generated
complete and sparse (registry-like) profiles with some invalid lines among them.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.engine import ScreeningResult, TrialResult, screen
from pml_trials.engine import result as engine_result
from pml_trials.engine.diagnosis import diagnose
from pml_trials.engine.missing import MissingFields
from pml_trials.engine.next_steps import next_steps
from pml_trials.engine.result import next_step_of
from pml_trials.geo.travel import home_of, left_out_by, travel
from pml_trials.profile import fast, validate
from pml_trials.profile.fields import FIELDS, FieldSpec
from pml_trials.render import csv_writer as csv_out
from pml_trials.render import json_writer as json_out
from pml_trials.render.base import ReportWriter
from pml_trials.rules.interpret import evaluate
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict
from tests import strategies

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "patients"
FORMATS = ["table", "json", "jsonl", "csv", "markdown", "html"]
AS_OF = date(2026, 11, 25)
runner = CliRunner()
# (country, town) of generated profiles with a town: found, or ambiguous (Springfield);
# an unknown town now and then (the gazetteer's suggestions cost ~50 ms each).
TOWNS = [
    ("DE", "Berlin"),
    ("FR", "Paris"),
    ("FR", "Lyon"),
    ("US", "Springfield"),
    ("DE", "Hamburg"),
]


def _value(spec: FieldSpec, rng: random.Random) -> Any:
    if spec.kind == "boolean":
        return rng.random() < 0.5
    if spec.kind == "enum":
        return rng.choice(spec.choices)
    if spec.kind == "enum_list":
        return rng.sample(spec.choices, rng.randint(0, 3))
    if spec.kind == "date":
        return (AS_OF - timedelta(days=rng.randint(0, 3000))).isoformat()
    if spec.kind == "text":  # a town: found, ambiguous or unknown in the country drawn
        return rng.choice(["Berlin", "Paris", "Springfield", "Lyon", "Zzyzx Nowhere"])
    low, high = spec.minimum or 0.0, spec.maximum or 0.0
    if spec.kind == "integer":
        step = spec.multiple_of or 1
        return rng.randint(int(low) // step, int(high) // step) * step
    return rng.choice([low, high, round(rng.uniform(low, min(high, low + 200)), 2), 0.0])


def generated(count: int, absent: float, seed: int) -> list[str]:
    """JSON lines of valid profiles, each field but the id absent with ``absent``
    probability (and null now and then); every 37th and 53rd line invalid, every 41st
    with a byte-order mark."""
    rng = random.Random(seed)
    lines = []
    for index in range(count):
        profile: dict[str, Any] = {}
        for spec in FIELDS:
            if spec.kind == "id":
                profile[spec.key] = f"g-{seed}-{index}"
            elif rng.random() >= absent:
                profile[spec.key] = None if rng.random() < 0.05 else _value(spec, rng)
        if profile.get("residence_town") is not None:  # a town of its country, mostly
            town = rng.choice(TOWNS) if index % 29 else ("US", "Zzyzx Nowhere")
            profile["residence_country"], profile["residence_town"] = town
        if index % 37 == 36:
            profile["age_years"] = rng.choice([4.0, True, "55", 121])
        if index % 53 == 52:
            profile["patient_id"] = "..."  # valid JSON, the pattern's one exception
        line = json.dumps(profile)
        lines.append("\ufeff" + line if index % 41 == 40 else line)  # a byte-order mark
    return lines


# Lines the batch's fast path must take or refuse exactly as the validator does: repeated
# and unknown keys, explicit nulls beside absent keys, whitespace before colons, a town
# given as null or without its country, a line the fast path hands on (a byte-order mark)
# followed by one it takes.
CRAFTED = [
    '{"patient_id":"c-1","sex":"male","age_years":40,"sex":"male"}',
    '{"patient_id":"c-2","sex":"male","age_years":40}',
    '{"patient_id":"c-3","agee_years":40,"sex":"female"}',
    '{"patient_id":"c-4","sex":null,"age_years":null,"residence_town":null,"hiv_positive":true}',
    '{"patient_id":"c-5","hiv_positive":true}',
    '{"patient_id" : "c-6" , "sex"\t:"female", "age_years"  :  70 ,"csf_jcv_pcr":"detected"}',
    '{"patient_id":"c-7","residence_town":"Berlin","residence_country":null}',
    '{"patient_id":"c-8","residence_town":"Berlin","residence_country":"DE","sex":"male"}',
    '\ufeff{"patient_id":"c-9","residence_town":"Lyon","residence_country":"FR"}',
    '{"patient_id":"c-10","residence_town":"Lyon","residence_country":"FR"}',
    '{"patient_id":"c-11","residence_town":"Springfield","residence_country":"US"}',
    '{"patient_id":"c-12","predisposing_conditions":[]}',
    '{"patient_id":"c-13","pml_diagnosis_date":"2026-11-26"}',
    '{"patient_id":"c-14","screening_date":"2026-01-01","pml_diagnosis_date":"2026-02-01"}',
    '{"patient_id":"...","sex":"male"}',
    '{"patient_id":"c-16","patient_id":"c-16"}',
    '{"patient_id":"c-17","sex":null,"sex":"male"}',
    '{"patient_id":"c-18","allogeneic_hct":false,"gvhd_grade":2}',
]


def _straight_missing(
    self: MissingFields, number: int, values: Any, profile: Any, today: date
) -> tuple[str, ...]:
    study = self.studies[number]
    return TrialResult(study, Verdict.NEEDS_INFORMATION, values, profile, today).missing_fields


def _straight_csv(self: csv_out.CsvWriter, result: ScreeningResult) -> str:
    rows = []
    home = home_of(result.profile) if "residence_town" in result.profile else None
    for trial in result:
        within = self.run.within_km
        if trial.study.sites and left_out_by(travel(trial.study.sites, home, None), within):
            continue  # screen --within: every site farther
        reasons = " ".join(c.criterion.id for c in trial.reasons)
        cells = [result.patient_id, result.source, trial.study.id, trial.verdict.value]
        actions = ""
        if trial.verdict is Verdict.NEEDS_INFORMATION:
            steps = next_steps(result)
            actions = " ".join(s.action for s in steps if trial.study.id in s.trials)
        cells += [reasons, " ".join(trial.missing_fields), actions]
        seen_from = home if trial.study.sites else None
        cells += csv_out._site_cells(trial.study, seen_from)
        cells += [trial.study.status or "", next_step_of(trial.study, trial.values) or ""]
        cells += [diagnose(result.profile.get).value, self.run.disclaimer]
        rows.append(",".join(map(csv_out.cell, cells)) + "\n")
    return "".join(rows)


def _straight_json(self: json_out.ResultEncoder, result: ScreeningResult) -> str:
    text = json.dumps(json_out.result_object(result), separators=(",", ":"), ensure_ascii=False)
    return text[:-1] + self.end


def _interpreted(node: Any, get: Any, today: date) -> frozenset[str]:
    return evaluate(node, get, today)[1]


@pytest.fixture
def straightforward(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "decode", lambda data: None)
    monkeypatch.setattr(fast, "decode_struct", lambda data: None)
    monkeypatch.setattr(engine_result, "unknown_fields", _interpreted)  # the reference
    monkeypatch.setattr(engine_result, "_MEMO", {})
    monkeypatch.setattr(MissingFields, "missing", _straight_missing)
    monkeypatch.setattr(csv_out.CsvWriter, "render", _straight_csv)
    monkeypatch.setattr(json_out.ResultEncoder, "encode", _straight_json)
    # a batch's loop renders from the result's parts: through the result, so the
    # straightforward renderers above are the ones run
    for writer in (csv_out.CsvWriter, json_out.JsonWriter, json_out.JsonlWriter):
        monkeypatch.setattr(writer, "render_line", ReportWriter.render_line)


@pytest.fixture(autouse=True)
def _fixed_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    monkeypatch.delenv("PML_TRIALS_CRITERIA", raising=False)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    examples = [
        json.dumps(json.loads(p.read_text("utf-8"))) for p in sorted(EXAMPLES.glob("*.json"))
    ]
    files = {
        "examples": examples * 3,
        "complete": generated(200, 0.0, 1),
        "sparse": generated(600, 0.3, 2),
        "very sparse": generated(300, 0.8, 3),
        "crafted": CRAFTED * 2,
    }
    paths = {}
    for name, lines in files.items():
        paths[name] = folder / f"{name.replace(' ', '-')}.jsonl"
        paths[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def report(path: Path | str, fmt: str, out: Path, *extra: str) -> bytes:
    args = ["screen", str(path), "--as-of", "2026-11-25", "-f", fmt, "-o", str(out), *extra]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code in (0, 3), result.output
    data = out.read_bytes()
    out.unlink()
    return data


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "name", ["examples", "complete", "sparse", "very sparse", "crafted", "folder"]
)
def test_every_format_is_byte_identical_to_the_straightforward_path(
    fmt: str,
    name: str,
    inputs: dict[str, Path],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if fmt in ("table", "markdown", "html") and name in ("sparse", "very sparse"):
        pytest.skip("covered by the other inputs: these formats have no fast path of their own")
    source: Path = EXAMPLES if name == "folder" else inputs[name]
    fast = report(source, fmt, tmp_path / f"out.{fmt}", "-w", "1")
    in_workers = report(source, fmt, tmp_path / f"out.{fmt}", "-w", "2")
    request.getfixturevalue("straightforward")
    straight = report(source, fmt, tmp_path / f"out.{fmt}", "-w", "1")
    assert fast == straight
    assert in_workers == straight


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
@pytest.mark.parametrize("name", ["examples", "complete", "sparse", "very sparse"])
def test_small_cache_bounds_change_no_byte(
    fmt: str,
    name: str,
    inputs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """The renderers' caches emptied every few entries (so eviction happens again and
    again) give what the straightforward path gives."""
    monkeypatch.setattr(csv_out, "_NEEDS_LIMIT", 3)
    monkeypatch.setattr(csv_out, "_CACHE_LIMIT", 2)
    monkeypatch.setattr(json_out, "_CACHE_LIMIT", 2)
    monkeypatch.setattr(json_out, "_STEPS_LIMIT", 3)
    fast = report(inputs[name], fmt, tmp_path / f"out.{fmt}", "-w", "1")
    request.getfixturevalue("straightforward")
    straight = report(inputs[name], fmt, tmp_path / f"out.{fmt}", "-w", "1")
    assert fast == straight


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
@pytest.mark.parametrize("name", ["complete", "sparse"])
def test_a_travel_limit_for_the_run_changes_no_byte(
    fmt: str, name: str, inputs: dict[str, Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``screen --within KM`` (trials with every site farther left out) renders what the
    straightforward path renders."""
    fast = report(inputs[name], fmt, tmp_path / f"out.{fmt}", "-w", "1", "--within", "400")
    request.getfixturevalue("straightforward")
    straight = report(inputs[name], fmt, tmp_path / f"out.{fmt}", "-w", "1", "--within", "400")
    assert fast == straight


@settings(max_examples=300, deadline=None)
@given(profile=strategies.partial_profiles())
def test_the_missing_fields_memo_gives_what_each_trial_gives(profile: dict[str, Any]) -> None:
    studies = _studies()
    result = screen(profile, studies, AS_OF)
    for memo in (_MEMOS[0], _MEMOS[1]):  # the default, and one emptied at every entry
        for number, trial in enumerate(result):
            if trial.verdict is Verdict.NEEDS_INFORMATION:
                got = memo.missing(number, trial.values, profile, result.screening_date)
                assert got == trial.missing_fields


_CACHE: list[tuple[Study, ...]] = []
_MEMOS: list[MissingFields] = []


def _studies() -> tuple[Study, ...]:
    if not _CACHE:
        from pml_trials.studies.load import load_dirs

        _CACHE.append(tuple(load_dirs([ROOT / "criteria"]).studies))
        _MEMOS.extend([MissingFields(_CACHE[0]), MissingFields(_CACHE[0], limit=1)])
    return _CACHE[0]


@settings(max_examples=60, deadline=None)
@given(profiles=st.lists(strategies.partial_profiles(), min_size=2, max_size=6))
def test_a_warm_writer_renders_each_patient_as_a_fresh_one(
    profiles: list[dict[str, Any]],
) -> None:
    """Every cache of the csv and jsonl renderers (row ends, masks, actions, outcome
    pieces, next steps) is keyed by all the text depends on: one writer that has rendered
    the earlier patients renders each as a writer with empty caches does (a key that
    left out the screening date, the id or a missing field would repeat an earlier
    patient's text)."""
    from pml_trials.engine.run import RunInfo

    studies = _studies()
    run = RunInfo(studies, "2026-11-25T19:20:00Z", AS_OF)
    warm = [csv_out.CsvWriter(run), json_out.JsonlWriter(run)]
    for number, profile in enumerate(profiles):
        result = screen(profile, studies, AS_OF, f"g.jsonl:{number}")
        args = (result.patient_id, result.source, profile, result.outcomes, result.screening_date)
        for writer in warm:
            fresh = type(writer)(run)
            assert writer.render_line(*args) == fresh.render(result)
            assert writer.render(result) == fresh.render(result)


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from('ab-=+@\t\r\n,":0/ '), max_size=8)
    | st.from_regex(r"-(:[0-9]+)?", fullmatch=True)
)
def test_a_source_proven_plain_is_its_own_cell(text: str) -> None:
    """The csv prefix skips ``cell`` for a source the plain pattern matches (issue 20):
    only where ``cell`` would give the text back (no formula first, nothing to quote)."""
    if csv_out._PLAIN(text):
        assert csv_out.cell(text) == text


_PIECES = [
    b"",
    b"  ",
    b"\r",
    b'{"patient_id": "a-1"}',
    b'{"patient_id": "b-2", "age_years": 40}\r',
    b'{"patient_id": 3}',
    b"not json",
]


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=8), first=st.integers(1, 5))
def test_a_unit_is_cut_into_the_lines_split_gives(pieces: list[bytes], first: int) -> None:
    """The batch loop cuts a unit at each newline with find() (issue 20): every line
    that ``data.split(b"\\n")`` gives is screened or refused under its own number, blank
    ones skipped, a last line without a newline included."""
    from pml_trials.batch.read import Lines
    from pml_trials.batch.screening import Screener
    from pml_trials.engine.run import InputProblem, RunInfo

    studies = _studies()
    data = b"\n".join(pieces)
    run = RunInfo(studies, "2026-11-25T19:20:00Z", AS_OF)
    done = Screener(studies, AS_OF, csv_out.CsvWriter(run), pack=list).process(
        Lines("u.jsonl", first, data)
    )
    numbers = [first + n for n, line in enumerate(data.split(b"\n")) if line.strip()]
    seen = [int(source.rsplit(":", 1)[1]) for source in done.sources]
    seen += [
        int(item.source.rsplit(":", 1)[1]) for item in done.items if isinstance(item, InputProblem)
    ]
    assert sorted(set(seen)) == numbers


def test_travel_limits_at_every_site_distance_give_the_straightforward_sites(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The JSON encoders remember a study's sites by the town and how many sites lie
    within the patient's travel limit: limits exactly at, just under and just over each
    site's distance (and none) give what the straightforward path gives."""
    from pml_trials.geo.travel import travel

    lines = []
    for country, name in TOWNS:
        if name == "Springfield":
            continue  # ambiguous: no town, no distances
        home = home_of({"residence_country": country, "residence_town": name})
        assert home is not None
        limits: list[float | None] = [None, 1.0, 20000.0]
        for study in _studies():
            for measured in travel(study.sites, home, None).sites:
                km = measured.distance_km or 0.0
                limits += [km, max(km - 0.1, 1.0), km + 0.1]
        for number, limit in enumerate(dict.fromkeys(limits)):
            profile: dict[str, Any] = {
                "patient_id": f"t-{country}-{number}",
                "residence_country": country,
                "residence_town": name,
            }
            if limit is not None:
                profile["max_travel_km"] = round(limit, 1)
            lines.append(json.dumps(profile))
    path = tmp_path / "limits.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = {fmt: report(path, fmt, tmp_path / f"out.{fmt}", "-w", "1") for fmt in ("json", "jsonl")}
    request.getfixturevalue("straightforward")
    for fmt, text in fast.items():
        assert text == report(path, fmt, tmp_path / f"out.{fmt}", "-w", "1"), fmt


_EDGES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    10**30,
    0.0,
    -0.0,
    1e16,
    9999999999999998.0,
    1e-4,
    1e-5,
    0.1,
    5.58,
    1e22,
    float("nan"),
    float("inf"),
    "x",
    "Zürich é ☃",
    date(2024, 2, 29),
    [],
]


def test_the_generated_line_writes_every_kind_of_value_as_json_dumps() -> None:
    """The generated line function (render/json_line.py) formats each field by its
    kind, with memos for floats and dates: every choice of every enum, floats at the
    repr's exponent boundaries, -0.0 after 0.0, ints, bools and others where a float,
    an integer or an enum is expected give json.dumps' text, warm or fresh."""
    studies = _studies()
    warm = json_out.ResultEncoder(studies)
    keys = sorted({key for s in studies for c in s.criteria for key in c.fields})
    profiles: list[dict[str, Any]] = []
    for key in keys:
        spec = next(f for f in FIELDS if f.key == key)
        # a boolean field holding 1 or 0 meets caches keyed by outcomes (1 == True), as
        # before this encoder: never a valid profile, left out here
        values = [None, True, False] if spec.kind == "boolean" else [*_EDGES, *spec.choices]
        if spec.kind == "enum_list":  # a list's items are its choices, as before
            values = [None, [], list(spec.choices)]
        profiles += [{"patient_id": f"e-{key}-{n}", key: v} for n, v in enumerate(values)]
    profiles += [{"patient_id": "e-twice", "weight_kg": v} for v in (0.0, -0.0, 5.58, 5.58)]
    checked = 0
    for profile in profiles:
        try:
            result = screen(profile, studies, AS_OF)
            expected = _straight_json(warm, result)
        except (TypeError, ValueError, OverflowError):
            continue  # a value the rules cannot compare: never a profile that validates
        if any(type(v) not in (bool, type(None)) for _, vs in result.outcomes for v in vs):
            continue  # a rule giving back a field's 0 for false: never a valid profile
        assert warm.encode(result) == expected, profile
        assert json_out.ResultEncoder(studies).encode(result) == expected, profile
        checked += 1
    assert checked > len(profiles) // 2
