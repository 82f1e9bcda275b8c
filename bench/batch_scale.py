"""Batch screening at scale: throughput and peak memory of ``pml-trials screen`` (issue 5),
each figure beside its floor from issue 8.

For each N given, writes a JSON Lines file of N fully filled synthetic profiles, then
runs, each in a fresh process with its output to a file:

- the baseline: a loop validating each line with the profile validator alone
  (``validator().validate_json``, what ``model_validate_json`` is for this model);
- ``pml-trials screen FILE --format csv|jsonl --workers 1|2 --output OUT``.

Files go to ``--dir`` (default /dev/shm where it exists: still files, but the 4 GB
JSON Lines report of a million profiles is not throttled by the disk's write-back).

It prints, side by side for every N, throughput (profiles/s) and peak resident memory
(``ru_maxrss`` of the run from ``os.wait4``: the largest single process, the main one or
a worker), and the ratios the targets are about. Throughput is "steady": N divided by
the wall time minus the same command's time on a one-line file (start-up, loading the
studies, starting workers), so N = 10,000 and N = 1,000,000 compare; wall times are
printed too. Each figure is the best of ``--repeat`` runs, interleaved, so a busy
machine understates rather than flatters.

    python bench/batch_scale.py --n 10000 --n 1000000 [--repeat 3] [--seed 1] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from synthetic import synthetic_profile

FLOORS = {"csv": 0.4, "jsonl": 0.25}  # screen (1 worker) / validation alone
WORKERS_FLOOR = 1.7  # 2 workers / 1 worker, on 2 cores
MEMORY_CEILING = 1.25  # peak RSS at the largest N / at the smallest N
BASELINE = (
    "import sys\n"
    "from pml_trials.profile.schema import validator\n"
    "validate = validator().validate_json\n"
    "with open(sys.argv[1], 'rb') as lines:\n"
    "    for line in lines:\n"
    "        validate(line)\n"
)


def write_profiles(path: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            out.write(json.dumps(synthetic_profile(index, rng)) + "\n")


@dataclass
class Figure:
    seconds: float = float("inf")  # best wall time
    rss_kb: int = 0  # largest peak RSS over the repeats


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one command, output discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 3):
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}")
    return seconds, usage.ru_maxrss


def commands(data: Path, out: Path) -> dict[str, list[str]]:
    screen = [sys.executable, "-m", "pml_trials", "screen", str(data), "--as-of", "2026-11-25"]
    runs = {"validate": [sys.executable, "-c", BASELINE, str(data)]}
    for fmt in FLOORS:
        for workers in (1, 2):
            runs[f"{fmt} w{workers}"] = [
                *screen,
                *("--format", fmt, "--workers", str(workers), "--output", str(out)),
            ]
    return runs


def _burn(count: int) -> int:
    total = 0
    for number in range(count):
        total += number
    return total


def parallelism() -> float:
    """How much faster this machine runs two busy processes than one, right now: the
    most that 2 workers can give (other load on the machine lowers it)."""
    count = 5_000_000
    start = time.perf_counter()
    _burn(count)
    one = time.perf_counter() - start
    with multiprocessing.get_context().Pool(2) as pool:
        start = time.perf_counter()
        pool.map(_burn, [count, count])
        two = time.perf_counter() - start
    return 2 * one / two


def measure(data: Path, out: Path, repeat: int) -> dict[str, Figure]:
    figures = {name: Figure() for name in commands(data, out)}
    for _ in range(repeat):  # interleaved: a slow moment hurts every command alike
        for name, command in commands(data, out).items():
            seconds, rss = timed(command)
            figures[name].seconds = min(figures[name].seconds, seconds)
            figures[name].rss_kb = max(figures[name].rss_kb, rss)
    return figures


def steady(n: int, figure: Figure, fixed: Figure) -> float:
    """Profiles per second once started: N over the time beyond a one-line run."""
    return n / max(figure.seconds - fixed.seconds, 1e-9)


def report(
    sizes: list[int],
    results: dict[int, dict[str, Figure]],
    fixed: dict[str, Figure],
    machine: list[float],
) -> None:
    names = list(fixed)
    print(f"\nstart-up (the same command on one line): {os.cpu_count()} CPUs")
    for name in names:
        print(f"  {name:12} {fixed[name].seconds:5.2f} s")
    print("\nprofiles/s steady, wall time, peak RSS")
    print(f"{'':12}" + "".join(f"{f'N={n:,}':>36}" for n in sizes))
    for name in names:
        cells = []
        for n in sizes:
            fig = results[n][name]
            rate = steady(n, fig, fixed[name])
            cells.append(f"{rate:>10,.0f}/s {fig.seconds:8.2f} s {fig.rss_kb / 1024:7.1f} MiB")
        print(f"{name:12}" + "".join(f"{c:>36}" for c in cells))

    def rate_of(n: int, name: str) -> float:
        return steady(n, results[n][name], fixed[name])

    print("\nratios (steady throughput), each beside its floor")
    for n in sizes:
        for fmt, floor in FLOORS.items():
            ratio = rate_of(n, f"{fmt} w1") / rate_of(n, "validate")
            print(
                f"  N={n:>9,}  {fmt:5}  1 worker / validation alone  {ratio:5.2f}  (floor {floor})"
            )
        for fmt in FLOORS:
            ratio = rate_of(n, f"{fmt} w2") / rate_of(n, f"{fmt} w1")
            print(
                f"  N={n:>9,}  {fmt:5}  2 workers / 1 worker          {ratio:5.2f}  "
                f"(floor {WORKERS_FLOOR}; two busy processes ran at "
                f"{min(machine):.2f}-{max(machine):.2f}x one during the runs)"
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\npeak RSS at N={large:,} / at N={small:,} (ceiling {MEMORY_CEILING})")
        for name in names:
            ratio = results[large][name].rss_kb / results[small][name].rss_kb
            print(f"  {name:12} {ratio:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="profiles (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--dir",
        default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None,
        help="where the profiles and reports go (default: /dev/shm, a file system in "
        "memory, so the disk's write-back does not weigh on the larger reports)",
    )
    args = parser.parse_args()
    sizes = sorted(args.n or [10_000, 1_000_000])
    with tempfile.TemporaryDirectory(prefix="pml-bench-", dir=args.dir) as folder:
        out = Path(folder) / "report.out"
        one = Path(folder) / "one.jsonl"
        write_profiles(one, 1, args.seed)
        machine = [parallelism()]
        fixed = measure(one, out, args.repeat)
        results: dict[int, dict[str, Figure]] = {}
        for n in sizes:
            data = Path(folder) / f"profiles-{n}.jsonl"
            start = time.perf_counter()
            write_profiles(data, n, args.seed)
            print(
                f"N={n:,}: {data.stat().st_size / 2**20:,.0f} MiB written in "
                f"{time.perf_counter() - start:.0f} s; measuring",
                flush=True,
            )
            results[n] = measure(data, out, args.repeat)
            machine.append(parallelism())
            data.unlink()
        report(sizes, results, fixed, machine)


if __name__ == "__main__":
    main()
