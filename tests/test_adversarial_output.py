"""Issue 12, attacks on what the tool writes: an output that is an input, devices, FIFOs,
symbolic links, full disks, file-size limits, refused renames, closed streams, suffixes
the tool cannot write, leftovers of killed runs. Every fixture is made at run time."""

from __future__ import annotations

import errno
import json
import os
import resource
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from tests.attack import COMMAND, EXAMPLE, ROOT, environment, profile, run

runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    monkeypatch.delenv("PML_TRIALS_CRITERIA", raising=False)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- an output that is one of the run's own files ---------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["screen", "p.json", "-o", "p.json"],
        ["screen", "p.json", "-o", "./sub/../p.json"],
        ["screen", "x.jsonl", "-o", "x.jsonl"],
        ["screen", "x.jsonl", "-f", "csv", "-o", "link.jsonl"],
        ["screen", "x.jsonl", "-f", "csv", "-o", "hard.jsonl"],
        ["screen", ".", "-o", "p.json"],
        ["explain", "p.json", "-o", "p.json"],
        ["explain", "p.json", "-f", "markdown", "-o", "link.jsonl"],
    ],
)
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(
    tmp_path: Path, command: list[str]
) -> None:
    profile(tmp_path / "p.json")
    (tmp_path / "sub").mkdir()
    lines = tmp_path / "x.jsonl"
    lines.write_text('{"patient_id": "a"}\n', encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(lines)
    os.link(lines, tmp_path / "hard.jsonl")
    if "link.jsonl" in command and command[0] == "explain":
        (tmp_path / "link.jsonl").unlink()
        (tmp_path / "link.jsonl").symlink_to(tmp_path / "p.json")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code, _, err = invoke(*command)
    assert code == 2, err
    assert "is also a file this run reads" in err and "choose another output file" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_an_output_that_is_a_criteria_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "crit"
    folder.mkdir()
    study = folder / "mini.toml"
    study.write_bytes((ROOT / "criteria" / "cmx001.toml").read_bytes())
    profile(tmp_path / "p.json")
    code, _, err = invoke("screen", "p.json", "-f", "csv", "-o", "crit/mini.toml")
    assert code == 2 and "cannot write .toml files" in err
    code, _, err = invoke("explain", "p.json", "-o", str(ROOT / "criteria" / "cmx001.toml"))
    assert code == 2
    # named without the .toml suffix, through a link: the same file
    (tmp_path / "study.txt").symlink_to(ROOT / "criteria" / "cmx001.toml")
    digest = (ROOT / "criteria" / "cmx001.toml").read_bytes()
    code, _, err = invoke("screen", "p.json", "-o", "study.txt")
    assert code == 2 and "is also a file this run reads" in err
    assert (ROOT / "criteria" / "cmx001.toml").read_bytes() == digest


def test_an_earlier_report_found_in_the_folder_is_replaced_not_read(tmp_path: Path) -> None:
    """``screen dir -o dir/report.json`` twice: the earlier report is this tool's own,
    not a patient's file, so it is skipped and replaced (and a profile would be kept)."""
    profile(tmp_path / "p.json")
    assert invoke("screen", ".", "-o", "report.json")[0] == 0
    code, _, err = invoke("screen", ".", "-o", "report.json")
    assert code == 0, err
    assert len(json.loads((tmp_path / "report.json").read_text("utf-8"))["results"]) == 1


# -- what the output's name says -------------------------------------------------------


def test_text_is_never_written_into_a_parquet_name(tmp_path: Path) -> None:
    """``screen -o out.parquet`` writes Parquet (issue 15); text formats and ``explain``
    still refuse the name."""
    profile(tmp_path / "p.json")
    code, _, err = invoke("screen", "p.json", "-f", "csv", "-o", "out.parquet")
    assert code == 2 and "cannot write" in err
    code, _, err = invoke("explain", "p.json", "-o", "out.parquet")
    assert code == 2
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize("name", ["out.xlsx", "out.PDF", "out.docx"])
def test_a_suffix_the_tool_cannot_write_is_refused(tmp_path: Path, name: str) -> None:
    profile(tmp_path / "p.json")
    code, _, err = invoke("screen", "p.json", "-o", name)
    assert code == 2 and "cannot write" in err and ".csv" in err
    code, _, err = invoke("screen", "p.json", "-f", "csv", "-o", name)
    assert code == 2
    code, _, err = invoke("explain", "p.json", "-o", name)
    assert code == 2 and ".html" in err
    assert not (tmp_path / name).exists()


def test_one_line_says_what_was_written_where(tmp_path: Path) -> None:
    profile(tmp_path / "p.json")
    code, out, err = invoke("screen", "p.json", "-o", "r.csv")
    assert code == 0 and out == ""
    assert err == "pml-trials: wrote the csv report (1 patient) to r.csv\n"
    code, _, err = invoke("explain", "p.json", "-f", "html", "-o", "e.html")
    assert code == 0 and err == "pml-trials: wrote the html explanation to e.html\n"
    assert stat.S_IMODE((tmp_path / "e.html").stat().st_mode) == 0o600


# -- devices, FIFOs and links are written through, never replaced ------------------------


def test_dev_null_stays_a_device() -> None:
    code, _, err = invoke("screen", str(EXAMPLE), "-f", "csv", "-o", "/dev/null")
    assert code == 0, err
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    code, _, _ = invoke("ask", "--save", "/dev/null")  # refused or not: never replaced
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no /dev/shm here")
def test_a_regular_file_in_a_folder_under_dev_is_written_atomically() -> None:
    """/dev/shm is an ordinary folder: a report there is a file (0600), not a refused device."""
    folder = Path("/dev/shm") / f"pml-trials-test-{os.getpid()}"
    folder.mkdir()
    try:
        code, _, err = invoke("screen", str(EXAMPLE), "-o", str(folder / "r.csv"))
        assert code == 0, err
        written = folder / "r.csv"
        assert written.read_text("utf-8").startswith("patient_id,")
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


def test_a_fifo_gets_the_report_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("screen", EXAMPLE, "-o", fifo, timeout=60)
    reader.join(30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"patient_id,source,trial_id")


def test_dev_stdout_writes_to_the_standard_output(tmp_path: Path) -> None:
    result = run("screen", EXAMPLE, "-f", "csv", "-o", "/dev/stdout")
    assert result.returncode == 0 and result.stdout.startswith(b"patient_id,")
    with (tmp_path / "shell.csv").open("wb") as redirected:  # `> shell.csv`
        run("screen", EXAMPLE, "-f", "csv", "-o", "/dev/stdout", stdout=redirected)
    assert (tmp_path / "shell.csv").read_bytes().startswith(b"patient_id,")


def test_a_symbolic_link_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "latest.csv"
    real.write_text("old\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(real)
    code, _, err = invoke("screen", str(EXAMPLE), "-o", "link.csv")
    assert code == 0, err
    assert (tmp_path / "link.csv").is_symlink()
    assert real.read_text("utf-8").startswith("patient_id,")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert not [p for p in (tmp_path / "reports").iterdir() if p.name.endswith(".part")]


def test_an_output_name_of_250_bytes_is_written(tmp_path: Path) -> None:
    name = "r" * 246 + ".csv"  # 250 bytes: the temporary name beside it must be shorter
    code, _, err = invoke("screen", str(EXAMPLE), "-o", name)
    assert code == 0, err
    assert (tmp_path / name).read_text("utf-8").startswith("patient_id,")


def test_an_unwritable_folder_is_a_usage_error_for_an_unprivileged_user(
    tmp_path: Path, as_nobody: tuple[str, ...]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    result = subprocess.run(
        [*as_nobody, *COMMAND, "screen", str(EXAMPLE), "-o", str(locked / "r.csv")],
        capture_output=True, env=environment(PML_TRIALS_NO_CACHE="1"), timeout=60,
        check=False, cwd="/",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert b"cannot write the report there: permission denied" in result.stderr
    assert list(locked.iterdir()) == []


def test_a_folder_as_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    code, _, err = invoke("screen", str(EXAMPLE), "-o", "d.csv")
    assert code == 2 and "directory" in err


# -- the machine fails: its own message and exit code 4, the old file intact -----------


def test_a_full_disk_is_an_environment_failure() -> None:
    code, _, err = invoke("screen", str(EXAMPLE), "-f", "csv", "-o", "/dev/full")
    assert code == 4 and "the disk is full" in err and "internal error" not in err
    with Path("/dev/full").open("wb") as full:
        result = run("screen", EXAMPLE, "-f", "csv", stdout=full)
    assert result.returncode == 4 and b"disk is full" in result.stderr
    assert b"internal error" not in result.stderr


def test_a_file_size_limit_keeps_the_old_report(tmp_path: Path) -> None:
    many = tmp_path / "many.jsonl"
    many.write_text("".join(f'{{"patient_id": "p{n}"}}\n' for n in range(300)), "utf-8")
    old = tmp_path / "r.csv"
    old.write_text("the previous report\n", encoding="utf-8")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    result = run("screen", many, "-o", old, cwd=tmp_path, preexec_fn=limit)
    assert result.returncode == 4, result.stderr
    assert b"larger than the system allows" in result.stderr
    assert old.read_text("utf-8") == "the previous report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_refused_rename_keeps_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "r.csv"
    old.write_text("the previous report\n", encoding="utf-8")

    def refuse(self: Path, target: Path) -> Path:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "replace", refuse)
    code, _, err = invoke("screen", str(EXAMPLE), "-o", "r.csv")
    assert code == 4 and "the rename was refused" in err and "read-only" in err
    assert old.read_text("utf-8") == "the previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_a_closed_standard_output_is_an_environment_failure() -> None:
    result = run("screen", EXAMPLE, "-f", "csv", stdout=subprocess.DEVNULL, pass_fds=())
    assert result.returncode == 0
    closed = subprocess.run(
        ["sh", "-c", '"$0" -c "from pml_trials.cli import main; main()" screen "$1" >&-',
         os.sys.executable, str(EXAMPLE)],  # type: ignore[attr-defined]
        capture_output=True, env=environment(), timeout=60, check=False,
    )  # fmt: skip
    assert closed.returncode == 4, closed.stderr
    assert b"closed" in closed.stderr and b"internal error" not in closed.stderr


def test_a_reader_that_goes_away_is_said_not_done(tmp_path: Path) -> None:
    many = tmp_path / "many.jsonl"
    many.write_text("".join(f'{{"patient_id": "p{n}"}}\n' for n in range(3000)), "utf-8")
    result = subprocess.run(
        ["sh", "-c", '"$0" -c "from pml_trials.cli import main; main()" screen "$1" -f csv | head -c0',
         os.sys.executable, str(many)],  # type: ignore[attr-defined]
        capture_output=True, env=environment(), timeout=60, check=False,
    )  # fmt: skip
    assert b"broken pipe" in result.stderr and b"internal error" not in result.stderr


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_head_1_gets_the_header_and_the_run_says_the_pipe_broke(
    tmp_path: Path, engine: str
) -> None:
    """``screen ... | head -1``: the reader takes the first line and goes away; both
    engines say the report was cut short (exit 4), through the same helper."""
    many = tmp_path / "many.jsonl"
    many.write_text("".join(f'{{"patient_id": "p{n}"}}\n' for n in range(3000)), "utf-8")
    command = [*COMMAND, "screen", str(many), "-f", "csv", "--engine", engine]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment()
    )
    with process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()  # what `head -1` prints
        process.stdout.close()
        err = process.stderr.read()
        assert process.wait(timeout=60) == 4, err
    assert first.startswith(b"patient_id,source,trial_id,verdict,")
    assert b"broken pipe" in err and b"use -o FILE" in err and b"internal error" not in err


@pytest.mark.parametrize(
    "command",
    [
        ["screen", str(EXAMPLE), "-f", "csv"],
        ["screen", str(EXAMPLE)],
        ["explain", str(EXAMPLE)],
        ["trials"],
        ["trials", "--format", "json"],
        ["show", "cmx001"],
        ["schema", "profile"],
        ["fields"],
        ["check"],
    ],
)
def test_every_command_says_when_its_reader_is_gone(command: list[str]) -> None:
    """A pipe whose reading end is already closed: every write fails with EPIPE."""
    read, written = os.pipe()
    os.close(read)
    try:
        result = run(*command, stdout=written)
    finally:
        os.close(written)
    assert result.returncode == 4, result.stderr
    assert b"broken pipe" in result.stderr and b"internal error" not in result.stderr


# -- leftovers of a run killed outright are swept by the next one ------------------------


def test_part_files_of_dead_processes_are_swept(tmp_path: Path) -> None:
    from pml_trials.files.write import PART, sweep_parts, write_text

    dead = subprocess.run(["true"], check=True)  # a pid that has just ended
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert dead.returncode == 0
    stale = tmp_path / f".r.csv.{gone.pid}.0123abcd.part"
    live = tmp_path / f".r.csv.{os.getppid()}.0123abcd.part"
    stale.write_text("patient data", encoding="utf-8")
    live.write_text("another run's", encoding="utf-8")
    assert PART.match(stale.name) and PART.match(live.name)
    sweep_parts(tmp_path)
    assert not stale.exists() and live.exists()
    write_text(tmp_path / "x.txt", "x")  # every write sweeps its folder
    assert live.exists()


def test_an_error_while_writing_leaves_no_part_file(tmp_path: Path) -> None:
    from pml_trials.files.write import open_output

    def half() -> None:
        with open_output(tmp_path / "r.csv") as handle:
            handle.write("half")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        half()
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    from pml_trials.files.write import MODE, open_output

    seen: list[int] = []
    old = os.umask(0)
    try:
        with open_output(tmp_path / "r.csv") as handle:
            handle.write("x")
            seen.append(stat.S_IMODE(os.fstat(handle.fileno()).st_mode))
    finally:
        os.umask(old)
    assert seen == [MODE] and stat.S_IMODE((tmp_path / "r.csv").stat().st_mode) == 0o600
