"""Finding a batch's inputs: folders in a stable order, hidden files skipped, problems in
place of paths that give nothing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pml_trials.batch.inputs import Input, find_inputs
from pml_trials.engine.run import InputProblem


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"patient_id": "x"}\n', encoding="utf-8")


def labels(found: list[Input | InputProblem]) -> list[str]:
    return [i.label if isinstance(i, Input) else i.source for i in found]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_a_folder_gives_its_files_then_each_subfolder_in_name_order(tmp_path: Path) -> None:
    touch(tmp_path, "b.json", "a.JSONL", "c.ndjson", "z/1.json", "m/2.json", "m/n/3.json")
    touch(tmp_path, "notes.txt", "x.json.bak")
    found = find_inputs(["."])
    assert labels(found) == ["a.JSONL", "b.json", "c.ndjson", "m/2.json", "m/n/3.json", "z/1.json"]
    kinds = {Path(i.label).name: i.kind for i in found if isinstance(i, Input)}
    assert kinds == {
        "a.JSONL": "lines",
        "b.json": "json",
        "c.ndjson": "lines",
        "2.json": "json",
        "3.json": "json",
        "1.json": "json",
    }


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    touch(tmp_path, ".hidden.json", ".git/x.json", "seen.json")
    assert labels(find_inputs(["."])) == ["seen.json"]


def test_paths_keep_the_order_given_with_problems_in_place(tmp_path: Path) -> None:
    touch(tmp_path, "one.json", "two.jsonl")
    (tmp_path / "empty").mkdir()
    found = find_inputs(["two.jsonl", "missing.json", "empty", "one.json", "-"])
    assert labels(found) == ["two.jsonl", "missing.json", "empty", "one.json", "-"]
    assert isinstance(found[1], InputProblem) and found[1].message == "no such file or directory"
    assert isinstance(found[2], InputProblem) and "no *.json" in found[2].message
    assert found[4] == Input("-", "-", "sniff", None)


def test_sizes_are_known_for_regular_files(tmp_path: Path) -> None:
    touch(tmp_path, "a.json")
    (found,) = find_inputs(["a.json"])
    assert isinstance(found, Input) and found.size == (tmp_path / "a.json").stat().st_size


def test_a_file_named_explicitly_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    touch(tmp_path, "profile.txt")
    (found,) = find_inputs(["profile.txt"])
    assert isinstance(found, Input) and found.kind == "json"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_links_to_folders_are_not_followed(tmp_path: Path) -> None:
    touch(tmp_path, "real/a.json")
    (tmp_path / "loop").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real" / "up").symlink_to(tmp_path, target_is_directory=True)  # a cycle
    assert labels(find_inputs(["."])) == ["real/a.json"]


@pytest.mark.skipif(sys.platform != "linux", reason="needs byte file names")
def test_a_file_name_that_is_not_utf8_gets_a_printable_label(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.json")
    (tmp_path / name).write_text('{"patient_id": "x"}', encoding="utf-8")
    (found,) = find_inputs(["."])
    assert isinstance(found, Input) and found.path.endswith(name)
    assert found.label == "caf\ufffd.json"
    found.label.encode("utf-8")  # writable anywhere
