"""``screen --engine duckdb``: every report format byte-identical to the Python engine's,
on the example patients and on generated complete and sparse profiles, read from JSON
Lines, Parquet and CSV."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pml_trials.cli.app import app
from pml_trials.profile.fields import FIELDS
from pml_trials.render.formats import FormatName
from tests.sql_driver import random_profiles, require_engine

require_engine("duckdb", "duckdb")

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
FORMATS = [f.value for f in FormatName if f.value != "parquet"]
KIND = {s.key: s.kind for s in FIELDS}


@pytest.fixture(autouse=True)
def _fixed_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    monkeypatch.delenv("PML_TRIALS_CRITERIA", raising=False)


def screen(*args: str) -> Result:
    return runner.invoke(app, ["screen", *args, "--as-of", "2026-11-25"], catch_exceptions=False)


def json_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if KIND[key] == "date":
        return value.isoformat()
    if KIND[key] == "number":
        return float(value)  # as a DOUBLE column gives it back
    return value


def write_jsonl(path: Path, profiles: list[dict[str, Any]]) -> Path:
    lines = [json.dumps({k: json_value(k, v) for k, v in p.items()}) for p in profiles]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("duck")
    examples = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "examples/patients").glob("*.json"))
    ]
    complete = random_profiles(200, seed=21, unknown=0.0, templates=examples)
    sparse = random_profiles(200, seed=22, unknown=0.8)
    return {
        "complete": write_jsonl(folder / "complete.jsonl", complete),
        "sparse": write_jsonl(folder / "sparse.jsonl", sparse),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_example_patients_give_the_same_bytes(fmt: str) -> None:
    python = screen("examples/patients", "-f", fmt)
    duck = screen("examples/patients", "-f", fmt, "--engine", "duckdb")
    assert python.exit_code == duck.exit_code == 0
    assert duck.stdout == python.stdout


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", ["complete", "sparse"])
def test_generated_profiles_give_the_same_bytes(
    fmt: str, which: str, generated: dict[str, Path]
) -> None:
    path = str(generated[which])
    python = screen(path, "-f", fmt)
    duck = screen(path, "-f", fmt, "--engine", "duckdb")
    assert python.exit_code == duck.exit_code == 0
    assert duck.stdout == python.stdout


def write_parquet(jsonl: Path, row_group_size: int | None = None) -> Path:
    from pml_trials.sql.dialects import Dialect
    from pml_trials.sql.duck import connect
    from pml_trials.sql.table import column_types

    target = jsonl.with_suffix(".parquet")
    columns = ", ".join(
        f"'{k}': '{t.replace('TEXT', 'VARCHAR')}'" for k, t in column_types(Dialect.duckdb)
    )
    size = f", ROW_GROUP_SIZE {row_group_size}" if row_group_size else ""
    con = connect(threads=1)
    con.execute(
        f"COPY (SELECT * FROM read_json('{jsonl}', format = 'newline_delimited', "
        f"columns = {{{columns}}})) TO '{target}' (FORMAT parquet{size})"
    )
    return target


def write_csv(jsonl: Path) -> Path:
    import csv

    target = jsonl.with_suffix(".csv")
    with target.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([s.key for s in FIELDS])
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            profile = json.loads(line)
            out.writerow([_cell(profile.get(s.key)) for s in FIELDS])
    return target


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value) if value else ";"  # only separators: a known empty list
    return str(value)


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
@pytest.mark.parametrize("which", ["complete", "sparse"])
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_parquet_and_csv_inputs_give_the_python_engines_bytes(
    fmt: str, which: str, suffix: str, generated: dict[str, Path]
) -> None:
    jsonl = generated[which]
    table = write_parquet(jsonl) if suffix == ".parquet" else write_csv(jsonl)
    python = screen(str(jsonl), "-f", fmt)
    duck = screen(str(table), "-f", fmt, "--engine", "duckdb")
    assert python.exit_code == duck.exit_code == 0, duck.stderr
    name = re.escape(table.name)
    shift = 1 if suffix == ".csv" else 0  # a CSV's first line is its header

    def as_jsonl(match: re.Match[str]) -> str:
        return f"{jsonl.name}:{int(match.group(1)) - shift}"

    def as_jsonl_line(match: re.Match[str]) -> str:
        return f"{jsonl.name}, line {int(match.group(1)) - shift}"

    text = re.sub(rf"{name}:(\d+)", as_jsonl, duck.stdout)
    text = re.sub(rf"{name}, line (\d+)", as_jsonl_line, text).replace(table.name, jsonl.name)
    assert text == python.stdout


def test_bad_lines_are_reported_in_the_same_words_and_order(tmp_path: Path) -> None:
    good = '{"patient_id": "a-1", "age_years": 40}'
    lines = [
        good,
        "",
        "{not json",
        '{"patient_id": "a-2", "age_years": -3}',
        "  ",
        good.replace("a-1", "a-3"),
        '{"patient_id": "a-4", "agee": 1}',
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for fmt in ("json", "csv", "table"):
        python = screen(str(path), "-f", fmt)
        duck = screen(str(path), "-f", fmt, "--engine", "duckdb")
        assert python.exit_code == duck.exit_code == 3
        assert (duck.stdout, duck.stderr) == (python.stdout, python.stderr)


def _parquet(tmp_path: Path, select: str) -> Path:
    from pml_trials.sql.duck import connect

    target = tmp_path / "rows.parquet"
    connect(threads=1).execute(f"COPY ({select}) TO '{target}' (FORMAT parquet)")
    return target


def test_invalid_parquet_values_are_refused_with_the_validators_words(tmp_path: Path) -> None:
    rows = [
        "('ok-1', 40, 300.0, ['hiv'], 'male')",
        "('ok-2', 200, 300.0, ['hiv'], 'male')",  # age above 120
        "('ok-3', 40, -1.0, ['hiv'], 'male')",  # CD4 below 0
        "('ok-4', 40, 'nan'::DOUBLE, ['hiv'], 'male')",  # NaN
        "('ok-5', 40, 300.0, ['hiv', 'measles'], 'male')",  # not a condition
        "('ok-6', 40, 300.0, ['hiv', NULL], 'male')",  # a NULL element
        "('ok 7', 40, 300.0, [], 'male')",  # a space in the id
        "(NULL, 40, 300.0, [], 'male')",  # no id
        "('...', 40, 300.0, [], 'male')",  # only dots
        "('ok-10', 40, 300.0, [], 'Male')",  # not a choice
        "('ok-11', NULL, NULL, NULL, NULL)",
    ]
    select = (
        "SELECT * FROM (VALUES " + ", ".join(rows) + ") AS t(patient_id, age_years, "
        "cd4_cells_per_ul, predisposing_conditions, sex)"
    )
    path = _parquet(tmp_path, select)
    result = screen(str(path), "-f", "csv", "--engine", "duckdb")
    assert result.exit_code == 3
    screened = {line.split(",")[0] for line in result.stdout.splitlines()[1:]} - {""}
    assert screened == {"ok-1", "ok-11"}  # (a refused input has a row without an id)
    problems = [line for line in result.stderr.splitlines() if ".parquet:" in line]
    assert [p.split(":")[1] for p in problems[:3]] == ["2", "3", "4"]
    assert f"{path}:2: age_years: 200 is above the maximum 120" in result.stderr
    assert f"{path}:5: predisposing_conditions[1]:" in result.stderr
    assert len({p.split(":")[1] for p in problems}) == 9


def test_a_parquet_file_with_unknown_or_mistyped_columns_is_refused(tmp_path: Path) -> None:
    path = _parquet(tmp_path, "SELECT 'p-1' AS patient_id, '40' AS age_years, 1 AS agee")
    result = screen(str(path), "-f", "csv", "--engine", "duckdb")
    assert result.exit_code == 3
    assert "age_years: the column has type VARCHAR; expected integer" in result.stderr
    assert "agee: unknown column (did you mean 'age_years'?)" in result.stderr
    rows = result.stdout.splitlines()[1:]
    assert all(row.startswith(",") for row in rows)  # only the refused input's own row


def test_csv_cells_that_do_not_read_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "patient_id,age_years,hiv_positive,pml_diagnosis_date,predisposing_conditions\n"
        "c-1,40,true,2026-01-02,hiv;multiple_sclerosis\n"
        "c-2,forty,yes,2026-02-30,[]\n"
        "c-3,,,,\n",
        encoding="utf-8",
    )
    result = screen(str(path), "-f", "csv", "--engine", "duckdb")
    assert result.exit_code == 3
    assert {line.split(",")[0] for line in result.stdout.splitlines()[1:]} - {""} == {"c-1", "c-3"}
    for field in ("age_years", "hiv_positive", "pml_diagnosis_date"):
        assert f"{path}:3: {field}: " in result.stderr


def _rows_of_json_report(text: str) -> list[tuple[Any, ...]]:
    report = json.loads(text)
    rows = []
    for result in report["results"]:
        for trial in result["trials"]:
            reasons = [c["id"] for c in trial["criteria"] if c["status"] in ("not met", "applies")]
            criteria = [c["value"] for c in trial["criteria"]]
            rows.append(
                (
                    result["patient_id"],
                    result["source"],
                    result["screening_date"],
                    trial["trial_id"],
                    trial["verdict"],
                    reasons if trial["verdict"] == "ineligible" else [],
                    trial["missing_fields"],
                    criteria,
                )
            )
    return rows


def _rows_of_parquet(path: Path) -> list[tuple[Any, ...]]:
    from pml_trials.sql.duck import connect

    con = connect(threads=1)
    rows = con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
    assert all(row[-1] == "Pre-screening only. The study team decides eligibility." for row in rows)
    metadata = dict(con.execute(f"SELECT key, value FROM parquet_kv_metadata('{path}')").fetchall())
    ids = json.loads(metadata[b"criteria"])
    assert all(len(row[7]) == len(ids[row[3]]) for row in rows)
    return [(*row[:2], row[2].isoformat(), *row[3:6], row[6], row[7]) for row in rows]


@pytest.mark.parametrize("which", ["complete", "sparse"])
@pytest.mark.parametrize("source", ["jsonl", "parquet"])
def test_parquet_results_hold_what_the_json_report_holds(
    which: str, source: str, generated: dict[str, Path], tmp_path: Path
) -> None:
    jsonl = generated[which]
    given = jsonl if source == "jsonl" else write_parquet(jsonl)
    target = tmp_path / "results.parquet"
    result = screen(str(given), "-o", str(target))  # the suffix implies parquet
    assert result.exit_code == 0, result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    expected = _rows_of_json_report(screen(str(jsonl), "-f", "json").stdout)
    got = _rows_of_parquet(target)
    if source == "parquet":
        got = [(r[0], r[1].replace(".parquet:", ".jsonl:"), *r[2:]) for r in got]
    assert got == expected


@pytest.mark.parametrize("workers", ["3", "8"])
def test_parquet_results_written_in_parts_hold_the_rows_in_input_order(
    workers: str, generated: dict[str, Path], tmp_path: Path
) -> None:
    """An input of several row groups is written as one part per thread (-w N), each
    from its own range of row groups, joined into one file: the same rows, in input
    order, as the JSON report (and as one part); a part ends with a short row group."""
    from datetime import date

    from pml_trials.batch.inputs import Input, find_inputs
    from pml_trials.sql.duck import connect
    from pml_trials.sql.duck_batch import table_source
    from pml_trials.sql.duck_parquet import _row_ranges

    profiles = random_profiles(9000, seed=23, unknown=0.5)
    profiles[5000]["age_years"] = 999  # refused, in the second part
    jsonl = write_jsonl(tmp_path / "many.jsonl", profiles)
    given = write_parquet(jsonl, row_group_size=2048)  # 5 row groups (DuckDB's smallest)
    con = connect(threads=1)
    ranges = _row_ranges(con, str(given), int(workers))
    assert len(ranges) == min(int(workers), 5)
    assert ranges[0][0] == 0 and ranges[-1][1] == 9000
    assert all(low < high == next_low for (low, high), (next_low, _) in pairwise(ranges))
    # a part's source holds its rows only, filtered in the scan (its other row groups unread)
    low, high = ranges[1]
    item = find_inputs([str(given)])[0]
    assert isinstance(item, Input)
    part, _ = table_source(con, item, date(2026, 11, 25), (low, high))
    assert "WHERE file_row_number >= " in part
    positions = [p for (p,) in con.execute(f"SELECT _pos FROM ({part})").fetchall()]
    assert positions == list(range(low + 1, high + 1))
    one, parts = tmp_path / "one.parquet", tmp_path / "parts.parquet"
    problems = []
    for target, count in ((one, "1"), (parts, workers)):
        result = screen(str(given), "-o", str(target), "-w", count)
        assert result.exit_code == 3, result.stderr  # a row was refused
        assert target.stat().st_mode & 0o777 == 0o600
        problems.append([line for line in result.stderr.splitlines() if ".parquet:" in line])
    assert problems[0] == problems[1]
    assert len(problems[0]) == 1 and "many.parquet:5001" in problems[0][0]
    assert "age_years" in problems[0][0]
    expected = _rows_of_json_report(screen(str(jsonl), "-f", "json").stdout)
    got = _rows_of_parquet(parts)
    assert got == _rows_of_parquet(one)
    assert [(r[0], r[1].replace(".parquet:", ".jsonl:"), *r[2:]) for r in got] == expected
    groups = con.execute(
        f"SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata('{parts}') "
        "GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert len(groups) == len(ranges)  # each part's 3 x (its rows) results: one row group
    assert sum(count for _, count in groups) == len(expected)
    assert not list(tmp_path.glob(".*.part"))  # no part left behind


def test_parquet_needs_an_output_file() -> None:
    result = screen("examples/patients", "-f", "parquet")
    assert result.exit_code == 2
    assert "-o FILE.parquet" in result.stderr


def test_a_town_not_in_its_country_is_refused_as_the_validator_does(tmp_path: Path) -> None:
    """The validator's one check across fields (a town must be one of its country's) is
    run in Python, once per distinct town and country, for the rows SQL found valid."""
    path = _parquet(
        tmp_path,
        "SELECT * FROM (VALUES ('t-1', 'Hannover', 'DE'), ('t-2', 'Springfield', 'UG'), "
        "('t-3', 'Hannover', NULL)) AS t(patient_id, residence_town, residence_country)",
    )
    for args in (["-f", "csv", "--engine", "duckdb"], ["-o", str(tmp_path / "r.parquet")]):
        result = screen(str(path), *args)
        assert result.exit_code == 3
        assert f"{path}:2: residence_town: 'Springfield' is not a town of Uganda" in result.stderr
        assert f"{path}:3: residence_town: a town needs its country" in result.stderr
    from pml_trials.sql.duck import connect

    ids = (
        connect().execute(f"SELECT DISTINCT patient_id FROM '{tmp_path / 'r.parquet'}'").fetchall()
    )
    assert ids == [("t-1",)]


def _relabel(text: str, table: Path, jsonl: Path, shift: int) -> str:
    """A DuckDB run's text with the table's row places as the JSON Lines' lines."""
    name = re.escape(table.name)

    def line(match: re.Match[str]) -> str:
        return f"{jsonl.name}:{int(match.group(1)) - shift}"

    def spelled(match: re.Match[str]) -> str:
        return f"{jsonl.name}, line {int(match.group(1)) - shift}"

    text = re.sub(rf"{name}:(\d+)", line, text)
    return re.sub(rf"{name}, line (\d+)", spelled, text).replace(table.name, jsonl.name)


@pytest.fixture(scope="module")
def crossed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Profiles of which about half break a check across fields (each declared
    contradiction, past dates after the screening date, towns)."""
    from tests.sql_driver import crossed_profiles

    path = tmp_path_factory.mktemp("crossed") / "crossed.jsonl"
    lines = [json.dumps(p) for p in crossed_profiles(400, seed=15)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_rows_refused_across_fields_are_the_python_engines(
    suffix: str, fmt: str, crossed: Path
) -> None:
    """The checks across fields run as SQL predicates from the validator's declarations:
    the same rows are refused, in the same words and order, and the rest screened alike."""
    table = write_parquet(crossed) if suffix == ".parquet" else write_csv(crossed)
    python = screen(str(crossed), "-f", fmt)
    duck = screen(str(table), "-f", fmt, "--engine", "duckdb")
    assert python.exit_code == duck.exit_code == 3
    refused = [line for line in python.stderr.splitlines() if "crossed.jsonl:" in line]
    fields = {line.split(": ")[1] for line in refused}
    assert {"predisposing_conditions", "hiv_positive", "gvhd_grade", "residence_town"} <= fields
    assert any("is after the screening date" in line for line in refused)
    shift = 1 if suffix == ".csv" else 0
    assert _relabel(duck.stderr, table, crossed, shift) == python.stderr
    assert _relabel(duck.stdout, table, crossed, shift) == python.stdout


@pytest.mark.parametrize("source", ["parquet", "csv", "jsonl"])
def test_parquet_results_refuse_the_same_rows_across_fields(
    source: str, crossed: Path, tmp_path: Path
) -> None:
    writers: dict[str, Callable[[Path], Path]] = {
        "parquet": write_parquet,
        "csv": write_csv,
        "jsonl": lambda path: path,
    }
    given = writers[source](crossed)
    target = tmp_path / "results.parquet"
    result = screen(str(given), "-o", str(target))
    python = screen(str(crossed), "-f", "json")
    assert result.exit_code == python.exit_code == 3
    shift = 1 if source == "csv" else 0
    problems = [line for line in python.stderr.splitlines() if "crossed.jsonl:" in line]
    got = [
        line
        for line in _relabel(result.stderr, given, crossed, shift).splitlines()
        if "crossed.jsonl:" in line
    ]
    assert got == problems
    expected = _rows_of_json_report(python.stdout)
    rows = _rows_of_parquet(target)
    rows = [(r[0], _relabel(r[1], given, crossed, shift), *r[2:]) for r in rows]
    assert rows == expected


def test_engine_auto_takes_duckdb_for_parquet_and_python_otherwise(
    generated: dict[str, Path],
) -> None:
    jsonl = generated["sparse"]
    parquet = write_parquet(jsonl)
    auto = screen(str(parquet), "-f", "csv", "--engine", "auto")
    assert auto.exit_code == 0, auto.stderr
    assert auto.stdout == screen(str(parquet), "-f", "csv", "--engine", "duckdb").stdout
    python = screen(str(parquet), "-f", "csv")  # the Python engine does not read Parquet
    assert python.exit_code == 3
    assert "binary data" in python.stderr
    assert (
        screen(str(jsonl), "-f", "json", "--engine", "auto").stdout
        == screen(str(jsonl), "-f", "json").stdout
    )


def _results(text: str) -> list[tuple[Any, ...]]:
    """A JSON report's results without their source (the engines name CSV rows alike?
    not asserted here: the values and verdicts are)."""
    return [(r[0], *r[2:]) for r in _rows_of_json_report(text)]


@pytest.mark.parametrize("which", ["complete", "sparse"])
def test_a_csv_gives_the_same_profiles_on_both_engines(
    which: str, generated: dict[str, Path], tmp_path: Path
) -> None:
    """--engine duckdb reads a CSV with the import wing's strict cell rules (the Python
    engine's reading of a sheet whose columns are the profile keys)."""
    table = write_csv(generated[which])
    python = screen(str(table), "-f", "json")
    duck = screen(str(table), "-f", "json", "--engine", "duckdb")
    assert python.exit_code == duck.exit_code == 0, (python.stderr, duck.stderr)
    assert _results(duck.stdout) == _results(python.stdout)


def test_csv_cells_follow_the_import_wings_rules(tmp_path: Path) -> None:
    path = tmp_path / "cells.csv"
    path.write_text(
        "patient_id,age_years,hiv_positive,cd4_cells_per_ul,predisposing_conditions,sex\n"
        "r-1, 40 ,1,+250,hiv|multiple_sclerosis,male\n"
        "r-2,40.0,0,1e2,hiv, male\n"  # ' male' is not a choice as written
        "r-3,40.5,true,250,hiv,male\n"  # not a whole number
        "r-4,40,yes,250,hiv,male\n"  # yes is not true/false/1/0 (strict)
        "r-5,40,false,250 cells,hiv,male\n",  # a unit after the number (strict)
        encoding="utf-8",
    )
    for engine in ("python", "duckdb"):
        result = screen(str(path), "-f", "json", "--engine", engine)
        assert result.exit_code == 3, (engine, result.stderr)
        ids = {r["patient_id"] for r in json.loads(result.stdout)["results"]}
        assert ids == {"r-1"}, (engine, result.stderr)
        first = json.loads(result.stdout)["results"][0]
        assert first["trials"][0]["criteria"]  # screened with the values read


@pytest.mark.parametrize(
    ("names", "size", "import_options", "expected"),
    [
        (["a.parquet"], 0, False, "duckdb"),
        (["a.parquet"], 0, True, "duckdb"),  # only DuckDB reads Parquet
        (["a.csv"], 4 * 2**20, False, "duckdb"),
        (["a.CSV", "b.jsonl"], 4 * 2**20, False, "duckdb"),
        (["a.csv"], 4 * 2**20 - 1, False, "python"),
        (["a.csv"], 4 * 2**20, True, "python"),  # --mapping, --lenient, --codes
        (["a.jsonl"], 4 * 2**20, False, "python"),
        (["missing.csv"], None, False, "python"),
    ],
)
def test_engine_auto_chooses_by_what_was_measured(
    names: list[str], size: int | None, import_options: bool, expected: str, tmp_path: Path
) -> None:
    from pml_trials.cli.screen_run import _auto_engine

    paths = []
    for name in names:
        path = tmp_path / name
        if size is not None:
            with path.open("wb") as handle:
                handle.truncate(size)
        paths.append(str(path))
    assert _auto_engine(paths, import_options).value == expected
