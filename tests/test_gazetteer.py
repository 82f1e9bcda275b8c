"""The offline gazetteer: folding, look-up, and never a silent guess."""

from __future__ import annotations

import pytest

from pml_trials.geo import gazetteer
from pml_trials.geo.countries import CODES
from pml_trials.geo.country_names import NAMES
from pml_trials.geo.gazetteer import TownError, resolve
from pml_trials.geo.names import fold, keys


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("München", "munchen"),
        ("MÜNCHEN", "munchen"),
        ("Saint-Étienne", "saint etienne"),
        ("  Frankfurt  (Oder) ", "frankfurt oder"),
        ("Kraków", "krakow"),
        ("Ærøskøbing", "aeroskobing"),
        ("L’Aquila", "l aquila"),
        ("Straße", "strasse"),
    ],
)
def test_fold_ignores_case_diacritics_and_punctuation(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_umlauts_are_also_found_written_out() -> None:
    assert keys("München") == {"munchen", "muenchen"}
    assert keys("Hannover") == {"hannover"}


@pytest.mark.parametrize("typed", ["München", "Munchen", "Muenchen", "MUNICH", "munich"])
def test_diacritics_and_other_names_find_the_same_town(typed: str) -> None:
    town = resolve("DE", typed)
    assert (town.name, town.admin1, town.geonameid) == ("Munich", "Bavaria", 2867714)


@pytest.mark.parametrize(
    ("country", "typed", "name"),
    [
        ("DE", "Hannover", "Hannover"),
        ("DE", "Hanover", "Hannover"),  # another name GeoNames has for it
        ("US", "Bethesda", "Bethesda"),
        ("FR", "paris", "Paris"),
        ("FR", "Saint Etienne", "Saint-Étienne"),
        ("IT", "Milano", "Milan"),
        ("AT", "Wien", "Vienna"),
        ("DE", "Frankfurt (Oder)", "Frankfurt (Oder)"),  # parentheses in the own name
        ("de", "Köln", "Köln"),  # the country code in any case
    ],
)
def test_towns_resolve(country: str, typed: str, name: str) -> None:
    assert resolve(country, typed).name == name


def test_an_ambiguous_name_lists_the_places_with_region_and_population() -> None:
    with pytest.raises(TownError) as caught:
        resolve("US", "Springfield")
    message = caught.value.message
    assert message.startswith("'Springfield' is ambiguous: 11 places in United States (US)")
    assert "Springfield, Illinois (IL), pop. 114,394" in message
    assert "Add the region, e.g. 'Springfield, Missouri'" in message
    assert len(caught.value.suggestions) == 8
    assert caught.value.suggestions[0].population >= caught.value.suggestions[1].population


@pytest.mark.parametrize("typed", ["Springfield, Illinois", "Springfield (IL)", "springfield, il"])
def test_the_region_decides_an_ambiguous_name(typed: str) -> None:
    town = resolve("US", typed)
    assert (town.name, town.admin1_code) == ("Springfield", "IL")


def test_a_region_without_that_town_says_which_regions_have_it() -> None:
    with pytest.raises(TownError, match=r"no 'Springfield' in the region 'Alaska'.*Missouri"):
        resolve("US", "Springfield, Alaska")


def test_another_name_shared_by_two_towns_is_ambiguous() -> None:
    # "Frankfurt" is the own name of no German town, and another name of two.
    with pytest.raises(TownError, match="'Frankfurt' is ambiguous: 2 places") as caught:
        resolve("DE", "Frankfurt")
    assert {t.name for t in caught.value.suggestions} == {"Frankfurt am Main", "Frankfurt (Oder)"}


def test_a_small_own_name_does_not_hide_larger_places_known_by_it() -> None:
    # "Neustadt" is the own name of a district of Hamburg only; larger towns are known by it.
    with pytest.raises(TownError, match="'Neustadt' is ambiguous"):
        resolve("DE", "Neustadt")


def test_a_town_in_the_wrong_country_names_the_country_it_was_found_in() -> None:
    with pytest.raises(TownError) as caught:
        resolve("DE", "Bethesda")
    assert caught.value.message == (
        "'Bethesda' is not a town of Germany (DE) in the gazetteer; it was found in other "
        "countries: Bethesda, Maryland (MD), pop. 60,858 in United States (US). Check the country."
    )


def test_an_unknown_town_gets_did_you_mean() -> None:
    with pytest.raises(TownError) as caught:
        resolve("DE", "Hannovr")
    assert "Did you mean: Hannover, Lower Saxony, pop. 515,140?" in caught.value.message
    assert caught.value.suggestions[0].name == "Hannover"


def test_a_town_found_nowhere_says_what_the_gazetteer_holds() -> None:
    with pytest.raises(TownError, match=r"5,000 or more inhabitants.*nearest larger town"):
        resolve("DE", "Xqzzyville")


@pytest.mark.parametrize("typed", ["30625", "D-30625", "75 013"])
def test_a_postal_code_is_refused_with_the_reason(typed: str) -> None:
    with pytest.raises(TownError, match="looks like a postal code"):
        resolve("DE", typed)


@pytest.mark.parametrize(("country", "typed"), [("XX", "Paris"), ("DE", "  "), ("DE", "--")])
def test_nonsense_is_refused(country: str, typed: str) -> None:
    with pytest.raises(TownError):
        resolve(country, typed)


def test_the_country_list_is_iso_3166_alpha_2() -> None:
    assert len(CODES) == 250  # 249 assigned codes and XK
    assert all(len(c) == 2 and c.isupper() for c in CODES)
    assert {"DE", "FR", "US", "XK"} <= set(CODES)
    assert not {"AN", "CS", "UK", "EU"} & set(CODES)  # deleted, reserved, not countries
    assert NAMES["DE"] == "Germany"


def test_every_country_of_the_extract_is_in_the_list() -> None:
    assert set(gazetteer.countries_with_towns()) <= set(CODES)


def test_the_extract_is_small() -> None:
    assert sum(p.stat().st_size for p in gazetteer.DATA.iterdir()) < 4_000_000
    attribution = (gazetteer.DATA.parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "GeoNames" in attribution and "CC BY 4.0" in attribution
