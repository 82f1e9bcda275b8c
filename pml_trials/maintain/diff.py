"""What changed between two versions of a study, and which patients it changes. Pure.

:func:`compare` lists the changes: criteria added, removed, reworded (their ``text``),
moved between inclusion and exclusion, with a changed rule (compared as checked rules in
normal form, :mod:`pml_trials.rules.text`, so spacing, parentheses and quoting are not
changes), source or note; definitions added, removed or changed; criteria whose rule is
unchanged but reads a changed definition; sources and metadata (title, phase, status...).

:func:`verdict_changes` screens each profile against both versions and keeps those whose
verdict differs, with the criteria that differ for the patient: each criterion's status
under the old and the new version (``absent`` where a version does not have it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from pml_trials.engine import screen
from pml_trials.engine.result import TrialResult
from pml_trials.record import Record
from pml_trials.rules.nodes import definitions_used
from pml_trials.rules.text import rule_text
from pml_trials.studies.model import Criterion, Site, Study
from pml_trials.verdict import Verdict

Section = Literal["criterion", "definition", "source", "site", "metadata", "example"]
What = Literal[
    "added", "removed", "reworded", "rule", "moved", "source", "note", "definition", "changed"
]
METADATA = ("id", "title", "category", "phase", "registry_ids", "sponsor", "status",
            "last_reviewed", "summary", "sites_note")  # fmt: skip
_SITE_FACTS = ("country", "lat", "lon", "coordinates", "status", "source", "contact", "url", "note")
ABSENT = "absent"


class Change(Record):
    """One difference. ``name`` is the criterion id, definition name, source key or
    metadata key; ``old``/``new`` the values compared (``None`` where one is absent)."""

    section: Section
    what: What
    name: str
    old: str | None = None
    new: str | None = None
    kind: str | None = None  # inclusion / exclusion, for a criterion


class CriterionShift(Record):
    """A criterion whose status differs for one patient between the two versions."""

    id: str
    old: str  # met / not met / applies / does not apply / unknown / absent
    new: str
    decides: bool  # the new status alone makes the new version's verdict ineligible


class VerdictChange(Record):
    patient_id: str
    source: str
    old: Verdict
    new: Verdict
    because: tuple[CriterionShift, ...]


def compare(old: Study, new: Study) -> list[Change]:
    """Every difference between two versions of a study, in reading order."""
    changes: list[Change] = []
    changes.extend(_metadata(old, new))
    changes.extend(_sources(old, new))
    changes.extend(_sites(old, new))
    defs = list(_definitions(old, new))
    changes.extend(defs)
    changed_defs = {c.name for c in defs if c.what in ("changed", "removed", "added")}
    changes.extend(_criteria(old, new, changed_defs))
    changes.extend(_examples(old, new))
    return changes


def _metadata(old: Study, new: Study) -> Iterable[Change]:
    for key in METADATA:
        before, after = _show(getattr(old, key)), _show(getattr(new, key))
        if before != after:
            yield Change("metadata", "changed", key, before, after)


def _show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sources(old: Study, new: Study) -> Iterable[Change]:
    before = {s.key: s for s in old.sources}
    after = {s.key: s for s in new.sources}
    for key, source in before.items():
        if key not in after:
            yield Change("source", "removed", key, _cite(source.citation, source.url), None)
        elif after[key] != source:
            now = after[key]
            yield Change(
                "source",
                "changed",
                key,
                _cite(source.citation, source.url),
                _cite(now.citation, now.url),
            )
    for key, source in after.items():
        if key not in before:
            yield Change("source", "added", key, None, _cite(source.citation, source.url))


def _sites(old: Study, new: Study) -> Iterable[Change]:
    """Sites by name and city: added, removed, or with other facts (status, place...)."""
    before = {(s.name, s.city): s for s in old.sites}
    after = {(s.name, s.city): s for s in new.sites}
    for key, site in before.items():
        if key not in after:
            yield Change("site", "removed", _site_name(site), _site_facts(site), None)
        elif _site_facts(after[key]) != _site_facts(site):
            yield Change(
                "site", "changed", _site_name(site), _site_facts(site), _site_facts(after[key])
            )
    for key, site in after.items():
        if key not in before:
            yield Change("site", "added", _site_name(site), None, _site_facts(site))


def _site_name(site: Site) -> str:
    return f"{site.name} ({site.city})"


def _site_facts(site: Site) -> str:
    return ", ".join(
        f"{key} {getattr(site, key)}" for key in _SITE_FACTS if getattr(site, key) is not None
    )


def _cite(citation: str, url: str | None) -> str:
    return f"{citation} <{url}>" if url else citation


def _definition_texts(study: Study) -> dict[str, str]:
    """Each definition in normal form (from the checked nodes, through the criteria
    that use them), falling back to its written text for one no criterion uses."""
    texts = {name: " ".join(text.split()) for name, text in study.definitions.items()}
    for criterion in study.criteria:
        for ref in definitions_used(criterion.node):
            texts[ref.name] = rule_text(ref.body)
    return texts


def _definitions(old: Study, new: Study) -> Iterable[Change]:
    before, after = _definition_texts(old), _definition_texts(new)
    for name, text in before.items():
        if name not in after:
            yield Change("definition", "removed", name, text, None)
        elif after[name] != text:
            yield Change("definition", "changed", name, text, after[name])
    for name, text in after.items():
        if name not in before:
            yield Change("definition", "added", name, None, text)


def _criteria(old: Study, new: Study, changed_defs: set[str]) -> Iterable[Change]:
    before = {c.id: c for c in old.criteria}
    after = {c.id: c for c in new.criteria}
    for criterion in old.criteria:
        if criterion.id not in after:
            yield Change(
                "criterion", "removed", criterion.id, _describe(criterion), None, criterion.kind
            )
    for criterion in new.criteria:
        previous = before.get(criterion.id)
        if previous is None:
            yield Change(
                "criterion", "added", criterion.id, None, _describe(criterion), criterion.kind
            )
            continue
        yield from _criterion(previous, criterion, changed_defs)


def _describe(criterion: Criterion) -> str:
    return f"{criterion.text}\nrule: {rule_text(criterion.node)}"


def _criterion(old: Criterion, new: Criterion, changed_defs: set[str]) -> Iterable[Change]:
    ident, kind = new.id, new.kind
    if old.kind != new.kind:
        yield Change("criterion", "moved", ident, old.kind, new.kind, kind)
    if " ".join(old.text.split()) != " ".join(new.text.split()):
        yield Change("criterion", "reworded", ident, old.text, new.text, kind)
    old_rule, new_rule = rule_text(old.node), rule_text(new.node)
    if old_rule != new_rule:
        yield Change("criterion", "rule", ident, old_rule, new_rule, kind)
    else:
        used = sorted({r.name for r in definitions_used(new.node)} & changed_defs)
        if used:
            yield Change(
                "criterion",
                "definition",
                ident,
                new_rule,
                f"same rule, but it uses the changed definition {', '.join(used)}",
                kind,
            )
    if old.source != new.source:
        yield Change("criterion", "source", ident, old.source, new.source, kind)
    if (old.note or "") != (new.note or ""):
        yield Change("criterion", "note", ident, old.note, new.note, kind)


def _examples(old: Study, new: Study) -> Iterable[Change]:
    before = {e.name: e for e in old.examples}
    after = {e.name: e for e in new.examples}
    for name, example in before.items():
        if name not in after:
            yield Change("example", "removed", name, example.expect.value, None)
        elif after[name].expect is not example.expect or after[name].profile != example.profile:
            now = after[name].expect.value
            if now == example.expect.value:
                now += " (same expected verdict; the profile changed)"
            yield Change("example", "changed", name, example.expect.value, now)
    for name, example in after.items():
        if name not in before:
            yield Change("example", "added", name, None, example.expect.value)


def verdict_change(
    profile: Mapping[str, Any], old: Study, new: Study, as_of: date, source: str
) -> VerdictChange | None:
    """How one patient's verdict changes between the versions (``None``: it does not)."""
    result = screen(profile, (old, new), as_of, source)
    before, after = tuple(result)
    if before.verdict is after.verdict:
        return None
    return VerdictChange(
        str(profile["patient_id"]), source, before.verdict, after.verdict, _shifts(before, after)
    )


_PASSING = frozenset(("met", "does not apply", ABSENT))


def _shifts(before: TrialResult, after: TrialResult) -> tuple[CriterionShift, ...]:
    """The criteria whose status differs for the patient and that stand in the way in
    one version or the other (not met, applies or unknown), in the new version's order,
    then the removed ones. A criterion that lets the patient through in both versions
    (e.g. added, and does not apply) is not a reason."""
    old = {c.criterion.id: c for c in before.criteria}
    new = {c.criterion.id: c for c in after.criteria}
    shifts = []
    for ident, result in new.items():
        was = old.get(ident)
        old_status = was.status if was else ABSENT
        if old_status != result.status and not {old_status, result.status} <= _PASSING:
            shifts.append(CriterionShift(ident, old_status, result.status, result.decisive))
    for ident, was in old.items():
        if ident not in new and was.status not in _PASSING:
            shifts.append(CriterionShift(ident, was.status, ABSENT, False))
    return tuple(shifts)
