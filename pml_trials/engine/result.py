"""What screening one patient produced, kept compact until something renders it.

``ScreeningResult`` holds the profile, the studies and one ``(verdict, values)`` pair per
study, as the compiled rules returned them. The views below (per trial, per criterion,
missing fields) are computed on demand, so a batch that only writes verdicts never builds
them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pml_trials.engine.diagnosis import FIELDS, Diagnosis, diagnose, unconfirmed
from pml_trials.profile.fields import FIELDS as PROFILE_FIELDS
from pml_trials.record import Record
from pml_trials.rules.nodes import SCREENING_DATE, Node
from pml_trials.studies.model import Criterion, Study
from pml_trials.verdict import Verdict, decisive, status

if TYPE_CHECKING:
    from pml_trials.geo.travel import Travel
    from pml_trials.rules.missing_code import MissingFunction

Outcome = tuple[Verdict, tuple[bool | None, ...]]
_ORDER = {spec.key: index for index, spec in enumerate(PROFILE_FIELDS)}
DIAGNOSIS_FIELDS = frozenset(FIELDS)


class CriterionResult(Record):
    """One criterion's value for one patient."""

    criterion: Criterion
    value: bool | None
    fields: dict[str, Any]  # the profile values the rule read (None = unknown)
    missing: tuple[str, ...]  # unknown fields that could still decide it

    @property
    def status(self) -> str:
        return status(self.criterion.kind, self.value)

    @property
    def decisive(self) -> bool:
        """This value alone makes the trial ineligible."""
        return decisive(self.criterion.kind, self.value)


class TrialResult(Record):
    """One study's verdict for one patient, with its explanation."""

    __slots__ = ("__dict__",)  # for the cached_property views

    study: Study
    verdict: Verdict
    values: tuple[bool | None, ...]
    profile: Mapping[str, Any]
    screening_date: date

    @cached_property
    def criteria(self) -> tuple[CriterionResult, ...]:
        return tuple(
            self._criterion(c, v) for c, v in zip(self.study.criteria, self.values, strict=True)
        )

    def _criterion(self, criterion: Criterion, value: bool | None) -> CriterionResult:
        get = self.profile.get
        missing = () if value is not None else missing_of(criterion, get, self.screening_date)
        read = {key: get(key) for key in criterion.fields}
        if SCREENING_DATE in read:  # the date the rules counted to, given or not
            read[SCREENING_DATE] = self.screening_date
        return CriterionResult(criterion, value, read, missing)

    @cached_property
    def travel(self) -> Travel:
        """The study's sites, nearest first from the patient's town when it is known. It
        informs; it never changes the verdict."""
        from pml_trials.geo.travel import home_of, travel

        home = home_of(self.profile)
        return travel(self.study.sites, home, self.profile.get("max_travel_km"))

    @property
    def next_step(self) -> str | None:
        """What would decide the first decisive criterion that says (its ``next_step``)."""
        return next_step_of(self.study, self.values)

    @property
    def reasons(self) -> tuple[CriterionResult, ...]:
        """The criteria that make the trial ineligible (empty otherwise)."""
        return tuple(c for c in self.criteria if c.decisive)

    @cached_property
    def missing_fields(self) -> tuple[str, ...]:
        """The unknown fields whose answers could still decide an undecided trial."""
        if self.verdict is not Verdict.NEEDS_INFORMATION:
            return ()
        get, today = self.profile.get, self.screening_date
        found: set[str] = set()
        for criterion, value in zip(self.study.criteria, self.values, strict=True):
            if value is None:
                found.update(missing_of(criterion, get, today))
        return tuple(sorted(found, key=_ORDER.__getitem__))


def not_confirmed(trial: TrialResult, unconfirmed: bool) -> bool:
    """An ineligible verdict that comes from PML not yet being confirmed in a patient who
    may have it (``unconfirmed``: :attr:`ScreeningResult.pml_unconfirmed`; a decisive
    criterion tests the diagnosis): it must never read as a bare "ineligible"."""
    return (
        unconfirmed
        and trial.verdict is Verdict.INELIGIBLE
        and any(reads_diagnosis(c.criterion) for c in trial.reasons)
    )


def reads_diagnosis(criterion: Criterion) -> bool:
    """Whether a criterion tests the PML diagnosis (reads one of its four fields)."""
    return not DIAGNOSIS_FIELDS.isdisjoint(criterion.fields)


def next_step_of(study: Study, values: tuple[bool | None, ...]) -> str | None:
    """The ``next_step`` of the first criterion that rules the trial out and has one."""
    for criterion, value in zip(study.criteria, values, strict=True):
        if criterion.next_step and decisive(criterion.kind, value):
            return criterion.next_step
    return None


# Missing fields of an undecided criterion depend only on its rule, the values of the
# fields it reads and the date counted to. They are computed by the rule's compiled
# missing-fields function (:mod:`pml_trials.rules.missing_code`, which gives what the
# reference interpreter gives), built on first use and kept by the rule's identity (the
# entry holds the rule, so the identity cannot be reused). Registry data repeats the
# same gaps, so answers are also remembered by those values, in a memo emptied when it
# grows past _MEMO_LIMIT entries.
_MEMO: dict[tuple[Any, ...], tuple[Node, tuple[str, ...]]] = {}
_MEMO_LIMIT = 20_000
_COMPILED: dict[int, tuple[Node, MissingFunction]] = {}


def missing_of(criterion: Criterion, get: Callable[[str], Any], today: date) -> tuple[str, ...]:
    """The unknown fields that could still decide ``criterion`` (whose value is unknown),
    in declaration order."""
    node = criterion.node
    values = [get(key) for key in criterion.fields]
    key = (id(node), today, *(tuple(v) if isinstance(v, list) else v for v in values))
    entry = _MEMO.get(key)
    if entry is not None and entry[0] is node:
        return entry[1]
    missing = tuple(sorted(unknown_fields(node, get, today), key=_ORDER.__getitem__))
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[key] = (node, missing)
    return missing


def unknown_fields(node: Node, get: Callable[[str], Any], today: date) -> frozenset[str]:
    """``evaluate(node, get, today)[1]``, by the rule's compiled function."""
    compiled = _COMPILED.get(id(node))
    if compiled is None or compiled[0] is not node:
        from pml_trials.rules.missing_code import compile_missing

        compiled = (node, compile_missing(node))
        if len(_COMPILED) >= _MEMO_LIMIT:
            _COMPILED.clear()
        _COMPILED[id(node)] = compiled
    return compiled[1](get, today)


class ScreeningResult(Record):
    """One patient against every study screened."""

    patient_id: str
    screening_date: date
    profile: Mapping[str, Any]
    studies: Sequence[Study]
    outcomes: tuple[Outcome, ...]
    source: str = "-"

    def __init__(
        self,
        patient_id: str,
        screening_date: date,
        profile: Mapping[str, Any],
        studies: Sequence[Study],
        outcomes: tuple[Outcome, ...],
        source: str = "-",
    ) -> None:
        # Written out: one is built for every patient screened, and Record's generic
        # __init__ would cost about 2% of a large batch's screening.
        _set = object.__setattr__
        _set(self, "patient_id", patient_id)
        _set(self, "screening_date", screening_date)
        _set(self, "profile", profile)
        _set(self, "studies", studies)
        _set(self, "outcomes", outcomes)
        _set(self, "source", source)

    def __iter__(self) -> Iterator[TrialResult]:
        for study, (verdict, values) in zip(self.studies, self.outcomes, strict=True):
            yield TrialResult(study, verdict, values, self.profile, self.screening_date)

    def trial(self, study_id: str) -> TrialResult:
        return next(t for t in self if t.study.id == study_id)

    @property
    def diagnosis(self) -> Diagnosis:
        """The AAN 2013 diagnostic category of the patient's PML."""
        return diagnose(self.profile.get)

    @property
    def pml_unconfirmed(self) -> bool:
        """Possible or probable PML, or not known yet but definite ruled out and one of
        them possible: PML may be there and is not confirmed."""
        return unconfirmed(self.profile.get)

    @property
    def verdicts(self) -> tuple[Verdict, ...]:
        return tuple(verdict for verdict, _ in self.outcomes)
