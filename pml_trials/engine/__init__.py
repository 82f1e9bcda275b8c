"""The engine: ``screen(profile, studies, as_of) -> ScreeningResult`` and its views."""

from pml_trials.engine.result import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.screen import screen

__all__ = ["CriterionResult", "ScreeningResult", "TrialResult", "screen"]
