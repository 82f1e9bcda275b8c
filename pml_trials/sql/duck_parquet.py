"""``screen --format parquet``: results as a Parquet file, written by DuckDB in one pass.

One row per patient and trial: ``patient_id, source, screening_date, trial_id, verdict,
reasons, missing_fields, criterion_values, disclaimer``, the columns of the CSV contract
(RESULTS.md) with lists as lists, plus ``criterion_values``: each criterion's value in the
study's order (true, false, NULL = unknown). The criterion ids and kinds of each study,
in that order, are in the file's key-value metadata (``criteria``, JSON), with the tool,
version, screened_at, the disclaimer and each study's sha256 (``studies``). A list of
``{id, value}`` structs per row was measured 4-10x slower to write (bench/README.md).

Here ``missing_fields`` is computed in SQL (tested equal to the Python engine's). When
every input is a Parquet or CSV file the query streams from the inputs into the file;
JSON inputs are validated in Python as for the other formats, and their results are
collected in DuckDB first. A Parquet input of several row groups is written in parts,
one per thread (``-w N``, or one per CPU up to :data:`MAX_PARTS`), each from its own
range of row groups, joined page for page into one file (:mod:`.parquet_concat`): the
same rows in input order, in memory that does not grow with the input. The file is
written beside the target with mode 0600 and renamed into place only when complete.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from pml_trials import __version__
from pml_trials.batch.inputs import Input
from pml_trials.batch.parallel import cpu_count
from pml_trials.batch.progress import Reporter
from pml_trials.batch.read import BLOCK, Source, units
from pml_trials.batch.run import ProblemLog
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.errors import UsageError
from pml_trials.profile.fields import FIELDS
from pml_trials.sql.compile import render, screening_query
from pml_trials.sql.dialects import Dialect
from pml_trials.sql.duck_batch import (
    BLOCK_ROWS,
    TABLE_SUFFIXES,
    DuckScreener,
    _quote,
    _row_problems,
    table_source,
)
from pml_trials.sql.parquet_concat import join
from pml_trials.verdict import Verdict


def _long_query(screener: DuckScreener, run: RunInfo) -> str:
    """The wide query's rows as one row per patient and trial (from a CTE ``src``)."""
    wide, parts = screening_query(
        screener.studies,
        Dialect.duckdb,
        screener.as_of,
        "src",
        keep=("_pos", "_source", "patient_id", "screening_day"),
        missing=True,
    )
    ids, verdicts, reasons, missing, values = [], [], [], [], []
    for study, part in zip(screener.studies, parts, strict=True):
        names = [f'"{name}"' for name in part.names]
        # the reasons: the ids of the criteria whose value decides against the trial (an
        # unknown value decides nothing). list_where keeps each id whose mask is true:
        # the per-trial projection took 1.0-1.1 s per million patients on one core, a
        # list of CASEs filtered by a lambda 1.5-1.6 s (the same lists)
        decisive = [
            f"COALESCE({value if criterion.kind == 'exclusion' else f'NOT {value}'}, FALSE)"
            for criterion, value in zip(study.criteria, names, strict=True)
        ]
        criterion_ids = ", ".join(_quote(criterion.id) for criterion in study.criteria)
        ids.append(_quote(study.id))
        verdicts.append(f'"{part.verdict_name}"')
        reasons.append(f"list_where([{criterion_ids}], [{', '.join(decisive)}])")
        missing.append(f'"{part.missing_name}"')
        values.append(f"[{', '.join(names)}]")
    body = render(wide, Dialect.duckdb, pretty=False).removeprefix("WITH ")
    # the wide query is "profile AS (...), criteria AS (...), verdicts AS (...) SELECT ...":
    # its SELECT becomes the CTE "wide". Each patient's trials are lists unnested in place
    # (several UNNESTs of one SELECT zip their lists), so the rows come out in input order
    # without a sort (which would hold them all). One list of structs unnested with
    # recursive := true cost 1.4 s per million patients on one core; these lists 0.x s.
    head, _, select = body.rpartition(") SELECT ")

    def pick(items: list[str], name: str) -> str:
        cases = " ".join(f"WHEN {i} THEN {item}" for i, item in enumerate(items))
        return f"CASE _trial {cases} END AS {name}"

    per_trial = (
        "SELECT patient_id, _source AS source, screening_day AS screening_date, "
        f"{pick(ids, 'trial_id')}, {pick(verdicts, 'verdict')}, "
        f"{pick(reasons, 'reasons')}, {pick(missing, 'missing_fields')}, "
        f"{pick(values, 'criterion_values')}, "
        f"{_quote(run.disclaimer)} AS disclaimer FROM (SELECT *, "
        f"UNNEST(range({len(ids)})) AS _trial FROM wide)"
    )
    return f"{head}), wide AS (SELECT {select}) {per_trial}"


OUTPUT = (
    "patient_id, source, screening_date, trial_id, verdict, reasons, missing_fields, "
    "criterion_values, disclaimer"
)
RESULT_COLUMNS = (
    "patient_id VARCHAR, source VARCHAR, screening_date DATE, trial_id VARCHAR, verdict "
    "VARCHAR, reasons VARCHAR[], missing_fields VARCHAR[], criterion_values BOOLEAN[], "
    "disclaimer VARCHAR"
)


def write_parquet(
    screener: DuckScreener,
    found: Sequence[Input | InputProblem],
    stdin: Source,
    target: Path,
    run: RunInfo,
    reporter: Reporter,
) -> Tally:
    """Screen every input into the Parquet file ``target``; each problem is reported on
    ``reporter`` as the Python engine does (:class:`~pml_trials.batch.run.ProblemLog`:
    at most 20 lines per input file, an invalid input counted once)."""
    con = screener.con
    long = _long_query(screener, run)
    parts: list[str] = []  # one SELECT per input (or per range of rows of one), in order
    tally = Tally()
    log = ProblemLog(reporter, tally)
    refused: tuple[str, str] | None = None  # a Parquet input's refused rows, looked for later
    # one Parquet or CSV file streams straight into the output; anything else is collected
    # in DuckDB first, input by input (inserts keep their order, so nothing is sorted)
    inputs = [i for i in found if isinstance(i, Input)]
    tables = len(inputs) == 1 and inputs[0].path.lower().endswith(TABLE_SUFFIXES)
    if not tables:
        con.execute(f"CREATE TEMP TABLE results ({RESULT_COLUMNS})")
    for item in found:
        if isinstance(item, InputProblem):
            log.add(item)
            continue
        if item.path.lower().endswith(TABLE_SUFFIXES):
            source, problems = table_source(con, item, screener.as_of)
            for found_problem in problems:
                log.add(found_problem)
            if problems:
                continue
            shift = 1 if item.path.lower().endswith(".csv") else 0
            label = _quote(item.label + ":")

            def labelled(source: str, shift: int = shift, label: str = label) -> str:
                return f"SELECT *, {label} || CAST(_pos + {shift} AS VARCHAR) AS _source FROM ({source})"

            checked = labelled(source)
            if tables and item.path.lower().endswith(".parquet") and screener.studies:
                # the output's rows tell whether any row was refused: the pass that finds
                # them (as costly as a fifth of the screening) runs only then
                refused = (checked, item.path)
            else:
                _log_refused(con, checked, screener, log)
            usable = f"SELECT * FROM ({checked}) WHERE _valid"
            if tables:
                for low, high in _row_ranges(con, item.path, screener.threads):
                    if high:  # a part: its rows only, read from its own row groups
                        part, _ = table_source(con, item, screener.as_of, (low, high))
                        usable = f"SELECT * FROM ({labelled(part)}) WHERE _valid"
                    parts.append(f"WITH src AS ({usable}), {long}")
            else:
                con.execute(f"INSERT INTO results WITH src AS ({usable}), {long}")
        else:
            _json_input(screener, item, stdin, long, log)
    if tables and parts:
        selects = [f"SELECT {OUTPUT} FROM ({part})" for part in parts]
    else:
        if tables:
            con.execute(f"CREATE TEMP TABLE results ({RESULT_COLUMNS})")
        selects = [f"SELECT {OUTPUT} FROM results"]
    _copy(con, selects, target, run, screener)
    counts = con.execute(
        f"SELECT trial_id, verdict, count(*) FROM read_parquet({_quote(str(target))}) GROUP BY ALL"
    ).fetchall()
    for trial_id, verdict, count in counts:
        tally.verdicts.setdefault(trial_id, Counter())[Verdict(verdict)] += count
    if counts and screener.studies:
        first = screener.studies[0].id
        tally.patients = sum(c for t, _, c in counts if t == first)
    if refused:
        checked, path = refused
        rows = con.execute(f"SELECT count(*) FROM read_parquet({_quote(path)})").fetchone()
        if tally.patients < (rows[0] if rows else 0):
            con.execute(f"SET threads = {screener.threads or cpu_count()}")
            _log_refused(con, checked, screener, log)
    log.close()
    return tally


def _log_refused(con: Any, checked: str, screener: DuckScreener, log: ProblemLog) -> None:
    """The refused rows of ``checked`` (values, or checks across fields, all in SQL),
    worded by the validator; only they come back to Python."""
    for row in con.execute(f"SELECT * FROM ({checked}) WHERE NOT _valid ORDER BY _pos").fetchall():
        raw = {
            s.key: v for s, v in zip(FIELDS, row[3 : 3 + len(FIELDS)], strict=True) if v is not None
        }
        for found_problem in _row_problems(raw, row[-1], row[2], screener.as_of):
            log.add(found_problem)


def _json_input(
    screener: DuckScreener,
    item: Input,
    stdin: Source,
    long: str,
    log: ProblemLog,
) -> None:
    texts: list[str] = []
    sources: list[str] = []

    def flush() -> None:
        if texts:
            query = f"WITH src AS ({screener.json_source}), {long}"
            insert = f"INSERT INTO results SELECT {OUTPUT} FROM ({query})"
            screener.con.execute(insert, [texts, sources])
            texts.clear()
            sources.clear()

    for unit in units([item], stdin, BLOCK, spans=False):
        for entry in screener._validated(unit):
            if isinstance(entry, InputProblem):
                log.add(entry)
                continue
            texts.append(entry[2])
            sources.append(entry[1])
            if len(texts) >= BLOCK_ROWS:
                flush()
    flush()


def _row_ranges(con: Any, path: str, threads: int | None) -> list[tuple[int, int]]:
    """The rows of the input file ``path`` cut into one range per part to write (``(low, high]`` of
    ``_pos``), at its row groups' boundaries; ``[(0, 0)]``: all rows in one part (a CSV
    file, a single row group, or one thread asked for with ``-w 1``)."""
    wanted = threads or min(cpu_count(), MAX_PARTS)
    if wanted < 2 or not path.lower().endswith(".parquet"):
        return [(0, 0)]
    groups = [
        count
        for _, count in con.execute(
            "SELECT row_group_id, any_value(row_group_num_rows) FROM "
            f"parquet_metadata({_quote(path)}) GROUP BY ALL ORDER BY 1"
        ).fetchall()
    ]
    if len(groups) < 2:
        return [(0, 0)]
    wanted = min(wanted, len(groups))
    ends = [0]
    for count in groups:
        ends.append(ends[-1] + count)
    total = ends[-1]
    # each part ends at the row group boundary nearest an equal share of the rows
    cuts = [0]
    for index in range(1, wanted):
        share = total * index // wanted
        cut = min(ends, key=lambda end: abs(end - share))
        if cuts[-1] < cut < total:
            cuts.append(cut)
    cuts.append(total)
    if len(cuts) < 3:
        return [(0, 0)]
    return list(pairwise(cuts))


# Parts written at once when -w is not given: one per CPU, at most this many (each part
# streams in about 130 MiB; the largest input tried, 3M patients, gains nothing from more)
MAX_PARTS = 8


def _copy(
    con: Any, selects: Sequence[str], target: Path, run: RunInfo, screener: DuckScreener
) -> None:
    metadata = {
        "tool": "pml-trials",
        "version": __version__,
        "screened_at": run.screened_at,
        "disclaimer": run.disclaimer,
        "studies": json.dumps({s.id: s.sha256 for s in screener.studies}),
        "criteria": json.dumps(
            {s.id: [[c.id, c.kind] for c in s.criteria] for s in screener.studies}
        ),
    }
    pairs = ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in metadata.items())
    target = target.absolute()
    if target.is_dir():
        raise UsageError("is a folder; give a file name for the report", source=str(target))
    names: list[str] = []
    try:
        for _ in selects:
            fd, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
            os.close(fd)  # created 0600; DuckDB writes into it
            names.append(name)
        # Each part streams on one thread: rows in input order, memory flat. One COPY on
        # more threads keeps the order by holding each thread's finished batches (a whole
        # input row group each) until the single writer reaches them, which grew with the
        # input (1.3 GiB for 1M patients, 2.0 GiB for 2M, measured). Parts of the input
        # written at once, each on its own thread and cursor, then joined page for page
        # (parquet_concat), keep both the order and the memory.
        con.execute("SET threads = 1")
        options = f"(FORMAT parquet, KV_METADATA {{{pairs}}})"
        copies = [
            f"COPY ({select}) TO {_quote(name)} {options}"
            for select, name in zip(selects, names, strict=True)
        ]
        if len(copies) == 1:
            con.execute(copies[0])
        else:
            _run_at_once(con, copies)
            join([Path(name) for name in names])
        temporary = Path(names[0])
        temporary.chmod(0o600)
        temporary.replace(target)
    finally:
        for name in names:
            Path(name).unlink(missing_ok=True)


def _run_at_once(con: Any, statements: Sequence[str]) -> None:
    """Each statement on a cursor of its own, all at once (DuckDB releases the GIL while a
    statement runs); the first error is raised once all have stopped."""
    from concurrent.futures import ThreadPoolExecutor

    cursors = [con.cursor() for _ in statements]
    try:
        with ThreadPoolExecutor(len(statements)) as pool:
            futures = [pool.submit(c.execute, s) for c, s in zip(cursors, statements, strict=True)]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                for cursor in cursors:  # stop the others; the pool waits for them
                    cursor.interrupt()
                raise
    finally:
        for cursor in cursors:
            cursor.close()
