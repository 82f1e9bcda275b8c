"""Sites and distances in the outputs: JSON/JSONL (fast encoder = reference builder),
CSV, ``screen --within``, invalid towns in a batch, the questionnaire's end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner, Result

from pml_trials.cli.app import app
from pml_trials.engine import screen
from pml_trials.profile.validate import validate_json
from pml_trials.render.json_writer import ResultEncoder, result_object
from pml_trials.studies.model import Study
from tests.conftest import AS_OF, EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests/golden/screen/results.schema.json").read_text("utf-8"))
runner = CliRunner()
HAMBURG = EXAMPLES / "ex-08-icl.json"  # Hamburg, DE, at most 300 km
LYON = EXAMPLES / "ex-11-pid-cd40l.json"  # Lyon, FR, no limit
NO_TOWN = EXAMPLES / "ex-01-hiv-art.json"


@pytest.fixture(autouse=True)
def _fixed_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PML_TRIALS_NOW", "2026-11-25T19:20:00Z")
    monkeypatch.delenv("PML_TRIALS_CRITERIA", raising=False)


def run(*args: str, stdin: bytes | None = None) -> Result:
    return runner.invoke(app, ["screen", *args, "--as-of", "2026-11-25"], input=stdin)


def profile(**changes: Any) -> dict[str, Any]:
    base = json.loads(HAMBURG.read_text(encoding="utf-8"))
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def encode_both(studies: tuple[Study, ...], document: dict[str, Any]) -> tuple[str, str]:
    result = screen(validate_json(json.dumps(document)), studies, AS_OF, "p.json")
    plain = json.dumps(result_object(result), separators=(",", ":"), ensure_ascii=False)
    return ResultEncoder(studies).encode(result), plain


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"max_travel_km": None},
        {"max_travel_km": 100},
        {"residence_country": "FR", "residence_town": "Lyon"},
        {"residence_country": None, "residence_town": None, "max_travel_km": None},
        {"residence_country": "US", "residence_town": "Springfield, Illinois"},
    ],
)
def test_the_fast_json_is_the_reference_json(
    studies: tuple[Study, ...], changes: dict[str, Any]
) -> None:
    fast, plain = encode_both(studies, profile(**changes))
    assert fast == plain


def test_json_gives_sites_nearest_first_with_distances(studies: tuple[Study, ...]) -> None:
    document = json.loads(run(str(HAMBURG), str(LYON), str(NO_TOWN), "-f", "json").stdout)
    assert not list(Draft202012Validator(SCHEMA).iter_errors(document))
    hamburg, lyon, no_town = document["results"]
    assert hamburg["residence"]["town"] == "Hamburg" and hamburg["residence"]["country"] == "DE"
    by_trial = {t["trial_id"]: t["sites"] for t in hamburg["trials"]}
    (site,) = by_trial["tcell-transfer"]
    assert (site["city"], site["distance_km"], site["within_max_travel"]) == (
        "Hannover",
        132.4,
        True,
    )
    assert by_trial["cmx001"] == [] and by_trial["checkpoint-inhibitor"] == []
    (far,) = next(t["sites"] for t in lyon["trials"] if t["trial_id"] == "tcell-transfer")
    assert far["distance_km"] == 817.3 and "within_max_travel" not in far  # no limit given
    (unknown,) = next(t["sites"] for t in no_town["trials"] if t["trial_id"] == "tcell-transfer")
    assert "distance_km" not in unknown and no_town["residence"] is None
    notes = {s["id"]: s["sites_note"] for s in document["studies"]}
    assert notes["cmx001"].startswith("Not public in the sources read")


def test_within_keeps_trials_in_range_and_lists_the_others() -> None:
    result = run(str(HAMBURG), str(LYON), str(NO_TOWN), "-f", "json", "--within", "300")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["within_km"] == 300
    assert not list(Draft202012Validator(SCHEMA).iter_errors(document))
    hamburg, lyon, no_town = document["results"]
    assert [t["trial_id"] for t in hamburg["trials"]] == [
        "checkpoint-inhibitor",
        "cmx001",
        "tcell-transfer",
    ]
    assert hamburg["left_out"] == []
    # Lyon is 817 km from the one known site: left out, with its verdict.
    assert [t["trial_id"] for t in lyon["trials"]] == ["checkpoint-inhibitor", "cmx001"]
    assert lyon["left_out"] == [
        {"trial_id": "tcell-transfer", "verdict": "needs-information", "nearest_site_km": 817.3}
    ]
    # No town: nothing is left out; trials without known sites are always kept.
    assert len(no_town["trials"]) == 3 and no_town["left_out"] == []
    assert (
        "--within 300 km: a trial is left out only for a patient whose town is known"
        in result.stderr
    )


def test_within_in_jsonl_and_csv() -> None:
    lines = run(str(LYON), "-f", "jsonl", "--within", "1000").stdout.splitlines()
    (line,) = [json.loads(x) for x in lines]
    assert len(line["trials"]) == 3 and line["left_out"] == []
    assert line["disclaimer"].startswith("Pre-screening only")
    rows = list(csv.DictReader(io.StringIO(run(str(LYON), "-f", "csv", "--within", "300").stdout)))
    assert [r["trial_id"] for r in rows] == ["checkpoint-inhibitor", "cmx001"]


def test_within_the_same_with_workers(tmp_path: Path) -> None:
    for index in range(40):
        source = (HAMBURG, LYON, NO_TOWN)[index % 3]
        document = json.loads(source.read_text(encoding="utf-8"))
        document["patient_id"] = f"p-{index}"
        (tmp_path / f"p-{index:02d}.json").write_text(json.dumps(document), encoding="utf-8")
    one = run(str(tmp_path), "-f", "jsonl", "--within", "300", "-w", "1").stdout
    two = run(str(tmp_path), "-f", "jsonl", "--within", "300", "-w", "2").stdout
    assert one == two and one.count('"left_out":[{') == 13


def test_csv_names_the_nearest_site() -> None:
    rows = list(csv.DictReader(io.StringIO(run(str(HAMBURG), str(NO_TOWN), "-f", "csv").stdout)))
    tcell = [r for r in rows if r["trial_id"] == "tcell-transfer"]
    assert [(r["nearest_site_city"], r["distance_km"]) for r in tcell] == [
        ("Hannover", "132.4"),
        ("Hannover", ""),  # the study's only site, distance unknown without a town
    ]
    assert all(r["nearest_site"] == "" for r in rows if r["trial_id"] != "tcell-transfer")


@pytest.mark.parametrize(
    ("town", "message"),
    [
        ("Springfield", "residence_town: 'Springfield' is ambiguous: 11 places in United States"),
        (
            "Hannover",
            "residence_town: 'Hannover' is not a town of United States (US) in the gazetteer; it was found in other countries: Hannover, Lower Saxony",
        ),
    ],
)
def test_a_bad_town_in_a_batch_is_an_invalid_input_and_the_rest_is_screened(
    tmp_path: Path, town: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"patient_id": "b", "residence_country": "US", "residence_town": town})
    )
    result = run(str(bad), str(NO_TOWN), "-f", "jsonl")
    assert result.exit_code == 3
    assert f"{bad}: {message}" in result.stderr
    assert len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize("km", ["-1", "abc", "20041"])
def test_within_must_be_a_distance(km: str) -> None:
    result = run(str(NO_TOWN), "--within", km)
    assert result.exit_code == 2


def test_the_questionnaire_ends_with_the_distances() -> None:
    result = runner.invoke(app, ["ask", "--from", str(HAMBURG), "--as-of", "2026-11-25"], input="")
    text = " ".join(result.stdout.split())
    assert "Where the trials run (great-circle distance from Hamburg, DE)" in text
    assert (
        "tcell-transfer: nearest site: Hannover Medical School (Medizinische Hochschule Hannover), Hannover (DE), not yet recruiting, 132 km great-circle (within the patient's 300 km)"
        in text
    )
    assert "checkpoint-inhibitor, cmx001: sites not known (pml-trials show gives why)" in text


def test_the_questionnaire_says_how_to_get_distances() -> None:
    result = runner.invoke(app, ["ask", "--from", str(NO_TOWN), "--as-of", "2026-11-25"], input="")
    text = " ".join(result.stdout.split())
    assert "nearest site unknown (town not given); sites: Hannover Medical School" in text
    assert "For distances, give residence_country and residence_town in the profile" in text


HOSTILE_SITE = """
format = 1
id = "hostile-site"
title = "A study with a hostile site"
category = "other"
last_reviewed = 2026-11-25
summary = "Synthetic."
sites_note = "<script>alert(1)</script> | note"

[[source]]
key = "src"
citation = "synthetic"

[[inclusion]]
id = "adult"
text = "Adults"
source = "src"
rule = "age_years >= 18"

[[site]]
name = "<script>alert(1)</script> | *Clinic* `x`"
city = "Paris"
country = "FR"
lat = 48.85341
lon = 2.3488
coordinates = "city"
status = "recruiting"
contact = "<img src=x onerror=alert(1)> | call"
url = "https://example.org/?q=\\"><script>alert(1)</script>"
source = "src"
"""


@pytest.fixture(name="hostile_site")
def hostile_site_fixture(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "criteria"
    folder.mkdir()
    (folder / "hostile-site.toml").write_text(HOSTILE_SITE, encoding="utf-8")
    patient = tmp_path / "p.json"
    document = {
        "patient_id": "p",
        "age_years": 40,
        "residence_country": "FR",
        "residence_town": "Lyon",
    }
    patient.write_text(json.dumps(document), encoding="utf-8")
    return folder, patient


def test_hostile_site_text_stays_text_in_the_reports(hostile_site: tuple[Path, Path]) -> None:
    from markdown_it import MarkdownIt

    folder, patient = hostile_site
    args = [str(patient), "--criteria", str(folder), "--no-bundled"]
    html = run(*args, "-f", "html").stdout
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | *Clinic*" in html
    markdown = run(*args, "-f", "markdown").stdout
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    widths: list[int] = []
    for token in tokens:
        if token.type == "tr_open":
            widths.append(0)
        elif token.type in ("td_open", "th_open"):
            widths[-1] += 1
    # the verdict table keeps its columns: study, status and nearest site, verdict, why
    assert widths[:2] == [4, 4]
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    assert "<script" not in rendered and "<img" not in rendered
    explained = runner.invoke(app, ["explain", *args]).stdout
    assert (
        "Where: nearest site: <script>alert(1)</script> | *Clinic* `x`, Paris (FR), recruiting, 393 km great-circle"
        in " ".join(explained.split())
    )


def test_distance_never_changes_a_verdict(
    studies: tuple[Study, ...], example_paths: list[Path]
) -> None:
    for path in example_paths:
        plain = validate_json(path.read_bytes())
        for country, town, limit in (
            ("DE", "Hannover", 1),
            ("US", "Bethesda", None),
            ("FR", "Lyon", 50),
        ):
            placed = {
                **plain,
                "residence_country": country,
                "residence_town": town,
                "max_travel_km": limit,
            }
            placed = {k: v for k, v in placed.items() if v is not None}
            without = {
                k: v for k, v in plain.items() if not k.startswith(("residence_", "max_travel"))
            }
            one = screen(validate_json(json.dumps(placed, default=str)), studies, AS_OF)
            two = screen(validate_json(json.dumps(without, default=str)), studies, AS_OF)
            assert one.outcomes == two.outcomes, path.name


def test_show_lists_the_sites_or_says_they_are_not_public() -> None:
    shown = " ".join(runner.invoke(app, ["show", "tcell-transfer"]).stdout.split())
    assert (
        "Sites" in shown
        and "Hannover (DE) · not yet recruiting · 52.37052, 9.73322 (the city's)" in shown
    )
    assert "link: https://clinicaltrials.gov/study/NCT06990087" in shown
    other = " ".join(runner.invoke(app, ["show", "cmx001"]).stdout.split())
    assert "Sites Not public in the sources read" in other
