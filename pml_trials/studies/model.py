"""A loaded, checked and compiled study: what the engine and the renderers read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pml_trials.record import Record, field
from pml_trials.rules.codegen import (
    LineFunction,
    StudyFunction,
    compile_study,
)
from pml_trials.rules.codegen import compile_line as codegen_line
from pml_trials.rules.nodes import Node
from pml_trials.verdict import Verdict

Kind = Literal["inclusion", "exclusion"]
Wording = Literal["source", "file"]


class Source(Record):
    key: str
    citation: str
    url: str | None = None


class Site(Record):
    """Where the study runs: one ``[[site]]`` table of the criteria file."""

    name: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lon: float
    coordinates: str  # "source": given by the source; "city": the city's, from the gazetteer
    status: str  # one of SITE_STATUSES
    source: str
    contact: str | None = None
    url: str | None = None
    note: str | None = None
    line: int | None = None


class Criterion(Record):
    """One inclusion or exclusion criterion, in the source's words and as a rule."""

    id: str
    kind: Kind
    text: str
    source: str
    rule: str
    node: Node = field(repr=False)
    fields: tuple[str, ...]  # every profile field the rule can read, definitions included
    note: str | None = None
    line: int | None = None
    wording: Wording = "source"  # "file": the text is the file's words, not a quote
    next_step: str | None = None  # what would decide it for a patient it rules out


class Example(Record):
    """A case from the file's ``[[example]]`` tables, with its validated profile."""

    name: str
    expect: Verdict
    profile: dict[str, Any]
    line: int | None = None


class Study(Record):
    """Everything about one criteria file; ``evaluate`` is its compiled rules."""

    id: str
    title: str
    category: str
    last_reviewed: date
    summary: str
    sources: tuple[Source, ...]
    definitions: dict[str, str]
    criteria: tuple[Criterion, ...]
    examples: tuple[Example, ...]
    path: Path
    sha256: str
    evaluate: StudyFunction[Verdict] = field(repr=False, compare=False)
    phase: str | None = None
    registry_ids: tuple[str, ...] = ()
    sponsor: str | None = None
    status: str | None = None
    sites: tuple[Site, ...] = ()
    sites_note: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """Every profile field any criterion of the study reads, in criteria order."""
        return tuple(dict.fromkeys(f for c in self.criteria for f in c.fields))

    def source(self, key: str) -> Source | None:
        return next((s for s in self.sources if s.key == key), None)


# What the generated functions give for ineligible, needs information and eligible.
_VERDICTS = (Verdict.INELIGIBLE, Verdict.NEEDS_INFORMATION, Verdict.ELIGIBLE)


def compile_criteria(criteria: Sequence[Criterion], path: Path) -> StudyFunction[Verdict]:
    """The study's function (:mod:`pml_trials.rules.codegen`) from its checked criteria."""
    rules = [(c.kind == "exclusion", c.node) for c in criteria]
    return compile_study(rules, _VERDICTS, filename=str(path))


def compile_line(studies: Sequence[Study]) -> LineFunction[Verdict]:
    """A batch line's one call (:func:`pml_trials.rules.codegen.compile_line`): the
    validator's checks across fields (:func:`.contradictions.plain_checks`), then every
    study's outcome and the verdicts, each field read once as an attribute."""
    from pml_trials.profile.contradictions import CHECK_KEYS, plain_checks

    return codegen_line(_rules(studies), _VERDICTS, plain_checks, CHECK_KEYS)


def _rules(studies: Sequence[Study]) -> list[list[tuple[bool, Node]]]:
    """Each study's criteria as (is an exclusion, rule) pairs, for the code generator."""
    return [[(c.kind == "exclusion", c.node) for c in study.criteria] for study in studies]
