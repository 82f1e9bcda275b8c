"""Issue 20: a valid one-file screen imports only what it needs: not pydantic, not
pydantic-core (msgspec validates it), not rich (the table is plain text), not typer
(the fast path parses a plain screen command line, ``pml_trials.cli.fast``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patients" / "ex-01-hiv-art.json"
PROBE = (
    "import sys\n"
    "sys.argv = ['pml-trials', *sys.argv[1:]]\n"
    "from pml_trials.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "heavy = ('pydantic', 'pydantic_core', 'rich', 'typer')\n"
    "found = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
    "print(__import__('json').dumps(found), file=sys.stderr)\n"
)


def imported(*args: str) -> list[str]:
    command = [sys.executable, "-c", PROBE, *args]
    # The first call may fill the criteria cache, which validates with pydantic-core.
    subprocess.run(command, capture_output=True, cwd=ROOT, check=False)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    found: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return found


def test_a_valid_one_file_screen_imports_neither_pydantic_nor_rich_nor_typer() -> None:
    assert imported("screen", str(PATIENT), "--as-of", "2026-11-25") == []
    for fmt in ("json", "jsonl", "csv"):
        assert imported("screen", str(PATIENT), "-f", fmt, "--as-of", "2026-11-25") == []


def test_anything_else_goes_through_typer() -> None:
    assert "typer" in imported("screen", str(PATIENT), "--help")
    assert "typer" in imported("screen", str(PATIENT), "--as-of", "2026-1-5")
    assert "typer" in imported("trials")


def test_an_invalid_file_still_gets_the_reference_validator(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"patient_id": "p-1", "age_years": 4.0}', encoding="utf-8")
    found = imported("screen", str(bad), "--as-of", "2026-11-25")
    assert "pydantic_core" in found and "typer" not in found  # exit 3 needs no typer


GC_PROBE = (
    "import gc, sys\n"
    "sys.argv = ['pml-trials', *sys.argv[1:]]\n"
    "import pml_trials.batch.run as run\n"
    "seen = []\n"
    "original = run.run_batch\n"
    "def spy(*args, **kwargs):\n"
    "    seen.append(gc.isenabled())\n"
    "    return original(*args, **kwargs)\n"
    "run.run_batch = spy\n"
    "from pml_trials.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(seen, gc.isenabled(), file=sys.stderr)\n"
)


def test_the_collector_paused_for_start_up_runs_again_for_the_batch() -> None:
    """main() stops the garbage collector while start-up makes its long-lived objects;
    a batch (fast path or typer) must run with it on, or its cycles would pile up."""
    for extra in ([], ["--lenient"]):  # the fast path, then typer's
        command = [sys.executable, "-c", GC_PROBE, "screen", str(PATIENT), "-f", "csv", *extra]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        assert done.stderr.strip().splitlines()[-1] == "[True] True", (extra, done.stderr)
