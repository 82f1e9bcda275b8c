"""Shared fixtures: the bundled studies, the example patients, golden files, Hypothesis."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from pml_trials.studies.load import bundled_dir, load_dirs
from pml_trials.studies.model import Study

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLES = ROOT / "examples" / "patients"
AS_OF = date(2026, 11, 25)

settings.register_profile("dev", max_examples=200, deadline=None)
settings.register_profile(
    "ci",
    max_examples=400,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite tests/golden/* from the current output (review the diff like code).",
    )


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Checked criteria files are cached (pml_trials.studies.cache) in a folder of the
    test run's own, never in the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def studies() -> tuple[Study, ...]:
    """The bundled studies, loaded once."""
    report = load_dirs([bundled_dir()])
    assert not report.errors, [e.render() for e in report.errors]
    return tuple(report.studies)


@pytest.fixture(scope="session")
def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


@pytest.fixture(scope="session")
def example_profiles(example_paths: list[Path]) -> dict[str, dict[str, Any]]:
    """Example patients as raw JSON objects, by patient_id."""
    raw = [json.loads(p.read_text(encoding="utf-8")) for p in example_paths]
    return {r["patient_id"]: r for r in raw}


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)``: compare with tests/golden/<name>, or rewrite it with
    ``--update-goldens``."""
    update = bool(request.config.getoption("--update-goldens"))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-goldens"
        assert text == path.read_text(encoding="utf-8"), f"differs from {path}"

    return check


AS_NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")


@pytest.fixture(scope="session")
def as_nobody() -> tuple[str, ...]:
    """The command prefix that runs a program as the unprivileged user nobody.

    Skipped where that cannot work here (not root, no setpriv, or a checkout that nobody
    cannot read, such as one inside a 0700 temporary folder); under CI it fails instead,
    because `.ci/run` makes its checkout reachable so these attacks always run there.
    """
    import shutil
    import subprocess
    import sys

    why = ""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        why = "needs root and setpriv"
    else:
        probe = subprocess.run(
            [*AS_NOBODY, sys.executable, "-c", "import pml_trials.cli, typer"],
            capture_output=True,
            timeout=60,
            check=False,
            cwd="/",
        )
        if probe.returncode != 0:
            why = "user nobody cannot import pml_trials from this checkout (is a folder above it 0700?)"
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return AS_NOBODY
