"""Issue 5: bad input never stops a batch, never loses a good patient, never shows a
traceback. One file per kind of bad input lives in tests/data/bad/; the huge ones are
made here, in a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from pml_trials.batch.read import Document, Lines
from pml_trials.batch.screening import Joined, Screener
from pml_trials.cli.app import app
from pml_trials.engine.run import InputProblem, RunInfo
from pml_trials.render.csv_writer import CsvWriter
from pml_trials.studies.model import Study

ROOT = Path(__file__).resolve().parent.parent
BAD = "tests/data/bad"
runner = CliRunner()

# file -> (field, words of the message); every line on stderr is "path[:line]: field: message"
EXPECTED = {
    "binary.json": (None, "binary data, not JSON text"),
    "deep-nesting.json": (None, "invalid JSON: recursion limit exceeded at line 1 column"),
    "dots-id.json": ("patient_id", "an id of only dots could be read as a path"),
    "duplicate-key.json": ("age_years", "the key appears more than once"),
    "empty.json": (None, "the file is empty"),
    "impossible-date.json": ("pml_diagnosis_date", '"2026-02-30" is not a valid date'),
    "infinity.json": ("csf_jcv_copies_per_ml", "NaN and Infinity are not allowed"),
    "invalid-json.json": (None, "invalid JSON: expected value at line 4 column 1"),
    "invalid-utf8.json": (None, "not UTF-8 text (invalid byte 0xe9 at byte 45)"),
    "lines.jsonl:3": ("age_years", "got the number 60.5"),
    "lines.jsonl:5": (None, "invalid JSON: expected value at column 37"),
    "lines.jsonl:6": (None, "the top level must be a JSON object"),
    "missing-id.json": ("patient_id", "is required"),
    "nan.json": ("weight_kg", "NaN and Infinity are not allowed (allowed: a number 1–400 kg)"),
    "not-an-object.json": (None, "the top level must be a JSON object"),
    "out-of-range.json": ("cd4_cells_per_ul", "-5 is below the minimum 0 (allowed:"),
    "path-id.json": ("patient_id", "is not a valid id; the value is not repeated here"),
    "unknown-enum.json": ("csf_jcv_pcr", '"positive" is not an allowed value (allowed: detected,'),
    "unknown-key.json": ("cd4_count", "unknown key (did you mean 'cd4_cells_per_ul'?)"),
    "utf16.json": (None, "UTF-16 text: save it as UTF-8"),
    "wrong-type.json": ("age_years", 'got the string "44" (values are never converted)'),
}
SCREENED = ["ok-bom", "ok-twice", "ok-twice", "ok-line-1", "ok-line-4", "ok-line-7"]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")


def screen(*args: str) -> Result:
    return runner.invoke(app, ["screen", *args, "--as-of", "2026-11-25"], catch_exceptions=False)


@pytest.fixture(scope="module")
def bad_run() -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
        return screen(BAD, "--format", "json")


def test_every_bad_input_gives_one_line_and_one_error_and_exit_3(bad_run: Result) -> None:
    assert bad_run.exit_code == 3
    assert "Traceback" not in bad_run.stderr
    document = json.loads(bad_run.stdout)
    errors = {e["source"].removeprefix(f"{BAD}/"): e for e in document["errors"]}
    assert set(errors) == set(EXPECTED)
    lines = bad_run.stderr.splitlines()
    for where, (field, words) in EXPECTED.items():
        error = errors[where]
        assert error["field"] == field and words in error["message"], (where, error)
        line = ": ".join(p for p in (f"{BAD}/{where}", field, error["message"]) if p)
        assert lines.count(line) == 1, line


def test_every_good_profile_among_the_bad_ones_is_screened(bad_run: Result) -> None:
    document = json.loads(bad_run.stdout)
    assert [r["patient_id"] for r in document["results"]] == SCREENED
    sources = [r["source"].removeprefix(f"{BAD}/") for r in document["results"]]
    assert sources[3:] == ["lines.jsonl:1", "lines.jsonl:4", "lines.jsonl:7"]


def test_a_byte_order_mark_is_accepted(bad_run: Result) -> None:
    assert "bom.json" not in bad_run.stderr
    assert json.loads(bad_run.stdout)["results"][0]["source"] == f"{BAD}/bom.json"


def test_the_same_patient_id_twice_is_a_warning_and_both_are_screened() -> None:
    result = screen(f"{BAD}/duplicate-id-1.json", f"{BAD}/duplicate-id-2.json", "-f", "csv")
    assert result.exit_code == 0
    assert result.stderr == (
        f"{BAD}/duplicate-id-2.json: patient_id: warning: 'ok-twice' is also the id in "
        f"{BAD}/duplicate-id-1.json (both were screened)\n"
    )
    assert result.stdout.count("ok-twice,") == 2 * 3


def test_the_messages_on_stderr_read_as_expected(
    bad_run: Result, golden: Callable[[str, str], None]
) -> None:
    golden("screen/bad-stderr.txt", bad_run.stderr)


def test_a_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(20 * 2**30)  # 20 GiB, sparse: reading it would take minutes
    (tmp_path / "fine.json").write_text('{"patient_id": "fine"}', encoding="utf-8")
    result = screen(str(tmp_path), "-f", "csv")
    assert result.exit_code == 3
    assert f"{huge}: the file is 21,474,836,480 bytes; a profile file may be at most 1 MiB" in (
        result.stderr
    )
    assert "fine," in result.stdout


def test_a_huge_json_lines_file_of_zeros_is_refused_as_binary(tmp_path: Path) -> None:
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as handle:
        handle.truncate(20 * 2**30)
    result = screen(str(huge), "-f", "csv")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"{huge}: binary data, not JSON text\n")


def test_a_line_over_the_limit_is_refused_and_the_lines_around_it_are_screened(
    tmp_path: Path,
) -> None:
    long_line = '{"patient_id": "' + "x" * (3 * 2**20) + '"}'
    path = tmp_path / "long.jsonl"
    path.write_text(f'{{"patient_id": "before"}}\n{long_line}\n{{"patient_id": "after"}}\n')
    result = screen(str(path), "-f", "csv")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"{path}:2: the line is longer than 1 MiB")
    assert f"before,{path}:1," in result.stdout and f"after,{path}:3," in result.stdout


def test_a_missing_path_and_an_empty_folder_are_problems_in_place(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = screen(str(tmp_path / "nope.json"), str(tmp_path / "empty"), "examples/patients")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[:2] == [
        f"{tmp_path / 'nope.json'}: no such file or directory",
        f"{tmp_path / 'empty'}: no *.json, *.jsonl or *.ndjson files in this folder",
    ]
    assert "ex-14-dlbcl-prior-pembro" in result.stdout


@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_file_become_one_patient_or_problems(
    studies: tuple[Study, ...], data: bytes
) -> None:
    screener = _screener(studies)
    done = screener.process(Document("any.json", data))
    problems = [i for i in done.items if isinstance(i, InputProblem)]
    assert len(done.items) - len(problems) == len(done.ids) <= 1
    assert bool(problems) != bool(done.ids)


@given(data=st.binary(max_size=300))
def test_any_bytes_as_json_lines_give_nothing_but_patients_and_problems(
    studies: tuple[Study, ...], data: bytes
) -> None:
    done = _screener(studies).process(Lines("any.jsonl", 1, data))
    for item in done.items:
        assert isinstance(item, InputProblem | Joined)
        if isinstance(item, InputProblem):
            assert item.source.startswith("any.jsonl:")
    joined = [item.count for item in done.items if isinstance(item, Joined)]
    assert sum(joined) == len(done.ids)


def _screener(studies: tuple[Study, ...]) -> Screener:
    run = RunInfo(studies, "2026-11-25T19:20:00Z", date(2026, 11, 25))
    return Screener(studies, run.as_of, CsvWriter(run))


def test_a_town_known_in_one_country_is_still_checked_in_another(tmp_path: Path) -> None:
    """The batch remembers (town, country) pairs that name a place, not towns: Basel in
    CH, then Basel in FR (no such town), then Paris in US (ambiguous there)."""
    lines = [
        {"patient_id": "a", "residence_town": "Basel", "residence_country": "CH"},
        {"patient_id": "b", "residence_town": "Basel", "residence_country": "FR"},
        {"patient_id": "c", "residence_town": "Paris", "residence_country": "FR"},
        {"patient_id": "d", "residence_town": "Paris", "residence_country": "US"},
        {"patient_id": "e", "residence_town": "Basel", "residence_country": "CH"},
    ]
    path = tmp_path / "towns.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = screen(str(path), "-f", "csv")
    assert result.exit_code == 3
    problems = result.stderr.splitlines()
    assert problems[0].startswith(f"{path}:2: residence_town: 'Basel' is not a town of France")
    assert problems[1].startswith(f"{path}:4: residence_town: 'Paris' is ambiguous")
    screened = {row.split(",")[0] for row in result.stdout.splitlines()[1:] if row[0] != ","}
    assert screened == {"a", "c", "e"}
