"""Writing imported patients: profiles as JSON Lines, provenance as its sidecar.

Both go through the project's report writer (:func:`pml_trials.batch.output.report_stream`):
each file is replaced only once complete, and created readable by its owner only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pml_trials.engine.run import InputProblem
from pml_trials.importers.provenance import Imported
from pml_trials.profile.fields import FIELDS
from pml_trials.record import Record, field

ORDER = {spec.key: index for index, spec in enumerate(FIELDS)}


class Summary(Record, frozen=False):
    patients: int = 0
    problems: int = 0
    warnings: int = 0
    filled: int = 0
    ids: list[str] = field(default_factory=list)


def profile_line(profile: dict[str, Any]) -> str:
    """One profile as a JSON line, its keys in declaration order."""
    ordered = dict(sorted(profile.items(), key=lambda item: ORDER.get(item[0], len(ORDER))))
    return json.dumps(ordered, ensure_ascii=False) + "\n"


def sidecar_path(output: str) -> str:
    """``profiles.provenance.jsonl`` beside ``profiles.jsonl`` (or ``p.json``)."""
    path = Path(output)
    return str(path.with_name(path.stem + ".provenance.jsonl"))


def write_imported(
    items: Iterable[Imported | InputProblem],
    output: str | None,
    provenance: str | None,
    say: Callable[[str], None],
    warnings: bool = True,
) -> Summary:
    """Write every imported patient; each problem (and, unless ``warnings`` is false,
    each warning) is one line through ``say``. Warnings are in the provenance either way."""
    from pml_trials.batch.output import report_stream

    summary = Summary()
    with ExitStack() as stack:
        out = stack.enter_context(report_stream(output))
        side = stack.enter_context(report_stream(provenance)) if provenance else None
        for item in items:
            if isinstance(item, InputProblem):
                summary.problems += 1
                say(item.line())
                continue
            summary.patients += 1
            summary.filled += len(item.evidence)
            summary.ids.append(str(item.profile["patient_id"]))
            for warning in item.warnings:
                summary.warnings += 1
                if warnings:
                    say(f"{item.source}: warning: {warning}")
            out.write(profile_line(item.profile))
            if side is not None:
                side.write(json.dumps(item.provenance(), ensure_ascii=False, default=str) + "\n")
    return summary
