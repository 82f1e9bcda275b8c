"""The batch report at registry scale: render it, then print it with headless Chromium.

N patients (default 500) are the bundled example patients repeated under new ids (so all
three verdicts and the next steps occur as in a real clinic list), in one JSON Lines file.
For each ``--detail`` level: the wall time of ``pml-trials screen -f html`` and of
Chromium's print to PDF, the PDF's pages (pypdf) and the size of the HTML, beside the
target of issue 16 ("renders and prints in well under a minute": floor 60 s).

    python bench/report_print.py [--n 500] [--detail actionable --detail all]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60.0


def write_patients(path: Path, n: int) -> None:
    examples = [
        json.loads(p.read_text("utf-8"))
        for p in sorted((ROOT / "examples/patients").glob("*.json"))
    ]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            profile = dict(examples[i % len(examples)])
            profile["patient_id"] = f"{profile['patient_id']}-n{i:04d}"
            out.write(json.dumps(profile) + "\n")


def print_command(browser: str, profile: Path, pdf: Path, html: Path) -> list[str]:
    """Headless Chromium printing ``html`` to ``pdf``, with the flags this closed network
    needs (no background connections, a fresh user-data folder)."""
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-pdf-header-footer",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        html.as_uri(),
    ]


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 3):
        sys.exit(done.stderr.decode(errors="replace")[-2000:])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--detail", action="append", choices=["all", "actionable", "none"])
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed (.ci/browser.sh installs it)")
    from pypdf import PdfReader

    tool = str(Path(sys.executable).with_name("pml-trials"))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        patients = work / "patients.jsonl"
        write_patients(patients, args.n)
        print(f"{args.n} patients; target: render + print < {TARGET_S:.0f} s")
        print("| --detail | render | print (Chromium) | total | pages | HTML | target |")
        print("|---|---|---|---|---|---|---|")
        for detail in args.detail or ["actionable", "all"]:
            html = work / f"report-{detail}.html"
            pdf = work / f"report-{detail}.pdf"
            render = timed(
                [
                    tool,
                    "screen",
                    str(patients),
                    "-o",
                    str(html),
                    "--detail",
                    detail,
                    "--as-of",
                    "2026-11-25",
                ]
            )
            env = {**os.environ, "HOME": str(work)}
            printing = timed(
                print_command(browser, work / "profile", pdf, html),
                env,
            )
            pages = len(PdfReader(io.BytesIO(pdf.read_bytes())).pages)
            total = render + printing
            mark = "✓" if total < TARGET_S else "✗"
            size = html.stat().st_size / 1e6
            print(
                f"| {detail} | {render:.1f} s | {printing:.1f} s | {total:.1f} s | {pages} | "
                f"{size:.1f} MB | < {TARGET_S:.0f} s {mark} |"
            )


if __name__ == "__main__":
    main()
