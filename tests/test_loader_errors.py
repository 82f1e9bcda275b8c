"""Each load-time error of the criteria contract: message, file, TOML line, criterion id,
and for rule errors the rule shown with a caret under the offending part.

Every test starts from one small valid file (``BASE``, line numbers in the comments) and
changes one line, so the expected line of each error is known.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pml_trials.errors import CriteriaError, CriteriaFileError
from pml_trials.studies.load import load_dirs, load_file

BASE = [
    "format = 1",  # 1
    'id = "mini"',  # 2
    'title = "Mini"',  # 3
    'category = "other"',  # 4
    "last_reviewed = 2026-01-01",  # 5
    'summary = "A small synthetic study."',  # 6
    "",  # 7
    "[[source]]",  # 8
    'key = "src"',  # 9
    'citation = "A synthetic source"',  # 10
    "",  # 11
    "[definitions]",  # 12
    'adult = "age_years >= 18"',  # 13
    "",  # 14
    "[[inclusion]]",  # 15
    'id = "adult"',  # 16
    'text = "Adults"',  # 17
    'source = "src"',  # 18
    'rule = "adult"',  # 19
    "",  # 20
    "[[exclusion]]",  # 21
    'id = "pregnancy"',  # 22
    'text = "Pregnant"',  # 23
    'source = "src"',  # 24
    "rule = \"sex == 'female' and pregnant_or_breastfeeding\"",  # 25
    "",  # 26
    "[[example]]",  # 27
    'name = "an adult man"',  # 28
    'expect = "eligible"',  # 29
    'profile = { patient_id = "ex-1", age_years = 40, sex = "male" }',  # 30
]


def write(folder: Path, changes: dict[int, str] | None = None, name: str = "mini") -> Path:
    """BASE with the given 1-based lines replaced, written to ``folder/<name>.toml``."""
    lines = list(BASE)
    for number, text in (changes or {}).items():
        lines[number - 1] = text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def errors(path: Path) -> list[CriteriaError]:
    with pytest.raises(CriteriaFileError) as caught:
        load_file(path)
    found = caught.value.errors
    assert all(e.source == str(path) for e in found)
    return found


def only(path: Path) -> CriteriaError:
    found = errors(path)
    assert len(found) == 1, [e.render() for e in found]
    return found[0]


def assert_caret(error: CriteriaError, rule: str, under: str) -> None:
    """The snippet is the rule and the caret stands under the first ``under`` in it."""
    assert error.snippet == rule
    assert error.column == rule.index(under) + 1
    assert error.width == len(under)
    caret_line = error.render().splitlines()[-1]
    assert caret_line == "    " + " " * rule.index(under) + "^" * len(under)


def test_the_base_file_loads(tmp_path: Path) -> None:
    study = load_file(write(tmp_path))
    assert study.id == "mini"
    assert [c.id for c in study.criteria] == ["adult", "pregnancy"]
    assert [c.line for c in study.criteria] == [15, 21]


# -- rule errors: file, line, criterion id, caret -------------------------------------------


def test_unknown_name_with_did_you_mean(tmp_path: Path) -> None:
    rule = "sex == 'female' and pregnant_or_brestfeeding"
    error = only(write(tmp_path, {25: f'rule = "{rule}"'}))
    assert error.message == (
        "unknown name 'pregnant_or_brestfeeding' (did you mean 'pregnant_or_breastfeeding'?)"
    )
    assert (error.line, error.context) == (25, "exclusion 'pregnancy'")
    assert_caret(error, rule, "pregnant_or_brestfeeding")
    assert error.render().startswith(
        f"{tmp_path / 'mini.toml'}:25: exclusion 'pregnancy': unknown name"
    )


def test_unknown_name_suggests_a_definition(tmp_path: Path) -> None:
    error = only(write(tmp_path, {19: 'rule = "adlut"'}))
    assert error.message == "unknown name 'adlut' (did you mean 'adult'?)"
    assert (error.line, error.context) == (19, "inclusion 'adult'")
    assert_caret(error, "adlut", "adlut")


def test_enum_value_it_lacks_names_the_allowed_values(tmp_path: Path) -> None:
    rule = "sex == 'femal' and pregnant_or_breastfeeding"
    error = only(write(tmp_path, {25: f'rule = "{rule}"'}))
    assert error.message == (
        "sex has no value 'femal' (allowed: female, male); did you mean 'female'?"
    )
    assert (error.line, error.context) == (25, "exclusion 'pregnancy'")
    assert_caret(error, rule, "'femal'")


def test_enum_value_in_a_list_field(tmp_path: Path) -> None:
    rule = "'hvi' in predisposing_conditions"
    error = only(write(tmp_path, {19: f'rule = "{rule}"'}))
    assert error.message.startswith("predisposing_conditions has no value 'hvi' (allowed: hiv, ")
    assert error.message.endswith("did you mean 'hiv'?")
    assert_caret(error, rule, "'hvi'")


@pytest.mark.parametrize(
    ("rule", "message", "under"),
    [
        ("age_years >= '18'", "cannot compare a number with a string", "'18'"),
        ("age_years == True", "cannot compare a number with a boolean", "True"),
        ("pml_iris == 1", "cannot compare a boolean with a number", "1"),
        ("sex == 1", "cannot compare an enum sex with a number", "1"),
        ("sex + 1 > 0", "'+' works on numbers, not an enum sex", "sex"),
        ("pml_iris * 2 > 0", "'*' works on numbers, not a boolean", "pml_iris"),
        ("age_years + 1", "a rule must be true or false, but this is a number", "age_years + 1"),
        ("sex", "a rule must be true or false, but this is an enum sex", "sex"),
    ],
)
def test_type_errors_say_both_types(tmp_path: Path, rule: str, message: str, under: str) -> None:
    error = only(write(tmp_path, {19: f'rule = "{rule}"'}))
    assert error.message == message
    assert (error.line, error.context) == (19, "inclusion 'adult'")
    assert_caret(error, rule, under)


def test_refused_syntax_is_shown_with_its_position(tmp_path: Path) -> None:
    rule = "age_years >= 18 and sex.upper() == 'MALE'"
    error = only(write(tmp_path, {19: f'rule = "{rule}"'}))
    assert error.message == "attribute access (a.b) is not part of the rule language"
    assert_caret(error, rule, "sex.upper")


def test_an_error_in_a_multi_line_rule_points_at_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, {19: 'rule = """', 20: '(adult and\n  sex == 1)"""\n'})
    error = only(path)
    assert (error.line, error.context) == (21, "inclusion 'adult'")
    assert error.snippet == "  sex == 1)"
    assert error.column == 10


# -- definitions ----------------------------------------------------------------------------


def test_definition_that_refers_to_itself(tmp_path: Path) -> None:
    found = errors(write(tmp_path, {13: 'adult = "adult and age_years >= 18"'}))
    first = found[0]
    assert first.message == "definition 'adult' refers to itself (adult -> adult)"
    assert (first.line, first.context) == (13, "definition 'adult'")
    assert_caret(first, "adult and age_years >= 18", "adult")
    # the rule that uses it is not loaded either, and says why
    assert [(e.line, e.context) for e in found[1:]] == [(19, "inclusion 'adult'")]
    assert found[1].message == "definition 'adult' has an error (see its own message)"


def test_definition_that_refers_to_itself_through_another(tmp_path: Path) -> None:
    found = errors(write(tmp_path, {13: 'adult = "grown_up"', 14: 'grown_up = "adult"'}))
    assert found[0].message == "definition 'adult' refers to itself (adult -> grown_up -> adult)"
    assert (found[0].line, found[0].context) == (13, "definition 'adult'")
    assert_caret(found[0], "grown_up", "grown_up")
    assert all(e.line in (13, 14, 19) for e in found)


def test_definition_may_not_hide_a_field(tmp_path: Path) -> None:
    found = errors(write(tmp_path, {14: 'age_years = "True"'}))
    assert (
        found[0].message
        == "definition 'age_years' hides a profile field or function of the same name"
    )
    assert found[0].line == 14


def test_a_definition_is_checked_even_if_unused(tmp_path: Path) -> None:
    error = only(write(tmp_path, {14: "unused = \"sex == 'x'\""}))
    assert (error.line, error.context) == (14, "definition 'unused'")
    assert error.message.startswith("sex has no value 'x'")


# -- ids, sources, examples, the file itself ------------------------------------------------


def test_duplicate_criterion_ids(tmp_path: Path) -> None:
    error = only(write(tmp_path, {22: 'id = "adult"'}))
    assert error.message == "criterion id is used twice in this file"
    assert (error.line, error.context) == (22, "exclusion 'adult'")


def test_duplicate_study_ids_across_folders(tmp_path: Path) -> None:
    first = write(tmp_path / "a")
    second = write(tmp_path / "b")
    report = load_dirs([tmp_path / "a", tmp_path / "b"])
    assert [s.path for s in report.studies] == [first]
    assert report.broken == [second]
    (error,) = report.errors
    assert error.source == str(second) and error.line == 2
    assert error.message.startswith(f"study id 'mini' is also defined in {first}")
    assert "--no-bundled" in error.message


def test_undeclared_source_key(tmp_path: Path) -> None:
    error = only(write(tmp_path, {18: 'source = "registry"'}))
    assert error.message == "source 'registry' is not declared (declared: src)"
    assert (error.line, error.context) == (18, "inclusion 'adult'")


def test_source_key_declared_twice(tmp_path: Path) -> None:
    changes = {11: "[[source]]", 12: 'key = "src"', 13: 'citation = "again"'}
    changes[19] = 'rule = "age_years >= 18"'  # [definitions] gave way to the second source
    error = only(write(tmp_path, changes))
    assert error.message == "source key 'src' is declared twice"
    assert error.line == 12


def test_invalid_example_profile(tmp_path: Path) -> None:
    profile = 'profile = { patient_id = "ex-1", age_years = 400, sex = "man" }'
    found = errors(write(tmp_path, {30: profile}))
    assert [(e.line, e.context) for e in found] == [(30, "example 'an adult man'")] * 2
    assert found[0].message == (
        "invalid profile: age_years: 400 is above the maximum 120 (allowed: an integer 0–120 years)"
    )
    assert found[1].message.startswith('invalid profile: sex: "man" is not an allowed value')


def test_example_profile_with_an_unknown_key(tmp_path: Path) -> None:
    error = only(write(tmp_path, {30: 'profile = { patient_id = "ex-1", age_year = 40 }'}))
    assert error.message == "invalid profile: age_year: unknown key (did you mean 'age_years'?)"


def test_example_profile_file(tmp_path: Path) -> None:
    (tmp_path / "ex.json").write_text('{"patient_id": "ex-1", "age_years": -1}', encoding="utf-8")
    error = only(write(tmp_path, {30: 'file = "ex.json"'}))
    assert error.message.startswith("invalid profile: age_years: -1 is below the minimum 0")
    assert (error.line, error.context) == (30, "example 'an adult man'")


def test_example_profile_file_missing(tmp_path: Path) -> None:
    error = only(write(tmp_path, {30: 'file = "nowhere.json"'}))
    assert error.message.startswith("cannot read the profile file")
    assert error.line == 30


def test_file_name_must_be_the_id(tmp_path: Path) -> None:
    error = only(write(tmp_path, name="other"))
    assert error.message == "the file of study 'mini' must be named mini.toml"
    assert error.line == 2


@pytest.mark.parametrize(
    ("line", "text", "message", "context"),
    [
        (3, 'titel = "Mini"', "titel: unknown key (did you mean 'title'?)", None),
        (7, "sponser = 'x'", "sponser: unknown key (did you mean 'sponsor'?)", None),
        (12, "[defintions]", "defintions: unknown key (did you mean 'definitions'?)", None),
        (10, 'citaton = "x"', "source[0].citaton: unknown key (did you mean 'citation'?)", None),
        (20, 'notes = "x"', "inclusion[0].notes: unknown key (did you mean 'note'?)", "inclusion 'adult'"),
        (26, 'txt = "x"', "exclusion[0].txt: unknown key (did you mean 'text'?)", "exclusion 'pregnancy'"),
        (29, 'expected = "eligible"', "example[0].expected: unknown key (did you mean 'expect'?)", "example 'an adult man'"),
    ],
)  # fmt: skip
def test_unknown_keys_at_every_level(
    tmp_path: Path, line: int, text: str, message: str, context: str | None
) -> None:
    found = errors(write(tmp_path, {line: text}))
    unknown = [e for e in found if "unknown key" in e.message]
    assert [(e.message, e.line, e.context) for e in unknown] == [(message, line, context)]


def test_unknown_key_without_a_near_miss_lists_the_allowed_keys(tmp_path: Path) -> None:
    found = errors(write(tmp_path, {20: 'zzz = "x"'}))
    assert (
        found[0].message
        == "inclusion[0].zzz: unknown key (allowed: id, text, source, rule, note, wording, next_step)"
    )


@pytest.mark.parametrize(
    ("line", "text", "fragment"),
    [
        (1, "format = 2", "format: Input should be 1"),
        (4, 'category = "vaccine"', "category: Input should be"),
        (2, 'id = "Mini Study"', "id: String should match pattern"),
        (5, 'last_reviewed = "2026-01-01"', "last_reviewed: Input should be a valid date"),
        (17, "", "inclusion[0].text: required key is missing"),
        (16, 'id = "Adult!"', "inclusion[0].id: String should match pattern"),
        (13, 'Adult = "True"', "definitions.Adult[key]: String should match pattern"),
        (29, 'expect = "maybe"', "example[0].expect: Input should be"),
    ],
)
def test_contract_shape_errors(tmp_path: Path, line: int, text: str, fragment: str) -> None:
    found = errors(write(tmp_path, {line: text}))
    assert any(fragment in e.message and e.line is not None for e in found), [
        e.render() for e in found
    ]


def test_toml_syntax_error_has_its_line_and_a_caret(tmp_path: Path) -> None:
    error = only(write(tmp_path, {17: "text = Adults"}))
    assert error.message == "invalid TOML: Invalid value"
    assert error.line == 17
    assert error.snippet == "text = Adults"
    assert error.column == 8


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_bytes(b'title = "\xff"\n')
    assert only(path).message.startswith("not UTF-8 text")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    changes = {18: 'source = "nope"', 19: 'rule = "adlut"', 25: "rule = \"sex == 'femal'\""}
    found = errors(write(tmp_path, changes))
    assert [e.line for e in found] == [18, 19, 25]


@pytest.mark.parametrize("character", ["\\u001b", "\\u202e", "\\u0007"])
def test_control_characters_in_criteria_text_are_refused(tmp_path: Path, character: str) -> None:
    """Site-written text reaches terminals and reports: no escape sequences, no bidi tricks."""
    bundled = (Path(__file__).resolve().parent.parent / "criteria" / "cmx001.toml").read_text()
    (tmp_path / "cmx001.toml").write_text(bundled.replace('text = "', f'text = "x{character}', 1))
    report = load_dirs([tmp_path])
    assert not report.studies
    (error,) = report.errors
    code = character.replace("\\u", "U+").upper()
    assert f"contains the control character {code}" in error.message
    assert error.context == "inclusion 'jc-virus-disease'"
    assert "inclusion[0].text" in error.message
