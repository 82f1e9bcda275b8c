"""DuckDB, the embedded engine: the profile table in a connection, the compiled query on it.

``duckdb`` is an optional extra (``pip install 'pml-trials[duckdb]'``) imported here only.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pml_trials.errors import MissingComponentError
from pml_trials.profile.fields import FIELDS
from pml_trials.sql.dialects import Dialect
from pml_trials.sql.table import create_table

if TYPE_CHECKING:
    import duckdb

KEYS = tuple(spec.key for spec in FIELDS)
EXTRA = "duckdb"


def _private_spill_folder() -> str:
    """A folder only this user can enter (mode 0700), removed when the process ends.

    DuckDB spills to ``.tmp`` in the current directory by default: under memory pressure
    patient rows would land, readable by others, wherever the command was started.
    """
    folder = tempfile.mkdtemp(prefix="pml-trials-duckdb-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that reads no extension from the network and
    spills only into a private temporary folder."""
    try:
        import duckdb
    except ModuleNotFoundError:
        raise MissingComponentError(
            "the DuckDB engine needs the duckdb extra: pip install 'pml-trials[duckdb]'"
        ) from None
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "temp_directory": _private_spill_folder(),
    }
    if threads:
        config["threads"] = threads
    return duckdb.connect(":memory:", config=config)


def profile_rows(profiles: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Validated profiles as rows of the profile table (absent keys are NULL)."""
    return [tuple(profile.get(key) for key in KEYS) for profile in profiles]


def load_profiles(
    con: duckdb.DuckDBPyConnection, profiles: Iterable[Mapping[str, Any]], name: str = "profiles"
) -> None:
    """A table ``name`` holding validated profiles (for tests and small batches)."""
    con.execute(create_table(name, Dialect.duckdb))
    rows = profile_rows(profiles)
    if rows:
        marks = ", ".join("?" * len(KEYS))
        con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)  # noqa: S608 - our names
