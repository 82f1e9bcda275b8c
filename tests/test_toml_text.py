"""The TOML writer of ``pml-trials new``: any text reads back exactly, nothing breaks out."""

from __future__ import annotations

import tomllib
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from pml_trials.maintain import toml_text as t

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=200)  # every code point but surrogates


@given(ANY_TEXT)
def test_a_basic_string_reads_back_exactly(text: str) -> None:
    assert tomllib.loads(f"x = {t.string(text)}\n")["x"] == text


@given(ANY_TEXT)
def test_a_multiline_string_reads_back_exactly(text: str) -> None:
    assert tomllib.loads(f"x = {t.multiline(text)}\n")["x"] == text


@given(ANY_TEXT)
def test_a_comment_stays_a_comment(text: str) -> None:
    written = t.comment(text)
    assert tomllib.loads(f"{written}\nx = 1\n") == {"x": 1}
    assert all(line.startswith("#") for line in written.split("\n"))
    assert not any(c in written for c in "\r\x1b\x00\u202e\u2028")


@given(ANY_TEXT)
@example("0\n")  # found in CI: a regex `$` matches before a final newline
def test_a_key_reads_back_exactly(name: str) -> None:
    assert tomllib.loads(f"{t.key(name)} = 1\n") == {name: 1}


def test_values() -> None:
    values: dict[str, str | bool | int | float | date | list[str]] = {
        "a": True,
        "b": 3,
        "c": -1.25,
        "d": date(2026, 12, 2),
        "e": ["x", 'y"'],
    }
    document = "\n".join(f"{k} = {t.value(v)}" for k, v in values.items())
    assert tomllib.loads(document) == {
        "a": True, "b": 3, "c": -1.25, "d": date(2026, 12, 2), "e": ["x", 'y"'],
    }  # fmt: skip
