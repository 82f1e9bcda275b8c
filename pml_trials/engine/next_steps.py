"""What to do next for one patient, across every trial: one deduplicated list of actions.

Each still-missing field of a still-undecided trial (a trial's ``missing_fields``) is
answered by an action that its declaration names (``FieldSpec.action``, worded in
``ACTIONS`` next to the questions): a repeat CSF JC virus PCR answers the PCR result and
the viral load, an HLA typing / donor search answers both cell-therapy questions. The
fields are grouped by that action, and each action lists the fields it answers and the
trials it could decide (those that miss one of its fields).

Order: the action that could decide the most undecided trials first; ties go in the
order ``ACTIONS`` declares (a clinical work-up order, the diagnosis first), and an
undeclared field's own action after every declared one, in field declaration order. So
the list is a pure, stable function of the result: no ranking by probes, no clock.

"Could decide": answering the action's fields may still leave a trial undecided when
other fields are missing too, or when the answer keeps its criterion unknown; the list
says which trials need it, never that it will make one eligible.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from operator import itemgetter

from pml_trials.engine.bits import SpacedNames, bits_of
from pml_trials.engine.result import ScreeningResult
from pml_trials.profile.fields import ACTIONS, BY_KEY, FIELDS, action_of
from pml_trials.record import Record
from pml_trials.verdict import Verdict

_ACTION_ORDER = {key: index for index, key in enumerate(ACTIONS)}
_FIELD_ORDER = {spec.key: index for index, spec in enumerate(FIELDS)}


class NextStep(Record):
    """One action: its key and clinical words, the fields it answers, the trials it
    could decide (ids, in the order the trials were screened)."""

    action: str
    text: str
    fields: tuple[str, ...]
    trials: tuple[str, ...]


def next_steps(result: ScreeningResult) -> tuple[NextStep, ...]:
    """The patient's next steps, best first (empty when every trial is decided)."""
    return steps_for(
        tuple(
            (trial.study.id, tuple(trial.missing_fields))
            for trial in result
            if trial.verdict is Verdict.NEEDS_INFORMATION
        )
    )


@functools.lru_cache(maxsize=4096)
def steps_for(undecided: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[NextStep, ...]:
    """The next steps from each undecided trial's id and missing fields, in the order the
    trials were screened. A pure function of its argument, so it is remembered (bounded):
    a registry repeats the same few gaps for thousands of patients."""
    fields: dict[str, list[str]] = {}
    trials: dict[str, list[str]] = {}
    words: dict[str, str] = {}
    for trial_id, missing in undecided:
        for key in missing:
            action, text = action_of(BY_KEY[key])
            words[action] = text
            found = fields.setdefault(action, [])
            if key not in found:
                found.append(key)
            ids = trials.setdefault(action, [])
            if trial_id not in ids:
                ids.append(trial_id)
    steps = [
        NextStep(
            action,
            words[action],
            tuple(sorted(fields[action], key=_FIELD_ORDER.__getitem__)),
            tuple(trials[action]),
        )
        for action in fields
    ]
    return tuple(sorted(steps, key=_order))


def _order(step: NextStep) -> tuple[int, int, int]:
    declared = _ACTION_ORDER.get(step.action, len(_ACTION_ORDER))
    return (-len(step.trials), declared, _FIELD_ORDER[step.fields[0]])


def which_trials(step: NextStep, screened: int) -> str:
    """The trials a step could decide, as every output words them: ``all 3 trials`` when
    it is every one screened, else their ids."""
    if len(step.trials) == screened and screened > 1:
        return f"all {screened} trials"
    return ", ".join(step.trials)


# Each field's action key, and each action's place in the order (declared, else after
# every declared one): what ``steps_for`` sorts by, looked up once.
_ACTION_KEY = {spec.key: action_of(spec)[0] for spec in FIELDS}
_PLACE = {action: _ACTION_ORDER.get(action, len(_ACTION_ORDER)) for action in _ACTION_KEY.values()}
_COUNT = itemgetter(0)
_ACTIONS_LIMIT = 4096
_ACTIONS: dict[tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]] = {}


def actions_by_trial(undecided: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """For each undecided trial, in order, the keys of the next steps that answer one of
    its missing fields, best first, separated by spaces: what ``" ".join(s.action for s
    in steps_for(undecided) if trial_id in s.trials)`` gives, without building the steps
    (remembered, bounded: this is on every needs-information CSV row)."""
    found = _ACTIONS.get(undecided)
    if found is not None:
        return found
    trials: dict[str, list[str]] = {}
    first: dict[str, int] = {}
    order = _FIELD_ORDER
    for trial_id, missing in undecided:
        for key in missing:
            action = _ACTION_KEY[key]
            ids = trials.get(action)
            if ids is None:
                trials[action] = [trial_id]
                first[action] = order[key]
                continue
            if trial_id not in ids:
                ids.append(trial_id)
            if order[key] < first[action]:
                first[action] = order[key]
    ranked = sorted(trials, key=lambda a: (-len(trials[a]), _PLACE[a], first[a]))
    found = tuple(" ".join(a for a in ranked if trial_id in trials[a]) for trial_id, _ in undecided)
    if len(_ACTIONS) >= _ACTIONS_LIMIT:
        _ACTIONS.clear()
    _ACTIONS[undecided] = found
    return found


def _ranked_actions() -> tuple[tuple[str, int], ...]:
    """Every action with the mask of the fields it answers (:data:`.missing.BITS`), in
    the order ``actions_by_trial`` breaks ties of the number of trials: the declared
    order, then each undeclared action (a field's own, which answers that field alone)
    in field declaration order."""
    from pml_trials.engine.missing import BITS

    fields: dict[str, int] = {}
    for spec in FIELDS:
        action = _ACTION_KEY[spec.key]
        fields[action] = fields.get(action, 0) | BITS[spec.key]
    first = {action: (mask & -mask).bit_length() for action, mask in fields.items()}
    return tuple(sorted(fields.items(), key=lambda item: (_PLACE[item[0]], first[item[0]])))


@functools.cache
def ranked_actions() -> tuple[tuple[str, int], ...]:
    """Every action and the mask of the fields it answers, in the order ties of the
    number of trials are broken (see :func:`actions_by_masks`)."""
    return _ranked_actions()


# Each action's words (ACTIONS, or an undeclared field's own question).
ACTION_WORDS = {action_of(spec)[0]: action_of(spec)[1] for spec in FIELDS}


def actions_by_masks(masks: tuple[int, ...]) -> tuple[str, ...]:
    """:func:`actions_by_trial` from each trial's missing fields as a mask (0 for a
    trial with none, which answers no action and is given ``""``): the actions that
    answer some missing field, best first (the most trials, then the order of
    :func:`_ranked_actions`), and for each trial those answering one of its fields."""
    ranked = ranked_actions()
    union = 0
    for mask in masks:
        union |= mask
    asked = [
        (-sum([1 for mask in masks if mask & fields]), action, fields)
        for action, fields in ranked
        if union & fields
    ]
    asked.sort(key=_COUNT)  # stable: ties keep the order of _ranked_actions
    return tuple(
        " ".join([action for _, action, fields in asked if mask & fields]) for mask in masks
    )


def answered_actions(mask: int) -> int:
    """The actions answering some field of ``mask``, one bit per action in the order of
    :func:`_ranked_actions`: ``actions_by_masks`` depends on each mask only through
    this (which actions a trial needs, hence how many trials need each). Each field is
    answered by one action: one look-up per field in the mask."""
    by_field = _answering()
    found = 0
    for low in bits_of(mask):
        found |= by_field[low]
    return found


def actions_by_answered(answered: tuple[int, ...]) -> tuple[str, ...]:
    """:func:`actions_by_masks` from each trial's :func:`answered_actions` (0 for a trial
    with no missing field): the actions some trial needs, by the number of trials that
    need each (most first; ties in the order of :func:`_ranked_actions`, which is the
    order of the bits), and for each trial those it needs, separated by spaces: the
    :func:`ranked_text` of its :func:`ranked_keys`."""
    return tuple(map(ranked_text, ranked_keys(answered)))


def ranked_keys(answered: Sequence[int]) -> list[int]:
    """Each trial's actions (:func:`answered_actions`) laid out in the order its text
    gives them, as one int: the actions needed by the most trials in the lowest
    :func:`action_width` bits, those of the next count above them, and so on, each group
    in the order of its bits. Its text (:func:`ranked_text`) names the set bits from the
    lowest up; a trial's text depends on the others' actions only through this key.

    The counts are bit-sliced (``planes[j]``: the actions whose count has bit ``j``), so
    the actions needed by exactly ``k`` trials are a few operations on ints. One trial
    (most patients some trial of whom needs information) is its own key."""
    if len(answered) < 2:
        return list(answered)
    planes: list[int] = []
    for found in answered:
        carry = found
        for place, plane in enumerate(planes):
            planes[place] = plane ^ carry
            carry &= plane
            if not carry:
                break
        if carry:
            planes.append(carry)
    groups = []
    for count in range(len(answered), 0, -1):
        if count >> len(planes):
            continue  # more trials than any action counts
        group = -1
        for place, plane in enumerate(planes):
            group &= plane if count >> place & 1 else ~plane
        if group:
            groups.append(group)
    if len(groups) == 1:  # every action needed by as many trials: in the order of its bits
        return list(answered)
    width = action_width()
    keys = []
    for found in answered:
        key = shift = 0
        for group in groups:
            key |= (found & group) << shift
            shift += width
        keys.append(key)
    return keys


def ranked_text(key: int) -> str:
    """The action keys of a :func:`ranked_keys` key, separated by spaces: bit ``p`` names
    action ``p % action_width()`` of :func:`_ranked_actions`."""
    return _RANKED_TEXT(key)


def _ranked_name(place: int) -> str:
    """The action that bit ``place`` of a ranked key names."""
    names = _names_by_place()
    return names[place % len(names)]


_RANKED_TEXT = SpacedNames(_ranked_name)


def action_width() -> int:
    """How many actions there are: the bits of one group of a :func:`ranked_keys` key."""
    return len(_names_by_place())


# Where the actions answering a mask's fields go in a mask of :func:`answering_bits`: above
# every field's bit.
ACTION_SHIFT = len(FIELDS)


@functools.cache
def answering_bits() -> dict[str, int]:
    """Each field's bit (:data:`.missing.BITS`) with, ``ACTION_SHIFT`` bits higher, the
    bit of the action answering it (the order of :func:`_ranked_actions`). The union of
    these over a set of fields holds the set (below ``ACTION_SHIFT``) and the actions
    answering its fields (``union >> ACTION_SHIFT``, which is :func:`answered_actions`
    of the set): a :class:`.missing.MissingFields` built on them gives both in one int."""
    from pml_trials.engine.missing import BITS

    by_field = _answering()
    return {key: bit | by_field[bit] << ACTION_SHIFT for key, bit in BITS.items()}


@functools.cache
def _answering() -> dict[int, int]:
    """Each field's bit -> the bit of the action answering it."""
    ranked = enumerate(ranked_actions())
    return {low: 1 << place for place, (_, fields) in ranked for low in bits_of(fields)}


@functools.cache
def _names_by_place() -> tuple[str, ...]:
    """Each action's key, in the order of its bit."""
    return tuple(action for action, _ in ranked_actions())
