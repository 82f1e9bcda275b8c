"""``screen()``: a profile and the studies in, a :class:`ScreeningResult` out. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pml_trials.engine.result import ScreeningResult
from pml_trials.studies.model import Study


def screen(
    profile: Mapping[str, Any],
    studies: Sequence[Study],
    as_of: date,
    source: str = "-",
) -> ScreeningResult:
    """Evaluate every study for one validated profile.

    Date windows count to the profile's ``screening_date``, or to ``as_of`` when the
    profile has none. No I/O, no clock: the caller supplies ``as_of``.
    """
    today = profile.get("screening_date") or as_of
    get = profile.get
    outcomes = tuple([study.evaluate(get, today) for study in studies])
    return ScreeningResult(profile["patient_id"], today, profile, studies, outcomes, source)
