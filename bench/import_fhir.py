"""FHIR import throughput and memory, beside screen's, measured in one run.

- bundles/s: `pml-trials import fhir DIR` over a folder of one-patient transaction
  Bundles (the README's 23-entry PML example, patient ids varied), end to end;
- NDJSON resources/s: a Bulk-Data export (Patient.ndjson + Observation.ndjson) of a fixed
  number of patients, at two sizes (default 10 MB and 100 MB);
- peak RSS of those two runs: it should stay flat, since per patient only the records
  that can still decide a field are kept (memory grows with patients, not resources);
- beside: `pml-trials screen` of the imported profiles (profiles/s), and `screen DIR`
  of the bundles directly (import + screen).

    python bench/import_fhir.py [--bundles 500] [--patients 2000] [--sizes 10,100]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fhir_factory import PATIENT, patient, pml_patient_bundle, quantity  # noqa: E402

AS_OF = "2026-12-01"
CODES = [
    ("24467-3", "/uL"),
    ("731-0", "10*3/uL"),
    ("777-3", "10*3/uL"),
    ("29463-7", "kg"),
    ("98979-8", "mL/min/{1.73_m2}"),
]


def run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        sys.exit(f"failed ({code}): {' '.join(command)}")
    return seconds, usage.ru_maxrss


def write_bundles(folder: Path, count: int) -> int:
    folder.mkdir()
    text = json.dumps(pml_patient_bundle())
    for index in range(count):
        (folder / f"b{index:05d}.json").write_text(
            text.replace(PATIENT[9:], f"{index:08d}-0000-4000-8000-000000000000")
        )
    return len(pml_patient_bundle()["entry"])


def write_ndjson(folder: Path, patients: int, megabytes: int, rng: random.Random) -> int:
    """A Bulk-Data export of ``patients`` patients with Observations up to ``megabytes``."""
    folder.mkdir()
    lines = 0
    with (folder / "Patient.ndjson").open("w") as out:
        for index in range(patients):
            out.write(json.dumps(patient(id=f"p{index}")) + "\n")
            lines += 1
    limit = megabytes * 1_000_000
    size = 0
    with (folder / "Observation.ndjson").open("w") as out:
        number = 0
        while size < limit:
            code, unit = CODES[number % len(CODES)]
            day = rng.randrange(1, 29)
            obs = quantity(f"o{number}", code, rng.randrange(1, 900), unit, f"2026-11-{day:02d}")
            obs["subject"] = {"reference": f"Patient/p{rng.randrange(patients)}"}
            line = json.dumps(obs) + "\n"
            out.write(line)
            size += len(line)
            number += 1
            lines += 1
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundles", type=int, default=500)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--sizes", default="10,100", help="NDJSON sizes in MB")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "pml_trials"]
    rng = random.Random(13)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        entries = write_bundles(work / "bundles", args.bundles)
        out = work / "profiles.jsonl"
        seconds, rss = run(
            [*cli, "import", "fhir", str(work / "bundles"), "--as-of", AS_OF, "-o", str(out)]
        )
        print(
            f"import fhir, {args.bundles} bundles of {entries} entries: {seconds:6.2f} s  {args.bundles / seconds:8.0f} bundles/s  {args.bundles * entries / seconds:9.0f} resources/s  peak RSS {rss / 1024:6.1f} MiB"
        )
        seconds, rss = run([*cli, "screen", str(out), "-f", "jsonl"])
        print(
            f"screen the {args.bundles} imported profiles:      {seconds:6.2f} s  {args.bundles / seconds:8.0f} profiles/s                         peak RSS {rss / 1024:6.1f} MiB"
        )
        seconds, rss = run([*cli, "screen", str(work / "bundles"), "--as-of", AS_OF, "-f", "jsonl"])
        print(
            f"screen the {args.bundles} bundles directly:         {seconds:6.2f} s  {args.bundles / seconds:8.0f} bundles/s                          peak RSS {rss / 1024:6.1f} MiB"
        )
        figures = []
        for megabytes in (int(s) for s in args.sizes.split(",")):
            folder = work / f"ndjson-{megabytes}"
            lines = write_ndjson(folder, args.patients, megabytes, rng)
            seconds, rss = run(
                [
                    *cli,
                    "import",
                    "fhir",
                    str(folder),
                    "--as-of",
                    AS_OF,
                    "-o",
                    str(work / f"n{megabytes}.jsonl"),
                ]
            )
            figures.append(rss)
            print(
                f"import fhir, NDJSON {megabytes:4d} MB ({lines:,} resources, {args.patients:,} patients): {seconds:6.2f} s  {lines / seconds:9.0f} resources/s  peak RSS {rss / 1024:6.1f} MiB"
            )
        if len(figures) > 1:
            print(
                f"peak RSS, largest / smallest NDJSON: {figures[-1] / figures[0]:.2f}x (flat: close to 1)"
            )


if __name__ == "__main__":
    main()
