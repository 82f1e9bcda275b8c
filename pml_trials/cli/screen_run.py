"""What ``pml-trials screen`` does, without typer: :mod:`.screen` declares the command's
options for typer and calls :func:`run`, and so does the start-up fast path
(:mod:`.fast`), which parses a plain screen's command line itself. Nothing here imports
typer, rich or pydantic: a valid one-file screen does not need them (issue 20)."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pml_trials.cli import collect_garbage
from pml_trials.cli.choices import DetailLevel, EngineName, PaperSize
from pml_trials.errors import ExitCode, UsageError
from pml_trials.render.formats import FormatName

if TYPE_CHECKING:
    from pml_trials.batch.inputs import Input
    from pml_trials.batch.output import Output
    from pml_trials.batch.parallel import WorkerSetup
    from pml_trials.batch.progress import Reporter
    from pml_trials.batch.read import Source
    from pml_trials.engine.run import InputProblem, RunInfo, Tally
    from pml_trials.importers.inputs import Prepare
    from pml_trials.render.base import ReportWriter
    from pml_trials.studies.model import Study

NOW = "PML_TRIALS_NOW"  # testing aid: the report's screened_at (ISO 8601), for golden files


def run(
    paths: list[str],
    trial: list[str] | None = None,
    criteria: list[Path] | None = None,
    no_bundled: bool = False,
    as_of: datetime | None = None,
    output_format: FormatName | None = None,
    output: Path | None = None,
    workers: int = 0,
    mapping: Path | None = None,
    lenient: bool = False,
    codes: list[Path] | None = None,
    within: float | None = None,
    paper: PaperSize = PaperSize.a4,
    detail: DetailLevel = DetailLevel.actionable,
    engine: EngineName = EngineName.python,
) -> int:
    """Screen, write the report, and return the exit code (what ``screen --help`` says)."""
    from pml_trials.cli.common import as_of_date, say, studies_for_screening, user_errors
    from pml_trials.engine.run import RunInfo

    with user_errors():
        if output is not None and str(output) == "-":
            output = None
        name = output_format or _implied_format(output) or FormatName.table
        if output is not None and name is not FormatName.parquet:  # Parquet is binary, ours
            from pml_trials.files.guard import refuse_unsupported
            from pml_trials.render.formats import SUFFIXES

            refuse_unsupported(output, "--output", " ".join(SUFFIXES))
        studies = studies_for_screening(criteria, no_bundled, trial)
        run = RunInfo(studies, screened_at(), as_of_date(as_of), within_km=within)
        writer = _writer(
            name, run, paper, detail, to_terminal=output is None and sys.stdout.isatty()
        )
        dirs = _criteria_dirs(criteria, no_bundled)
        collect_garbage()  # from here on a batch makes and drops objects
        if engine is EngineName.auto:
            engine = _auto_engine(paths, bool(mapping or lenient or codes))
        if name is FormatName.parquet:
            tally = _screen_parquet(paths, studies, run, output, workers, dirs)
        elif engine is EngineName.duckdb:
            tally = _screen_duckdb(paths, studies, run, writer, output, workers, dirs)
        else:
            extra = _prepare_options(mapping, lenient, run.as_of, codes)
            tally = _screen(paths, studies, run, writer, name, dirs, output, workers, extra)
    if tally.problems and (name is not FormatName.table or output is not None):
        say(
            f"{_count(tally.problems, 'invalid input')} not screened; "
            f"{_count(tally.patients, 'patient')} screened"
        )
    if within is not None:
        sys.stderr.write(_within_note(within))
    if output is not None:
        say(f"wrote the {name.value} report ({_count(tally.patients, 'patient')}) to {output}")
    return ExitCode.INVALID_INPUT if tally.problems else ExitCode.OK


AUTO_CSV_BYTES = 4 * 2**20  # measured break-even ~7,000 full rows (~2.8 MB): bench/README.md


def _auto_engine(paths: list[str], import_options: bool) -> EngineName:
    """``--engine auto``: DuckDB for what only it reads (a *.parquet file named on the
    command line), and for CSV files named on the command line of at least
    :data:`AUTO_CSV_BYTES` together when no import option (--mapping, --lenient, --codes)
    asks for the Python engine's import; else the Python engine, which was faster on
    JSON and JSON Lines at every size measured (bench/sql_engines.py, bench/README.md)."""
    named = [path.lower() for path in paths]
    if any(path.endswith(".parquet") for path in named):
        return EngineName.duckdb
    if import_options:
        return EngineName.python
    size = 0
    for path, lowered in zip(paths, named, strict=True):
        if lowered.endswith(".csv"):
            try:
                size += Path(path).stat().st_size
            except OSError:  # reported where it is read
                continue
    return EngineName.duckdb if size >= AUTO_CSV_BYTES else EngineName.python


def _count(number: int, noun: str) -> str:
    from pml_trials.engine.run import counted

    return counted(number, noun)


def _within_note(km: float) -> str:
    return (
        f"pml-trials: --within {km:g} km: a trial is left out only for a patient whose town "
        "is known and when every site it lists is farther (great-circle); trials whose sites "
        "are not known, and all trials of patients without a town, were kept. JSON lists "
        "the trials left out in left_out, the table and the reports under each patient; "
        "CSV omits their rows.\n"
    )


def _screen(
    paths: list[str],
    studies: tuple[Study, ...],
    run: RunInfo,
    writer: ReportWriter,
    name: FormatName,
    dirs: list[Path],
    output: Path | None,
    workers: int,
    extra: Prepare,
) -> Tally:
    from pml_trials.batch.inputs import Input, find_inputs
    from pml_trials.batch.spool import sweep_stale
    from pml_trials.cli.common import refuse_run_files
    from pml_trials.importers.inputs import prepared

    found = find_inputs(paths)
    if output is not None:
        found = _without_previous_report(found, output, paths)
        read = [item.path for item in found if isinstance(item, Input)]
        refuse_run_files(output, read, *_criteria_args(dirs))
    sweep_stale()
    if sys.stdin is None and "-" in paths:  # started with <&-
        from pml_trials.errors import EnvironmentFailure

        raise EnvironmentFailure("standard input is closed: '-' cannot be read")
    # FHIR, tables and (with --lenient) loose JSON become JSON Lines first.
    with prepared(found, extra, _stderr_line) as converted:
        return _screen_found(converted, studies, run, writer, name, dirs, output, workers)


def _screen_found(
    found: list[Input | InputProblem],
    studies: tuple[Study, ...],
    run: RunInfo,
    writer: ReportWriter,
    name: FormatName,
    dirs: list[Path],
    output: Path | None,
    workers: int,
) -> Tally:
    from pml_trials.batch.inputs import Input
    from pml_trials.batch.progress import Reporter
    from pml_trials.batch.run import Batch, choose_workers, run_batch

    piped = cast("Source", sys.stdin.buffer if sys.stdin is not None else io.BytesIO())
    count, stdin = choose_workers(workers, found, piped)
    setup = _worker_setup(dirs, studies, run, name) if count > 1 else None
    batch = Batch(found, studies, run.as_of, writer, setup)
    sizes = [item.size for item in found if isinstance(item, Input)]
    total = None if None in sizes else sum(s or 0 for s in sizes)
    streaming = output is None and sys.stdout.isatty() and name is not FormatName.table
    reporter = Reporter(sys.stderr, total, bar=sys.stderr.isatty() and not streaming)
    with _report_out(output, reporter) as out:
        return run_batch(batch, count, out, reporter, stdin)


def _screen_duckdb(
    paths: list[str],
    studies: tuple[Study, ...],
    run: RunInfo,
    writer: ReportWriter,
    output: Path | None,
    workers: int,
    dirs: list[Path],
) -> Tally:
    from pml_trials.batch.progress import Reporter
    from pml_trials.batch.run import write_report
    from pml_trials.sql.duck_batch import DuckScreener

    found = _sql_inputs(paths, output, dirs)
    piped = cast("Source", sys.stdin.buffer if sys.stdin is not None else io.BytesIO())
    screener = DuckScreener(studies, run.as_of, writer, threads=workers or None)
    reporter = Reporter(sys.stderr, None, bar=False)
    with _report_out(output, reporter) as out:
        results = screener.results(found, piped)
        return write_report(results, writer, [s.id for s in studies], out, reporter)


@contextlib.contextmanager
def _report_out(output: Path | None, reporter: Reporter) -> Iterator[Output]:
    """The report's stream (``output``, else standard output) for a batch to write; a
    reader that goes away (``| head``) is said, not "done"; the reporter is closed
    whatever ends the batch."""
    from pml_trials.batch.output import report_stream

    try:
        with report_stream(str(output) if output else None) as out:
            yield out
    except BrokenPipeError:
        from pml_trials.cli.common import silence_stdout
        from pml_trials.errors import EnvironmentFailure

        silence_stdout()
        raise EnvironmentFailure(
            "the output was closed before the report was complete (broken pipe); "
            "use -o FILE to keep the whole report"
        ) from None
    finally:
        reporter.close()


def _sql_inputs(
    paths: list[str], output: Path | None, dirs: list[Path]
) -> list[Input | InputProblem]:
    """The inputs of the DuckDB engine, checked as the Python engine's are: the report
    being written and the run's own files are never read."""
    from pml_trials.batch.inputs import Input, find_inputs
    from pml_trials.cli.common import refuse_run_files

    found = find_inputs(paths)
    if output is not None:
        found = _without_previous_report(found, output, paths)
        read = [item.path for item in found if isinstance(item, Input)]
        refuse_run_files(output, read, *_criteria_args(dirs))
    if sys.stdin is None and "-" in paths:
        from pml_trials.errors import EnvironmentFailure

        raise EnvironmentFailure("standard input is closed: '-' cannot be read")
    return found


def _screen_parquet(
    paths: list[str],
    studies: tuple[Study, ...],
    run: RunInfo,
    output: Path | None,
    workers: int,
    dirs: list[Path],
) -> Tally:
    """Parquet results, written by DuckDB (whatever --engine says: the rules run as SQL)."""
    from pml_trials.render.formats import writer_class
    from pml_trials.sql.duck_batch import DuckScreener
    from pml_trials.sql.duck_parquet import write_parquet

    if output is None:
        raise UsageError("parquet is binary: give the file to write with -o FILE.parquet")
    found = _sql_inputs(paths, output, dirs)
    piped = cast("Source", sys.stdin.buffer if sys.stdin is not None else io.BytesIO())
    screener = DuckScreener(studies, run.as_of, writer_class("parquet")(run), workers or None)

    from pml_trials.batch.progress import Reporter

    return write_parquet(screener, found, piped, output, run, Reporter(sys.stderr))


def _prepare_options(
    mapping: Path | None, lenient: bool, as_of: date, codes: list[Path] | None
) -> Prepare:
    from pml_trials.importers.inputs import Prepare

    if mapping is None:
        return Prepare(as_of, lenient, None, tuple(codes or ()))
    from pml_trials.importers.tabular.mapping import load_mapping

    return Prepare(as_of, lenient, load_mapping(mapping), tuple(codes or ()))


def _stderr_line(line: str) -> None:
    """An import warning or lenient change: one line, made safe for the terminal."""
    from pml_trials.terminal import safe_line

    sys.stderr.write(safe_line(line) + "\n")


def _without_previous_report(
    found: list[Input | InputProblem], output: Path, paths: list[str]
) -> list[Input | InputProblem]:
    """The inputs, less the output file when a folder walk found it and it is this
    tool's own earlier report (``screen dir -o dir/report.json``, run again). Any other
    input that is the output (a profile, a file named on the command line) stays, and
    is refused."""
    from pml_trials.batch.inputs import Input
    from pml_trials.files.guard import is_previous_report, same_file

    def previous(item: Input | InputProblem) -> bool:
        return (
            isinstance(item, Input)
            and item.path not in paths
            and same_file(item.path, output)
            and is_previous_report(Path(item.path))
        )

    return [item for item in found if not previous(item)]


def _criteria_args(dirs: list[Path]) -> tuple[list[Path], bool]:
    """The criteria folders as ``--criteria`` with ``--no-bundled`` (all of them)."""
    return dirs, True


def _worker_setup(
    dirs: list[Path], studies: tuple[Study, ...], run: RunInfo, name: FormatName
) -> WorkerSetup:
    from pml_trials.batch.parallel import WorkerSetup  # only a batch in workers needs it

    return WorkerSetup.of(dirs, studies, run, name.value)


def _implied_format(output: Path | None) -> FormatName | None:
    from pml_trials.render.formats import format_for

    return format_for(output) if output else None


def _writer(
    name: FormatName,
    run: RunInfo,
    paper: PaperSize,
    detail: DetailLevel,
    to_terminal: bool,
) -> ReportWriter:
    from pml_trials.render.formats import writer_class

    if name in (FormatName.html, FormatName.markdown):
        from pml_trials.render.report.chart import Detail, Paper, ReportOptions
        from pml_trials.render.report.html_writer import HtmlWriter
        from pml_trials.render.report.markdown_writer import MarkdownWriter

        report = HtmlWriter if name is FormatName.html else MarkdownWriter
        return report(run, ReportOptions(Paper(paper.value), Detail(detail.value)))
    if name is not FormatName.table:
        return writer_class(name)(run)
    from pml_trials.render.terminal.table_writer import TableWriter

    if to_terminal:  # colours, and the terminal's width
        import shutil  # with bz2 and lzma: only for a terminal

        return TableWriter(run, width=shutil.get_terminal_size().columns, color=True)
    return TableWriter(run)  # a pipe or a file: plain text, 120 columns


def _criteria_dirs(criteria: list[Path] | None, no_bundled: bool) -> list[Path]:
    from pml_trials.studies.load import criteria_dirs

    return criteria_dirs(criteria or (), bundled=not no_bundled)


def screened_at() -> str:
    """Now, in UTC to the second (``2026-11-25T19:20:00Z``), or ``$PML_TRIALS_NOW``."""
    given = os.environ.get(NOW)
    if not given:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        moment = datetime.fromisoformat(given)
    except ValueError:
        raise UsageError(f"${NOW} is not an ISO 8601 date and time: {given!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
