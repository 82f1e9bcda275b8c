"""``--format parquet``: the registry's entry for Parquet results.

Parquet is columnar and binary, so it is not written patient by patient as the text
formats are: DuckDB writes the whole file in one pass (:mod:`pml_trials.sql.duck_parquet`,
``screen --format parquet -o FILE``, with the duckdb extra). This class gives the format
its place in the registry (``--format`` lists it, ``.parquet`` implies it) and renders
nothing itself.
"""

from __future__ import annotations

from pml_trials.engine import ScreeningResult
from pml_trials.errors import UsageError
from pml_trials.render.base import ReportWriter


class ParquetWriter(ReportWriter):
    """Refuses to render one patient: see the module docstring."""

    def render(self, result: ScreeningResult) -> str:
        raise UsageError("parquet is written by DuckDB: pml-trials screen --format parquet -o FILE")
