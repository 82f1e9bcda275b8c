"""Run a study's own ``[[example]]`` cases (``pml-trials check``)."""

from __future__ import annotations

import re
from datetime import date

from pml_trials.engine import TrialResult, screen
from pml_trials.errors import CriteriaError
from pml_trials.record import Record
from pml_trials.studies.model import Example, Study


class ExampleOutcome(Record):
    study: Study
    example: Example
    result: TrialResult

    @property
    def passed(self) -> bool:
        return self.result.verdict is self.example.expect


def run_examples(study: Study, as_of: date) -> list[ExampleOutcome]:
    """Screen each example against its own study only."""
    outcomes = []
    for example in study.examples:
        result = next(iter(screen(example.profile, (study,), as_of)))
        outcomes.append(ExampleOutcome(study, example, result))
    return outcomes


# A note that says the words are not the source's: the criterion must then be marked
# ``wording = "file"`` (CRITERIA-FORMAT, additions of 2026-12-02). A verbatim quote from
# another trial names that trial as its source and says "quoted from", not "borrowed".
_NOT_VERBATIM = re.compile(
    r"\bborrowed\b|\bnot stated\b|\bnot in the (?:excerpts?|sources?)\b"
    r"|\bwording is (?:this|the) file'?s\b|\bthis file'?s (?:own )?wording\b",
    re.IGNORECASE,
)


def provenance_problems(study: Study) -> list[CriteriaError]:
    """Criteria whose note says the text is not the source's words, unmarked."""
    problems = []
    for criterion in study.criteria:
        note = criterion.note or ""
        found = _NOT_VERBATIM.search(note)
        if found and criterion.wording != "file":
            problems.append(
                CriteriaError(
                    f"the note says '{found.group()}', but the text is presented as a "
                    f"verbatim quote of source '{criterion.source}' (add wording = \"file\", "
                    "or quote the source and say 'quoted from' in the note)",
                    source=str(study.path),
                    line=criterion.line,
                    context=f"{criterion.kind} '{criterion.id}'",
                )
            )
    return problems
