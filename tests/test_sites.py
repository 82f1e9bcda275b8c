"""``[[site]]`` tables: each check with its file, line and site index; old files still load;
the cache keeps sites; the bundled studies' sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from pml_trials.errors import CriteriaFileError
from pml_trials.studies.load import load_file
from pml_trials.studies.model import Study
from tests.test_loader_errors import BASE

SITE = [
    "",  # 31
    "[[site]]",  # 32
    'name = "Hannover Medical School"',  # 33
    'city = "Hannover"',  # 34
    'country = "DE"',  # 35
    "lat = 52.37052",  # 36
    "lon = 9.73322",  # 37
    'coordinates = "city"',  # 38
    'status = "recruiting"',  # 39
    'source = "src"',  # 40
]


def write(folder: Path, changes: dict[int, str] | None = None, sites: int = 1) -> Path:
    lines = list(BASE) + SITE * sites
    for number, text in (changes or {}).items():
        lines[number - 1] = text
    path = folder / "mini.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def errors(path: Path) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(CriteriaFileError) as caught:
        load_file(path)
    return [(e.line, e.context, e.message) for e in caught.value.errors]


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PML_TRIALS_NO_CACHE", "1")


def test_a_valid_site_loads(tmp_path: Path) -> None:
    (site,) = load_file(write(tmp_path)).sites
    assert (site.name, site.city, site.country, site.lat, site.lon) == (
        "Hannover Medical School",
        "Hannover",
        "DE",
        52.37052,
        9.73322,
    )
    assert (site.coordinates, site.status, site.source, site.line) == (
        "city",
        "recruiting",
        "src",
        32,
    )
    assert site.contact is None and site.url is None


def test_a_file_without_sites_still_loads(tmp_path: Path) -> None:
    study = load_file(write(tmp_path, sites=0))
    assert study.sites == () and study.sites_note is None


def test_whole_degrees_are_numbers_too(tmp_path: Path) -> None:
    path = write(tmp_path, {36: "lat = 52", 37: "lon = 10", 38: 'coordinates = "source"'})
    (site,) = load_file(path).sites
    assert (site.lat, site.lon) == (52.0, 10.0) and isinstance(site.lat, float)


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ({36: "lat = 91.5"}, 36, "site[0].lat: Input should be less than or equal to 90"),
        ({37: "lon = -180.5"}, 37, "site[0].lon: Input should be greater than or equal to -180"),
        ({36: 'lat = "52.37"'}, 36, "site[0].lat: Input should be a valid number"),
        ({36: "lat = nan"}, 36, "site[0].lat: Input should be a finite number"),
        (
            {39: 'status = "open"'},
            39,
            "site[0].status: Input should be 'not yet recruiting', 'recruiting', "
            "'enrolling by invitation', 'active, not recruiting', 'suspended', 'terminated', "
            "'completed', 'withdrawn' or 'unknown'",
        ),
        (
            {38: 'coordinates = "guessed"'},
            38,
            "site[0].coordinates: Input should be 'source' or 'city'",
        ),
        (
            {40: 'source = "src"\nsourc = "src"'},
            41,
            "site[0].sourc: unknown key (did you mean 'source'?)",
        ),
        ({35: ""}, 32, "site[0].country: required key is missing"),
    ],
)
def test_shape_errors_name_the_site_and_line(
    tmp_path: Path, change: dict[int, str], line: int, message: str
) -> None:
    assert errors(write(tmp_path, change)) == [(line, "site 0 'Hannover Medical School'", message)]


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (
            {35: 'country = "XX"'},
            35,
            "country 'XX' is not an ISO 3166-1 alpha-2 code; give two capital letters such as "
            "DE, FR or US",
        ),
        (
            {35: 'country = "de"'},
            35,
            "country 'de' is not an ISO 3166-1 alpha-2 code (did you mean 'DE'?); give two "
            "capital letters such as DE, FR or US",
        ),
        (
            {35: 'country = "UK"'},  # the United Kingdom is GB
            35,
            "country 'UK' is not an ISO 3166-1 alpha-2 code; give two capital letters such as "
            "DE, FR or US",
        ),
        ({40: 'source = "registry"'}, 40, "source 'registry' is not declared (declared: src)"),
        (
            {40: 'url = "javascript:alert(1)"\nsource = "src"'},
            40,
            "url must begin with https:// or http:// (got 'javascript:alert(1)')",
        ),
        (
            {36: "lat = 9.73322", 37: "lon = 52.37052", 38: 'coordinates = "source"'},
            36,
            "lat/lon (9.73322, 52.37052) are 6,092 km from Hannover (52.37052, 9.73322); check "
            "them (swapped, or a lost minus sign?)",
        ),
        (
            {37: "lon = -9.73322", 38: 'coordinates = "source"'},
            36,
            "lat/lon (52.37052, -9.73322) are 1,318 km from Hannover (52.37052, 9.73322); check "
            "them (swapped, or a lost minus sign?)",
        ),
        (
            {36: "lat = 52.40"},
            36,
            "coordinates = 'city', but lat/lon (52.4, 9.73322) are 3 km from Hannover in the "
            "gazetteer (52.37052, 9.73322); use its coordinates",
        ),
        (
            {34: 'city = "Hannovr"'},
            36,
            "coordinates = 'city', but the city is not found in the gazetteer: 'Hannovr' is not "
            "a town of Germany (DE) in the offline gazetteer (GeoNames places of 5,000 or more "
            "inhabitants). Did you mean: Hannover, Lower Saxony, pop. 515,140?; give the "
            "coordinates from a source (coordinates = 'source')",
        ),
    ],
)
def test_site_checks_name_the_site_and_line(
    tmp_path: Path, change: dict[int, str], line: int, message: str
) -> None:
    assert errors(write(tmp_path, change)) == [(line, "site 0 'Hannover Medical School'", message)]


def test_coordinates_from_a_source_may_differ_from_the_city_centre(tmp_path: Path) -> None:
    # The hospital itself lies about 5 km east of Hannover's centre.
    path = write(tmp_path, {36: "lat = 52.3833", 37: "lon = 9.8050", 38: 'coordinates = "source"'})
    assert load_file(path).sites[0].lon == 9.805


def test_a_site_in_a_town_the_gazetteer_lacks_may_give_its_source_coordinates(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, {34: 'city = "Kleinkleckersdorf"', 38: 'coordinates = "source"'})
    assert load_file(path).sites[0].city == "Kleinkleckersdorf"


def test_every_bad_site_is_reported_with_its_index(tmp_path: Path) -> None:
    path = write(tmp_path, {45: 'country = "XX"', 50: 'source = "nope"'}, sites=2)
    found = errors(path)
    assert [(line, context) for line, context, _ in found] == [
        (45, "site 1 'Hannover Medical School'"),
        (50, "site 1 'Hannover Medical School'"),
    ]


def test_sites_survive_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PML_TRIALS_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = write(tmp_path, {39: 'status = "recruiting"\ncontact = "PML team, +49 511 0"'})
    first = load_file(path)
    again = load_file(path)  # from the cache
    assert again.sites == first.sites and again.sites[0].contact == "PML team, +49 511 0"
    assert list((tmp_path / "cache" / "pml-trials").iterdir())


def test_the_bundled_sites_are_only_what_the_sources_say(studies: tuple[Study, ...]) -> None:
    by_id = {s.id: s for s in studies}
    (hannover,) = by_id["tcell-transfer"].sites
    assert (hannover.city, hannover.country, hannover.coordinates) == ("Hannover", "DE", "city")
    assert hannover.status == by_id["tcell-transfer"].status == "not yet recruiting"
    assert hannover.note and "not read as a listed site" in hannover.note
    for study_id in ("checkpoint-inhibitor", "cmx001"):
        assert by_id[study_id].sites == ()
        note = by_id[study_id].sites_note
        assert note and note.startswith("Not public in the sources read")


def test_coordinates_default_to_the_source(tmp_path: Path) -> None:
    # The shared contract's [[site]] shape has no 'coordinates' key: such a file loads,
    # and its lat/lon are taken as the source's (checked within 50 km of the city).
    (site,) = load_file(write(tmp_path, {38: ""})).sites
    assert site.coordinates == "source"
    with pytest.raises(CriteriaFileError, match="6,092 km from Hannover"):
        load_file(write(tmp_path, {36: "lat = 9.73322", 37: "lon = 52.37052", 38: ""}))
