"""A batch's line loop runs no ``import`` statement per line.

A function-level ``import`` (the project's way of keeping start-up light) costs about
1 us on every call: a tenth of a line's whole time. So the hot path imports what it
needs once (``functools.cache`` on a loader) and this test counts the import
statements executed while lines are screened and rendered, after a first unit that
may import what it needs."""

from __future__ import annotations

import builtins
import json
from datetime import date
from typing import Any

import pytest

from pml_trials.batch.read import Lines
from pml_trials.batch.screening import Screener
from pml_trials.cli.common import studies_for_screening
from pml_trials.engine.run import RunInfo
from pml_trials.render.formats import writer_class

AS_OF = date(2026, 11, 25)
TOWNS = [("FR", "Paris"), ("DE", "Berlin"), ("US", "Boston, Massachusetts")]


def _lines(count: int) -> bytes:
    """Profiles with a town, some complete enough to be decided, some not."""
    rows = []
    for index in range(count):
        country, town = TOWNS[index % len(TOWNS)]
        profile: dict[str, Any] = {
            "patient_id": f"p-{index}",
            "residence_country": country,
            "residence_town": town,
            "age_years": 30 + index % 50,
            "csf_jcv_pcr": "detected",
            "hiv_positive": index % 2 == 0,
        }
        if index % 3:
            profile["max_travel_km"] = 100.0 * (index % 7)
        rows.append(json.dumps(profile))
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_screening_lines_runs_no_import_statement_per_line(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    studies = studies_for_screening(None, False, None)
    writer = writer_class(fmt)(RunInfo(studies, "2026-11-25T00:00:00Z", AS_OF))
    screener = Screener(studies, AS_OF, writer)
    data = _lines(60)
    screener.process(Lines("first.jsonl", 1, data))  # imports what it needs, once
    imported: list[str] = []
    real = builtins.__import__

    def counting(name: str, *args: Any, **kwargs: Any) -> Any:
        imported.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", counting)
    done = screener.process(Lines("again.jsonl", 1, data))
    monkeypatch.undo()
    assert done.patient_count() == 60
    assert imported == []
