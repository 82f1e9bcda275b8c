"""Differential tests on PostgreSQL: where SQL's traps bite (integer division, errors on
division by zero, sqlglot's list membership that turns an unknown list into false).

A throwaway server is started in a temporary folder, listening on a Unix socket only,
as the ``postgres`` system user when run as root (initdb refuses root). Skipped when the
server binaries or psycopg are missing, unless ``PML_TRIALS_REQUIRE_ENGINES`` names
postgres (CI installs both)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from pml_trials.sql.compile import render, study_query
from pml_trials.sql.dialects import Dialect
from pml_trials.sql.duck import KEYS, profile_rows
from pml_trials.sql.table import create_table
from pml_trials.studies.model import Study
from tests import rules_driver
from tests.sql_driver import (
    AS_OF,
    TRAPS,
    Row,
    engine_row,
    python_rows,
    random_profiles,
    require_engine,
    required,
    trap_profiles,
)

require_engine("postgres", "psycopg")
BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
if not BINARIES:  # pragma: no cover - CI installs the server
    if required("postgres"):
        pytest.fail("PostgreSQL server binaries not found (apt-get install postgresql)")
    pytest.skip("no PostgreSQL server binaries", allow_module_level=True)

import psycopg  # noqa: E402


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="module")
def database() -> Iterator[Any]:
    binaries = BINARIES[-1]
    folder = Path(tempfile.mkdtemp(prefix="pml-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    try:
        subprocess.run(
            _as_server_user(
                [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "pml"]
            ),
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses='' -k {folder} -c fsync=off"
        subprocess.run(
            _as_server_user(
                [
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-w",
                    "-l",
                    str(folder / "log"),
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        with psycopg.connect(
            host=str(folder), user="pml", dbname="postgres", autocommit=True
        ) as con:
            yield con
    finally:
        subprocess.run(
            _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def postgres_rows(
    con: Any, profiles: Sequence[dict[str, Any]], studies: Sequence[Study]
) -> list[Row]:
    con.execute("DROP TABLE IF EXISTS profiles")
    con.execute(create_table("profiles", Dialect.postgres))
    with con.cursor() as cursor:
        marks = ", ".join(["%s"] * len(KEYS))
        cursor.executemany(f"INSERT INTO profiles VALUES ({marks})", profile_rows(profiles))
    by_id = {p["patient_id"]: i for i, p in enumerate(profiles)}
    order = {s.id: i for i, s in enumerate(studies)}
    rows: list[Row] = []
    for study in studies:
        sql = render(study_query(study, Dialect.postgres, AS_OF), Dialect.postgres)
        rows.extend(engine_row(r) for r in con.execute(sql).fetchall())
    rows.sort(key=lambda r: (by_id[r[0]], order[r[1]]))
    return rows


def test_bundled_studies_agree(
    database: Any, studies: tuple[Study, ...], example_profiles: dict[str, dict[str, Any]]
) -> None:
    templates = list(example_profiles.values())
    profiles = random_profiles(1500, seed=19, unknown=0.2, templates=templates)
    assert postgres_rows(database, profiles, studies) == python_rows(profiles, studies)


def test_every_trap_gives_the_python_value(database: Any) -> None:
    study = rules_driver.study([(False, rule) for rule, _ in TRAPS])
    profiles = trap_profiles()
    assert postgres_rows(database, profiles, [study]) == python_rows(profiles, [study])
