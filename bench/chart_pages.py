"""The chart copy's printed length: every example patient's ``explain -f html``, printed
by headless Chromium, pages counted from the PDF (pypdf), beside the target of issue 16
(at most 3 A4 pages), and the smallest type printed (floor 7.5 pt).

    python bench/chart_pages.py [--paper a4 --paper letter]
"""

from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from report_print import print_command

ROOT = Path(__file__).resolve().parent.parent
TARGET_PAGES = 3  # A4
FLOOR_PT = 7.5


def smallest_type(pdf: bytes) -> float:
    from pypdf import PdfReader

    sizes = [99.0]

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            sizes.append(size * math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1]))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return min(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paper", action="append", choices=["a4", "letter"])
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed (.ci/browser.sh installs it)")
    from pypdf import PdfReader

    tool = str(Path(sys.executable).with_name("pml-trials"))
    patients = sorted((ROOT / "examples/patients").glob("*.json"))
    papers = args.paper or ["a4", "letter"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)

        def pages(job: tuple[Path, str]) -> tuple[int, float]:
            patient, paper = job
            here = work / f"{patient.stem}-{paper}"
            here.mkdir()
            html, pdf = here / "chart.html", here / "chart.pdf"
            command = [tool, "explain", str(patient), "-f", "html", "--paper", paper]
            command += ["--as-of", "2026-11-25"]
            with html.open("wb") as out:
                subprocess.run(command, stdout=out, check=True)
            subprocess.run(
                print_command(browser, here / "profile", pdf, html),
                capture_output=True,
                env={**os.environ, "HOME": str(here)},
                check=False,
            )
            data = pdf.read_bytes()
            return len(PdfReader(io.BytesIO(data)).pages), smallest_type(data)

        jobs = [(p, paper) for p in patients for paper in papers]
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = dict(zip(jobs, pool.map(pages, jobs), strict=True))
    print(f"target: at most {TARGET_PAGES} A4 pages per patient; type >= {FLOOR_PT} pt")
    print("| patient | " + " | ".join(f"{p} pages" for p in papers) + " | smallest type |")
    print("|---|" + "---|" * len(papers) + "---|")
    for patient in patients:
        cells = []
        for paper in papers:
            count = found[(patient, paper)][0]
            mark = (" ✓" if count <= TARGET_PAGES else " ✗") if paper == "a4" else ""
            cells.append(f"{count}{mark}")
        small = min(found[(patient, paper)][1] for paper in papers)
        print(f"| {patient.stem} | " + " | ".join(cells) + f" | {small:.2f} pt |")


if __name__ == "__main__":
    main()
