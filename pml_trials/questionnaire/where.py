"""The questionnaire's last word on geography: where each trial runs, and how far.

Distance informs; it is not a criterion: it is shown after the verdicts, never in them.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from pml_trials.engine.result import ScreeningResult
from pml_trials.geo.travel import distance_note


def where(result: ScreeningResult) -> RenderableType:
    """One line per trial with sites: its nearest site and the great-circle distance, or
    why not; the trials without known sites share one line (``pml-trials show`` gives
    each one's note on where it runs: a paragraph each, too long for the closing
    screen)."""
    trials = list(result)
    head = Text("Where the trials run", style="bold")
    home = trials[0].travel.home if trials else None
    if home is not None:
        head.append(f" (great-circle distance from {home.name}, {home.country})", style="dim")
    lines: list[RenderableType] = [head]
    unknown = [t.study.id for t in trials if t.travel.nearest is None]
    for trial in trials:
        if trial.travel.nearest is not None:
            line = Text(f"  {trial.study.id}: ", style="bold")
            lines.append(line.append(distance_note(trial.travel)))
    if unknown:
        line = Text(f"  {', '.join(unknown)}: ", style="bold")
        lines.append(line.append("sites not known (pml-trials show gives why)"))
    if home is None and any(t.study.sites for t in trials):
        lines.append(
            Text(
                "  For distances, give residence_country and residence_town in the profile.",
                style="dim",
            )
        )
    return Group(*lines)
