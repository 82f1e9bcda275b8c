"""Rows of a CSV, TSV or XLSX file, streamed: (line number, cells by column)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from pml_trials.importers.tabular.cells import Cell


class TableError(Exception):
    """A file that is not a readable table."""


def read_table(
    path: Path, sheet: str | None = None
) -> tuple[list[str], Iterator[tuple[int, list[Cell]]], Callable[[], None]]:
    """The header, an iterator over the data rows with their line (row) numbers, and
    what closes the file (whether or not the rows were read)."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx(path, sheet)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise TableError(f"cannot read the file: {(exc.strerror or '').lower()}") from None
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        handle.close()
        raise TableError("not UTF-8 text: save the sheet as CSV UTF-8") from None
    except (OSError, csv.Error) as exc:
        handle.close()
        raise TableError(f"cannot read the file: {exc}") from None
    if header is None:
        handle.close()
        raise TableError("the file is empty (no header row)")

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        with handle:
            try:
                for cells in reader:
                    yield reader.line_num, list(cells)
            except UnicodeDecodeError:
                raise TableError("not UTF-8 text: save the sheet as CSV UTF-8") from None
            except csv.Error as exc:
                raise TableError(f"line {reader.line_num}: {exc}") from None

    return [h.strip() for h in header], rows(), handle.close


Table = tuple[list[str], Iterator[tuple[int, list[Cell]]], Callable[[], None]]


def _xlsx(path: Path, sheet: str | None) -> Table:
    try:
        import openpyxl  # 0.2 s: only for an XLSX input
    except ImportError:
        raise TableError(
            "reading XLSX needs openpyxl: pip install 'pml-trials[xlsx]', or save the sheet as CSV"
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise TableError(f"no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None:
        book.close()
        raise TableError("the sheet is empty (no header row)")
    header = ["" if c is None else str(c).strip() for c in first]

    def data() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for number, row in enumerate(rows, start=2):
                yield number, [_cell(c) for c in row]
        finally:
            book.close()

    return header, data(), book.close


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    from datetime import date, datetime

    if isinstance(value, datetime | date):
        return value
    return str(value)
