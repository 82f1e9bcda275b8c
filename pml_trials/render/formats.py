"""The report formats by name, each a :class:`~pml_trials.render.base.ReportWriter` class.

A writer's module is imported only when its format is used: ``pml-trials screen`` should
not pay for rich (the table) or the HTML report when it writes CSV.
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from pathlib import PurePath
from typing import TYPE_CHECKING

from pml_trials.errors import UsageError

if TYPE_CHECKING:
    from pml_trials.render.base import ReportWriter


class FormatName(StrEnum):
    """The values of ``--format``."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    parquet = "parquet"


# name -> "module:class"
WRITERS: dict[FormatName, str] = {
    FormatName.table: "pml_trials.render.terminal.table_writer:TableWriter",
    FormatName.json: "pml_trials.render.json_writer:JsonWriter",
    FormatName.jsonl: "pml_trials.render.json_writer:JsonlWriter",
    FormatName.csv: "pml_trials.render.csv_writer:CsvWriter",
    FormatName.markdown: "pml_trials.render.report.markdown_writer:MarkdownWriter",
    FormatName.html: "pml_trials.render.report.html_writer:HtmlWriter",
    FormatName.parquet: "pml_trials.render.parquet_writer:ParquetWriter",
}

# The format an --output file's name implies when --format is not given.
SUFFIXES: dict[str, FormatName] = {
    ".txt": FormatName.table,
    ".json": FormatName.json,
    ".jsonl": FormatName.jsonl,
    ".ndjson": FormatName.jsonl,
    ".csv": FormatName.csv,
    ".md": FormatName.markdown,
    ".markdown": FormatName.markdown,
    ".html": FormatName.html,
    ".htm": FormatName.html,
    ".parquet": FormatName.parquet,
}


def format_help() -> str:
    """The help of ``--format``, from this registry: a new format or suffix shows at once."""
    by_format: dict[FormatName, list[str]] = {}
    for suffix, name in SUFFIXES.items():
        by_format.setdefault(name, []).append(suffix)
    implied = "; ".join(f"{' '.join(s)} {name.value}" for name, s in by_format.items())
    return (
        f"Report format: {', '.join(WRITERS)}. Default: implied by the --output file's "
        f"suffix ({implied}), else table."
    )


def writer_class(name: str) -> type[ReportWriter]:
    """The writer class of a format, imported now."""
    try:
        target = WRITERS[FormatName(name)]
    except ValueError:
        raise UsageError(
            f"no report format '{name}' (known: {', '.join(WRITERS)})", field="--format"
        ) from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # a dependency of the writer is missing: a real bug, not a usage error
        raise UsageError(
            f"the {name} format is not available in this installation", field="--format"
        ) from None
    writer: type[ReportWriter] = getattr(module, class_name)
    return writer


def format_for(path: str | PurePath) -> FormatName | None:
    """The format a file name implies (``report.csv`` -> csv), if any."""
    return SUFFIXES.get(PurePath(path).suffix.lower())
