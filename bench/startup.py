"""Start-up: wall time of common calls against the floor of importing typer, rich, pydantic.

Target (issue 8): `pml-trials --help` and `pml-trials screen` on one patient file take no
more than 1.3x the wall time of `python -c "import typer, rich, pydantic"` (medians).

Checked criteria files are cached between calls (pml_trials/studies/cache.py): the warm-up
run before each case fills the cache, as any earlier call on a user's machine would. The
"no cache" row shows a call without it (PML_TRIALS_NO_CACHE=1), e.g. the first call after
an upgrade or after a criteria file changed.

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
# A profile with residence_country and residence_town: its call also resolves the town
# in the offline gazetteer (issue 18), which the others must not pay for.
TOWN_PATIENT = ROOT / "examples" / "patients" / "ex-08-icl.json"
TARGET = 1.3
NO_CACHE = "PML_TRIALS_NO_CACHE"


# As on a user's machine: bytecode is cached (pip compiles it at install time). Some
# environments set PYTHONDONTWRITEBYTECODE, which would recompile every module on every
# call and measure the compiler instead of the tool.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall time of ``runs`` runs, after one warm-up run (file cache, .pyc)."""
    environment = {**ENV, **(env or {})}

    def run() -> None:
        subprocess.run(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environment,
            check=False,
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
    one = [tool, "screen", str(PATIENT), "--format"]
    cases: dict[str, tuple[list[str], dict[str, str]]] = {
        "pml-trials --help": ([tool, "--help"], {}),
        "pml-trials screen <one file> (table)": ([*one, "table"], {}),
        "pml-trials screen <one file> (json)": ([*one, "json"], {}),
        "pml-trials screen <one file> (csv)": ([*one, "csv"], {}),
        "pml-trials screen <one file> (json, no cache)": ([*one, "json"], {NO_CACHE: "1"}),
        "pml-trials screen <one file with a town> (json)": (
            [tool, "screen", str(TOWN_PATIENT), "--format", "json"],
            {},
        ),
        "pml-trials trials": ([tool, "trials"], {}),
    }
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {args.runs} runs")
    print(f"{'floor: import typer, rich, pydantic':46} {floor * 1000:7.1f} ms")
    for name, (command, env) in cases.items():
        seconds = median_seconds(command, args.runs, env)
        ratio = seconds / floor
        if NO_CACHE in env:  # not a target: once after an upgrade or a criteria file changed
            verdict = "(a first call: no target)"
        else:
            verdict = f"(target <= {TARGET}x) " + ("ok" if ratio <= TARGET else "ABOVE TARGET")
        print(f"{name:46} {seconds * 1000:7.1f} ms  {ratio:4.2f}x floor {verdict}")


if __name__ == "__main__":
    main()
