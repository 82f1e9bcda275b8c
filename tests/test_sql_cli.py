"""``pml-trials sql``: readable queries for every dialect, safe from hostile criteria text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.sql.dialects import Dialect

sqlglot = pytest.importorskip("sqlglot")

TRIALS = ("tcell-transfer", "checkpoint-inhibitor", "cmx001")


def run(*args: str) -> str:
    result = CliRunner().invoke(app, ["sql", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_duckdb_query_of_the_bundled_studies(golden: object) -> None:
    text = run("--dialect", "duckdb", "--as-of", "2026-11-25")
    assert text.startswith("-- pml-trials")
    assert "Pre-screening only" in text
    assert golden is not None
    golden("sql/duckdb.sql", text)  # type: ignore[operator]


@pytest.mark.parametrize("dialect", list(Dialect))
def test_every_dialect_parses_back_with_every_criterion_named(
    dialect: Dialect, studies: tuple[object, ...]
) -> None:
    text = run("--dialect", dialect.value, "--as-of", "2026-11-25")
    statements = [s for s in sqlglot.parse(text, read=dialect.value) if s is not None]
    assert len(statements) == len(TRIALS)
    for study in studies:
        for criterion in study.criteria:  # type: ignore[attr-defined]
            assert f"/* {criterion.id} ({criterion.kind}):" in text
    code = re.sub(r"/\*.*?\*/|--[^\n]*", "", text).lower()  # the SQL without comments
    assert " is true" not in code and " is not false" not in code
    assert "not not" not in code  # sqlglot's Trino rewrite of IS NOT FALSE


def test_one_trial_and_the_schema() -> None:
    text = run("--trial", "cmx001", "--dialect", "spark")
    assert text.count("-- Study ") == 1 and "CURRENT_DATE" in text
    schema = run("--schema", "--dialect", "postgres", "--table", "registry.profiles")
    assert schema.startswith("CREATE TABLE registry.profiles (")
    assert "predisposing_conditions TEXT[]" in schema
    assert "patient_id TEXT NOT NULL" in schema


def test_hostile_criterion_text_stays_inside_its_comment(tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "criteria" / "cmx001.toml"
    text = source.read_text(encoding="utf-8")
    hostile = "*/ DROP TABLE profiles; /*\\nSELECT 1; --"
    (tmp_path / "cmx001.toml").write_text(
        text.replace('text = "Must give written', f'text = "{hostile} Must give written', 1),
        encoding="utf-8",
    )
    out = run("--criteria", str(tmp_path), "--no-bundled", "--dialect", "duckdb")
    assert "DROP TABLE" in out  # quoted, but only inside the comment
    statements = sqlglot.parse(out, read="duckdb")
    assert [type(s).__name__ for s in statements if s is not None] == ["Select"]


def test_the_sql_engines_are_not_imported_at_start_up() -> None:
    """sqlglot, duckdb and pyspark load only in the commands that use them."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from pml_trials.cli.commands import application\n"
        "for args in (['--help'], ['screen', '--help'], ['sql', '--help'], ['spark', '--help']):\n"
        "    try:\n"
        "        application(args)(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('sqlglot', 'duckdb', 'pyspark') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
