"""The list of ``pml-trials trials``: each study's id, facts and title, for people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text

from pml_trials import DISCLAIMER
from pml_trials.maintain.review import Review
from pml_trials.studies.model import Study


def trials_list(
    studies: Sequence[Study], reviews: Mapping[str, Review] | None = None
) -> list[Text]:
    """The lines to print, in order: two per study, then the closing reminder. With
    ``reviews`` (by study id), each review's age, and ``STALE`` past its threshold."""
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
        review = reviews.get(s.id) if reviews else None
        if review is not None:
            facts[-1] += f" ({review.describe()})"
        line = Text(s.id, style="bold").append("  " + " · ".join(facts), style="dim")
        if review is not None and review.stale:
            line.append(f"  STALE: not reviewed for more than {review.max_days} days", style="bold")
        lines.append(line)
        lines.append(Text(f"  {s.title}"))
    lines.append(
        Text(
            "\nBundled files are transcriptions of public sources: check them against the "
            f"current protocol. {DISCLAIMER}",
            style="italic",
        )
    )
    return lines
