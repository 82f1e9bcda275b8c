"""The batch report writers on their own: the fast JSON text equals the contract's
object, CSV cells are safe in spreadsheets, the table holds bounded state, and the JSON
document streams its errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pml_trials import DISCLAIMER
from pml_trials.engine import ScreeningResult, screen
from pml_trials.engine.run import InputProblem, RunInfo, Tally
from pml_trials.profile.fields import FIELDS, FieldSpec
from pml_trials.profile.validate import validate_json
from pml_trials.render.csv_writer import CsvWriter, cell
from pml_trials.render.json_writer import JsonlWriter, JsonWriter, ResultEncoder, result_object
from pml_trials.render.terminal.table_writer import ELIGIBLE_SHOWN, MATRIX_LIMIT, TableWriter
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict
from tests.strategies import consistent

AS_OF = date(2026, 11, 25)


def value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """A valid JSON value of one field."""
    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind == "enum":
        return st.sampled_from(spec.choices)
    if spec.kind == "enum_list":
        return st.lists(st.sampled_from(spec.choices), max_size=3, unique=True)
    if spec.kind == "date":
        return st.integers(0, 4000).map(lambda d: (AS_OF - timedelta(days=d)).isoformat())
    low, high = spec.minimum or 0, spec.maximum or 0
    if spec.kind == "integer":
        step = spec.multiple_of or 1
        return st.integers(int(low) // step, int(high) // step).map(lambda n: n * step)
    return st.floats(low, high, allow_nan=False) | st.integers(int(low), int(high))


PROFILES = st.fixed_dictionaries(
    {"patient_id": st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,20}", fullmatch=True)},
    optional={s.key: st.none() | value(s) for s in FIELDS if s.kind not in ("id", "text")},
).map(consistent)


def screened(studies: tuple[Study, ...], profile: dict[str, Any], source: str) -> ScreeningResult:
    return screen(validate_json(json.dumps(profile)), studies, AS_OF, source)


@given(profile=PROFILES, source=st.text(min_size=1, max_size=20))
def test_the_fast_json_is_the_contract_object_exactly(
    studies: tuple[Study, ...], profile: dict[str, Any], source: str
) -> None:
    result = screened(studies, profile, source)
    assert ResultEncoder(studies).encode(result) == compact(result_object(result))
    subset = studies[1:]  # and with another end, over other studies
    other = screen(dict(result.profile), subset, AS_OF, source)
    assert ResultEncoder(subset, end="!").encode(other) == compact(result_object(other))[:-1] + "!"


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_jsonl_lines_end_with_the_disclaimer(studies: tuple[Study, ...]) -> None:
    writer = JsonlWriter(RunInfo(studies, "t", AS_OF))
    text = writer.render(screened(studies, {"patient_id": "a"}, "-:1"))
    assert text.endswith("\n") and text.count("\n") == 1
    assert json.loads(text)["disclaimer"] == DISCLAIMER


def test_the_json_document_streams_its_errors_after_its_results(
    studies: tuple[Study, ...],
) -> None:
    writer = JsonWriter(RunInfo(studies, "2026-11-25T19:20:00Z", AS_OF))
    parts = [writer.header()]
    for number in range(3):
        parts.append(writer.problem(InputProblem(f"f:{number}", "age_years", "too old")))
        result = screened(studies, {"patient_id": f"p{number}"}, f"f:{number}")
        parts.append(writer.emit(writer.render(result)))
    parts += list(writer.closing(Tally()))
    document = json.loads("".join(parts))
    assert [r["patient_id"] for r in document["results"]] == ["p0", "p1", "p2"]
    assert [e["source"] for e in document["errors"]] == ["f:0", "f:1", "f:2"]
    empty = JsonWriter(RunInfo(studies, "t", AS_OF))
    assert json.loads(empty.header() + empty.footer(Tally()))["results"] == []


def test_csv_cells_are_quoted_and_defused() -> None:
    assert cell("plain") == "plain"
    assert cell('a,"b"') == '"a,""b"""'
    assert cell("line\nbreak") == '"line\nbreak"'
    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("-") == "-" and cell("-:12") == "-:12"  # standard input
    assert cell("-1+1") == "'-1+1"


def test_csv_rows_parse_back(studies: tuple[Study, ...]) -> None:
    writer = CsvWriter(RunInfo(studies, "t", AS_OF))
    result = screened(studies, {"patient_id": "p"}, 'odd, "name".json')
    rows = list(csv.reader(io.StringIO(writer.header() + writer.render(result))))
    assert rows[0][:6] == [
        "patient_id",
        "source",
        "trial_id",
        "verdict",
        "reasons",
        "missing_fields",
    ]
    assert [r[1] for r in rows[1:]] == ['odd, "name".json'] * len(studies)


def test_the_table_holds_at_most_the_matrix_limit_of_rows(studies: tuple[Study, ...]) -> None:
    writer = TableWriter(RunInfo(studies, "t", AS_OF))
    cells = tuple((Verdict.ELIGIBLE, "eligible") for _ in studies)
    tally = Tally()
    for number in range(1000):
        assert writer.emit((f"p{number}", "definite", cells)) == ""
        tally.add_verdicts([s.id for s in studies], [Verdict.ELIGIBLE] * len(studies))
    assert writer._rows is None
    assert all(len(shown) == ELIGIBLE_SHOWN for shown in writer._eligible)
    text = writer.footer(tally)
    assert f"and {1000 - ELIGIBLE_SHOWN} more" in text and DISCLAIMER in text
    assert f"more than {MATRIX_LIMIT}: counts per trial" in text


def test_the_table_of_no_patient_says_so(studies: tuple[Study, ...]) -> None:
    text = TableWriter(RunInfo(studies, "t", AS_OF)).footer(Tally(problems=2))
    assert "No patient was screened. 2 inputs were invalid" in text
