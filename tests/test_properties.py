"""Properties of the language and the engine, over generated rules and profiles.

- Kleene's laws hold for the logic and for rule values;
- with everything known, a rule means what Python means by the same text;
- the compiled code agrees with the reference interpreter on every rule and profile;
- monotonicity: answering unknown fields never changes a decided value or verdict;
- missing fields: exactly the unknown fields that can still decide;
- arbitrary text either loads or is refused with RuleError at a position inside it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pml_trials.engine import screen
from pml_trials.errors import RuleError
from pml_trials.rules.codegen import compile_study
from pml_trials.rules.interpret import evaluate
from pml_trials.rules.logic import kleene_and, kleene_implies, kleene_not, kleene_or, kleene_xor
from pml_trials.rules.nodes import Arith, Node, children
from pml_trials.rules.parse import parse_boolean_rule, parse_rule
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict
from tests import rules_driver as driver
from tests import strategies as gen

AS_OF = driver.AS_OF
TRI: tuple[bool | None, ...] = (True, False, None)
Profile = dict[str, Any]


def values_of(text: str, profile: Profile) -> bool | None:
    """The rule's value, after checking that both evaluators agree on it."""
    compiled, reference = driver.both(text, profile, AS_OF)
    assert compiled is reference, (text, compiled, reference)
    return compiled


def has_division(node: Node) -> bool:
    return (isinstance(node, Arith) and node.op == "/") or any(
        has_division(child) for child in children(node)
    )


def expected_verdict(study: Study, values: Sequence[bool | None]) -> Verdict:
    """The contract's rule, written out independently of the engine."""
    kinds = [c.kind for c in study.criteria]
    if any(v is (kind == "exclusion") for kind, v in zip(kinds, values, strict=True)):
        return Verdict.INELIGIBLE
    if any(v is None for v in values):
        return Verdict.NEEDS_INFORMATION
    return Verdict.ELIGIBLE


@st.composite
def studies(draw: st.DrawFn) -> Study:
    """A study of 1-4 generated criteria, inclusions and exclusions mixed, some of them
    using the study's definitions (compiled once, shared by the criteria)."""
    definitions = {f"def{i}": draw(gen.rules(1)) for i in range(draw(st.integers(0, 2)))}
    criteria: list[tuple[bool, str]] = []
    for _ in range(draw(st.integers(1, 4))):
        rule = draw(gen.rules(2))
        use_definition = draw(st.booleans())
        if definitions and use_definition:
            name = draw(st.sampled_from(sorted(definitions)))
            rule = f"({rule}) {draw(st.sampled_from(['and', 'or']))} {name}"
        criteria.append((draw(st.booleans()), rule))
    return driver.study(criteria, definitions)


# -- Kleene's logic ----------------------------------------------------------------------------


def test_kleene_tables_are_the_cql_tables() -> None:
    def cql_and(a: bool | None, b: bool | None) -> bool | None:
        if a is False or b is False:
            return False
        return None if None in (a, b) else True

    for a, b in itertools.product(TRI, TRI):
        assert kleene_and((a, b)) is cql_and(a, b)
        assert kleene_or((a, b)) is kleene_not(cql_and(kleene_not(a), kleene_not(b)))
        assert kleene_implies(a, b) is kleene_or((kleene_not(a), b))
        assert kleene_xor(a, b) is (None if None in (a, b) else a != b)


def test_kleene_laws_on_values() -> None:
    for a, b, c in itertools.product(TRI, TRI, TRI):
        assert kleene_and((a, b)) is kleene_and((b, a))
        assert kleene_or((a, b)) is kleene_or((b, a))
        assert kleene_and((a, kleene_and((b, c)))) is kleene_and((kleene_and((a, b)), c))
        assert kleene_or((a, kleene_or((b, c)))) is kleene_or((kleene_or((a, b)), c))
        assert kleene_not(kleene_and((a, b))) is kleene_or((kleene_not(a), kleene_not(b)))
        assert kleene_not(kleene_or((a, b))) is kleene_and((kleene_not(a), kleene_not(b)))
        assert kleene_and((a, kleene_or((a, b)))) is a
        assert kleene_or((a, kleene_and((a, b)))) is a
        assert kleene_and((a, kleene_or((b, c)))) is kleene_or(
            (kleene_and((a, b)), kleene_and((a, c)))
        )
        assert kleene_not(kleene_not(a)) is a


@given(a=gen.rules(2), b=gen.rules(2), profile=gen.partial_profiles())
def test_kleene_laws_on_rules(a: str, b: str, profile: Profile) -> None:
    va, vb = values_of(a, profile), values_of(b, profile)
    both = values_of(f"({a}) and ({b})", profile)
    either = values_of(f"({a}) or ({b})", profile)
    assert both is kleene_and((va, vb)) is values_of(f"({b}) and ({a})", profile)
    assert either is kleene_or((va, vb)) is values_of(f"({b}) or ({a})", profile)
    assert values_of(f"not (({a}) and ({b}))", profile) is values_of(
        f"(not ({a})) or (not ({b}))", profile
    )
    assert values_of(f"not (({a}) or ({b}))", profile) is values_of(
        f"(not ({a})) and (not ({b}))", profile
    )
    assert values_of(f"({a}) and (({a}) or ({b}))", profile) is va
    assert values_of(f"({a}) or (({a}) and ({b}))", profile) is va
    assert values_of(f"not (not ({a}))", profile) is va


# -- meaning: Python's, when everything is known -------------------------------------------------


def python_value(text: str, profile: Profile) -> bool | None:
    """Python's own evaluation of the rule text (test code, generated text only); ``None``
    when Python divides by zero."""
    today: date = profile.get("screening_date") or AS_OF
    namespace: dict[str, Any] = {
        **profile,
        "screening_date": today,
        "date": date.fromisoformat,
        "days_since": lambda d: (today - d).days,
        "weeks_since": lambda d: (today - d).days / 7,
        # written independently of pml_trials.rules.functions: the age formula
        "years_since": lambda d: (
            today.year - d.year - ((today.month, today.day) < (d.month, d.day))
        ),
        "months_since": lambda d: (
            12 * today.year + today.month - 12 * d.year - d.month - (today.day < d.day)
        ),
    }
    try:
        result = eval(text, {"__builtins__": {}}, namespace)
    except ZeroDivisionError:
        return None
    assert isinstance(result, bool)
    return result


@given(rule=gen.rules(), profile=gen.full_profiles())
def test_with_everything_known_a_rule_means_what_python_means(rule: str, profile: Profile) -> None:
    expected = python_value(rule, profile)
    value = values_of(rule, profile)
    if expected is None:  # Python stopped at a division by zero that Kleene may absorb
        return
    assert value is expected


@given(rule=gen.rules(), profile=gen.full_profiles())
def test_with_everything_known_only_a_division_by_zero_is_unknown(
    rule: str, profile: Profile
) -> None:
    if values_of(rule, profile) is None:
        assert has_division(driver.rule_node(rule))
        assert python_value(rule, profile) is None


# -- compiled code against the reference interpreter ------------------------------------------


@given(rule=gen.rules(), profile=gen.partial_profiles())
def test_compiled_code_agrees_with_the_reference(rule: str, profile: Profile) -> None:
    values_of(rule, profile)  # asserts the agreement


@given(study=studies(), profile=gen.partial_profiles())
def test_the_verdict_follows_from_the_criterion_values(study: Study, profile: Profile) -> None:
    (trial,) = screen(profile, (study,), AS_OF)
    today = profile.get("screening_date") or AS_OF
    reference = [evaluate(c.node, profile.get, today)[0] for c in study.criteria]
    assert list(trial.values) == reference
    assert trial.verdict is expected_verdict(study, trial.values)


@given(profile=gen.partial_profiles())
def test_bundled_verdicts_follow_from_their_values(
    studies: tuple[Study, ...], profile: Profile
) -> None:
    result = screen(profile, studies, AS_OF)
    for trial in result:
        today = result.screening_date
        reference = [evaluate(c.node, profile.get, today)[0] for c in trial.study.criteria]
        assert list(trial.values) == reference
        assert trial.verdict is expected_verdict(trial.study, trial.values)


# -- monotonicity ------------------------------------------------------------------------------


@given(rule=gen.rules(), profile=gen.partial_profiles(), data=st.data())
def test_answering_never_changes_a_decided_value(
    rule: str, profile: Profile, data: st.DataObject
) -> None:
    before = values_of(rule, profile)
    assume(before is not None)
    after = values_of(rule, data.draw(gen.completions(profile)))
    assert after is before


@given(study=studies(), profile=gen.partial_profiles(), data=st.data())
def test_answering_never_changes_a_decided_verdict(
    study: Study, profile: Profile, data: st.DataObject
) -> None:
    _assert_monotone((study,), profile, data.draw(gen.completions(profile)))


@given(profile=gen.partial_profiles(), data=st.data())
def test_answering_never_changes_a_decided_bundled_verdict(
    studies: tuple[Study, ...], profile: Profile, data: st.DataObject
) -> None:
    _assert_monotone(studies, profile, data.draw(gen.completions(profile)))


@given(profile=gen.partial_profiles(), data=st.data())
def test_answering_one_field_at_a_time_never_changes_a_decided_bundled_verdict(
    studies: tuple[Study, ...], profile: Profile, data: st.DataObject
) -> None:
    """The questionnaire's way: one answer after another, each checked."""
    current = profile
    for key in data.draw(st.permutations(gen.unknown_fields(profile)))[:8]:
        answered = data.draw(gen.completions(current, [key]))
        _assert_monotone(studies, current, answered)
        current = answered


def _assert_monotone(studies: Sequence[Study], before: Profile, after: Profile) -> None:
    first, second = screen(before, studies, AS_OF), screen(after, studies, AS_OF)
    for old, new in zip(first, second, strict=True):
        for value, later in zip(old.values, new.values, strict=True):
            assert value is None or later is value
        if old.verdict is not Verdict.NEEDS_INFORMATION:
            assert new.verdict is old.verdict


def test_completions_never_answer_the_screening_date() -> None:
    assert "screening_date" not in gen.unknown_fields({"patient_id": "p"})


# -- missing fields ----------------------------------------------------------------------------


def _undecided(studies: Sequence[Study], profile: Profile) -> list[Any]:
    return [t for t in screen(profile, studies, AS_OF) if t.verdict is Verdict.NEEDS_INFORMATION]


def _check_missing(studies: Sequence[Study], profile: Profile, data: st.DataObject) -> None:
    for trial in _undecided(studies, profile):
        # something is missing, unless only a division by zero keeps the trial undecided
        stuck = [c for c in trial.criteria if c.value is None and not c.missing]
        assert all(has_division(c.criterion.node) for c in stuck)
        assert trial.missing_fields or stuck
        # every missing field is unknown, askable, and needed by an undecided criterion
        for key in trial.missing_fields:
            assert profile.get(key) is None and key != "screening_date"
        for criterion in trial.criteria:
            assert bool(criterion.missing) <= (criterion.value is None)
        # filling exactly the missing fields decides each undecided criterion, unless a
        # division by zero keeps it unknown (then nothing at all could decide it)
        filled = data.draw(gen.completions(profile, list(trial.missing_fields)))
        (after,) = screen(filled, (trial.study,), AS_OF)
        for old, new in zip(trial.criteria, after.criteria, strict=True):
            if old.value is None and new.value is None:
                assert new.missing == () and has_division(new.criterion.node)
        # answering only fields outside missing_fields changes no value and no verdict
        others = [k for k in gen.unknown_fields(profile) if k not in trial.missing_fields]
        chosen = data.draw(st.lists(st.sampled_from(others), unique=True)) if others else []
        (unchanged,) = screen(data.draw(gen.completions(profile, chosen)), (trial.study,), AS_OF)
        assert unchanged.values == trial.values
        assert unchanged.verdict is Verdict.NEEDS_INFORMATION


@given(study=studies(), profile=gen.partial_profiles(), data=st.data())
def test_missing_fields_of_generated_studies(
    study: Study, profile: Profile, data: st.DataObject
) -> None:
    _check_missing((study,), profile, data)


@given(profile=gen.partial_profiles(), data=st.data())
def test_missing_fields_of_bundled_studies(
    studies: tuple[Study, ...], profile: Profile, data: st.DataObject
) -> None:
    _check_missing(studies, profile, data)


@given(rule=gen.rules(), profile=gen.partial_profiles(), data=st.data())
def test_a_field_outside_missing_never_changes_an_undecided_value(
    rule: str, profile: Profile, data: st.DataObject
) -> None:
    node = driver.rule_node(rule)
    value, missing = driver.reference_value(node, profile)
    assume(value is None)
    others = [k for k in gen.unknown_fields(profile) if k not in missing]
    filled = data.draw(gen.completions(profile, data.draw(st.lists(st.sampled_from(others)))))
    assert driver.reference_value(node, filled) == (None, missing)
    assert values_of(rule, filled) is None


@given(rule=gen.rules(), profile=gen.partial_profiles(), data=st.data())
def test_answering_every_unknown_field_decides_unless_dividing_by_zero(
    rule: str, profile: Profile, data: st.DataObject
) -> None:
    filled = data.draw(gen.completions(profile, gen.unknown_fields(profile)))
    value, missing = driver.reference_value(driver.rule_node(rule), filled)
    assert missing == frozenset()
    if value is None:
        assert has_division(driver.rule_node(rule))


# -- arbitrary text --------------------------------------------------------------------------


def _loads_or_refuses(text: str) -> None:
    for parse in (parse_boolean_rule, parse_rule):
        try:
            node = parse(text)
        except RuleError as error:
            _assert_positioned(error, text)
            continue
        # what loads also runs, on an empty and on a full profile, without an exception
        if parse is parse_boolean_rule:
            function = compile_study([(False, node)], ("i", "n", "e"))
            for profile in ({"patient_id": "p"}, FULL):
                verdict, (value,) = function(profile.get, AS_OF)
                assert value in TRI and verdict in ("i", "n", "e")


def _assert_positioned(error: RuleError, text: str) -> None:
    assert 0 <= error.offset <= len(text), (text, error.offset)
    assert error.offset < error.end
    assert error.message


FULL: Profile = {
    "patient_id": "p",
    **{s.key: 0 if s.kind in ("number", "integer") else None for s in gen.ASKABLE},
    "pml_diagnosis_date": AS_OF - timedelta(days=3),
}


@given(st.text(max_size=60))
def test_any_text_loads_or_is_refused_with_a_position(text: str) -> None:
    _loads_or_refuses(text)


@given(gen.rule_like_text())
@settings(max_examples=1000)
def test_rule_like_text_loads_or_is_refused_with_a_position(text: str) -> None:
    _loads_or_refuses(text)


@given(st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
def test_control_characters_load_or_are_refused(text: str) -> None:
    _loads_or_refuses(text)


@pytest.mark.parametrize("text", ["", " ", "\n", "(", ")", "'", "\\", "\x00", "\ufeff", "é"])
def test_tiny_texts(text: str) -> None:
    _loads_or_refuses(text)


@given(gen.rules())
def test_every_generated_rule_loads(rule: str) -> None:
    assert parse_boolean_rule(rule).end <= len(rule)
