"""Every row of issue 20's table in one run, in CPU time, each beside its floor.

Rows (N = ``--n`` profiles, default 100,000, complete or registry-like):

- ``screen --format csv|jsonl`` (1 worker) on complete profiles and on registry-like ones
  (each field but the id absent with probability 0.3), as a throughput ratio to the
  floor, decoding each line with msgspec into a Struct that carries every PROFILE.md
  constraint (``pml_trials.profile.fast.profile_struct``: types, ranges, steps, enums,
  id pattern, unknown keys refused), and, for continuity with the earlier targets, to
  pydantic-core's validator alone;
- 2 workers against 1: total CPU (main process and workers), and the main process's share;
- peak resident memory (the largest process) at 200,000 profiles against 10,000;
- a one-file ``screen`` against ``python -c "import typer, rich, pydantic"``.

CPU time is user + system of the process and every process it waited for (``os.wait4``);
the main process's own share comes from ``os.times()`` at its exit. Start-up is
subtracted: each command is also run on a one-line file, and the ratio is between
``N / (cpu(N lines) - cpu(1 line))`` figures. Rounds are interleaved (every command once
per round), each ratio is taken within its round against the floor measured next to
it, and the median over rounds is printed with the spread. Timings on a shared machine
vary; CPU time varies less than wall time.

    python bench/throughput.py [--n 100000] [--rounds 3] [--one-file-runs 11] [--dir DIR]
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


def run(command: list[str], times_file: Path | None = None) -> Run:
    env = dict(ENV)
    if times_file is not None:
        env["PML_BENCH_TIMES"] = str(times_file)
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        sys.exit(f"failed ({code}): {' '.join(command)}")
    total = usage.ru_utime + usage.ru_stime
    main = total
    if times_file is not None:
        main = float(times_file.read_text().split()[0])
    return Run(total, main, usage.ru_maxrss)


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

    def screen(self, path: Path, fmt: str, workers: int) -> Run:
        command = [sys.executable, "-c", SCREEN, "screen", str(path), "--as-of", "2026-11-25"]
        command += ["--format", fmt, "--workers", str(workers), "--output", str(self.out)]
        return run(command, self.times)

    def steady(self, kind: str, fmt: str, workers: int) -> tuple[float, float]:
        """(total, main) CPU seconds per profile beyond start-up."""
        big = self.screen(self.files[f"{kind}-{self.n}"], fmt, workers)
        one = self.screen(self.files[f"{kind}-1"], fmt, workers)
        return (big.total - one.total) / self.n, (big.main - one.main) / self.n


def one_file(runs: int) -> list[float]:
    """Ratios, screen on one file / import floor, CPU time, interleaved pairs."""
    floor = [sys.executable, "-c", "import typer, rich, pydantic"]
    screen = [sys.executable, "-m", "pml_trials", "screen", str(PATIENT), "--as-of", "2026-11-25"]
    run(screen)  # warm: bytecode and the criteria cache, as after any earlier call
    run(floor)
    ratios = []
    for _ in range(runs):
        base = run(floor).total
        ratios.append(run(screen).total / base)
    return ratios


def memory(folder: Path) -> float:
    """Peak RSS at 200,000 complete profiles / at 10,000, csv, 1 worker."""
    sizes = {}
    for count in (10_000, 200_000):
        path = folder / f"memory-{count}.jsonl"
        write_profiles(path, count, synthetic_profile)
        command = [sys.executable, "-m", "pml_trials", "screen", str(path), "--as-of"]
        command += ["2026-11-25", "-f", "csv", "-w", "1", "-o", str(folder / "memory.out")]
        sizes[count] = run(command).rss_kib
        path.unlink()
    print(f"  peak RSS: 10k {sizes[10_000] / 1024:.1f} MiB, 200k {sizes[200_000] / 1024:.1f} MiB")
    return sizes[200_000] / sizes[10_000]


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (range {min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one-file-runs", type=int, default=11)
    # Not /dev/shm: since issue 12 the report writer cannot create its file there
    # ("no such file or directory"); the system's temporary folder instead.
    parser.add_argument("--dir", default=None, help="where the profiles and reports go")
    args = parser.parse_args()
    print(f"N = {args.n:,}, {args.rounds} interleaved rounds, {os.cpu_count()} CPUs", flush=True)
    rows: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="pml-bench-", dir=args.dir) as name:
        folder = Path(name)
        bench = Bench(folder, args.n)
        cases = [(fmt, kind) for kind in ("complete", "registry-like") for fmt in ("csv", "jsonl")]
        workers: dict[str, list[float]] = {"csv": [], "jsonl": []}
        shares: dict[str, list[float]] = {"csv": [], "jsonl": []}
        for round_number in range(args.rounds):
            floors = {
                kind: (bench.floor(MSGSPEC_FLOOR, kind), bench.floor(PYDANTIC_FLOOR, kind))
                for kind in ("complete", "registry-like")
            }
            for fmt, kind in cases:
                msgspec_floor, pydantic_floor = floors[kind]
                cpu, _ = bench.steady(kind, fmt, 1)
                row = rows.setdefault(f"{fmt} {kind}", {"msgspec": [], "pydantic": [], "rate": []})
                row["msgspec"].append(msgspec_floor / cpu)
                row["pydantic"].append(pydantic_floor / cpu)
                row["rate"].append(1 / cpu)
                if kind == "complete":
                    two, main_cpu = bench.steady(kind, fmt, 2)
                    workers[fmt].append(two / cpu)
                    shares[fmt].append(main_cpu / two)
            rates = ", ".join(f"{1 / f[0]:,.0f}/s" for f in floors.values())
            print(f"round {round_number + 1} done (msgspec floor {rates})", flush=True)
        print("\nthroughput, CPU time, start-up subtracted: screen / floor")
        for name_, row in rows.items():
            target = TARGETS.get(name_)
            mark = f"target >= {target}" if target else "(no target)"
            print(f"  {name_:20} vs msgspec {spread(row['msgspec'])}  {mark}")
            print(f"  {'':20} vs pydantic {spread(row['pydantic'])}")
            print(f"  {'':20} {statistics.median(row['rate']):,.0f} profiles per CPU second")
        print("\n2 workers / 1 worker, total CPU (complete profiles)")
        for fmt in workers:
            print(f"  {fmt:5} {spread(workers[fmt])}  target <= {WORKERS_TARGET}")
            print(
                f"  {'':5} main process share {spread(shares[fmt])}  target <= {MAIN_SHARE_TARGET}"
            )
        print("\none-file screen CPU / `python -c 'import typer, rich, pydantic'` CPU")
        print(f"  {spread(one_file(args.one_file_runs))}  target <= {ONE_FILE_TARGET}")
        print("\npeak memory, csv, 1 worker")
        print(f"  200k / 10k {memory(folder):.3f}  target <= {MEMORY_TARGET}")


if __name__ == "__main__":
    main()
