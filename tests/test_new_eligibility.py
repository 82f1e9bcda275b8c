"""Issue 19: splitting a registry's free-text eligibility criteria into criteria."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pml_trials.maintain.eligibility import _BULLET as BULLET
from pml_trials.maintain.eligibility import heading_kind, split, unescape


def kinds_and_texts(text: str) -> list[tuple[str | None, str]]:
    return [(i.kind, i.text) for i in split(text)]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Inclusion Criteria:", "inclusion"),
        ("Exclusion Criteria:", "exclusion"),
        ("Key Inclusion Criteria:", "inclusion"),
        ("Key Exclusion Criteria", "exclusion"),
        ("INCLUSION CRITERIA:", "inclusion"),
        ("inclusion criteria", "inclusion"),
        ("**Inclusion Criteria:**", "inclusion"),
        ("**Exclusion criteria**:", "exclusion"),
        ("## Exclusion Criteria", "exclusion"),
        ("Main inclusion criteria:", "inclusion"),
        ("Criteria for exclusion:", "exclusion"),
        ("Inclusion:", "inclusion"),
        ("Exclusions:", "exclusion"),
        ("  Exclusion Criteria:  ", "exclusion"),
    ],
)
def test_heading_variations(line: str, kind: str) -> None:
    found = heading_kind(line)
    assert found is not None
    assert found[0] == kind


@pytest.mark.parametrize(
    "line",
    [
        "* Inclusion in another trial within 30 days",
        "1. Exclusion criteria of the parent study apply",
        "Exclusion of patients with active infection is required by the sponsor",
        "Patients meeting inclusion criteria of the parent study and all of the following ones",
    ],
)
def test_lines_that_are_not_headings(line: str) -> None:
    assert heading_kind(line) is None


def test_heading_with_text_on_the_same_line_starts_the_section() -> None:
    text = "Inclusion Criteria: Adults with PML.\nExclusion Criteria: Pregnancy."
    assert kinds_and_texts(text) == [
        ("inclusion", "Adults with PML."),
        ("exclusion", "Pregnancy."),
    ]


def test_markdown_bullets_and_blank_lines() -> None:
    text = (
        "Inclusion Criteria:\n\n* Age 18 or over\n\n* Definite PML\n\n\n"
        "Exclusion Criteria:\n\n- Pregnancy\n+ HIV\n• Prior PD-1 antibody\n"
    )
    assert kinds_and_texts(text) == [
        ("inclusion", "Age 18 or over"),
        ("inclusion", "Definite PML"),
        ("exclusion", "Pregnancy"),
        ("exclusion", "HIV"),
        ("exclusion", "Prior PD-1 antibody"),
    ]


def test_numbered_lists_keep_their_numbers() -> None:
    text = "Inclusion Criteria:\n\n1. One\n2) Two\n(3) Three\na. Four\niv. Five\n"
    items = split(text)
    assert [i.text for i in items] == ["One", "Two", "Three", "Four", "Five"]
    assert [i.numbered for i in items] == ["1.", "2)", "(3)", "a.", "iv."]


def test_nested_sub_bullets_stay_in_their_item() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "1. Adequate organ function:\n\n   * Bone marrow: ANC >= 1500\n   * Liver: bilirubin <= 1.5 x ULN\n"
        "2. Life expectancy of at least 6 weeks\n"
    )
    assert kinds_and_texts(text) == [
        (
            "inclusion",
            "Adequate organ function:\n- Bone marrow: ANC >= 1500\n- Liver: bilirubin <= 1.5 x ULN",
        ),
        ("inclusion", "Life expectancy of at least 6 weeks"),
    ]


def test_continuation_lines_join_their_item() -> None:
    text = (
        "Exclusion Criteria:\n\n* Systemic corticosteroids above\n0.5 mg/kg/day\n"
        "* Active GVHD,\n    grade 2 or more\n"
    )
    assert kinds_and_texts(text) == [
        ("exclusion", "Systemic corticosteroids above\n0.5 mg/kg/day"),
        ("exclusion", "Active GVHD,\ngrade 2 or more"),
    ]


def test_a_paragraph_after_a_list_is_its_own_item_marked_as_one() -> None:
    text = (
        "Inclusion Criteria:\n\n* Biopsy possible\n\nNote: slides are accepted.\n\n"
        "Exclusion Criteria:\n\n* Pregnancy\n\nOther protocol-defined criteria apply."
    )
    items = split(text)
    assert [(i.kind, i.text, i.paragraph) for i in items] == [
        ("inclusion", "Biopsy possible", False),
        ("inclusion", "Note: slides are accepted.", True),
        ("exclusion", "Pregnancy", False),
        ("exclusion", "Other protocol-defined criteria apply.", True),
    ]


def test_text_before_any_heading_has_no_kind() -> None:
    items = split("Adults with PML\n* no HIV")
    assert [(i.kind, i.text) for i in items] == [(None, "Adults with PML"), (None, "no HIV")]


def test_windows_and_old_mac_line_breaks() -> None:
    assert kinds_and_texts("Inclusion Criteria:\r\n\r\n* A\r\n* B\rExclusion Criteria:\r* C") == [
        ("inclusion", "A"),
        ("inclusion", "B"),
        ("exclusion", "C"),
    ]


def test_commonmark_escapes_are_undone_and_nothing_else() -> None:
    assert unescape(r"life expectancy \> 3 months \[CTLA-4\] 5 \* 2 C:\path") == (
        r"life expectancy > 3 months [CTLA-4] 5 * 2 C:\path"
    )
    assert split("Inclusion Criteria:\n* ECOG \\< 2")[0].text == "ECOG < 2"


def test_the_line_of_each_item_is_where_it_starts() -> None:
    items = split("Inclusion Criteria:\n\n* A\n* B\n  more\n\nExclusion Criteria:\n* C")
    assert [i.line for i in items] == [3, 4, 8]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["", "* ", "- ", "1. ", "   * ", "  ", "Inclusion Criteria:", "Exclusion Criteria:"]
            ),
            st.text(
                st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                max_size=30,
            ),
        ),
        max_size=12,
    )
)
@example([("", "0"), ("- ", "\xa00")])  # found in CI: a no-break space after the marker
def test_no_text_is_lost(lines: list[tuple[str, str]]) -> None:
    """Every non-blank line is in exactly one item, in order: without its list marker,
    and for a heading only the text after its colon."""
    text = "\n".join(prefix + body for prefix, body in lines)
    expected = []
    for raw in text.split("\n"):
        line = raw.expandtabs(4)
        if not line.strip():
            continue
        heading = heading_kind(line)
        if heading is not None:
            if heading[1]:
                expected.append(unescape(heading[1]))
            continue
        bullet = BULLET.match(line)
        expected.append(unescape(bullet["text"].strip() if bullet else line.strip()))
    got = []
    for item in split(text):
        first, *rest = item.text.split("\n")
        got.append(first)
        got.extend(part.removeprefix("- ") if part.startswith("- ") else part for part in rest)
    assert got == expected
