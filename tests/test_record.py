"""Records behave as the frozen, slotted dataclasses they replace: built by position or
keyword with defaults, compared and hashed by their fields, frozen, picklable."""

from __future__ import annotations

import copy
import inspect
import pickle
from datetime import date
from functools import cached_property

import pytest

from pml_trials.record import Record, field, replace


class Kind(Record):
    name: str
    choices: tuple[str, ...] = ()


class Base(Record):
    start: int
    kind: Kind


class Named(Base):
    label: str
    body: Base | None = field(default=None, compare=False, repr=False)


class Counts(Record, frozen=False):
    total: int = 0
    seen: list[str] = field(default_factory=list)


class Cached(Record):
    __slots__ = ("__dict__",)
    value: int
    calls: list[int] = field(default_factory=list, compare=False)

    @cached_property
    def double(self) -> int:
        self.calls.append(1)
        return self.value * 2


NUMBER = Kind("number")


def test_fields_come_by_position_or_keyword_and_inherit_in_order() -> None:
    named = Named(1, NUMBER, "x")
    assert (named.start, named.kind, named.label, named.body) == (1, NUMBER, "x", None)
    assert Named(start=1, label="x", kind=NUMBER) == named
    assert Named.__match_args__ == ("start", "kind", "label", "body")


def test_equality_and_hash_follow_the_compared_fields_and_the_class() -> None:
    assert Kind("number") == NUMBER and hash(Kind("number")) == hash(NUMBER)
    assert Kind("number", ("a",)) != NUMBER
    assert Named(1, NUMBER, "x", Base(0, NUMBER)) == Named(1, NUMBER, "x")  # body: compare=False
    assert Base(1, NUMBER) != Named(1, NUMBER, "x")  # another class is never equal
    assert Kind("number") != ("number", ())
    assert len({Kind("a"), Kind("a"), Kind("b")}) == 2


def test_a_record_is_frozen_and_has_no_instance_dictionary() -> None:
    with pytest.raises(AttributeError, match="frozen"):
        NUMBER.name = "date"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del NUMBER.name
    assert not hasattr(NUMBER, "__dict__")
    with pytest.raises(AttributeError):
        object.__setattr__(NUMBER, "other", 1)


def test_a_mutable_record_can_change_and_is_not_hashable() -> None:
    counts = Counts()
    counts.total += 2
    counts.seen.append("a")
    assert counts == Counts(2, ["a"])
    assert Counts().seen == []  # a fresh list each time
    with pytest.raises(TypeError):
        hash(counts)


def test_a_record_with_an_instance_dictionary_can_cache_properties() -> None:
    cached = Cached(21)
    assert (cached.double, cached.double, cached.calls) == (42, 42, [1])


def test_wrong_arguments_are_refused_as_a_function_call_would_be() -> None:
    with pytest.raises(TypeError, match="missing the argument 'kind'"):
        Base(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes 2 arguments, 3 given"):
        Base(1, NUMBER, 3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected or repeated"):
        Base(1, NUMBER, other=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected or repeated"):
        Base(1, NUMBER, start=2)  # type: ignore[misc]


def test_repr_names_the_fields_but_those_left_out() -> None:
    assert repr(Named(1, NUMBER, "x", Base(0, NUMBER))) == (
        "Named(start=1, kind=Kind(name='number', choices=()), label='x')"
    )


def test_records_pickle_and_copy_as_equal_records() -> None:
    named = Named(1, NUMBER, "x", Base(0, Kind("date")))
    for copied in (pickle.loads(pickle.dumps(named)), copy.copy(named), copy.deepcopy(named)):
        assert copied == named and copied.body == named.body
    assert pickle.loads(pickle.dumps(Counts(3, ["a"]))) == Counts(3, ["a"])


def test_replace_changes_only_the_given_fields() -> None:
    named = Named(1, NUMBER, "x")
    assert replace(named, label="y") == Named(1, NUMBER, "y")
    assert named.label == "x"
    with pytest.raises(TypeError):
        replace(named, nothing=1)


def test_a_record_whose_init_is_written_out_sets_every_field() -> None:
    from pml_trials.engine.result import ScreeningResult

    parameters = list(inspect.signature(ScreeningResult.__init__).parameters)[1:]
    assert tuple(parameters) == ScreeningResult.__record_names__
    result = ScreeningResult("p", date(2026, 1, 1), {}, (), ())
    assert [getattr(result, name) for name in parameters] == [
        "p",
        date(2026, 1, 1),
        {},
        (),
        (),
        "-",
    ]
