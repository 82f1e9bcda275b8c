"""The checks across fields, declared once: what contradicts itself, and past dates.

Each :class:`Contradiction` names the field its message is about, the tests that must
all hold for the profile to contradict itself, and the message. A test holds only on
known values (an unknown field never contradicts anything). The validator evaluates the
declarations in Python (:func:`contradictions`, closures built once at import); the SQL
engines render the very same declarations as predicates (``pml_trials.sql.checks``), so
the Python engine, DuckDB and Spark refuse the same rows.

:data:`PAST` are the dates of things that have happened, which may not be after the
screening date (the profile's ``screening_date``, else the run's date): a typo of the
year would otherwise open date windows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, assert_never

from pml_trials.profile.fields import FIELDS
from pml_trials.record import Record


class Is(Record):
    """The field's value is known and equals ``value``."""

    field: str
    value: bool


class Above(Record):
    """The field's value is known and greater than ``bound``."""

    field: str
    bound: float


class Empty(Record):
    """The list is known and empty."""

    field: str


class Listed(Record):
    """The list is known and holds ``value``."""

    field: str
    value: str


class NotListed(Record):
    """The list is known and does not hold ``value``."""

    field: str
    value: str


class ListedWithOthers(Record):
    """The list is known and holds ``value`` and at least one other value."""

    field: str
    value: str


Test = Is | Above | Empty | Listed | NotListed | ListedWithOthers


class Contradiction(Record):
    """``field`` is reported with ``message`` when every test of ``when`` holds."""

    field: str
    when: tuple[Test, ...]
    message: str


CONDITIONS = "predisposing_conditions"
_GVHD = (
    "records graft-versus-host disease but allogeneic_hct is false (GVHD follows only"
    " an allogeneic transplant: correct one of the two)"
)

# ``predisposing_conditions`` is never empty (``[]`` would read as "immunocompetent"
# while saying nothing), ``none_identified`` stands alone, and ``hiv`` cannot be listed
# for a patient recorded as HIV negative; an allogeneic transplant is one of the listed
# transplants, and GVHD is not recorded for a patient without one. Each would let a rule
# decide on a contradiction. Reported in this order.
CONTRADICTIONS: tuple[Contradiction, ...] = (
    Contradiction(
        CONDITIONS,
        (Empty(CONDITIONS),),
        "is empty (list every condition that applies, or ['none_identified'] if none"
        " is known; leave the key out if unknown)",
    ),
    Contradiction(
        CONDITIONS,
        (ListedWithOthers(CONDITIONS, "none_identified"),),
        "lists 'none_identified' with other conditions (give the conditions, or"
        " 'none_identified' alone)",
    ),
    Contradiction(
        "hiv_positive",
        (Listed(CONDITIONS, "hiv"), Is("hiv_positive", False)),
        "is false but 'hiv' is listed in predisposing_conditions (correct one of the two)",
    ),
    Contradiction(
        "allogeneic_hct",
        (Is("allogeneic_hct", True), NotListed(CONDITIONS, "hematopoietic_cell_transplant")),
        "is true but 'hematopoietic_cell_transplant' is not in predisposing_conditions"
        " (add it there, or correct allogeneic_hct)",
    ),
    Contradiction("gvhd_grade", (Is("allogeneic_hct", False), Above("gvhd_grade", 0)), _GVHD),
    Contradiction(
        "chronic_gvhd_active", (Is("allogeneic_hct", False), Is("chronic_gvhd_active", True)), _GVHD
    ),
    Contradiction(
        "gvhd_systemic_treatment",
        (Is("allogeneic_hct", False), Is("gvhd_systemic_treatment", True)),
        _GVHD,
    ),
)

PAST = tuple(spec for spec in FIELDS if spec.past)
# The fields :func:`plain_checks` reads.
CHECK_KEYS = tuple(
    dict.fromkeys([*(t.field for c in CONTRADICTIONS for t in c.when), *(s.key for s in PAST)])
)


def _condition(test: Test, name: str) -> str:
    """A test as a Python expression over the local ``name`` holding its field's value
    (false when the value is unknown)."""
    match test:
        case Is(value=value):
            return f"{name} is {value!r}"
        case Above(bound=bound):
            return f"({name} is not None and {name} > {bound!r})"
        case Empty():
            return f"({name} is not None and not {name})"
        case Listed(value=value):
            return f"({name} is not None and {value!r} in {name})"
        case NotListed(value=value):
            return f"({name} is not None and {value!r} not in {name})"
        case ListedWithOthers(value=value):
            return f"({name} is not None and {value!r} in {name} and len(set({name})) > 1)"
        case _:
            assert_never(test)


def _compile() -> Callable[[Mapping[str, Any]], list[tuple[str, str]]]:
    """The declarations as one Python function (the validator runs it on every profile:
    one dict lookup per field read, ~2 us, as the hand-written checks were)."""
    read = list(dict.fromkeys(t.field for c in CONTRADICTIONS for t in c.when))
    local = {key: f"v{i}" for i, key in enumerate(read)}
    lines = ["def contradictions(profile):", "    get = profile.get", "    found = []"]
    lines += [f"    {local[key]} = get({key!r})" for key in read]
    for index, item in enumerate(CONTRADICTIONS):
        test = " and ".join(_condition(t, local[t.field]) for t in item.when)
        lines += [f"    if {test}:", f"        found.append(FOUND[{index}])"]
    lines.append("    return found")
    scope: dict[str, Any] = {
        "__builtins__": {"len": len, "set": set},
        "FOUND": tuple((c.field, c.message) for c in CONTRADICTIONS),
    }
    exec("\n".join(lines), scope)  # noqa: S102 - our declarations' text, no input
    function: Callable[[Mapping[str, Any]], list[tuple[str, str]]] = scope["contradictions"]
    return function


_contradictions = _compile()


def contradictions(profile: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What contradicts itself across fields, as ``(field, message)`` pairs, in the
    order of :data:`CONTRADICTIONS`."""
    return _contradictions(profile)


def plain_checks(read: Callable[[str], str], limit: str, refuse: str) -> list[str]:
    """:func:`plainly_consistent` as Python statements (a function body's, indented by 4):
    ``read(key)`` is the expression reading a field (``None`` when unknown), ``limit`` the
    name holding the screening date (the profile's, else the run's), and ``refuse`` the
    statement run when the profile contradicts itself or a past date is after ``limit``.
    The batch's generated line function (``rules.codegen.compile_line``) runs these too."""
    lines: list[str] = []

    def local(key: str, name: str) -> str:
        """The name holding a field's value: ``read``'s own if it gives a name."""
        value = read(key)
        if value.isidentifier():
            return value
        lines.append(f"    {name} = {value}")
        return name

    read_keys = list(dict.fromkeys(t.field for c in CONTRADICTIONS for t in c.when))
    names = {key: local(key, f"v{i}") for i, key in enumerate(read_keys)}
    tests = [" and ".join(_condition(t, names[t.field]) for t in c.when) for c in CONTRADICTIONS]
    if tests:
        lines += [f"    if {' or '.join(f'({test})' for test in tests)}:", f"        {refuse}"]
    for number, spec in enumerate(PAST):
        name = local(spec.key, f"d{number}")
        lines += [f"    if {name} is not None and {name} > {limit}:", f"        {refuse}"]
    return lines


def _compile_plain() -> Callable[[Mapping[str, Any], Any], bool]:
    """:func:`plainly_consistent` as one function: the declarations' tests and the past
    dates, straight-line, with no list built (a batch runs it on every line)."""
    lines = ["def plain(profile, as_of):", "    get = profile.get"]
    lines.append("    limit = get('screening_date') or as_of")
    lines += plain_checks(lambda key: f"get({key!r})", "limit", "return False")
    lines.append("    return True")
    scope: dict[str, Any] = {"__builtins__": {"len": len, "set": set}}
    exec("\n".join(lines), scope)  # noqa: S102 - our declarations' text, no input
    function: Callable[[Mapping[str, Any], Any], bool] = scope["plain"]
    return function


_plain = _compile_plain()


def plainly_consistent(profile: Mapping[str, Any], as_of: Any) -> bool:
    """Whether nothing contradicts itself and no past date is after the screening date
    (``screening_date``, else ``as_of``): ``not contradictions(profile)`` and the
    validator's date check, in one call, for a batch's lines."""
    return _plain(profile, as_of)
