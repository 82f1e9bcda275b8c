"""Issue 20: the start-up fast path (``pml_trials.cli.fast``) parses a plain ``screen``
command line exactly as typer does, defers everything else, and its runs are byte for
byte those of the typer path (stdout, stderr, exit code, output file)."""

from __future__ import annotations

import inspect
import os
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pml_trials.cli import fast, screen_run
from pml_trials.cli.commands import build

ROOT = Path(__file__).resolve().parent.parent
PATIENTS = sorted(str(p) for p in (ROOT / "examples" / "patients").glob("*.json"))
ONE = PATIENTS[0]
FORMATS = ["table", "json", "jsonl", "csv", "markdown", "html"]


def screen_params() -> list[Any]:
    group = typer.main.get_command(build(["screen"]))
    command = group.commands["screen"]  # type: ignore[attr-defined]
    params: list[Any] = command.params
    return params


def spellings(param: Any) -> set[str]:
    return {*param.opts, *param.secondary_opts}


# --- the option table against typer's parameters -------------------------------------


def test_the_table_names_only_parameters_of_the_typer_command() -> None:
    names = {p.name for p in screen_params()}
    assert set(fast.OPTIONS) <= names
    assert set(inspect.signature(screen_run.run).parameters) == names


def test_each_option_taken_is_spelt_typed_and_limited_as_typer_has_it() -> None:
    by_name = {p.name: p for p in screen_params()}
    for name, (names, convert, repeatable) in fast.OPTIONS.items():
        param = by_name[name]
        assert spellings(param) == set(names), name
        assert param.envvar is None, name  # an environment variable would be read by typer only
        assert bool(param.multiple) == repeatable, name
        assert bool(param.is_flag) == (convert is None), name
        assert param.nargs == 1, name
        kind = param.type
        if type(kind).__name__ == "TyperChoice":
            assert kind.case_sensitive, name
            values = [getattr(c, "value", c) for c in kind.choices]
            assert convert is not None
            for value in values:
                assert convert(value).value == value
            for other in ("", "CSV", "Table", "x"):
                if other not in values:
                    with pytest.raises(fast.DeferError):
                        convert(other)
        elif type(kind).__name__ == "IntRange":
            assert (kind.min, kind.max) == fast.WORKERS_RANGE, name
            assert not kind.clamp and not kind.min_open and not kind.max_open, name
        elif type(kind).__name__ == "DateTime":
            assert list(kind.formats) == ["%Y-%m-%d"], name
        elif type(kind).__name__ == "TyperPath":
            assert (kind.exists, kind.dir_okay, kind.readable, kind.writable) == (
                False,
                False,
                True,
                False,
            ), name
            assert not kind.resolve_path and not kind.allow_dash, name
        elif name != "no_bundled":
            assert type(kind).__name__ == "StringParamType", name


def test_every_other_option_goes_to_typer() -> None:
    taken = {s for names, _, _ in fast.OPTIONS.values() for s in names}
    others = [p for p in screen_params() if p.name not in fast.OPTIONS]
    assert [p.name for p in others if p.param_type_name == "argument"] == ["paths"]
    for param in others:
        if param.param_type_name == "argument":
            continue
        for spelling in spellings(param):
            assert spelling not in taken
            for args in ([spelling, "x"], [spelling], [f"{spelling}=x"]):
                assert fast.screen_arguments(["screen", ONE, *args]) is None, args
    for spelling in ("--help", "-h", "--", "-", "-fcsv", "--form", "--FORMAT", "-x"):
        assert fast.screen_arguments(["screen", ONE, spelling]) is None, spelling


def test_only_screen_and_never_completion() -> None:
    assert fast.screen_arguments(["screen", ONE]) == {"paths": [ONE]}
    for args in ([], [ONE], ["trials"], ["--help"], ["screen"], ["screen", ""], ["Screen", ONE]):
        assert fast.screen_arguments(args) is None, args
    os.environ[fast.COMPLETE] = "bash_complete"
    try:
        assert fast.screen_arguments(["screen", ONE]) is None
    finally:
        del os.environ[fast.COMPLETE]


# --- the two parsers on generated command lines ---------------------------------------

runner = CliRunner()
APP = build(["screen"])
TOKENS = sorted(
    {s for p in screen_params() for s in spellings(p)}
    | {"--help", "--", "-", "-fcsv", "-w3", "--format=csv", "--format=", "--as-of=2026-11-25"}
    | {"csv", "json", "jsonl", "table", "html", "markdown", "parquet", "CSV", "a4", "letter"}
    | {"all", "none", "actionable", "python", "duckdb", "auto", "Python"}
    | {"2026-11-25", "2026-1-5", "2026-02-30", "0000-01-01", "2026-11-25T10:00:00"}
    | {"0", "3", "64", "65", "+3", "03", " 3", "-1", "٣", "3_0", "1.5", "nan"}
    | {"p.json", "out.csv", "tests", "", "cmx001", "x"}
)


def typer_arguments(args: list[str]) -> dict[str, Any] | None:
    """The arguments typer calls the implementation with, or None if it refuses."""
    seen: dict[str, Any] = {}
    signature = inspect.signature(screen_run.run)

    def record(*given: Any) -> int:
        bound = signature.bind(*given)
        seen.update(bound.arguments)
        return 0

    original = screen_run.run
    screen_run.run = record  # type: ignore[assignment]
    try:
        result = runner.invoke(APP, ["screen", *args])
    finally:
        screen_run.run = original
    return seen if result.exit_code == 0 and seen else None


def with_defaults(arguments: dict[str, Any]) -> dict[str, Any]:
    signature = inspect.signature(screen_run.run)
    defaults = {k: v.default for k, v in signature.parameters.items() if k != "paths"}
    return {**defaults, **arguments}


# Mostly an option followed by a value, so that many command lines are taken.
PAIRS = st.tuples(
    st.sampled_from(sorted({s for p in screen_params() for s in spellings(p)})),
    st.sampled_from(TOKENS),
).map(list)
COMMAND_LINES = st.lists(
    st.one_of(PAIRS, st.sampled_from(TOKENS).map(lambda t: [t]), st.just(["p.json"])),
    max_size=6,
).map(lambda parts: [token for part in parts for token in part])


@settings(max_examples=400, deadline=None)
@given(COMMAND_LINES)
def test_what_the_fast_path_takes_typer_reads_the_same_way(tokens: list[str]) -> None:
    os.chdir(ROOT)
    ours = fast.screen_arguments(["screen", *tokens])
    if ours is None:
        return  # typer parses it: nothing to compare
    theirs = typer_arguments(tokens)
    assert theirs is not None, tokens
    assert with_defaults(ours) == theirs, tokens


def test_many_command_lines_of_the_same_words_are_taken_and_read_alike() -> None:
    """The comparison is worth something only if the fast path takes many of them."""
    rng = random.Random(20)
    options = sorted({s for p in screen_params() for s in spellings(p)})
    taken = 0
    for _ in range(400):
        tokens = ["p.json"]
        for _ in range(rng.randrange(4)):
            tokens += [rng.choice(options), rng.choice(TOKENS)]
        if rng.random() < 0.2:
            rng.shuffle(tokens)
        ours = fast.screen_arguments(["screen", *tokens])
        if ours is not None:
            taken += 1
            assert with_defaults(ours) == typer_arguments(tokens), tokens
    assert taken >= 80, taken


@pytest.mark.parametrize(
    "tokens",
    [
        [ONE],
        [ONE, "-f", "csv", "--as-of", "2026-11-25"],
        ["--format=jsonl", ONE, ONE, "-t", "cmx001", "--trial", "x", "-w", "2"],
        [ONE, "--no-bundled", "--paper", "letter", "--detail", "all", "-e", "auto"],
        [ONE, "-o", "out.csv"],
    ],
)
def test_examples_parse_alike(tokens: list[str]) -> None:
    os.chdir(ROOT)
    ours = fast.screen_arguments(["screen", *tokens])
    assert ours is not None
    assert with_defaults(ours) == typer_arguments(tokens)


def test_as_of_is_the_datetime_typer_gives() -> None:
    ours = fast.screen_arguments(["screen", ONE, "--as-of", "2026-11-25"])
    assert ours is not None and ours["as_of"] == datetime(2026, 11, 25)  # noqa: DTZ001


def test_an_output_typer_would_refuse_is_deferred(tmp_path: Path) -> None:
    unreadable = tmp_path / "old.csv"
    unreadable.write_text("x", encoding="utf-8")
    unreadable.chmod(0o200)
    for output in (str(tmp_path), str(unreadable)):
        if output == str(unreadable) and os.access(output, os.R_OK):
            continue  # running as root: readable anyway, as typer sees it
        assert fast.screen_arguments(["screen", ONE, "-o", output]) is None


# --- both paths, run for real --------------------------------------------------------

RUN = (
    "import sys\n"
    "sys.argv = ['pml-trials', *sys.argv[2:]]\n"
    "from pml_trials.cli import main\n"
    "main(fast=__import__('os').environ['PATH_KIND'] == 'fast')\n"
)


def run(kind: str, args: list[str], cwd: Path) -> tuple[bytes, bytes, int]:
    env = {**os.environ, "PATH_KIND": kind, "PML_TRIALS_NOW": "2026-11-25T19:20:00Z"}
    env.pop("PML_TRIALS_CRITERIA", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN, "-", *args], capture_output=True, env=env, cwd=cwd, check=False
    )
    return done.stdout, done.stderr, done.returncode


CASES = [
    ["screen", ONE, "--as-of", "2026-11-25"],
    *(["screen", *PATIENTS, "-f", fmt, "--as-of", "2026-11-25"] for fmt in FORMATS),
    ["screen", ONE, "-f", "json", "-t", "cmx001"],
    ["screen", ONE, "-t", "no-such-study"],  # a usage error: exit 2 through typer.Exit
    ["screen", "missing.json", "-f", "csv"],  # invalid input: exit 3
    ["screen", ONE, "-f", "parquet"],  # parquet needs -o: exit 2
]


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(Path(x).name for x in a[1:]))
def test_both_paths_write_the_same_bytes(args: list[str], tmp_path: Path) -> None:
    assert fast.screen_arguments(args) is not None
    assert run("fast", args, tmp_path) == run("typer", args, tmp_path)


@pytest.mark.parametrize("fmt", ["csv", "json", "html"])
def test_both_paths_write_the_same_output_file(fmt: str, tmp_path: Path) -> None:
    args = ["screen", *PATIENTS, "-o", f"report.{fmt}", "--as-of", "2026-11-25"]
    ran = {}
    for kind in ("fast", "typer"):
        ran[kind] = (run(kind, args, tmp_path), (tmp_path / f"report.{fmt}").read_bytes())
        (tmp_path / f"report.{fmt}").unlink()
    assert ran["fast"] == ran["typer"]
    assert ran["fast"][0][2] == 0 and ran["fast"][1]


def test_a_bad_invalid_file_and_an_unreadable_one_alike(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"patient_id": "p-1", "age_years": 4.0, "x": 1}', encoding="utf-8")
    args = ["screen", str(bad), ONE, "-f", "jsonl", "--as-of", "2026-11-25"]
    fast_run = run("fast", args, tmp_path)
    assert fast_run == run("typer", args, tmp_path) and fast_run[2] == 3
