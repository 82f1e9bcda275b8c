"""Issue 12, attacks on ``pml-trials screen``: signals and killed workers, FIFOs and
devices among the inputs, NUL bytes, deep folder trees, floods of errors, control
characters from data, rejected inputs in CSV, -w bounds. Fixtures are made at run time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from tests.attack import COMMAND, EXAMPLE, environment, profile, run

runner = CliRunner()
SHM = Path("/dev/shm")  # where spool folders go
PREFIX = "pml-trials-"  # pml_trials.batch.spool.PREFIX, spelt out: main had no such name


def sweep_stale() -> None:
    from pml_trials.batch.spool import sweep_stale as sweep  # imported late: see PREFIX

    sweep()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    monkeypatch.delenv("PML_TRIALS_CRITERIA", raising=False)


def invoke(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def many(path: Path, count: int) -> Path:
    """``count`` complete-enough profiles, one a line (about 180 bytes each)."""
    line = '{{"patient_id": "p{n}", "age_years": 40, "sex": "male", "csf_jcv_pcr": "detected", "hiv_positive": true, "cd4_cells_per_ul": 120, "karnofsky_score": 60}}\n'
    with path.open("w", encoding="utf-8") as out:
        out.writelines(line.format(n=n) for n in range(count))
    return path


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(p) for p in text.split()]
    return found


def gone(pids: list[int], within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and _not_zombie(p)]
        if not alive:
            return True
        time.sleep(0.05)
    return False


def _not_zombie(pid: int) -> bool:
    try:
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:4]
    except OSError:
        return False


def spools_of(pid: int) -> list[Path]:
    return list(SHM.glob(f"{PREFIX}{pid}-*")) if SHM.is_dir() else []


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough profiles for a batch in two workers to last a few seconds."""
    return many(tmp_path_factory.mktemp("big") / "big.jsonl", 150_000)


def start(big: Path, out: Path, stdout: int | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*COMMAND, "screen", str(big), "-w", "2", "-f", "jsonl", "-o", str(out)],
        env=environment(),
        stdout=stdout,
        stderr=subprocess.PIPE,
    )


def wait_for_workers(process: subprocess.Popen[bytes], folder: Path) -> list[int]:
    """The worker pids, once the batch is under way (its .part file exists)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = children(process.pid)
        if len(workers) >= 2 and any(p.name.endswith(".part") for p in folder.iterdir()):
            return workers
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.05)
    raise AssertionError("the batch did not start")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_clean_up_a_batch_in_workers(
    big: Path, tmp_path: Path, signum: int, code: int
) -> None:
    out = tmp_path / "r.jsonl"
    process = start(big, out)
    workers = wait_for_workers(process, tmp_path)
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert b"stopped by" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []  # no .part file
    assert spools_of(process.pid) == []
    assert gone(workers)


# A batch whose workers wait for a line number that never comes (what a unit numbered
# wrongly did, review of issue 20): only the run's stop releases them.
STUCK = (
    "from pml_trials.batch import parallel\n"
    "parallel.numbered = lambda number, unit, chain: chain.first_line(10**9)\n"
    "from pml_trials.cli import main\n"
    "main()\n"
)


@pytest.mark.slow
def test_sigterm_stops_a_batch_whose_workers_are_stuck(big: Path, tmp_path: Path) -> None:
    """The main process waits for a unit outside its critical sections: SIGTERM ends a
    run even while no unit comes back (it was held until one did: forever)."""
    out = tmp_path / "r.jsonl"
    command = [
        COMMAND[0],
        "-c",
        STUCK,
        "screen",
        str(big),
        "-w",
        "2",
        "-f",
        "jsonl",
        "-o",
        str(out),
    ]
    process = subprocess.Popen(command, env=environment(), stderr=subprocess.PIPE)
    try:
        workers = wait_for_workers(process, tmp_path)
        time.sleep(0.5)  # the main process is waiting for the first unit by now
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 143, err
    assert b"stopped by" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert gone(workers)


@pytest.mark.parametrize("through", ["/dev/stdin", "link.jsonl", "link.json", "deleted"])
def test_a_file_named_through_the_processs_own_descriptors_is_read_by_every_worker(
    tmp_path: Path, through: str
) -> None:
    """``screen /dev/stdin < file`` (or a link to it, or /dev/fd/N of a file since
    deleted) screens the file with 2 workers as with 1: a worker opening /dev/stdin
    would open its own standard input, /dev/null ("the file is empty", review of
    issue 20)."""
    lines = many(tmp_path / "many.jsonl", 40)
    document = through in ("/dev/stdin", "link.json")  # no suffix, or .json: one profile
    data = lines.read_bytes().split(b"\n")[0] if document else lines.read_bytes()
    source = tmp_path / "source"
    source.write_bytes(data)
    name = through
    if through.startswith("link"):
        (tmp_path / through).symlink_to("/dev/stdin")
        name = str(tmp_path / through)
    printed = {}
    for workers in ("1", "2"):
        with source.open("rb") as stdin:
            fds: tuple[int, ...] = ()
            if through == "deleted":  # open, then deleted: /dev/fd/N names "source (deleted)"
                fds = (os.dup(stdin.fileno()),)
                name = f"/dev/fd/{fds[0]}"
                source.unlink()
            args = [*COMMAND, "screen", name, "-w", workers, "-f", "csv", "--as-of", "2026-11-25"]
            done = subprocess.run(
                args, stdin=stdin, capture_output=True, env=environment(), pass_fds=fds
            )
            for fd in fds:
                os.close(fd)
                source.write_bytes(data)
        assert done.returncode == 0, done.stderr
        printed[workers] = done.stdout
    assert printed["1"] == printed["2"]
    assert printed["2"].count(b"\n") == 1 + 3 * (1 if document else 40)  # a row per trial


@pytest.mark.slow
def test_sigkill_leaves_no_orphan_and_the_next_run_sweeps(big: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    process = start(big, out, stdout=subprocess.PIPE)
    workers = wait_for_workers(process, tmp_path)
    process.kill()
    # the pipe closes at once: a pipeline reading the tool is not held open by workers
    printed, _ = process.communicate(timeout=10)
    assert printed == b""
    assert gone(workers), "workers must die with the main process"
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert leftovers, "SIGKILL cannot be cleaned up by the process itself"
    result = run("screen", EXAMPLE, "-f", "csv", "-o", out)  # the next run in that folder
    assert result.returncode == 0
    assert [p.name for p in tmp_path.iterdir()] == ["r.jsonl"]
    sweep_stale()
    assert spools_of(process.pid) == []


@pytest.mark.slow
def test_a_killed_worker_is_an_environment_failure(big: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    process = start(big, out)
    workers = wait_for_workers(process, tmp_path)
    os.kill(workers[0], signal.SIGKILL)  # what the OOM killer does
    _, err = process.communicate(timeout=60)
    assert process.returncode == 4, err
    assert b"a worker process was killed" in err and b"internal error" not in err
    assert list(tmp_path.iterdir()) == []


def test_stale_spool_folders_of_dead_batches_are_swept() -> None:
    if not SHM.is_dir():
        pytest.skip("no /dev/shm")
    ended = subprocess.Popen(["true"])
    ended.wait()
    stale = SHM / f"{PREFIX}{ended.pid}-abc123"
    stale.mkdir(mode=0o700)
    (stale / "1-0").write_text("patient results", encoding="utf-8")
    mine = SHM / f"{PREFIX}{os.getpid()}-def456"
    mine.mkdir(mode=0o700)
    try:
        sweep_stale()
        assert not stale.exists() and mine.exists()
    finally:
        mine.rmdir()


# -- what the inputs are --------------------------------------------------------------


def test_a_fifo_and_a_device_in_a_folder_are_skipped_with_one_line_each(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    profile(folder / "a.json")
    os.mkfifo(folder / "b.json")  # nobody writes to it: reading it would hang the batch
    (folder / "c.jsonl").symlink_to("/dev/zero")
    result = run("screen", folder, "-f", "csv", timeout=30)
    assert result.returncode == 3
    assert result.stderr.decode().splitlines()[:2] == [
        f"{folder}/b.json: a named pipe (FIFO), not a file: not read; skipped",
        f"{folder}/c.jsonl: a device, not a file: not read; skipped",
    ]
    assert f"p-1,{folder}/a.json,".encode() in result.stdout


def test_a_device_named_as_a_profile_is_refused_unread() -> None:
    code, _, err = invoke("screen", "/dev/zero", "-f", "csv")
    assert code == 3 and "/dev/zero: a device, not a file: not read" in err
    code, _, err = invoke("explain", "/dev/zero")
    assert code == 3 and "a device, not a file" in err
    code, _, err = invoke("ask", "--from", "/dev/zero")
    assert code in (2, 3)


def test_one_nul_byte_drops_one_line_not_the_file(tmp_path: Path) -> None:
    data = tmp_path / "x.jsonl"
    data.write_bytes(b'{"patient_id": "a"}\n{"patient_id": "b\x00"}\n{"patient_id": "c"}\n')
    code, out, err = invoke("screen", "x.jsonl", "-f", "jsonl")
    assert code == 3
    assert [json.loads(line)["patient_id"] for line in out.splitlines()] == ["a", "c"]
    assert err.splitlines()[0] == "x.jsonl:2: binary data, not JSON text"


def test_a_folder_tree_1200_levels_deep_does_not_stop_the_batch(tmp_path: Path) -> None:
    profile(tmp_path / "top.json", "top")
    (tmp_path / "d").mkdir()
    fd = os.open(tmp_path / "d", os.O_RDONLY)
    for _ in range(1200):  # relative to an open folder, one level at a time
        os.mkdir("d", dir_fd=fd)
        fd, above = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(above)
    try:
        code, out, err = invoke("screen", ".", "-f", "csv")
    finally:
        for _ in range(1200):  # bottom up: shutil.rmtree would recurse 1,200 deep
            above = os.open("..", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            os.rmdir("d", dir_fd=above)
            fd = above
        os.close(fd)
    assert code == 3
    assert "top," in out
    assert "folders nested more than 100 levels deep" in err
    assert "internal error" not in err


def test_stderr_is_capped_per_input_and_inputs_are_counted_per_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"patient_id": "x", "age_years": -1}\n' * 5000, encoding="utf-8")
    five = tmp_path / "five.json"  # one profile with five problems: one invalid input
    five.write_text(
        json.dumps({"patient_id": "y", "age_years": -1, "sex": "m", "cd4_cells_per_ul": -1,
                    "weight_kg": 0, "karnofsky_score": 55}), encoding="utf-8")  # fmt: skip
    code, _, err = invoke("screen", "five.json", "bad.jsonl", "-f", "csv")
    assert code == 3
    lines = err.splitlines()
    assert len(lines) == 5 + 20 + 2
    assert "bad.jsonl: 4,980 more problems in this input not shown here" in err
    assert lines[-1] == "pml-trials: 5,001 invalid inputs not screened; 0 patients screened"


def test_each_rejected_input_gets_one_csv_row(tmp_path: Path) -> None:
    profile(tmp_path / "good.json", "good")
    (tmp_path / "bad.json").write_text('{"patient_id": "Jane Doe", "age_years": -1}', "utf-8")
    code, out, _ = invoke("screen", ".", "-f", "csv")
    assert code == 3
    rows = out.splitlines()
    rejected = [r for r in rows if ",not_screened," in r]
    assert (
        rejected
        == [
            ',./bad.json,,not_screened,"patient_id: is not a valid id; the value is not repeated '
            "here (allowed: 1-64 letters, digits, '-', '_' or '.') | age_years: -1 is below the "
            'minimum 0 (allowed: an integer 0–120 years)",,Pre-screening only. The study team '
            "decides eligibility."
        ]
        or len(rejected) == 1
    )
    assert "Jane Doe" not in out
    assert sum(1 for r in rows if r.startswith("good,")) == 3


@pytest.mark.parametrize("name", ["\x1b[8mhidden.json", "\x9b8mhidden.json", "\u202egnp.json"])
def test_control_characters_from_data_never_reach_the_terminal(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text('{"patient_id": "a", "\x1b[2J": 1}', encoding="utf-8")
    result = run("screen", ".", "-f", "csv", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 3
    assert not any(c in err for c in ("\x1b", "\x9b", "\u202e")), err
    assert "invalid input not screened" in err
    code, _, err = invoke("explain", name)
    assert code == 3 and "\x1b" not in err and "\x9b" not in err and "\u202e" not in err


@pytest.mark.parametrize("workers", ["65", "100000"])
def test_workers_have_an_upper_bound(workers: str) -> None:
    code, _, err = invoke("screen", str(EXAMPLE), "-w", workers)
    assert code == 2 and "64" in err


def test_a_closed_standard_input_is_not_a_crash() -> None:
    result = subprocess.run(
        ["sh", "-c", '"$0" -c "from pml_trials.cli import main; main()" screen - <&-',
         os.sys.executable],  # type: ignore[attr-defined]
        capture_output=True, env=environment(), timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 4 and b"standard input is closed" in result.stderr


def test_reports_list_a_bounded_number_of_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"patient_id": "x", "age_years": -1}\n' * 300, encoding="utf-8")
    for fmt, more in (("markdown", "… and 100 more problems"), ("html", "… and 100 more problems")):
        code, out, _ = invoke("screen", "bad.jsonl", "-f", fmt)
        assert code == 3 and more in out
        assert out.count("below the minimum 0") == 200


def test_an_empty_list_of_predisposing_conditions_is_never_screened(tmp_path: Path) -> None:
    """Issue 12 (critical): `[]` made a patient eligible for the checkpoint study. The
    validation is issue 11's; this keeps it refused through every entry point."""
    (tmp_path / "e.json").write_text(
        json.dumps({**json.loads(EXAMPLE.read_text("utf-8")), "predisposing_conditions": []}),
        encoding="utf-8",
    )
    code, out, err = invoke("screen", "e.json", "-f", "csv")
    assert code == 3 and ",eligible," not in out and "predisposing_conditions: is empty" in err
    code, out, err = invoke("explain", "e.json")
    assert code == 3 and "eligible" not in out
    # ask --from drops the invalid field with the reason and asks it again (issue 17):
    # the empty list is never screened.
    code, out, _ = invoke("ask", "--from", "e.json")
    flat = " ".join(out.split())
    assert "(asked again): predisposing_conditions: is empty" in flat
    assert "[predisposing_conditions]" in flat  # asked again, first
    assert "✓ checkpoint-inhibitor" not in flat
