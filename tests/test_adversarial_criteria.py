"""Issue 12, hostile criteria files: definitions that reuse each other, huge numbers,
deep nesting, long chains, devices and FIFOs with a .toml name, hidden files. Each bad
file is a criteria error with its file (and line where there is one); the other files
in the folder still load; nothing hangs or crashes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pml_trials.studies.load import load_dirs
from tests.attack import environment, run
from tests.test_loader_errors import BASE, write


def with_definitions(folder: Path, definitions: list[str], rule: str, name: str = "mini") -> Path:
    lines = list(BASE)
    lines[12] = "\n".join(definitions)
    lines[18] = f'rule = "{rule}"'
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines).replace('id = "mini"', f'id = "{name}"') + "\n", "utf-8")
    return path


def good(folder: Path) -> Path:
    return write(folder, name="good", changes={2: 'id = "good"'})


def errors_of(folder: Path) -> list[str]:
    report = load_dirs([folder])
    assert [s.id for s in report.studies] == ["good"], "the good file still loads"
    return [e.render() for e in report.errors]


def test_definitions_that_double_each_other_load_fast_or_are_refused(tmp_path: Path) -> None:
    """40 lines, each using the one before twice: 2**40 steps when expanded as trees.
    Checked in a child process, so that a hang fails the test rather than the suite."""
    doubling = ['d0 = "age_years >= 18"'] + [
        f'd{i} = "d{i - 1} and d{i - 1}"' for i in range(1, 41)
    ]
    with_definitions(tmp_path / "crit", doubling, "d40")
    good(tmp_path / "crit")
    started = time.monotonic()
    result = run("check", "--no-bundled", "--criteria", tmp_path / "crit", timeout=30,
                 env=environment(PML_TRIALS_NO_CACHE="1"))  # fmt: skip
    assert time.monotonic() - started < 20
    assert result.returncode == 3, result.stderr
    assert b"mini.toml:25: definition 'd12': definitions build on each other 13 levels deep" in (
        result.stderr
    )


def test_shared_definitions_within_the_limit_are_expanded_once(tmp_path: Path) -> None:
    doubling = ['d0 = "age_years >= 18"'] + [
        f'd{i} = "d{i - 1} and d{i - 1}"' for i in range(1, 12)
    ]
    with_definitions(tmp_path, doubling, "d11 or d11")
    started = time.monotonic()
    report = load_dirs([tmp_path])
    assert not report.errors and time.monotonic() - started < 5
    assert report.studies[0].criteria[0].fields == ("age_years",)


@pytest.mark.parametrize("order", ["dependencies first", "users first"])
def test_a_chain_of_1500_definitions_is_a_criteria_error(tmp_path: Path, order: str) -> None:
    chain = ['d0 = "age_years >= 18"'] + [f'd{i} = "d{i - 1}"' for i in range(1, 1501)]
    if order == "users first":
        chain.reverse()
    with_definitions(tmp_path, chain, "d1500")
    good(tmp_path)
    (problem, *_) = errors_of(tmp_path)
    assert "mini.toml:" in problem and "levels deep (allowed: at most 12" in problem


@pytest.mark.parametrize(
    ("line", "text", "expected"),
    [
        (1, "format = " + "1" * 5000, "mini.toml:1: invalid TOML: a number has too many digits"),
        (7, "x = " + "[" * 3000 + "]" * 3000, "mini.toml:7: invalid TOML: arrays or tables nested"),
        (7, "x = " + "{a = " * 3000 + "1" + "}" * 3000, "invalid TOML: arrays or tables nested"),
    ],
)
def test_huge_numbers_and_deep_nesting_are_criteria_errors(
    tmp_path: Path, line: int, text: str, expected: str
) -> None:
    write(tmp_path, {line: text})
    good(tmp_path)
    (problem,) = errors_of(tmp_path)
    assert expected in problem


def test_non_regular_files_named_toml_are_refused_unread(tmp_path: Path) -> None:
    good(tmp_path)
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.toml")  # nobody writes to it: reading would wait forever
    result = run("check", "--no-bundled", "--criteria", tmp_path, timeout=30)
    assert result.returncode == 3
    assert b"fifo.toml: a named pipe (FIFO), not a file: not read" in result.stderr
    assert b"zero.toml: a device, not a file: not read" in result.stderr


def test_an_example_file_linked_to_a_device_is_refused(tmp_path: Path) -> None:
    good(tmp_path)
    write(tmp_path, {30: 'file = "zero.json"'})
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (problem,) = errors_of(tmp_path)
    assert "cannot read the profile file: a device, not a file" in problem


def test_a_criteria_file_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    good(tmp_path)
    write(tmp_path, {7: "# " + "x" * 1_100_000})
    (problem,) = errors_of(tmp_path)
    assert "at most 1,048,576 are read" in problem


def test_hidden_toml_files_are_not_loaded(tmp_path: Path) -> None:
    good(tmp_path)
    (tmp_path / ".mini.toml").write_text("this is not TOML [", encoding="utf-8")
    report = load_dirs([tmp_path])
    assert [s.id for s in report.studies] == ["good"] and not report.errors


def test_a_broken_file_stops_screening_with_its_name_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, {1: "format = " + "9" * 5000})
    # the screening commands refuse to run (exit 3) while any file is broken
    screened = run("screen", "-", "--no-bundled", "--criteria", tmp_path,
                   stdin=b'{"patient_id": "a"}\n')  # fmt: skip
    assert screened.returncode == 3
    assert b"invalid TOML: a number has too many digits" in screened.stderr
    assert b"internal error" not in screened.stderr
