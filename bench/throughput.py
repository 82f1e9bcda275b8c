"""Every row of issue 20's table in one run, in CPU time, each beside its floor.

Rows (N = ``--n`` profiles, default 100,000, complete or registry-like):

- ``screen --format csv|jsonl`` (1 worker) on complete profiles and on registry-like ones
  (each field but the id absent with probability 0.3), as a throughput ratio to the
  floor, decoding each line with msgspec into a Struct that carries every PROFILE.md
  constraint (``pml_trials.profile.fast.profile_struct``: types, ranges, steps, enums,
  id pattern, unknown keys refused), and, for continuity with the earlier targets, to
  pydantic-core's validator alone;
- 2 workers against 1: total CPU (main process and workers), and the main process's share;
  beside it the machine's own floor for two processes (two msgspec floor scripts at once
  against one alone, CPU per profile, in the same round) and the ratio divided by it:
  on a machine whose two CPUs share caches (or are a host's SMT siblings) two busy
  processes cost more than one before any overhead of ours;
- peak resident memory (the largest process) at 200,000 profiles against 10,000;
- a one-file ``screen`` against ``python -c "import typer, rich, pydantic"``.

CPU time is user + system of the process and every process it waited for (``os.wait4``);
the main process's own share comes from ``os.times()`` at its exit. Start-up is
subtracted: each command is also run on a one-line file, and the ratio is between
``N / (cpu(N lines) - cpu(1 line))`` figures. Rounds are interleaved (every command once
per round), each ratio is taken within its round against the floor measured next to
it, and the median over rounds is printed with the spread. Timings on a shared machine
vary; CPU time varies less than wall time.

``--against CHECKOUT`` runs a second tree's code (another clone or ``git archive`` copy of
the project, e.g. main) in the same rounds, each of its commands next to this tree's, against
the same floors (this tree's msgspec Struct): before and after side by side in one run.
``--rows`` picks rows (all by default) to iterate on one quickly.

    python bench/throughput.py [--n 100000] [--rounds 3] [--one-file-runs 11] [--dir DIR]
        [--against CHECKOUT] [--rows throughput,workers,one-file,memory]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from synthetic import sparse_profile, synthetic_profile

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patients" / "ex-01-hiv-art.json"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
TARGETS = {
    "csv complete": 0.30,
    "jsonl complete": 0.20,
    "csv registry-like": 0.20,
}
ONE_FILE_TARGET = 0.8
WORKERS_TARGET, MAIN_SHARE_TARGET = 1.08, 0.05
MEMORY_TARGET = 1.2

MSGSPEC_FLOOR = (
    "import sys\n"
    "from pml_trials.profile.fast import profile_struct\n"
    "import msgspec\n"
    "decode = msgspec.json.Decoder(profile_struct()).decode\n"
    "with open(sys.argv[1], 'rb') as lines:\n"
    "    for line in lines:\n"
    "        decode(line)\n"
)
PYDANTIC_FLOOR = (
    "import sys\n"
    "from pml_trials.profile.schema import validator\n"
    "validate = validator().validate_json\n"
    "with open(sys.argv[1], 'rb') as lines:\n"
    "    for line in lines:\n"
    "        validate(line)\n"
)
# pml-trials itself, reporting at exit its own CPU time and its workers' (os.times()).
SCREEN = (
    "import atexit, os, sys\n"
    "def _times():\n"
    "    t = os.times()\n"
    "    with open(os.environ['PML_BENCH_TIMES'], 'w') as out:\n"
    "        out.write(f'{t.user + t.system} {t.children_user + t.children_system}')\n"
    "atexit.register(_times)\n"
    "sys.argv[0] = 'pml-trials'\n"
    "from pml_trials.cli import main\n"
    "main()\n"
)


class Run:
    """CPU seconds (total, and the main process's own) and peak RSS of one command."""

    def __init__(self, total: float, main: float, rss_kib: int) -> None:
        self.total, self.main, self.rss_kib = total, main, rss_kib


class Code:
    """Whose code a command runs: this tree's (``path`` None) or another checkout's, put
    first on ``PYTHONPATH`` (its own bundled criteria come with it)."""

    def __init__(self, label: str, path: Path | None = None) -> None:
        self.label, self.path = label, path

    def env(self) -> dict[str, str]:
        if self.path is None:
            return {}
        # Its own studies cache (pml_trials.studies.cache): two trees run side by side
        # would otherwise replace each other's entries for the same criteria, and a run
        # that finds them replaced rebuilds them inside what it counts.
        cache = Path(NEUTRAL) / ("pml-bench-cache" + str(self.path.resolve()).replace("/", "-"))
        return {"PYTHONPATH": str(self.path), "XDG_CACHE_HOME": str(cache)}

    def check(self) -> None:
        """Refuse a checkout whose package would not be the one imported."""
        found = subprocess.run(
            [sys.executable, "-c", "import pml_trials; print(pml_trials.__file__)"],
            env={**ENV, **self.env()},
            cwd=NEUTRAL,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        expected = (self.path or ROOT) / "pml_trials" / "__init__.py"
        if Path(found).resolve() != expected.resolve():
            sys.exit(f"{self.label}: imports {found}, not {expected}")


THIS = Code("this tree")
# Every command runs here, not in a checkout: ``python -c``/``-m`` put the current folder
# first on sys.path, which would pick that folder's code whatever PYTHONPATH says.
NEUTRAL = tempfile.gettempdir()


def run(command: list[str], times_file: Path | None = None, code: Code = THIS) -> Run:
    env = {**ENV, **code.env()}
    if times_file is not None:
        env["PML_BENCH_TIMES"] = str(times_file)
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=NEUTRAL
    )
    _, status, usage = os.wait4(process.pid, 0)
    exit_code = os.waitstatus_to_exitcode(status)
    if exit_code not in (0, 3):
        sys.exit(f"failed ({exit_code}, {code.label}): {' '.join(command)}")
    total = usage.ru_utime + usage.ru_stime
    main = total
    if times_file is not None:
        main = float(times_file.read_text().split()[0])
    return Run(total, main, usage.ru_maxrss)


def run_pair(command: list[str]) -> float:
    """CPU seconds of two copies of ``command`` run at once (both started, then both
    waited for): what two busy processes cost on this machine, before any overhead of
    ours (on 2 vCPUs sharing caches, or a host's SMT siblings, each is slower than alone)."""
    processes = [
        subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, cwd=NEUTRAL
        )
        for _ in range(2)
    ]
    total = 0.0
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"failed: {' '.join(command)}")
        total += usage.ru_utime + usage.ru_stime
    return total


def write_profiles(
    path: Path, count: int, make: Callable[[int, random.Random], dict[str, Any]]
) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            out.write(json.dumps(make(index, rng)) + "\n")


class Bench:
    def __init__(self, folder: Path, n: int) -> None:
        self.folder, self.n = folder, n
        self.times = folder / "times"
        self.out = folder / "report.out"
        self.files: dict[str, Path] = {}
        for kind, make in (("complete", synthetic_profile), ("registry-like", sparse_profile)):
            for count in (1, n):
                path = folder / f"{kind}-{count}.jsonl"
                write_profiles(path, count, make)
                self.files[f"{kind}-{count}"] = path

    def floor(self, script: str, kind: str) -> float:
        """CPU seconds per profile beyond start-up, for a floor script."""
        big = run([sys.executable, "-c", script, str(self.files[f"{kind}-{self.n}"])])
        one = run([sys.executable, "-c", script, str(self.files[f"{kind}-1"])])
        return (big.total - one.total) / self.n

    def two_floors(self, kind: str) -> float:
        """The machine's own floor for 2 workers: CPU per profile of two msgspec floor
        processes at once (each over all N lines), over one alone, start-up subtracted
        (a one-line pair and a one-line run). 1.0 would mean two busy processes cost
        what one does per profile; the 2-worker row cannot be expected below this."""
        script = [sys.executable, "-c", MSGSPEC_FLOOR]
        big, one = self.files[f"{kind}-{self.n}"], self.files[f"{kind}-1"]
        alone = run([*script, str(big)]).total - run([*script, str(one)]).total
        pair = run_pair([*script, str(big)]) - run_pair([*script, str(one)])
        return (pair / 2) / alone

    def screen(self, path: Path, fmt: str, workers: int, code: Code) -> Run:
        command = [sys.executable, "-c", SCREEN, "screen", str(path), "--as-of", "2026-11-25"]
        command += ["--format", fmt, "--workers", str(workers), "--output", str(self.out)]
        return run(command, self.times, code)

    def steady(self, kind: str, fmt: str, workers: int, code: Code) -> tuple[float, float]:
        """(total, main) CPU seconds per profile beyond start-up."""
        big = self.screen(self.files[f"{kind}-{self.n}"], fmt, workers, code)
        one = self.screen(self.files[f"{kind}-1"], fmt, workers, code)
        return (big.total - one.total) / self.n, (big.main - one.main) / self.n


def one_file(runs: int, codes: list[Code]) -> dict[str, list[float]]:
    """Ratios, screen on one file / import floor, CPU time, interleaved: the floor, then
    each code's screen, ``runs`` times."""
    floor = [sys.executable, "-c", "import typer, rich, pydantic"]
    screen = [sys.executable, "-m", "pml_trials", "screen", str(PATIENT), "--as-of", "2026-11-25"]
    for code in codes:  # warm: bytecode and the criteria cache, as after any earlier call
        run(screen, code=code)
    run(floor)
    ratios: dict[str, list[float]] = {code.label: [] for code in codes}
    for _ in range(runs):
        base = run(floor).total
        for code in codes:
            ratios[code.label].append(run(screen, code=code).total / base)
    return ratios


def memory(folder: Path, codes: list[Code]) -> dict[str, float]:
    """Peak RSS at 200,000 complete profiles / at 10,000, csv, 1 worker."""
    sizes: dict[str, dict[int, int]] = {code.label: {} for code in codes}
    for count in (10_000, 200_000):
        path = folder / f"memory-{count}.jsonl"
        write_profiles(path, count, synthetic_profile)
        command = [sys.executable, "-m", "pml_trials", "screen", str(path), "--as-of"]
        command += ["2026-11-25", "-f", "csv", "-w", "1", "-o", str(folder / "memory.out")]
        for code in codes:
            sizes[code.label][count] = run(command, code=code).rss_kib
        path.unlink()
    ratios = {}
    for label, size in sizes.items():
        print(
            f"  {label}: peak RSS 10k {size[10_000] / 1024:.1f} MiB, 200k {size[200_000] / 1024:.1f} MiB"
        )
        ratios[label] = size[200_000] / size[10_000]
    return ratios


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (range {min(values):.3f}-{max(values):.3f})"


ROWS = ("throughput", "workers", "one-file", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one-file-runs", type=int, default=11)
    # Not /dev/shm: since issue 12 the report writer cannot create its file there
    # ("no such file or directory"); the system's temporary folder instead.
    parser.add_argument("--dir", default=None, help="where the profiles and reports go")
    parser.add_argument("--against", type=Path, default=None, metavar="CHECKOUT")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"some of {','.join(ROWS)}")
    args = parser.parse_args()
    chosen = set(args.rows.split(","))
    if not chosen <= set(ROWS):
        parser.error(f"--rows: choose among {', '.join(ROWS)}")
    codes = [THIS]
    if args.against is not None:
        codes.append(Code(f"against {args.against}", args.against.resolve()))
    for code in codes:
        code.check()
    print(f"N = {args.n:,}, {args.rounds} interleaved rounds, {os.cpu_count()} CPUs", flush=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    if args.dir is not None:
        Path(args.dir).mkdir(parents=True, exist_ok=True)  # a folder of its own, made here
    with tempfile.TemporaryDirectory(prefix="pml-bench-", dir=args.dir) as name:
        folder = Path(name)
        if chosen & {"throughput", "workers"}:
            batches(Bench(folder, args.n), args.rounds, codes, chosen)
        if "one-file" in chosen:
            print("\none-file screen CPU / `python -c 'import typer, rich, pydantic'` CPU")
            for label, ratios in one_file(args.one_file_runs, codes).items():
                print(f"  {label:30} {spread(ratios)}  target <= {ONE_FILE_TARGET}")
        if "memory" in chosen:
            print("\npeak memory, csv, 1 worker")
            for label, ratio in memory(folder, codes).items():
                print(f"  {label:30} 200k / 10k {ratio:.3f}  target <= {MEMORY_TARGET}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


def batches(bench: Bench, rounds: int, codes: list[Code], chosen: set[str]) -> None:
    """The throughput and 2-worker rows, every command of every code once per round."""
    rows: dict[str, dict[str, list[float]]] = {}
    cases = [(fmt, kind) for kind in ("complete", "registry-like") for fmt in ("csv", "jsonl")]
    if "throughput" not in chosen:
        cases = [(fmt, "complete") for fmt in ("csv", "jsonl")]
    workers: dict[str, list[float]] = {}
    shares: dict[str, list[float]] = {}
    floors_two: dict[str, list[float]] = {}  # two msgspec floors at once / one alone
    beyond: dict[str, list[float]] = {}  # the 2-worker ratio / that, in the same round
    for round_number in range(rounds):
        kinds = sorted({kind for _, kind in cases})
        floors = {
            kind: (bench.floor(MSGSPEC_FLOOR, kind), bench.floor(PYDANTIC_FLOOR, kind))
            for kind in kinds
        }
        for fmt, kind in cases:
            msgspec_floor, pydantic_floor = floors[kind]
            for code in codes:
                key = f"{fmt} {kind} | {code.label}"
                cpu, _ = bench.steady(kind, fmt, 1, code)
                row = rows.setdefault(key, {"msgspec": [], "pydantic": [], "rate": []})
                row["msgspec"].append(msgspec_floor / cpu)
                row["pydantic"].append(pydantic_floor / cpu)
                row["rate"].append(1 / cpu)
                if kind == "complete" and "workers" in chosen:
                    machine = bench.two_floors(kind)  # next to the 2-worker run it judges
                    two, main_cpu = bench.steady(kind, fmt, 2, code)
                    key = f"{fmt} | {code.label}"
                    workers.setdefault(key, []).append(two / cpu)
                    shares.setdefault(key, []).append(main_cpu / two)
                    floors_two.setdefault(key, []).append(machine)
                    beyond.setdefault(key, []).append(two / cpu / machine)
        rates = ", ".join(f"{kind} {1 / f[0]:,.0f}/s" for kind, f in floors.items())
        print(f"round {round_number + 1} done (msgspec floor {rates})", flush=True)
    if "throughput" in chosen:
        print("\nthroughput, CPU time, start-up subtracted: screen / floor")
        for key, row in rows.items():
            name, label = key.split(" | ")
            target = TARGETS.get(name)
            mark = f"target >= {target}" if target else "(no target)"
            print(f"  {name:20} {label:30} vs msgspec {spread(row['msgspec'])}  {mark}")
            print(f"  {'':20} {'':30} vs pydantic {spread(row['pydantic'])}")
            print(
                f"  {'':20} {'':30} {statistics.median(row['rate']):,.0f} profiles per CPU second"
            )
    if "workers" in chosen:
        print("\n2 workers / 1 worker, total CPU (complete profiles)")
        for key in workers:
            fmt, label = key.split(" | ")
            print(f"  {fmt:5} {label:30} {spread(workers[key])}  target <= {WORKERS_TARGET}")
            print(
                f"  {'':5} {'':30} main process share {spread(shares[key])}  "
                f"target <= {MAIN_SHARE_TARGET}"
            )
            print(
                f"  {'':5} {'':30} machine floor (2 msgspec floors at once / 1 alone, "
                f"per profile) {spread(floors_two[key])}"
            )
            print(f"  {'':5} {'':30} 2-worker ratio / machine floor {spread(beyond[key])}")


if __name__ == "__main__":
    main()
