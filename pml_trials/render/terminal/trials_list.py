"""The list of ``pml-trials trials``: each study's id, facts and title, for people."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from pml_trials import DISCLAIMER
from pml_trials.studies.model import Study


def trials_list(studies: Sequence[Study]) -> list[Text]:
    """The lines to print, in order: two per study, then the closing reminder."""
    lines = []
    for s in studies:
        facts = [
            s.category,
            f"phase {s.phase or '?'}",
            ", ".join(s.registry_ids) or "no registry id",
            f"status {s.status or 'unknown'}",
            f"{len(s.criteria)} criteria",
            f"last reviewed {s.last_reviewed.isoformat()}",
        ]
        lines.append(Text(s.id, style="bold").append("  " + " · ".join(facts), style="dim"))
        lines.append(Text(f"  {s.title}"))
    lines.append(
        Text(
            "\nBundled files are transcriptions of public sources: check them against the "
            f"current protocol. {DISCLAIMER}",
            style="italic",
        )
    )
    return lines
