"""Helpers of the adversarial tests (issue 12): run the installed entry point as a real
process, so that signals, closed streams, devices and limits act as they do for a user."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "patients" / "ex-01-hiv-art.json"
COMMAND = [sys.executable, "-c", "from pml_trials.cli import main; main()"]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PML_TRIALS")}
    env.update({"PML_TRIALS_NOW": "2026-11-25T19:20:00Z", "NO_COLOR": "1", **extra})
    return env


def run(
    *args: str | Path,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    **popen: Any,
) -> subprocess.CompletedProcess[bytes]:
    """``pml-trials ARGS`` in a child process; stdout and stderr captured."""
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    return subprocess.run(
        [*COMMAND, *map(str, args)],
        cwd=cwd,
        input=stdin,
        env=dict(env or environment()),
        timeout=timeout,
        check=False,
        **options,
    )


def profile(path: Path, patient_id: str = "p-1", **values: Any) -> Path:
    """A small valid profile file."""
    import json

    path.write_text(json.dumps({"patient_id": patient_id, **values}), encoding="utf-8")
    return path
