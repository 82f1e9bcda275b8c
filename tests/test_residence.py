"""Where the patient lives: the profile's residence fields, checked and resolved offline."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pml_trials.errors import RuleError
from pml_trials.profile import InvalidProfileError, validate_json, validate_python
from pml_trials.rules.parse import parse_boolean_rule


def problems(document: dict[str, Any]) -> list[tuple[str | None, str]]:
    with pytest.raises(InvalidProfileError) as caught:
        validate_json(json.dumps(document), source="p.json")
    return [(p.field, p.message) for p in caught.value.problems]


def test_country_town_and_distance_are_kept_as_given() -> None:
    document = {
        "patient_id": "p",
        "residence_country": "DE",
        "residence_town": "München",
        "max_travel_km": 250,
    }
    assert validate_json(json.dumps(document)) == {**document, "max_travel_km": 250.0}
    assert validate_python(document)["residence_town"] == "München"


def test_a_town_needs_its_country() -> None:
    assert problems({"patient_id": "p", "residence_town": "Hannover"}) == [
        (
            "residence_town",
            "a town needs its country: give residence_country too (an ISO 3166-1 alpha-2 code "
            "such as DE, FR or US)",
        )
    ]


def test_a_country_alone_is_fine() -> None:
    assert (
        validate_json('{"patient_id": "p", "residence_country": "FR"}')["residence_country"] == "FR"
    )


@pytest.mark.parametrize(
    ("town", "start"),
    [
        ("Bethesda", "'Bethesda' is not a town of Germany (DE) in the gazetteer; it was found in"),
        ("Frankfurt", "'Frankfurt' is ambiguous: 2 places in Germany (DE) have this name"),
        ("Hannovr", "'Hannovr' is not a town of Germany (DE) in the offline gazetteer"),
        ("30625", "'30625' looks like a postal code"),
    ],
)
def test_a_town_that_does_not_resolve_is_refused_with_the_reason(town: str, start: str) -> None:
    ((field, message),) = problems(
        {"patient_id": "p", "residence_country": "DE", "residence_town": town}
    )
    assert field == "residence_town" and message.startswith(start)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Han:nover", "\"Han:nover\" holds ':' or a control character, which are not allowed"),
        ("Hann\u202eover", "holds ':' or a control character"),
        ("", '"" is empty or too long'),
        ("x" * 101, "is empty or too long"),
        (30625, "expected text of 1-100 characters, without ':', got the number 30625"),
    ],
)
def test_the_town_is_plain_text(value: Any, message: str) -> None:
    ((field, text),) = problems(
        {"patient_id": "p", "residence_country": "DE", "residence_town": value}
    )
    assert field == "residence_town" and message in text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "de",
            '"de" is not an allowed value (allowed: an ISO 3166-1 alpha-2 country code such as DE, FR or US)',
        ),
        ("Germany", '"Germany" is not an allowed value'),
        ("UK", '"UK" is not an allowed value'),
    ],
)
def test_the_country_is_an_iso_code(value: str, message: str) -> None:
    ((field, text),) = problems({"patient_id": "p", "residence_country": value})
    assert field == "residence_country" and text.startswith(message)


@pytest.mark.parametrize(("km", "ok"), [(0, True), (20000, True), (-1, False), (20001, False)])
def test_max_travel_is_a_distance(km: float, ok: bool) -> None:
    document = {"patient_id": "p", "max_travel_km": km}
    if ok:
        assert validate_json(json.dumps(document))["max_travel_km"] == km
    else:
        assert problems(document)[0][0] == "max_travel_km"


def test_rules_may_not_read_the_town_but_may_read_country_and_distance() -> None:
    with pytest.raises(RuleError, match="residence_town is free text and cannot be used in a rule"):
        parse_boolean_rule("residence_town == 'Hannover'", {})
    parse_boolean_rule("residence_country in ['DE', 'AT'] and max_travel_km >= 200", {})
    with pytest.raises(RuleError, match="'Germany'"):
        parse_boolean_rule("residence_country == 'Germany'", {})


def test_a_profile_without_a_town_does_not_load_the_gazetteer() -> None:
    code = (
        "import sys, json\n"
        "from pml_trials.profile import validate_json\n"
        "validate_json(json.dumps({'patient_id': 'p', 'residence_country': 'DE'}))\n"
        "assert 'pml_trials.geo.gazetteer' not in sys.modules, 'gazetteer imported'\n"
        "assert 'zipfile' not in sys.modules, 'zipfile imported'\n"
        "validate_json(json.dumps({'patient_id': 'p', 'residence_country': 'DE', "
        "'residence_town': 'Hannover'}))\n"
        "assert 'pml_trials.geo.gazetteer' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_town_that_names_no_place_is_looked_for_once_per_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding what an unknown town could have been takes ~35 ms (close names, other
    countries): a batch line naming it is checked twice (the line's check, then the
    validator's, which words it), and a registry repeats its typos. The gazetteer is
    asked once; every line still gets the same full message, with its own line."""
    from datetime import date
    from pathlib import Path

    from pml_trials.batch.read import Lines
    from pml_trials.batch.screening import Screener
    from pml_trials.engine.run import RunInfo
    from pml_trials.geo import REFUSED, gazetteer_module
    from pml_trials.render.csv_writer import CsvWriter
    from pml_trials.studies.load import load_dirs

    REFUSED.clear()  # (an earlier test may have asked)
    places = gazetteer_module()
    asked: list[str] = []
    real = places.resolve

    def resolve(country: str, text: str) -> Any:
        asked.append(text)
        return real(country, text)

    monkeypatch.setattr(places, "resolve", resolve)
    studies = tuple(load_dirs([Path(__file__).parent.parent / "criteria"]).studies)
    today = date(2026, 11, 25)
    screener = Screener(studies, today, CsvWriter(RunInfo(studies, "now", today)))
    line = {"patient_id": "p", "residence_country": "DE", "residence_town": "Zzyzx Nowhere"}
    data = b"\n".join(json.dumps({**line, "patient_id": f"p{n}"}).encode() for n in range(3))
    done = screener.process(Lines("reg.jsonl", 1, data))
    assert asked == ["Zzyzx Nowhere"]
    worded = [str(problem) for problem in done.items]
    assert len(worded) == 3 and all("is not a town of Germany (DE)" in w for w in worded)
    assert [w.replace(f"reg.jsonl:{n}", "") for n, w in enumerate(worded, 1)] == [
        worded[0].replace("reg.jsonl:1", "")
    ] * 3
