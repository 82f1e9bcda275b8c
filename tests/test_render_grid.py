"""The terminal table's plain-text layout: wrapping, columns that fit the screen, and
colour that changes nothing but the colour."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pml_trials.engine import screen
from pml_trials.engine.run import RunInfo, Tally
from pml_trials.profile.validate import validate_json
from pml_trials.render.terminal.grid import MINIMUM, fit, grid, paint, wrap
from pml_trials.render.terminal.table_writer import TableWriter
from pml_trials.studies.model import Study

AS_OF = date(2026, 11, 25)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@given(text=st.text(st.sampled_from("ab "), max_size=60), width=st.integers(1, 20))
def test_wrapping_keeps_every_word_within_the_width(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrapping_breaks_at_spaces_and_cuts_only_longer_words() -> None:
    assert wrap("one two three", 7) == ["one two", "three"]
    assert wrap("abcdefghij k", 4) == ["abcd", "efgh", "ij k"]
    assert wrap("", 5) == [""]


def test_columns_keep_their_width_when_they_fit_and_the_widest_give_way_first() -> None:
    assert fit([10, 20, 30], 60) == [10, 20, 30]
    assert fit([10, 20, 30], 50) == [10, 20, 20]
    assert fit([10, 20, 30], 40) == [10, 15, 15]
    assert fit([30, 20, 20], 45, keep=1) == [30, 8, 7]  # the kept column gives way last
    assert fit([30, 20, 20], 20, keep=1) == [8, MINIMUM, MINIMUM]
    assert sum(fit([40, 30, 25, 12], 60)) == 60


def test_a_grid_has_a_header_a_rule_and_right_aligned_numbers() -> None:
    lines = grid([("name", ""), ("count", "")], [[("a", ""), ("7", "")]], 80, right={1})
    assert lines == ["name   count", "────────────", "a          7"]
    padded = grid([("name", ""), ("n", "")], [[("a", ""), ("7", "")]], 80, pad_edge=True)
    assert padded == [" name   n", "──────────", " a      7"]


def test_a_header_wider_than_its_column_wraps_and_sits_on_the_rule() -> None:
    lines = grid([("p", ""), ("a-long-header", "")], [[("x", ""), ("y", "")]], 12)
    assert lines[:3] == ["    a-long-h", "p   eader", "────────────"]


def test_colour_is_only_painted_in_and_no_color_keeps_only_the_emphasis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert paint("ok", "bold green", color=False) == "ok"
    assert paint("ok", "bold green", color=True) == "\x1b[1;32mok\x1b[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert paint("ok", "bold green", color=True) == "\x1b[1mok\x1b[0m"
    assert paint("ok", "green", color=True) == "ok"


def table(studies: tuple[Study, ...], profiles: list[bytes], width: int, color: bool) -> str:
    writer = TableWriter(RunInfo(studies, "t", AS_OF), width=width, color=color)
    tally = Tally()
    for data in profiles:
        result = screen(validate_json(data), studies, AS_OF, "x")
        writer.emit(writer.render(result))
        tally.add(result)
    return writer.footer(tally)


@pytest.mark.parametrize("width", [120, 100, 80, 60])
def test_the_table_in_colour_is_the_plain_table_painted(
    studies: tuple[Study, ...], example_paths: list[Path], width: int
) -> None:
    profiles = [path.read_bytes() for path in example_paths]
    plain = table(studies, profiles, width, color=False)
    coloured = table(studies, profiles, width, color=True)
    assert "\x1b[" not in plain and "\x1b[31m✗" in coloured
    assert ANSI.sub("", coloured) == plain


@pytest.mark.parametrize("width", [100, 80, 60])
def test_a_narrow_screen_gets_every_trial_within_its_width(
    studies: tuple[Study, ...], example_paths: list[Path], width: int
) -> None:
    profiles = [path.read_bytes() for path in example_paths]
    text = table(studies, profiles, width, color=False)
    assert max(map(len, text.splitlines())) <= width
    for data in profiles:  # the patient column gives way last: its ids stay whole
        assert validate_json(data)["patient_id"] in text
