"""Towns and distances: what a town costs a call and a batch, beside the same work without.

- a first look-up in a fresh process (import, one country's file, scan), against the
  import of the profile validator it runs in;
- a batch of 5,000 JSON Lines profiles with towns (drawn from 200 German, French and US
  towns) against the same profiles without, through validation, screening and the JSON
  encoder: the batch cost of resolving towns and of the per-trial sites.

    python bench/gazetteer.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pml_trials.engine import screen  # noqa: E402
from pml_trials.geo.gazetteer import _country  # noqa: E402
from pml_trials.profile.validate import validate_json  # noqa: E402
from pml_trials.render.json_writer import ResultEncoder  # noqa: E402
from pml_trials.studies.load import bundled_dir, load_dirs  # noqa: E402

AS_OF = date(2026, 11, 25)
PATIENT = ROOT / "examples" / "patients" / "ex-08-icl.json"
FIRST = (
    "import time, pathlib; t = time.perf_counter(); "  # pathlib: the CLI has it already
    "from pml_trials.profile.validate import validate_json; t1 = time.perf_counter(); "
    'validate_json(b\'{{"patient_id": "p"{extra}}}\'); t2 = time.perf_counter(); '
    "print((t1 - t) * 1000, (t2 - t1) * 1000)"
)


def first_lookup(runs: int, town: bool) -> float:
    extra = (
        ', \\"residence_country\\": \\"DE\\", \\"residence_town\\": \\"Hamburg\\"' if town else ""
    )
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", FIRST.format(extra=extra)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        times.append(float(out[1]))
    return statistics.median(times)


def towns() -> list[tuple[str, str]]:
    chosen: list[tuple[str, str]] = []
    for code in ("DE", "FR", "US"):
        index = _country(code).index()
        seen: set[str] = set()
        for town in index.towns:  # largest first; names that are their own key only
            if len(seen) >= 66:
                break
            key = town.name
            from pml_trials.geo.gazetteer import TownError, resolve

            try:
                if resolve(code, key) == town and key not in seen:
                    seen.add(key)
                    chosen.append((code, key))
            except TownError:
                continue
    return chosen


def batch(lines: list[bytes], runs: int) -> float:
    studies = tuple(load_dirs([bundled_dir()]).studies)
    encoder = ResultEncoder(studies)
    best = []
    for _ in range(runs):
        start = time.perf_counter()
        for line in lines:
            encoder.encode(screen(validate_json(line), studies, AS_OF, "-"))
        best.append(time.perf_counter() - start)
    return min(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    without = first_lookup(args.runs, town=False)
    with_town = first_lookup(args.runs, town=True)
    print(f"first validation, no town (floor)            {without:7.2f} ms")
    print(
        f"first validation with a town (fresh process) {with_town:7.2f} ms  +{with_town - without:.2f} ms"
    )
    base = json.loads(PATIENT.read_text(encoding="utf-8"))
    places = towns()
    plain, placed = [], []
    for number in range(5000):
        document = {k: v for k, v in base.items() if not k.startswith(("residence_", "max_"))}
        document["patient_id"] = f"p-{number}"
        plain.append(json.dumps(document).encode())
        country, town = places[number % len(places)]
        placed.append(
            json.dumps({**document, "residence_country": country, "residence_town": town}).encode()
        )
    floor = batch(plain, args.runs)
    cost = batch(placed, args.runs)
    print(
        f"{len(places)} distinct towns; 5,000 profiles validated, screened, encoded (best of {args.runs})"
    )
    print(f"  without towns (floor)  {floor * 1000:8.1f} ms  {5000 / floor:9.0f} profiles/s")
    print(
        f"  with towns             {cost * 1000:8.1f} ms  {5000 / cost:9.0f} profiles/s  {cost / floor:.2f}x floor"
    )


if __name__ == "__main__":
    main()
