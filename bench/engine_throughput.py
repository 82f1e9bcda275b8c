"""Throughput of batch screening against validation alone (issue 3's speed target).

Builds a JSON Lines file of N fully filled synthetic profiles (every field of the
profile declaration with a valid value, varied so that every verdict occurs), then, in
the same run and on the same lines, measures

(a) validating each line with the profile validator alone
    (``pml_trials.profile.schema.validator().validate_json``), and
(b) ``validate_json`` (the project's validator, with its extra checks) followed by
    ``screen()`` against the bundled studies, with no output;

and prints both throughputs, the ratio (b)/(a) and the target floor 0.5. Each figure is
the best of several repeats, so a noisy machine understates rather than flatters.

    python bench/engine_throughput.py [-n 20000] [--repeat 5] [--seed 1] [--profile]

``--profile`` runs (b) under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from synthetic import AS_OF, synthetic_profile

from pml_trials.engine import screen
from pml_trials.profile.schema import validator
from pml_trials.profile.validate import validate_json
from pml_trials.studies.load import bundled_dir, load_dirs
from pml_trials.studies.model import Study

FLOOR = 0.5


def build_lines(count: int, seed: int) -> list[bytes]:
    """N fully filled profiles as JSON Lines, written to a file and read back as bytes."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "profiles.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for index in range(count):
                out.write(json.dumps(synthetic_profile(index, rng)) + "\n")
        return path.read_bytes().splitlines()


def validate_only(lines: list[bytes], studies: tuple[Study, ...]) -> None:
    validate = validator().validate_json
    for line in lines:
        validate(line)


def validate_and_screen(lines: list[bytes], studies: tuple[Study, ...]) -> None:
    for number, line in enumerate(lines, start=1):
        screen(validate_json(line, line=number), studies, AS_OF)


def best_rate(
    run: Callable[[list[bytes], tuple[Study, ...]], None],
    lines: list[bytes],
    studies: tuple[Study, ...],
    repeat: int,
) -> float:
    """Lines per second, best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(lines, studies)
        best = min(best, time.perf_counter() - start)
    return len(lines) / best


def verdict_mix(lines: list[bytes], studies: tuple[Study, ...]) -> Counter[str]:
    mix: Counter[str] = Counter()
    for line in lines:
        for verdict in screen(validate_json(line), studies, AS_OF).verdicts:
            mix[verdict.value] += 1
    return mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=20_000, help="profiles (lines)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; best is kept")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the screening run")
    args = parser.parse_args()

    report = load_dirs([bundled_dir()])
    if report.errors:
        raise SystemExit("\n".join(e.render() for e in report.errors))
    studies = tuple(report.studies)
    lines = build_lines(args.count, args.seed)
    mix = verdict_mix(lines, studies)

    validate_only(lines, studies)  # warm both paths before timing
    validate_and_screen(lines, studies)
    alone = best_rate(validate_only, lines, studies, args.repeat)
    screened = best_rate(validate_and_screen, lines, studies, args.repeat)
    ratio = screened / alone

    print(f"{len(lines)} fully filled profiles x {len(studies)} bundled studies")
    print("verdicts: " + ", ".join(f"{v} {n}" for v, n in sorted(mix.items())))
    print(f"(a) validator().validate_json alone: {alone:>10,.0f} lines/s")
    print(f"(b) validate_json + screen():        {screened:>10,.0f} lines/s")
    print(
        f"ratio (b)/(a): {ratio:.2f}  (target floor {FLOOR}: {'met' if ratio >= FLOOR else 'NOT met'})"
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(validate_and_screen, lines, studies)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
