"""Reading FHIR data types out of plain JSON: dates, codings, quantities, references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

Resource = dict[str, Any]
_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def full_date(value: Any) -> date | None:
    """The calendar date of a FHIR date/dateTime/instant, as written (its local date);
    ``None`` for a partial date (``2026``, ``2026-11``) or anything else."""
    if not isinstance(value, str):
        return None
    match = _FULL_DATE.match(value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def codings(concept: Any) -> Iterator[tuple[str, str]]:
    """(system, code) of each coding of a CodeableConcept."""
    if not isinstance(concept, dict):
        return
    for coding in concept.get("coding") or ():
        if isinstance(coding, dict):
            system, code = coding.get("system"), coding.get("code")
            if isinstance(system, str) and isinstance(code, str):
                yield system, code


def first_code(concept: Any) -> str:
    """``system|code`` of the first coding, for provenance."""
    for system, code in codings(concept):
        return f"{system}|{code}"
    return ""


def status_code(concept: Any) -> str | None:
    """The code of a status CodeableConcept (Condition.clinicalStatus and the like), with
    or without its system; a status given only as text is not a code (``"?"``)."""
    if concept is None:
        return None
    if isinstance(concept, dict):
        for coding in concept.get("coding") or ():
            if isinstance(coding, dict) and isinstance(coding.get("code"), str):
                return str(coding["code"])
    return "?"


def reference(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return str(value["reference"])
    return None


def effective(resource: Resource) -> tuple[date | None, str | None]:
    """When an Observation or medication event happened: its date, and the raw text."""
    for key in ("effectiveDateTime", "effectiveInstant", "occurrenceDateTime"):
        if key in resource:
            return full_date(resource[key]), str(resource[key])
    period = resource.get("effectivePeriod")
    if isinstance(period, dict):
        raw = period.get("end") or period.get("start")
        return full_date(raw), None if raw is None else str(raw)
    return None, None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
