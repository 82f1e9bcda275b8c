"""The values of the enumerated options, without typer: the start-up fast path
(:mod:`.fast`) and the screen's implementation (:mod:`.screen_run`) use them too."""

from __future__ import annotations

from enum import StrEnum


class PaperSize(StrEnum):
    """``--paper`` (mirrors ``pml_trials.render.report.chart.Paper``, imported lazily)."""

    a4 = "a4"
    letter = "letter"


class DetailLevel(StrEnum):
    """``--detail`` (mirrors ``pml_trials.render.report.chart.Detail``)."""

    all = "all"
    actionable = "actionable"
    none = "none"


class EngineName(StrEnum):
    """The values of ``--engine``."""

    python = "python"
    duckdb = "duckdb"
    auto = "auto"
