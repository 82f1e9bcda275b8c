"""The README's import example runs as written, in a copy of the examples."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[list[str]]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("<!-- import-example -->") + 2
    end = lines.index("```", start)
    return [shlex.split(line)[1:] for line in lines[start:end]]


def test_the_readme_import_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    commands = _commands()
    assert len(commands) == 6
    for args in commands:
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.stderr)
        assert "Pre-screening only" in result.stdout or "-o" in args, args
    assert (tmp_path / "profiles.jsonl").exists() and (
        tmp_path / "profiles.provenance.jsonl"
    ).exists()
    assert len((tmp_path / "registry.jsonl").read_text().splitlines()) == 3
    assert (
        (tmp_path / "pml-prescreen-dictionary.csv").read_text().startswith("Variable / Field Name")
    )
