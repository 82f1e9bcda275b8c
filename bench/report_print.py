"""The batch report at registry scale: render it, then print it with headless Chromium.

N patients (default 500) are the bundled example patients repeated under new ids (so all
three verdicts and the next steps occur as in a real clinic list), in one JSON Lines file.
For each ``--detail`` level: the wall time of ``pml-trials screen -f html`` and of
Chromium's print to PDF, the PDF's pages (pypdf) and the size of the HTML, beside the
target of issue 16 ("renders and prints in well under a minute": floor 60 s). Chromium's
CPU time (user + system of every process of its session, read from /proc every 0.1 s;
Linux only) is printed too: it moves far less than wall time when the machine is busy.

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


def session_cpu(session: int, seen: dict[int, float]) -> None:
    """Record in ``seen`` the CPU seconds so far of each process of ``session``."""
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session:  # field 6 of proc(5): the session id
            seen[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime


def timed_cpu(command: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    """Wall seconds, and the CPU seconds of the command's process tree (its own session;
    ``None`` without /proc). Processes that end between two reads lose their last
    0.1 s, so the figure is a slight underestimate."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    seen: dict[int, float] = {}
    proc = Path("/proc").is_dir()
    while child.poll() is None:
        if proc:
            session_cpu(child.pid, seen)
        time.sleep(0.1)
    elapsed = time.perf_counter() - start
    errors = child.stderr.read() if child.stderr else b""
    if child.returncode != 0:
        sys.exit(errors.decode(errors="replace")[-2000:])
    return elapsed, sum(seen.values()) if proc else None


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
        print(
            "| --detail | render | print (Chromium) | Chromium CPU | total | pages | HTML | target |"
        )
        print("|---|---|---|---|---|---|---|---|")
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
            printing, cpu = timed_cpu(
                print_command(browser, work / "profile", pdf, html),
                env,
            )
            pages = len(PdfReader(io.BytesIO(pdf.read_bytes())).pages)
            total = render + printing
            mark = "✓" if total < TARGET_S else "✗"
            size = html.stat().st_size / 1e6
            used = f"{cpu:.1f} s" if cpu is not None else "n/a"
            print(
                f"| {detail} | {render:.1f} s | {printing:.1f} s | {used} | {total:.1f} s | "
                f"{pages} | {size:.1f} MB | < {TARGET_S:.0f} s {mark} |"
            )
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average (1 / 5 / 15 min) at the end: {load}")


if __name__ == "__main__":
    main()
