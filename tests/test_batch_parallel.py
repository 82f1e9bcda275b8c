"""Screening in worker processes: output in input order, identical to one process,
a bounded number of units in flight, and workers that refuse changed criteria."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pml_trials.batch.inputs import Input
from pml_trials.batch.parallel import Chain, Turns, WorkerSetup, cpu_count, screen_in_workers
from pml_trials.batch.parts import unit_parts
from pml_trials.batch.read import Lines, Span, Unit, read_span
from pml_trials.batch.run import PARALLEL_BYTES, STDIN_PEEK, choose_workers
from pml_trials.cli.app import app
from pml_trials.engine.run import InputProblem, RunInfo
from pml_trials.record import replace
from pml_trials.studies.load import bundled_dir
from pml_trials.studies.model import Study

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def generated_lines(count: int) -> str:
    """``count`` JSON Lines: the example patients in turn under new ids, every 97th line
    invalid, so problems must keep their place too."""
    examples = sorted((ROOT / "examples/patients").glob("*.json"))
    lines = []
    for number in range(count):
        profile = json.loads(examples[number % len(examples)].read_text("utf-8"))
        profile["patient_id"] = f"gen-{number:05d}"
        if number % 97 == 0:
            profile["age_years"] = -1
        lines.append(json.dumps(profile))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def big_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "generated.jsonl"
    path.write_text(generated_lines(2500), encoding="utf-8")  # ~4 MB: about 16 units
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_two_workers_write_exactly_what_one_process_writes(
    big_jsonl: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    runs = {
        workers: runner.invoke(
            app,
            ["screen", str(big_jsonl), "-f", fmt, "-w", workers, "--as-of", "2026-11-25"],
            catch_exceptions=False,
        )
        for workers in ("1", "2")
    }
    assert runs["1"].exit_code == runs["2"].exit_code == 3
    assert runs["1"].stdout == runs["2"].stdout
    assert runs["1"].stderr == runs["2"].stderr
    if fmt == "jsonl":
        ids = [json.loads(line)["patient_id"] for line in runs["2"].stdout.splitlines()]
        expected = [f"gen-{n:05d}" for n in range(2500) if n % 97]
        assert ids == expected
        # 20 lines for the file, then a count of the rest (issue 12: bounded stderr)
        assert runs["2"].stderr.count("age_years: -1 is below the minimum") == 20
        assert "generated.jsonl: 6 more problems in this input not shown here" in runs["2"].stderr


def setup_for(
    studies: tuple[Study, ...], digests: tuple[tuple[str, str], ...] | None = None
) -> WorkerSetup:
    run = RunInfo(studies, "2026-11-25T19:20:00Z", date(2026, 11, 25))
    setup = WorkerSetup.of([bundled_dir()], studies, run, "csv")
    return setup if digests is None else replace(setup, studies=digests)


def test_no_more_than_in_flight_units_are_read_ahead(studies: tuple[Study, ...]) -> None:
    pulled = 0

    def counted() -> Iterator[Unit]:
        nonlocal pulled
        for number in range(40):
            pulled += 1
            yield Lines("x.jsonl", number + 1, b'{"patient_id": "p"}\n')

    results = screen_in_workers(counted(), setup_for(studies), workers=2, in_flight=4)
    first = next(results)
    assert pulled <= 4
    rest = list(results)
    assert pulled == 40 and len(rest) == 39
    assert [d.pairs()[0][1] for d in [first, *rest]] == [f"x.jsonl:{n}" for n in range(1, 41)]


def test_problems_found_while_reading_keep_their_place(studies: tuple[Study, ...]) -> None:
    problem = InputProblem("gone.json", None, "no such file or directory")
    units: list[Unit] = [Lines("a.jsonl", 1, b'{"patient_id": "a"}'), problem]
    done = list(screen_in_workers(units, setup_for(studies), workers=2, in_flight=2))
    assert done[1].items == [problem] and done[0].pairs() == [("a", "a.jsonl:1")]
    assert (
        done[0].packed is not None and done[0].ids == done[0].sources == []
    )  # two strings, not tuples


def test_a_worker_refuses_criteria_that_changed_since_the_run_began(
    studies: tuple[Study, ...],
) -> None:
    changed = (("cmx001", "0" * 64),)
    (done,) = screen_in_workers([Lines("a.jsonl", 1, b"{}")], setup_for(studies, changed), 2, 2)
    assert done.fatal is not None and "changed on disk while screening" in done.fatal


def test_automatic_workers_one_for_small_inputs_all_cpus_for_large() -> None:
    small = [Input("a.json", "a.json", "json", 2000)]
    large = [Input("a.jsonl", "a.jsonl", "lines", PARALLEL_BYTES)]
    stdin = io.BytesIO()
    assert choose_workers(0, small, stdin)[0] == 1
    assert choose_workers(0, large, stdin)[0] == cpu_count()
    assert choose_workers(3, small, stdin)[0] == 3


def test_automatic_workers_read_ahead_on_stdin_and_give_every_byte_back() -> None:
    piped = [Input("-", "-", "sniff", None)]
    data = b"x" * (STDIN_PEEK + 10)
    workers, stdin = choose_workers(0, piped, io.BytesIO(data))
    assert workers == cpu_count()
    assert b"".join(iter(lambda: stdin.read1(65536), b"")) == data
    assert choose_workers(0, piped, io.BytesIO(b"{}\n"))[0] == 1


def test_two_workers_write_a_report_file_and_read_standard_input_alike(
    big_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    reports = {}
    for workers in ("1", "2"):
        report = tmp_path / f"report-{workers}.jsonl"
        args = ["screen", "-", "-w", workers, "-o", str(report), "--as-of", "2026-11-25"]
        result = runner.invoke(app, args, input=big_jsonl.read_bytes(), catch_exceptions=False)
        assert result.exit_code == 3
        reports[workers] = report.read_text("utf-8")
    assert reports["1"] == reports["2"]
    assert reports["2"].count("\n") == 2500 - 26
    assert json.loads(reports["2"].splitlines()[0])["source"] == "-:2"  # line 1 is invalid
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report-1.jsonl", "report-2.jsonl"]


def test_a_span_of_a_file_that_changed_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"patient_id": "a"}\n{"patient_id": "b"}\n')
    assert read_span(Span("f.jsonl", str(path), 1, 0, 20, 1)) == Lines(
        "f.jsonl", 1, b'{"patient_id": "a"}\n'
    )
    changed = read_span(Span("f.jsonl", str(path), 1, 0, 20, 2))
    assert isinstance(changed, InputProblem) and "changed while" in changed.message
    path.unlink()
    gone = read_span(Span("f.jsonl", str(path), 1, 0, 20, 1))
    assert isinstance(gone, InputProblem) and "no such file" in gone.message


# -- issue 20: workers write their parts of a report file in turn ----------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_two_workers_writing_a_report_file_in_turn_write_what_one_process_writes(
    big_jsonl: Path, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file named on the command line (its lines go to workers as spans), problems every
    97th line (their rows are written in turn too), and the report through --output: the
    workers write its text themselves, byte for byte what one process writes."""
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    reports, errors = {}, {}
    for workers in ("1", "2"):
        report = tmp_path / f"report-{workers}.{fmt}"
        args = ["screen", str(big_jsonl), "-w", workers, "-o", str(report), "-f", fmt]
        result = runner.invoke(app, [*args, "--as-of", "2026-11-25"], catch_exceptions=False)
        assert result.exit_code == 3
        reports[workers] = report.read_bytes()
        errors[workers] = result.stderr.replace(report.name, "REPORT")
    assert reports["1"] == reports["2"] and errors["1"] == errors["2"]
    assert reports["2"].count(b"not_screened" if fmt == "csv" else b'"patient_id"') > 0


def test_units_written_in_turn_leave_only_their_problems_to_the_main_process(
    studies: tuple[Study, ...], tmp_path: Path
) -> None:
    problem = InputProblem("gone.json", None, "no such file or directory")
    units: list[Unit] = [
        *(Lines("a.jsonl", n + 1, b'{"patient_id": "p%d"}\n' % n) for n in range(6)),
        problem,
        Lines("b.jsonl", 1, b'{"patient_id": "q"}\n{"patient_id": 5}\n'),
    ]
    report = tmp_path / "report.csv"
    with report.open("wb") as handle:
        handle.write(b"HEADER\n")
        handle.flush()
        done = list(screen_in_workers(units, setup_for(studies), 2, 3, handle.fileno()))
        handle.write(b"CLOSING\n")  # the main process's stream writes after the workers
    written = report.read_bytes()
    # what one process would have written after the header, unit by unit
    screener, writer = setup_for(studies).screener_and_writer()
    expected = (
        b"HEADER\n"
        + b"".join(
            "".join(map(str, unit_parts(screener.process(unit).items, writer))).encode()
            for unit in units
        )
        + b"CLOSING\n"
    )
    assert written == expected
    assert [[type(i).__name__ for i in d.items] for d in done] == [[]] * 6 + [
        ["InputProblem"],
        ["InputProblem"],
    ]
    assert [d.pairs() for d in done][-1] == [("q", "b.jsonl:1")]


def test_a_stopped_run_releases_a_worker_waiting_for_its_turn(tmp_path: Path) -> None:
    with (tmp_path / "r").open("wb") as handle:
        turns = Turns(handle.fileno())
        waiting = threading.Thread(target=turns.write, args=(3, ["never"]))
        waiting.start()
        time.sleep(0.1)
        assert waiting.is_alive()
        turns.stop()
        waiting.join(timeout=5)
        assert not waiting.is_alive()
        turns.write(0, ["fir", "st"])  # a turn taken is written even after stop
    assert (tmp_path / "r").read_bytes() == b"first"


# -- issue 20: the workers number the lines of the slices they read ---------------------


@pytest.fixture(scope="module")
def sliced_jsonl(big_jsonl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated lines with blank lines and one line over 1 MiB among them."""
    lines = big_jsonl.read_text("utf-8").splitlines()
    lines[700:700] = ["", "   ", '{"patient_id": "' + "x" * 1_300_000 + '"}']
    path = tmp_path_factory.mktemp("sliced") / "sliced.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")  # no newline at the end
    return path


@pytest.mark.parametrize(("fmt", "to_file"), [("csv", True), ("jsonl", True), ("json", False)])
def test_workers_numbering_small_slices_write_what_one_process_writes(
    sliced_jsonl: Path, tmp_path: Path, fmt: str, to_file: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slices of 16 kB (dozens of them, each numbered from the one before by another
    worker), a long line crossing a cut and a last line without newline: the report
    (written in turn, or through the main process) and stderr are those of one process,
    sources with their line numbers included."""
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    monkeypatch.setattr("pml_trials.batch.run.WORKER_BLOCK", 16 * 1024)
    outputs, errors = {}, {}
    for workers in ("1", "2"):
        report = tmp_path / f"report-{workers}.{fmt}"
        args = ["screen", str(sliced_jsonl), "-w", workers, "-f", fmt, "--as-of", "2026-11-25"]
        args += ["-o", str(report)] if to_file else []
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 3
        outputs[workers] = report.read_bytes() if to_file else result.stdout_bytes
        errors[workers] = result.stderr.replace(report.name, "REPORT")
    assert outputs["1"] == outputs["2"] and errors["1"] == errors["2"]
    assert "sliced.jsonl:703: the line is longer than 1 MiB" in errors["2"]
    assert b"sliced.jsonl:2503" in outputs["2"]  # the last line, numbered past the long one


@pytest.mark.parametrize("before", [[], ["small.jsonl"], ["one.json"]])
def test_a_file_opening_with_a_line_too_long_for_its_slice_is_line_1_in_workers(
    big_jsonl: Path, tmp_path: Path, before: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first line longer than a slice and the limit together is its own unit, line 1
    of its file: it never waits for a number from the unit before it (another file, or
    none: the run hung for good, SIGTERM held), and is not numbered after another JSON
    Lines file's lines (review of issue 20)."""
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    monkeypatch.setattr("pml_trials.batch.run.WORKER_BLOCK", 16 * 1024)
    lines = big_jsonl.read_text("utf-8").splitlines()
    (tmp_path / "small.jsonl").write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    (tmp_path / "one.json").write_text(lines[2], encoding="utf-8")
    long_first = tmp_path / "long.jsonl"
    huge = '{"patient_id": "' + "x" * 1_200_000 + '"}'
    long_first.write_text("\n".join([huge, *lines[3:40]]) + "\n", encoding="utf-8")
    paths = [str(tmp_path / name) for name in before] + [str(long_first)]
    found = {}
    for workers in ("1", "2"):
        report = tmp_path / f"report-{workers}.jsonl"
        args = ["screen", *paths, "-w", workers, "-f", "jsonl", "--as-of", "2026-11-25"]
        result = runner.invoke(app, [*args, "-o", str(report)], catch_exceptions=False)
        assert result.exit_code == 3
        found[workers] = (report.read_bytes(), result.stderr.replace(report.name, "REPORT"))
    assert found["1"] == found["2"]
    assert "long.jsonl:1: the line is longer than 1 MiB" in found["2"][1]
    assert b"long.jsonl:38" in found["2"][0] and b"long.jsonl:39" not in found["2"][0]


def test_a_stopped_run_releases_a_worker_waiting_for_its_line_number() -> None:
    import multiprocessing

    chain = Chain(8, multiprocessing.get_context("fork"))
    chain.hand_on(2, 40)  # unit 3 starts at line 40
    assert chain.first_line(3) == 40
    found: list[int | None] = []
    waiting = threading.Thread(target=lambda: found.append(chain.first_line(5)))
    waiting.start()
    time.sleep(0.1)
    assert waiting.is_alive()
    chain.stop()
    waiting.join(timeout=5)
    assert not waiting.is_alive() and found == [None]
