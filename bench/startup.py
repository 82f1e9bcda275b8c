"""Start-up: wall time of common calls against the floor of importing typer, rich, pydantic.

Target (issue 8): `pml-trials --help` and `pml-trials screen` on one patient file take no
more than 1.3x the wall time of `python -c "import typer, rich, pydantic"` (medians).

    python bench/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patients" / "ex-01-hiv-art.json"
TARGET = 1.3


# As on a user's machine: bytecode is cached (pip compiles it at install time). Some
# environments set PYTHONDONTWRITEBYTECODE, which would recompile every module on every
# call and measure the compiler instead of the tool.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs, after one warm-up run (file cache, .pyc)."""

    def run() -> None:
        subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=False
        )

    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    tool = str(Path(sys.executable).with_name("pml-trials"))
    floor = median_seconds([sys.executable, "-c", "import typer, rich, pydantic"], args.runs)
    cases = {
        "pml-trials --help": [tool, "--help"],
        "pml-trials screen <one file> (table)": [tool, "screen", str(PATIENT), "--format", "table"],
        "pml-trials screen <one file> (json)": [tool, "screen", str(PATIENT), "--format", "json"],
        "pml-trials trials": [tool, "trials"],
    }
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {args.runs} runs")
    print(f"{'floor: import typer, rich, pydantic':42} {floor * 1000:7.1f} ms")
    for name, command in cases.items():
        seconds = median_seconds(command, args.runs)
        ratio = seconds / floor
        verdict = "ok" if ratio <= TARGET else "ABOVE TARGET"
        print(
            f"{name:42} {seconds * 1000:7.1f} ms  {ratio:4.2f}x floor (target <= {TARGET}x) {verdict}"
        )


if __name__ == "__main__":
    main()
