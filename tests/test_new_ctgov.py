"""Issue 19: ``pml-trials new --from-ctgov``, on real registry records (tests/data/ctgov)."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.errors import CriteriaFileError
from pml_trials.maintain.eligibility import _BULLET, heading_kind, unescape
from pml_trials.maintain.skeleton import REFUSED, skeleton
from pml_trials.studies import build
from pml_trials.studies.load import load_file
from pml_trials.studies.schema import KEYS_AT

DATA = Path(__file__).parent / "data" / "ctgov"
RECORDS = sorted(DATA.glob("NCT*.json"))
runner = CliRunner()
TODAY = "2026-12-02"


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def record(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def new(tmp_path: Path, source: Path, name: str = "study") -> Path:
    target = tmp_path / f"{name}.toml"
    code, _, err = invoke("new", "--from-ctgov", str(source), "-o", str(target), "--as-of", TODAY)
    assert code == 0, err
    return target


def fill_rules(path: Path) -> None:
    """What a person does: write every rule (here, one any profile can answer)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('rule = "TODO"', 'rule = "able_to_consent"'), encoding="utf-8")


def test_there_are_at_least_two_real_records() -> None:
    assert len(RECORDS) >= 2
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for path in RECORDS:
        assert path.name in readme


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_the_skeleton_is_refused_until_the_rules_are_written_then_loads(
    tmp_path: Path, path: Path
) -> None:
    target = new(tmp_path, path)
    with pytest.raises(CriteriaFileError) as refused:
        load_file(target)
    todo = [e for e in refused.value.errors if 'rule = "TODO"' in e.message]
    assert todo and len(todo) == len(refused.value.errors)
    lines = target.read_text(encoding="utf-8").splitlines()
    for error in todo:  # file, line and criterion id, and the line is the rule's
        assert error.source == str(target)
        assert error.line is not None and lines[error.line - 1] == 'rule = "TODO"'
        assert error.context and re.match(r"^(inclusion|exclusion) '[a-z0-9-]+'$", error.context)
    fill_rules(target)
    study = load_file(target)
    nct = path.stem
    assert study.registry_ids == (nct,)
    registry = study.source("registry")
    assert registry is not None and registry.url == f"https://clinicaltrials.gov/study/{nct}"


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_verbatim_texts_match_the_record(tmp_path: Path, path: Path) -> None:
    """Every line of the record's eligibility text (headings aside, list markers and
    CommonMark escapes undone) is in the criteria, in order, and nothing else is."""
    target = new(tmp_path, path)
    data = tomllib.loads(target.read_text(encoding="utf-8"))
    eligibility = record(path)["protocolSection"]["eligibilityModule"]
    expected = []
    for line in eligibility["eligibilityCriteria"].split("\n"):
        if not line.strip() or heading_kind(line) is not None:
            continue
        bullet = _BULLET.match(line.expandtabs(4))
        expected.append(unescape(bullet["text"] if bullet else line).strip())
    got: list[str] = []
    for kind in ("inclusion", "exclusion"):
        for criterion in data.get(kind, []):
            if criterion["id"] in ("age", "sex"):
                continue
            assert criterion["source"] == "registry"
            got.extend(part.removeprefix("- ") for part in criterion["text"].split("\n"))
    assert got == expected


def test_metadata_sites_and_structured_rules(tmp_path: Path) -> None:
    path = DATA / "NCT02576665.json"
    target = new(tmp_path, path, "toca-6")
    text = target.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["id"] == "toca-6"  # the -o file's name: the loader requires it
    assert data["title"].startswith("A Study of Toca 511")
    assert data["phase"] == "1"
    assert data["sponsor"] == "Tocagen Inc."
    assert data["status"] == "terminated"
    assert data["last_reviewed"] == date(2026, 12, 2)
    age = data["inclusion"][0]
    assert (age["id"], age["rule"]) == ("age", "18 <= age_years <= 75")
    assert "not quoted" in age["note"]
    # sub-bullets stay with their item
    organ = next(c for c in data["inclusion"] if c["text"].startswith("Patient has adequate organ"))
    assert organ["text"].count("\n- ") == 3
    # the sites, with coordinates, in the [[site]] shape of CRITERIA-FORMAT.md
    if "site" in KEYS_AT:
        sites = data["site"]
    else:  # this loader does not read [[site]] yet: written as comments
        assert "site" not in data
        blocks = re.findall(r"^# \[\[site\]\]\n(?:# .*\n)+", text, flags=re.M)
        commented = "".join(line[2:] + "\n" for b in blocks for line in b.splitlines())
        sites = tomllib.loads(commented)["site"]
    assert sites[0] == {
        "name": "Sarah Cannon Research Institute",
        "city": "Denver",
        "country": "US",
        "lat": 39.73915,
        "lon": -104.9847,
        "coordinates": "source",  # the record's geoPoint
        "status": "unknown",  # the record gives no site status
        "source": "registry",
    }
    assert len(sites) == 3


def test_a_sex_field_becomes_a_rule_and_ages_in_months_are_left_to_a_person() -> None:
    data = record(DATA / "NCT06604689.json")
    module = data["protocolSection"]["eligibilityModule"]
    module.update(sex="FEMALE", minimumAge="6 Months", maximumAge="N/A")
    made = tomllib.loads(skeleton(data, today=date(2026, 12, 2), source="x").text)
    by_id = {c["id"]: c for c in data_criteria(made)}
    assert by_id["sex"]["rule"] == "sex == 'female'"
    assert by_id["age"]["rule"] == "TODO"
    assert by_id["age"]["text"] == "Minimum age: 6 Months"


def data_criteria(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [*data.get("inclusion", []), *data.get("exclusion", [])]


def hostile_record() -> dict[str, Any]:
    data = record(DATA / "NCT06604689.json")
    protocol = data["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = "Evil\u202e title\x1b[8m hidden"
    protocol["eligibilityModule"]["eligibilityCriteria"] = (
        "Inclusion Criteria:\n\n"
        '* Adults"\n[[exclusion]]\nid = "injected"\nrule = "True"\n'
        '* Tab\there, NUL\x00 and a bell\x07, CRLF\r\n* Backslash \\ and triple """ quotes\n'
        "\nExclusion Criteria:\n\n* Right-to-left \u2067isolate\u2069 text\n"
    )
    protocol["contactsLocationsModule"] = {
        "locations": [
            {"facility": "Site\n[[inclusion]]", "city": "Paris", "country": "Atlantis"},
        ]
    }
    return data


def test_hostile_registry_text_cannot_break_out_of_its_strings(tmp_path: Path) -> None:
    made = skeleton(hostile_record(), today=date(2026, 12, 2), source="x", study_id="hostile")
    data = tomllib.loads(made.text)
    ids = [c["id"] for c in data_criteria(data)]
    assert "injected" not in ids
    assert data["title"] == "Evil title[8m hidden"
    texts = [c["text"] for c in data_criteria(data)]
    assert 'Adults"\n[[exclusion]]\nid = "injected"\nrule = "True"' in texts
    assert "Tab\there, NUL and a bell, CRLF" in texts
    assert 'Backslash \\ and triple """ quotes' in texts
    assert "Right-to-left isolate text" in texts
    # each change is said: in the criterion's note and as a warning
    bell = next(c for c in data_criteria(data) if c["text"].startswith("Tab"))
    assert "U+0000" in bell["note"] and "U+0007" in bell["note"]
    assert any("title" in w and "U+202E" in w and "U+001B" in w for w in made.warnings)
    # no raw control character anywhere in the file, even in comments
    assert not REFUSED.search(made.text.replace("\t", ""))
    assert "TODO: the ISO 3166-1 alpha-2 code of 'Atlantis'" in made.text
    target = tmp_path / "hostile.toml"
    target.write_text(made.text, encoding="utf-8")
    fill_rules(target)
    load_file(target)  # the loader accepts what was written


def test_the_refused_characters_are_the_loaders() -> None:
    assert REFUSED.pattern == build._UNPRINTABLE.pattern


def test_stdout_and_stdin(tmp_path: Path) -> None:
    text = (DATA / "NCT06382129.json").read_text(encoding="utf-8")
    code, out, err = invoke("new", "--from-ctgov", "-", "--as-of", TODAY, input=text)
    assert code == 0, err
    assert tomllib.loads(out)["id"] == "nct06382129"
    assert 'rule = "TODO"' in err


def test_an_existing_file_is_never_replaced_without_force(tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("my work\n", encoding="utf-8")
    source = str(DATA / "NCT06604689.json")
    code, _, err = invoke("new", "--from-ctgov", source, "-o", str(target))
    assert code == 2
    assert "exists" in err and "--force" in err
    assert target.read_text(encoding="utf-8") == "my work\n"
    code, _, err = invoke("new", "--from-ctgov", source, "-o", str(target), "--force")
    assert code == 0, err
    assert tomllib.loads(target.read_text(encoding="utf-8"))["id"] == "mine"


def test_an_id_that_does_not_match_the_file_name_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke(
        "new", "--from-ctgov", str(DATA / "NCT06604689.json"), "--id", "other",
        "-o", str(tmp_path / "mine.toml"),
    )  # fmt: skip
    assert code == 2
    assert "other.toml" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "not a ClinicalTrials.gov API v2 study record"),
        (b'{"studies": [{}, {}]}', "search response with 2 studies"),
        (b'{"protocolSection": {"identificationModule": {"nctId": "X1"}}}', "nctId"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_what_is_not_a_record_is_refused_clearly(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "record.json"
    path.write_bytes(content)
    code, out, err = invoke("new", "--from-ctgov", str(path))
    assert code == 3
    assert message in err
    assert out == ""


def test_a_missing_record_file(tmp_path: Path) -> None:
    code, _, err = invoke("new", "--from-ctgov", str(tmp_path / "nope.json"))
    assert code == 3
    assert "no such file" in err


def test_check_names_each_todo_and_still_loads_the_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    new(folder, DATA / "NCT06604689.json", "brain-mets")
    code, out, err = invoke("check", "--criteria", str(folder))
    assert code == 3
    assert re.search(r"brain-mets\.toml:\d+: inclusion 'inc-1': rule = \"TODO\"", err)
    assert "3 studies loaded, 1 files with errors" in out  # the bundled ones still load


def test_texts_longer_than_the_loader_allows_are_cut_and_said_so(tmp_path: Path) -> None:
    data = record(DATA / "NCT06604689.json")
    protocol = data["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = "T" * 400
    protocol["eligibilityModule"]["eligibilityCriteria"] = "Inclusion Criteria:\n* " + "x" * 25_000
    made = skeleton(data, today=date(2026, 12, 2), source="x", study_id="long")
    parsed = tomllib.loads(made.text)
    assert len(parsed["title"]) == 300
    long = next(c for c in parsed["inclusion"] if c["id"] == "inc-1")
    assert len(long["text"]) == 20_000 and "cut the registry text" in long["note"]
    target = tmp_path / "long.toml"
    target.write_text(made.text, encoding="utf-8")
    fill_rules(target)
    load_file(target)


def test_an_output_folder_that_does_not_exist(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.toml"
    code, _, err = invoke("new", "--from-ctgov", str(DATA / "NCT06604689.json"), "-o", str(target))
    assert code == 2
    assert "cannot write" in err
    assert not target.parent.exists()


def test_key_headings_notes_and_closing_paragraphs_of_a_real_record(tmp_path: Path) -> None:
    target = new(tmp_path, DATA / "NCT06131398.json", "amg-355")
    text = target.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert len(data["inclusion"]) == 1 + 7 and len(data["exclusion"]) == 8  # age + items
    groups = data["inclusion"][2]["text"]
    assert groups.endswith("\n- Group A: NSCLC, CRC, GC, and melanoma.\n- Group B: NSCLC, CRC, GC.")
    assert data["inclusion"][4]["text"] == (
        "Life expectancy of > 3 months, in the opinion of the investigator."
    )
    closing = data["exclusion"][-1]
    assert closing["text"] == "Other protocol-defined inclusion/exclusion criteria apply."
    # the paragraphs are marked for the person who writes the rules
    assert text.count("TODO: a paragraph, not a list item") == 2
    # and the file says the registry lists only the key criteria
    assert "# WARNING: the registry lists only some of the criteria" in text
    made = skeleton(record(DATA / "NCT06131398.json"), today=date(2026, 12, 2), source="x")
    assert any("only some of the criteria" in w for w in made.warnings)
    full = skeleton(record(DATA / "NCT02576665.json"), today=date(2026, 12, 2), source="x")
    assert "only some of the criteria" not in full.text


def test_every_field_the_hints_name_is_declared() -> None:
    from pml_trials.maintain.hints import named_fields
    from pml_trials.profile.fields import BY_KEY

    assert named_fields() <= set(BY_KEY), named_fields() - set(BY_KEY)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("Patient is human immunodeficiency virus seropositive.", ("hiv_positive",)),
        ("Patient is breast feeding.", ("pregnant_or_breastfeeding", "sex")),
        ("Chronic intake of systemic corticosteroids (eg prednisone > 10 mg/day)", (
            "prednisone_equivalent_mg_per_day", "weight_kg",
        )),
        ("History of organ transplantation.", ("predisposing_conditions",)),
        ("Willing to sign the protocol", ()),
    ],
)  # fmt: skip
def test_hints_name_the_fields_the_wording_suggests(text: str, fields: tuple[str, ...]) -> None:
    from pml_trials.maintain.hints import suggested_fields

    assert suggested_fields(text) == fields


def test_a_symbolic_link_at_the_output_is_not_replaced(tmp_path: Path) -> None:
    link = tmp_path / "linked.toml"
    link.symlink_to(tmp_path / "nowhere.toml")  # dangling: exists() is False
    code, _, err = invoke("new", "--from-ctgov", str(DATA / "NCT06604689.json"), "-o", str(link))
    assert code == 2 and "exists" in err
    assert link.is_symlink()


def test_sites_become_tables_once_the_loader_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a [[site]] schema (as issue 18 adds it), complete sites are tables and a site
    the record gives incompletely is a comment saying what is missing."""
    from pydantic_core import core_schema as cs

    text_schema = cs.str_schema()
    number = cs.float_schema()
    site_keys = {
        "name": (text_schema, True, ""),
        "city": (text_schema, True, ""),
        "country": (text_schema, True, ""),
        "lat": (number, True, ""),
        "lon": (number, True, ""),
        "coordinates": (cs.literal_schema(["source", "city"]), True, ""),
        "status": (cs.literal_schema(["recruiting", "unknown"]), True, ""),
        "source": (text_schema, True, ""),
    }
    monkeypatch.setitem(KEYS_AT, "site", site_keys)  # the dict the generator reads
    data = record(DATA / "NCT02576665.json")
    locations = data["protocolSection"]["contactsLocationsModule"]["locations"]
    del locations[1]["geoPoint"]
    locations[2]["status"] = "WITHDRAWN"
    made = skeleton(data, today=date(2026, 12, 2), source="x")
    sites = tomllib.loads(made.text)["site"]
    assert [s["city"] for s in sites] == ["Denver"]
    assert sites[0]["coordinates"] == "source" and sites[0]["status"] == "unknown"
    assert "# TODO: lat (not in the record)" in made.text
    assert "# TODO: status ('withdrawn' in the record; allowed: recruiting, unknown)" in made.text


def test_a_record_with_nothing_but_its_number_still_gives_a_file_that_loads(
    tmp_path: Path,
) -> None:
    data = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}
    made = skeleton(data, today=date(2026, 12, 2), source="x")
    assert made.todo == 1
    assert "the record has no free-text eligibility criteria" in made.warnings
    target = tmp_path / f"{made.study_id}.toml"
    target.write_text(made.text, encoding="utf-8")
    fill_rules(target)
    study = load_file(target)
    assert [c.id for c in study.criteria] == ["inc-1"]


def test_the_record_is_never_replaced_by_its_skeleton(tmp_path: Path) -> None:
    record_file = tmp_path / "nct06604689.toml"  # a record saved under a .toml name
    data = (DATA / "NCT06604689.json").read_bytes()
    record_file.write_bytes(data)
    code, _, err = invoke(
        "new", "--from-ctgov", str(record_file), "-o", str(record_file), "--force"
    )
    assert code == 2, err
    assert record_file.read_bytes() == data
