"""The input problems a report lists at its end: at most :data:`SHOWN_PROBLEMS` kept,
the rest only counted, so a report of a huge, broken input keeps its memory flat."""

from __future__ import annotations

from pml_trials.engine.run import InputProblem

SHOWN_PROBLEMS = 200  # a report lists at most this many problems


class ProblemList:
    """The problems kept for a report's end, and how many more there were."""

    def __init__(self) -> None:
        self.kept: list[InputProblem] = []
        self.more = 0  # past SHOWN_PROBLEMS: counted, not kept

    def add(self, problem: InputProblem) -> None:
        if len(self.kept) < SHOWN_PROBLEMS:
            self.kept.append(problem)
        else:
            self.more += 1
