"""``pml-trials diff`` output: plain text for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pml_trials import DISCLAIMER
from pml_trials.maintain.diff import Change, VerdictChange
from pml_trials.record import Record
from pml_trials.studies.model import Study

_SECTIONS = (
    ("metadata", "Metadata"),
    ("source", "Sources"),
    ("site", "Sites"),
    ("definition", "Definitions"),
    ("criterion", "Criteria"),
    ("example", "Examples"),
)
_MARK = {"added": "+", "removed": "-"}
_WHAT = {
    "added": "added",
    "removed": "removed",
    "reworded": "reworded (text)",
    "rule": "rule changed",
    "moved": "moved",
    "source": "source changed",
    "note": "note changed",
    "definition": "meaning changed",
    "changed": "changed",
}


class Version(Record):
    """One side of the comparison: the study and where it was read from."""

    study: Study
    label: str


class Patients(Record):
    screened: int
    invalid: int
    changed: tuple[VerdictChange, ...]


def text(old: Version, new: Version, changes: Sequence[Change], patients: Patients | None) -> str:
    out = [
        f"Study {new.study.id}: {old.label} -> {new.label}",
        f"  old sha256 {old.study.sha256[:12]}, new sha256 {new.study.sha256[:12]}",
    ]
    if not changes:
        out.append("\nNo changes to metadata, sources, definitions, criteria or examples.")
    for section, title in _SECTIONS:
        mine = [c for c in changes if c.section == section]
        if not mine:
            continue
        out.append(f"\n{title} ({len(mine)})")
        for change in mine:
            out.extend(_change(change))
    if patients is not None:
        out.extend(_patients(patients))
    out.append(f"\n{DISCLAIMER}")
    return "\n".join(out) + "\n"


def _change(change: Change) -> list[str]:
    mark = _MARK.get(change.what, "~")
    kind = f"{change.kind} " if change.kind else ""
    name = f"'{change.name}'" if change.section in ("criterion", "example") else change.name
    lines = [f"  {mark} {kind}{name}: {_WHAT[change.what]}"]
    if change.what == "added":
        lines.extend(_block("new", change.new))
    elif change.what == "removed":
        lines.extend(_block("old", change.old))
    elif change.what == "definition":
        lines.extend(_block("rule", change.old))
        lines.append(f"      ({change.new})")
    else:
        lines.extend(_block("old", change.old))
        lines.extend(_block("new", change.new))
    return lines


def _block(label: str, value: str | None) -> list[str]:
    if value is None:
        return [f"      {label}: (none)"]
    first, *rest = value.split("\n")
    return [f"      {label}: {first}", *(f"           {line}" for line in rest)]


def _patients(patients: Patients) -> list[str]:
    head = (
        f"\nPatients whose verdict changes: {len(patients.changed)} of {patients.screened} screened"
    )
    if patients.invalid:
        head += f" ({patients.invalid} inputs invalid, not screened: see stderr)"
    lines = [head]
    for change in patients.changed:
        lines.append(
            f"  {change.patient_id} ({change.source}): {change.old.value} -> {change.new.value}"
        )
        for shift in change.because:
            decides = "  <- decides it" if shift.decides else ""
            lines.append(f"      {shift.id}: {shift.old} -> {shift.new}{decides}")
    return lines


def as_json(
    old: Version, new: Version, changes: Sequence[Change], patients: Patients | None
) -> str:
    document: dict[str, Any] = {
        "study": new.study.id,
        "old": {"file": old.label, "sha256": old.study.sha256},
        "new": {"file": new.label, "sha256": new.study.sha256},
        "changes": [
            {
                "section": c.section,
                "change": c.what,
                "name": c.name,
                **({"kind": c.kind} if c.kind else {}),
                "old": c.old,
                "new": c.new,
            }
            for c in changes
        ],
    }
    if patients is not None:
        document["patients"] = {
            "screened": patients.screened,
            "invalid": patients.invalid,
            "changed": [
                {
                    "patient_id": p.patient_id,
                    "source": p.source,
                    "old": p.old.value,
                    "new": p.new.value,
                    "criteria": [
                        {"id": s.id, "old": s.old, "new": s.new, "decides": s.decides}
                        for s in p.because
                    ],
                }
                for p in patients.changed
            ],
        }
    document["disclaimer"] = DISCLAIMER
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
