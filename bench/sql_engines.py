"""Python engine vs DuckDB vs local Spark on the same profiles, side by side in one run.

Usage: ``python bench/sql_engines.py [--n 1000000] [--n 10000] [--spark] [--repeat 3] [--ab 3]``

For each N: fully filled synthetic profiles (``bench/synthetic.py``) as JSON Lines and as
Parquet (written by DuckDB from the same lines). Each case is one ``pml-trials``
command, timed end to end (wall time minus the same command on one profile: start-up,
loading the studies, a Spark session), with peak RSS from ``os.wait4`` (the largest
process; for Spark that is the JVM):

- ``python -w1`` / ``python -w2``: ``screen x.jsonl -f csv`` on the Python engine;
- ``duckdb jsonl -> csv``: ``--engine duckdb`` on the same JSON Lines;
- ``duckdb parquet -> csv``: ``--engine duckdb`` on the Parquet file (same CSV bytes);
- ``duckdb parquet -> parquet``: ``-o results.parquet``, all in DuckDB (one part per CPU);
- ``duckdb -w1 parquet -> parquet``: the same on one DuckDB thread;
- ``spark parquet -> parquet`` (``--spark``, local[2]): ``pml-trials spark``.

``--repeat K`` also measures ``duckdb parquet -> parquet`` on the largest N's Parquet
repeated K times (K x N rows), to see whether memory keeps growing past the largest N.
The load average (``uptime``) is printed before and after: the machine is shared.

Target (issue 15): DuckDB on Parquet at least 5x the Python engine's single-worker
throughput, memory flat (peak RSS at the largest N within 1.25x of the smallest; also
printed: against the smallest N of two input row groups or more, since Parquet output
is written in one part per CPU from the input's row groups, so a one-row-group input
is written by one thread). ``duckdb -w1`` is the same on one DuckDB thread (per core).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batch_scale import write_profiles

TARGET = 5.0  # DuckDB on Parquet / Python single worker
MEMORY_CEILING = 1.25
ROW_GROUP = 122_880  # rows per row group of the Parquet inputs (DuckDB's default writer)
AS_OF = ["--as-of", "2026-11-25"]


def timed(command: list[str]) -> tuple[float, int]:
    seconds, rss, _ = timed_cpu(command)
    return seconds, rss


def timed_cpu(command: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        error = process.stderr.read().decode() if process.stderr else ""
        sys.exit(f"failed ({code}): {' '.join(command)}\n{error[-2000:]}")
    return seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


CONVERT = (
    "import sys, duckdb\n"
    "from pml_trials.sql.dialects import Dialect\n"
    "from pml_trials.sql.table import column_types\n"
    "cols = ', '.join(f\"'{k}': '{t.replace('TEXT', 'VARCHAR')}'\" "
    "for k, t in column_types(Dialect.duckdb))\n"
    "duckdb.connect().execute(f\"COPY (SELECT * FROM read_json('{sys.argv[1]}', "
    "format = 'newline_delimited', columns = {{{cols}}})) TO '{sys.argv[2]}' (FORMAT parquet)\")\n"
)


def to_parquet(jsonl: Path) -> Path:
    """The same profiles as Parquet, written by DuckDB in a process of its own (so this
    one stays small: a child's peak RSS counts the parent's memory it was forked from)."""
    target = jsonl.with_suffix(".parquet")
    subprocess.run([sys.executable, "-c", CONVERT, str(jsonl), str(target)], check=True)
    return target


def cases(jsonl: Path, parquet: Path, out: Path, spark: bool) -> dict[str, list[str]]:
    tool = [sys.executable, "-m", "pml_trials"]
    csv = ["-f", "csv", "-o", str(out.with_suffix(".csv")), *AS_OF]
    found = {
        "python -w1 jsonl -> csv": [*tool, "screen", str(jsonl), *csv, "-w", "1"],
        "python -w2 jsonl -> csv": [*tool, "screen", str(jsonl), *csv, "-w", "2"],
        "duckdb jsonl -> csv": [*tool, "screen", str(jsonl), *csv, "--engine", "duckdb"],
        "duckdb parquet -> csv": [*tool, "screen", str(parquet), *csv, "--engine", "duckdb"],
        "duckdb parquet -> parquet": [
            *tool,
            "screen",
            str(parquet),
            "-o",
            str(out.with_suffix(".parquet")),
            *AS_OF,
        ],
        "duckdb -w1 parquet -> parquet": [
            *tool,
            "screen",
            str(parquet),
            "-o",
            str(out.with_suffix(".w1.parquet")),
            *AS_OF,
            "-w",
            "1",
        ],
    }
    if spark:
        target = out.parent / f"spark-{jsonl.stem}"
        found["spark local[2] parquet -> parquet"] = [
            *tool,
            "spark",
            "--from-parquet",
            str(parquet),
            "--to-parquet",
            str(target),
            "--mode",
            "overwrite",
            "--master",
            "local[2]",
            *AS_OF,
        ]
    return found


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


REPEAT = (
    "import sys, duckdb\n"
    "files = [sys.argv[1]] * int(sys.argv[3])\n"
    'duckdb.connect().execute(f"COPY (SELECT * FROM read_parquet({files})) TO '
    "'{sys.argv[2]}' (FORMAT parquet)\")\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="profiles (repeatable)")
    parser.add_argument("--spark", action="store_true", help="also local Spark (slow start)")
    parser.add_argument(
        "--ab", type=int, default=0, help="then K interleaved runs: python -w1 vs duckdb parquet"
    )
    parser.add_argument("--repeat", type=int, default=0, help="also K x the largest N, Parquet")
    parser.add_argument("--dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = parser.parse_args()
    sizes = sorted(args.n or [10_000, 1_000_000])
    print(f"start: {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="pml-sql-bench-", dir=args.dir) as folder:
        base = Path(folder)
        one = base / "one.jsonl"
        write_profiles(one, 1, 1)
        fixed = {
            name: timed(command)[0]
            for name, command in cases(one, to_parquet(one), base / "out-one", args.spark).items()
        }
        table: dict[int, dict[str, tuple[float, int]]] = {}
        for n in sizes:
            jsonl = base / f"profiles-{n}.jsonl"
            write_profiles(jsonl, n, 1)
            parquet = to_parquet(jsonl)
            print(
                f"N={n:,}: {jsonl.stat().st_size / 2**20:,.0f} MiB of JSONL, "
                f"{parquet.stat().st_size / 2**20:,.0f} MiB of Parquet; measuring",
                flush=True,
            )
            table[n] = {
                name: timed(command)
                for name, command in cases(jsonl, parquet, base / f"out-{n}", args.spark).items()
            }
            if not (args.ab and n == sizes[-1]):
                jsonl.unlink()
        repeated = None
        jsonl = base / f"profiles-{sizes[-1]}.jsonl"
        parquet = jsonl.with_suffix(".parquet")
        if args.repeat > 1:
            big = base / "repeated.parquet"
            subprocess.run(
                [sys.executable, "-c", REPEAT, str(parquet), str(big), str(args.repeat)],
                check=True,
            )
            name = "duckdb parquet -> parquet"
            command = cases(jsonl, big, base / "out-repeated", False)[name]
            repeated = (sizes[-1] * args.repeat, timed(command))
        ab = interleaved(jsonl, parquet, base, args.ab, args.spark) if args.ab else None
        print(f"end: {load()}")
        report(sizes, table, fixed, repeated)
        if ab:
            report_ab(sizes[-1], ab, fixed)


AB = ("python -w1 jsonl -> csv", "duckdb parquet -> parquet", "duckdb -w1 parquet -> parquet")


def interleaved(
    jsonl: Path, parquet: Path, base: Path, times: int, spark: bool
) -> dict[str, list[tuple[float, int, float]]]:
    """The two cases of the target, alternated ``times`` times on the largest N (A/B
    interleaved, so a change of load hits both), with CPU time beside wall time."""
    runs: dict[str, list[tuple[float, int, float]]] = {name: [] for name in AB}
    for index in range(times):
        order = AB[index % len(AB) :] + AB[: index % len(AB)]  # each case first in turn
        for name in order:
            runs[name].append(timed_cpu(cases(jsonl, parquet, base / "out-ab", spark)[name]))
        print(f"A/B round {index + 1}: {load()}", flush=True)
    return runs


def report_ab(
    n: int, runs: dict[str, list[tuple[float, int, float]]], fixed: dict[str, float]
) -> None:
    import statistics

    print(f"\nA/B interleaved, N = {n:,}, {len(runs[AB[0]])} rounds (medians):")
    steady = {}
    per_cpu = {}
    for name in AB:
        wall = statistics.median(r[0] for r in runs[name])
        cpu = statistics.median(r[2] for r in runs[name])
        steady[name] = n / max(wall - fixed[name], 1e-6)
        per_cpu[name] = n / cpu
        print(
            f"  {name:36} wall {wall:7.2f} s  steady {steady[name]:>9,.0f}/s  "
            f"CPU {cpu:7.2f} s  {per_cpu[name]:>9,.0f} profiles per CPU-second"
        )
    ratio = steady[AB[1]] / steady[AB[0]]
    mark = "met" if ratio >= TARGET else "NOT met"
    print(
        f"  target (steady wall): {ratio:.2f}x python -w1 ({mark}); per CPU-second: "
        f"{per_cpu[AB[1]] / per_cpu[AB[0]]:.2f}x"
    )
    print(
        f"  one DuckDB thread (-w1): {steady[AB[2]] / steady[AB[0]]:.2f}x python -w1 (steady "
        f"wall), {per_cpu[AB[2]] / per_cpu[AB[0]]:.2f}x per CPU-second"
    )


def report(
    sizes: list[int],
    table: dict[int, dict[str, tuple[float, int]]],
    fixed: dict[str, float],
    repeated: tuple[int, tuple[float, int]] | None = None,
) -> None:
    print("\nstart-up (one profile): " + ", ".join(f"{k} {v:.2f} s" for k, v in fixed.items()))
    print("\nprofiles/s steady (N / (wall - start-up)), N / wall, wall time, peak RSS")
    for n in sizes:
        print(f"\nN = {n:,}")
        python = None
        for name, (seconds, rss) in table[n].items():
            if seconds <= fixed[name] * 1.05:  # within start-up's noise: no steady rate
                print(
                    f"  {name:36} {'(start-up)':>12} {n / seconds:>10,.0f}/s {seconds:7.2f} s "
                    f"{rss / 1024:6.0f} MiB"
                )
                continue
            steady = n / (seconds - fixed[name])
            python = steady if name.startswith("python -w1") else python
            ratio = f"  {steady / python:5.2f}x python -w1" if python else ""
            print(
                f"  {name:36} {steady:>10,.0f}/s {n / seconds:>10,.0f}/s {seconds:7.2f} s "
                f"{rss / 1024:6.0f} MiB{ratio}"
            )
        name = "duckdb parquet -> parquet"
        seconds = table[n][name][0]
        if seconds <= fixed[name] * 1.05:  # as above: no rate, so no ratio to the target
            print(f"  target: {name} within start-up's noise at this N: no ratio")
            continue
        duck = n / (seconds - fixed[name])
        if python:
            mark = "met" if duck / python >= TARGET else "NOT met"
            print(
                f"  target: duckdb parquet -> parquet >= {TARGET}x python -w1: {duck / python:.1f}x ({mark})"
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\npeak RSS N={large:,} / N={small:,} (ceiling {MEMORY_CEILING}):")
        for name in table[large]:
            grew = table[large][name][1] / table[small][name][1]
            print(f"  {name:36} {grew:.2f}")
        # DuckDB writes Parquet output in one part per CPU, each from its own row groups
        # of the input, so an input of one row group is written by one thread: memory is
        # flat if it stops growing once every part runs (two row groups or more)
        fair = next((n for n in sizes if n > ROW_GROUP and n < large), None)
        if fair:
            print(
                f"\npeak RSS N={large:,} / N={fair:,} (the smallest N of two input row "
                f"groups or more; ceiling {MEMORY_CEILING}):"
            )
            for name in table[large]:
                grew = table[large][name][1] / table[fair][name][1]
                mark = "" if grew <= MEMORY_CEILING else "  (over the ceiling)"
                print(f"  {name:36} {grew:.2f}{mark}")
    if repeated:
        rows, (seconds, rss) = repeated
        name = "duckdb parquet -> parquet"
        steady = rows / max(seconds - fixed[name], 1e-6)
        large = sizes[-1]
        print(
            f"\nN = {rows:,} ({name}, the largest N's Parquet repeated): {steady:,.0f}/s steady, "
            f"{seconds:.2f} s, {rss / 1024:.0f} MiB; peak RSS / N={large:,}: "
            f"{rss / table[large][name][1]:.2f}"
        )


if __name__ == "__main__":
    main()
