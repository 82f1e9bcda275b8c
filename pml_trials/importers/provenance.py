"""Provenance of imported values: where each came from, and what the import left open.

A profile stays a profile (the contract refuses unknown keys), so provenance travels
beside it: one JSON object per patient, ``{"patient_id", "source", "values": {field:
Evidence}, "unfilled": [...], "warnings": [...], "suggestions": {...}}``, written as the
``*.provenance.jsonl`` sidecar of ``pml-trials import`` and shown by ``explain``.
"""

from __future__ import annotations

from typing import Any

from pml_trials.record import Record, field


class Evidence(Record):
    """Where one imported value came from."""

    field: str
    value: Any
    resource: str  # "Observation/obs-7", or "row 12" for a spreadsheet
    code: str = ""  # system|code
    date: str = ""  # effective date used
    original: str = ""  # the value and unit as recorded
    rule: str = ""  # the rule applied

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "resource": self.resource,
            "code": self.code,
            "date": self.date,
            "original": self.original,
            "rule": self.rule,
        }

    def line(self) -> str:
        """``cd4_cells_per_ul = 420: 420 /uL, Observation obs-7, 2026-11-18 (rule)``."""
        from pml_trials.profile.fields import BY_KEY

        where = self.resource.replace("/", " ", 1)
        parts = [p for p in (self.original, where, self.date) if p]
        spec = BY_KEY.get(self.field)
        unit = f" {spec.unit}" if spec is not None and spec.unit else ""
        return f"{self.field} = {_show(self.value)}{unit}: {', '.join(parts)} ({self.rule})"


class Imported(Record, frozen=False):
    """One imported patient: the profile and everything said about it."""

    source: str
    profile: dict[str, Any]
    evidence: list[Evidence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    ignored: int = 0  # records read but not used (status, date, code)

    def unfilled(self) -> list[str]:
        from pml_trials.profile.fields import FIELDS

        return [f.key for f in FIELDS if f.key not in self.profile and f.key not in ("patient_id",)]

    def provenance(self) -> dict[str, Any]:
        return {
            "patient_id": self.profile.get("patient_id"),
            "source": self.source,
            "values": {e.field: e.as_json() for e in self.evidence},
            "unfilled": self.unfilled(),
            "warnings": list(self.warnings),
            "suggestions": dict(self.suggestions),
            "records_ignored": self.ignored,
        }


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evidence_lines(record: dict[str, Any]) -> list[str]:
    """Lines of a provenance record (as read back from the sidecar) for people."""
    lines = []
    for key, item in (record.get("values") or {}).items():
        if isinstance(item, dict):
            ev = Evidence(
                key,
                item.get("value"),
                str(item.get("resource", "")),
                str(item.get("code", "")),
                str(item.get("date", "")),
                str(item.get("original", "")),
                str(item.get("rule", "")),
            )
            lines.append(ev.line())
    return lines
