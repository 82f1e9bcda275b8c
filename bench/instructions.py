"""Issue 20's throughput rows in instructions (valgrind's callgrind), beside the floor's.

CPU time on a shared machine varies 10-25 % between runs of the same code; instruction
counts do not (``PYTHONHASHSEED=0``), so this decides between two versions of a change
where ``throughput.py`` cannot. It is the complement of ``throughput.py``, not its
replacement: instructions are not time (a cache miss costs more than an add), and the
issue's figures are CPU time.

Each figure is instructions per profile in the steady state: a command on ``--n`` + 3,001
profiles minus the same command on 3,001 (start-up, the first units' cache fills and
the gazetteer's first towns cancel out), for

- ``screen --format csv|jsonl -w 1`` on complete and registry-like profiles (the
  profiles of ``throughput.py``, with towns);
- the msgspec floor (``throughput.MSGSPEC_FLOOR``) on the same files;

and the ratio floor / screen, which is what ``throughput.py`` reports in CPU time.
``--against CHECKOUT`` counts a second tree's code on the same files.

    python bench/instructions.py [--n 10000] [--against CHECKOUT] [--dir DIR]

Needs valgrind (``apt-get install valgrind``). About a minute per command at the
default N on one CPU; commands run two at a time.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from synthetic import sparse_profile, synthetic_profile
from throughput import ENV, MSGSPEC_FLOOR, NEUTRAL, TARGETS, THIS, Code, write_profiles

BASE = 3001  # profiles of the smaller run (start-up and the first units' cache fills)
KINDS = {"complete": synthetic_profile, "registry-like": sparse_profile}
_COLLECTED = re.compile(rb"Collected : (\d+)")


def instructions(command: list[str], code: Code) -> int:
    """Instructions of ``command`` and of every process it starts (callgrind)."""
    valgrind = ["valgrind", "--tool=callgrind", "--trace-children=yes"]
    valgrind.append("--callgrind-out-file=/dev/null")  # the totals are on stderr
    env = {**ENV, **code.env(), "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        valgrind + command, env=env, cwd=NEUTRAL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if done.returncode not in (0, 3):
        sys.exit(f"failed ({done.returncode}, {code.label}): {' '.join(command)}")
    return sum(int(found) for found in _COLLECTED.findall(done.stderr))


def per_profile(command: list[str], big: Path, small: Path, n: int, code: Code) -> float:
    """Steady-state instructions per profile: ``command`` on ``big`` minus on ``small``."""
    # The first run of a tree compiles its bytecode and studies cache: not counted.
    subprocess.run(
        [*command, str(small)], env={**ENV, **code.env()}, cwd=NEUTRAL, capture_output=True
    )
    return (
        instructions([*command, str(big)], code) - instructions([*command, str(small)], code)
    ) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dir", default=None, help="where the profiles and reports go")
    parser.add_argument("--against", type=Path, default=None, metavar="CHECKOUT")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("needs valgrind (apt-get install valgrind)")
    codes = [THIS]
    if args.against is not None:
        codes.append(Code(f"against {args.against}", args.against.resolve()))
    for code in codes:
        code.check()
    if args.dir is not None:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    print(f"N = {args.n:,} profiles beyond {BASE:,}, instructions per profile (callgrind)")
    with tempfile.TemporaryDirectory(prefix="pml-instr-", dir=args.dir) as name:
        folder = Path(name)
        files: dict[str, tuple[Path, Path]] = {}
        for kind, make in KINDS.items():
            big, small = folder / f"{kind}-{args.n + BASE}.jsonl", folder / f"{kind}-{BASE}.jsonl"
            write_profiles(big, args.n + BASE, make)
            write_profiles(small, BASE, make)
            files[kind] = (big, small)
        jobs: dict[tuple[str, str, str], list[str]] = {}
        for kind in KINDS:
            jobs[("floor", kind, THIS.label)] = [sys.executable, "-c", MSGSPEC_FLOOR]
            for fmt in ("csv", "jsonl"):
                for code in codes:
                    report = folder / f"report.{fmt}.{len(jobs)}"
                    screen = [sys.executable, "-m", "pml_trials", "screen", "-w", "1"]
                    jobs[(fmt, kind, code.label)] = [*screen, "-f", fmt, "-o", str(report)]
        with ThreadPoolExecutor(2) as pool:
            futures = {
                key: pool.submit(
                    per_profile,
                    command,
                    *files[key[1]],
                    args.n,
                    THIS if key[2] == THIS.label else codes[-1],
                )
                for key, command in jobs.items()
            }
            counts = {key: future.result() for key, future in futures.items()}
    for kind in KINDS:
        floor = counts[("floor", kind, THIS.label)]
        print(f"\n{kind}: msgspec floor {floor:,.0f}")
        for fmt in ("csv", "jsonl"):
            target = TARGETS.get(f"{fmt} {kind}")
            for code in codes:
                count = counts[(fmt, kind, code.label)]
                goal = f"  (target in CPU time >= {target})" if target else ""
                print(
                    f"  {fmt:5} {code.label:30} {count:9,.0f}  floor/this {floor / count:.3f}{goal}"
                )


if __name__ == "__main__":
    main()
