"""The checks of a ``[[site]]`` table beyond its shape (:mod:`.schema`).

- ``country`` is an ISO 3166-1 alpha-2 code of the shipped list (:mod:`pml_trials.geo.countries`);
- ``url`` is http or https (it is shown as a link in reports);
- ``source`` is a declared ``[[source]]`` key;
- the coordinates agree with the city: with ``coordinates = "city"`` they are the city's in
  the shipped gazetteer (within 2 km); with ``"source"`` they lie within 50 km of a place of
  that name in the country, when the gazetteer has one (a swapped latitude and longitude,
  or a lost minus sign, lands thousands of km away).

Only a file being checked pays for the gazetteer: a cached study is not checked again.
"""

from __future__ import annotations

from typing import Any

from pml_trials.geo.countries import CODES

CITY_TOLERANCE_KM = 2.0
SOURCE_TOLERANCE_KM = 50.0


def check_site(raw: dict[str, Any], source_keys: set[str]) -> list[tuple[str, str]]:
    """``(key, message)`` for each problem of one site table (already of the right shape)."""
    problems: list[tuple[str, str]] = []
    country = raw["country"]
    if country not in CODES:
        hint = f" (did you mean '{country.upper()}'?)" if country.upper() in CODES else ""
        problems.append(
            (
                "country",
                f"country '{country}' is not an ISO 3166-1 alpha-2 code{hint}; "
                "give two capital letters such as DE, FR or US",
            )
        )
    url = raw.get("url")
    if url is not None and not url.lower().startswith(("https://", "http://")):
        problems.append(("url", f"url must begin with https:// or http:// (got {url[:40]!r})"))
    if raw["source"] not in source_keys:
        known = ", ".join(sorted(source_keys))
        problems.append(("source", f"source '{raw['source']}' is not declared (declared: {known})"))
    if not problems:
        problem = _check_coordinates(raw)
        if problem:
            problems.append(("lat", problem))
    return problems


def _check_coordinates(raw: dict[str, Any]) -> str | None:
    from pml_trials.geo.distance import great_circle_km
    from pml_trials.geo.gazetteer import TownError, candidates

    lat, lon = float(raw["lat"]), float(raw["lon"])
    given = raw.get("coordinates", "source")
    try:
        towns = candidates(raw["country"], raw["city"])
    except TownError as exc:
        if given == "city":
            return (
                f"coordinates = 'city', but the city is not found in the gazetteer: "
                f"{exc.message}; give the coordinates from a source (coordinates = 'source')"
            )
        return None
    nearest = min(towns, key=lambda t: great_circle_km(lat, lon, t.lat, t.lon))
    away = great_circle_km(lat, lon, nearest.lat, nearest.lon)
    if given == "city" and away > CITY_TOLERANCE_KM:
        return (
            f"coordinates = 'city', but lat/lon ({lat}, {lon}) are {away:,.0f} km from "
            f"{nearest.name} in the gazetteer ({nearest.lat}, {nearest.lon}); use its coordinates"
        )
    if away > SOURCE_TOLERANCE_KM:
        return (
            f"lat/lon ({lat}, {lon}) are {away:,.0f} km from {raw['city']} "
            f"({nearest.lat}, {nearest.lon}); check them (swapped, or a lost minus sign?)"
        )
    return None
