"""The README stays true: generated parts current, the two commands present, links valid."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.importers import reference as imports
from pml_trials.profile.reference import END, START, field_reference

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_field_reference_in_readme_is_current() -> None:
    start, end = README.index(START), README.index(END) + len(END) + 1
    assert README[start:end] == field_reference(), (
        "README field reference is stale: replace it with the output of `pml-trials fields`"
    )


def test_import_reference_in_readme_is_current() -> None:
    start, end = README.index(imports.START), README.index(imports.END) + len(imports.END) + 1
    assert README[start:end] == imports.import_reference(), (
        "README import reference is stale: replace it with the output of `pml-trials fields`"
    )


def test_fields_command_prints_the_reference() -> None:
    result = CliRunner().invoke(app, ["fields"], catch_exceptions=False)
    assert result.output == field_reference() + "\n" + imports.import_reference()


def _command_after(marker: str) -> str:
    lines = README.splitlines()
    index = lines.index(f"<!-- {marker} -->")
    return next(line for line in lines[index + 1 :] if line and not line.startswith("`"))


def test_readme_has_one_main_command_and_one_test_command_near_the_top() -> None:
    main, tests = _command_after("main-command"), _command_after("test-command")
    assert "pip install" in main and "pml-trials screen examples/patients" in main
    assert "pip install" in tests and "pytest" in tests and "[dev]" in tests
    assert README.index("<!-- test-command -->") < 2500, "keep the commands near the top"


def test_ci_runs_the_readme_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'readme_command "test-command"' in ci and 'bash -c "$test_command"' in ci
    assert "ruff format --check" in ci and "ruff check" in ci and "mypy" in ci


def test_readme_mentions_every_command() -> None:
    for command in app.registered_commands:
        assert f"pml-trials {command.name}" in README, command.name


def test_relative_links_in_readme_exist() -> None:
    for target in re.findall(r"\]\(([^)#:]+)\)", README):
        assert (ROOT / target).exists(), target


def test_the_exit_code_table_lists_every_exit_code() -> None:
    """Issue 12: the README's table and ExitCode (the one source in errors.py) agree."""
    from pml_trials.errors import ExitCode

    table = README[README.index("## Exit codes") :]
    table = table[: table.index("\n## ")]
    codes = re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)
    assert codes == [str(int(code)) for code in ExitCode]
    assert "| 128+N |" in table
