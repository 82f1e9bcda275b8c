"""Issue 2: every command has help, the schemas are complete, errors map to exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pml_trials.cli import internal_error_report
from pml_trials.cli.app import app
from pml_trials.cli.commands import application
from pml_trials.profile.fields import FIELDS

runner = CliRunner()
COMMANDS = sorted(c.name or "" for c in app.registered_commands)


def test_the_expected_commands_are_registered() -> None:
    expected = {"screen", "ask", "explain", "form", "check", "trials", "show", "new", "diff"}
    expected |= {"schema", "fields"}
    assert set(COMMANDS) == expected


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Usage:" in result.output
    registered = next(c for c in app.registered_commands if c.name == command)
    assert registered.callback is not None and registered.callback.__doc__, command
    assert "Not written yet" not in registered.callback.__doc__


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("rest", [["--help"], ["--no-such-option"], []])
def test_a_call_runs_an_application_of_its_command_alone_that_behaves_the_same(
    command: str, rest: list[str]
) -> None:
    args = [command, *rest]
    alone = application(args)
    assert [c.name for c in alone.registered_commands] == [command]
    full = runner.invoke(app, args, prog_name="pml-trials")
    one = runner.invoke(alone, args, prog_name="pml-trials")
    assert (one.exit_code, one.stdout, one.stderr) == (full.exit_code, full.stdout, full.stderr)


def test_anything_but_a_command_first_gets_every_command() -> None:
    for args in ([], ["--help"], ["scren"], ["--help", "screen"]):
        assert len(application(args).registered_commands) == len(COMMANDS)


def test_top_level_help_lists_commands_and_exit_codes() -> None:
    result = runner.invoke(app, ["--help"], catch_exceptions=False)
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output
    assert "Exit codes" in result.output and "Pre-screening only" in result.output


def test_unknown_command_is_a_usage_error() -> None:
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2


def test_profile_schema_has_every_field_with_unit_and_question() -> None:
    result = runner.invoke(app, ["schema", "profile"], catch_exceptions=False)
    schema = json.loads(result.output)
    assert list(schema["properties"]) == [spec.key for spec in FIELDS]
    for spec in FIELDS:
        prop = schema["properties"][spec.key]
        assert prop["x-question"] == spec.question
        assert prop["x-unit"] == spec.unit
        assert prop["description"] == spec.help
    assert schema["required"] == ["patient_id"]
    assert schema["additionalProperties"] is False


def test_profile_schema_carries_ranges_and_choices() -> None:
    schema = json.loads(runner.invoke(app, ["schema", "profile"]).output)
    age = schema["properties"]["age_years"]["anyOf"][0]
    assert (age["type"], age["minimum"], age["maximum"]) == ("integer", 0, 120)
    karnofsky = schema["properties"]["karnofsky_score"]["anyOf"][0]
    assert karnofsky["multipleOf"] == 10
    pcr = schema["properties"]["csf_jcv_pcr"]["anyOf"][0]
    assert pcr["enum"] == ["detected", "not_detected", "not_done"]


def test_criteria_schema_is_printed() -> None:
    schema = json.loads(runner.invoke(app, ["schema", "criteria"]).output)
    assert schema["required"][:2] == ["format", "id"]
    assert "rule" in schema["properties"]["inclusion"]["items"]["properties"]


def test_schema_of_something_else_is_a_usage_error() -> None:
    assert runner.invoke(app, ["schema", "patient"]).exit_code == 2


def test_python_dash_m_runs_the_same_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pml_trials", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "Usage: " in done.stdout and "screen" in done.stdout


def test_internal_error_report_shows_places_but_not_values() -> None:
    secret = "cd4=37 patient ex-99"
    with pytest.raises(KeyError) as caught:
        {"a": 1}[secret]
    report = internal_error_report(caught.value)
    assert "KeyError" in report and "test_cli_basics.py" in report
    assert secret not in report


def test_an_unexpected_exception_exits_1_without_values() -> None:
    script = (
        "import sys, pml_trials.cli.fields as f\n"
        "def boom() -> None:\n"
        "    raise ValueError('age_years=44 hiv_positive=True')\n"
        "f.command = boom\n"
        "sys.argv = ['pml-trials', 'fields']\n"
        "from pml_trials.cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "internal error (ValueError)" in done.stderr
    assert "age_years=44" not in done.stderr + done.stdout
