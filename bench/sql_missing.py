"""missing_fields in SQL or in Python (for the needs-information trials only): which costs less.

Usage: ``python bench/sql_missing.py [--n 100000]``

Sparse synthetic profiles (each field unknown with probability 0.6, so most trials need
information), in DuckDB. SQL: the compiled query with and without the missing_fields
columns, both forced to compute every verdict (the difference is the SQL's cost).
Python: the memoised reference interpreter (``TrialResult.missing_fields``) on the
needs-information trials only, with the memo empty at the start. One process; figures
per needs-information trial.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synthetic import random_value

from pml_trials.engine import screen
from pml_trials.engine.result import _MEMO, TrialResult
from pml_trials.profile.fields import FIELDS
from pml_trials.profile.validate import validate_python
from pml_trials.sql.compile import render, screening_query
from pml_trials.sql.dialects import Dialect
from pml_trials.sql.duck import connect
from pml_trials.studies.load import criteria_dirs, load_dirs
from pml_trials.verdict import Verdict

AS_OF = date(2026, 11, 25)


def sparse_profiles(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    found = []
    for index in range(count):
        profile: dict[str, object] = {"patient_id": f"s-{index}"}
        for spec in FIELDS:
            if spec.kind == "id" or spec.key == "screening_date" or rng.random() < 0.6:
                continue
            value = random_value(spec, rng)
            profile[spec.key] = date.fromisoformat(value) if spec.kind == "date" else value
        found.append(validate_python(profile))
    return found


def load(con: Any, profiles: list[dict[str, Any]]) -> None:
    """The profiles as the table ``profiles``, through a JSON Lines file (DuckDB's
    executemany is far too slow for 100,000 rows)."""
    from pml_trials.sql.table import column_types

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.jsonl"
        path.write_text("".join(json.dumps(p, default=str) + "\n" for p in profiles))
        columns = ", ".join(
            f"'{k}': '{t.replace('TEXT', 'VARCHAR')}'" for k, t in column_types(Dialect.duckdb)
        )
        con.execute(
            f"CREATE TABLE profiles AS SELECT * FROM read_json('{path}', "
            f"format = 'newline_delimited', columns = {{{columns}}})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    studies = load_dirs(criteria_dirs((), bundled=True)).studies
    profiles = sparse_profiles(args.n, 1)
    con = connect()
    load(con, profiles)
    seconds = {}
    for missing in (False, True):
        query, parts = screening_query(studies, Dialect.duckdb, AS_OF, keep=(), missing=missing)
        sums = [f'sum(length("{p.verdict_name}"))' for p in parts]
        if missing:
            sums += [f'sum(len("{p.missing_name}"))' for p in parts]
        sql = f"SELECT {', '.join(sums)} FROM ({render(query, Dialect.duckdb, pretty=False)})"
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            con.execute(sql).fetchall()
            best = min(best, time.perf_counter() - start)
        seconds[missing] = best
    results = [screen(p, studies, AS_OF) for p in profiles]
    needs = [
        TrialResult(s, v, values, r.profile, r.screening_date)
        for r in results
        for s, (v, values) in zip(r.studies, r.outcomes, strict=True)
        if v is Verdict.NEEDS_INFORMATION
    ]
    _MEMO.clear()
    start = time.perf_counter()
    for trial in needs:
        trial.missing_fields  # noqa: B018 - computed on access
    python = time.perf_counter() - start
    trials = args.n * len(studies)
    sql_cost = max(seconds[True] - seconds[False], 0.0)
    print(
        f"{args.n:,} sparse profiles x {len(studies)} studies: {len(needs):,} of {trials:,} trials need information"
    )
    print(f"  SQL, verdicts only:            {seconds[False]:.3f} s (DuckDB, 2 threads)")
    print(
        f"  SQL, verdicts + missing_fields: {seconds[True]:.3f} s: +{sql_cost:.3f} s = {sql_cost / max(len(needs), 1) * 1e6:.2f} us per needs-information trial"
    )
    print(
        f"  Python, memoised interpreter:   {python:.3f} s = {python / max(len(needs), 1) * 1e6:.2f} us per needs-information trial (one core)"
    )


if __name__ == "__main__":
    main()
