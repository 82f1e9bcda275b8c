"""The checks of where a patient lives that span fields, or need the gazetteer.

- ``residence_town`` needs ``residence_country`` (a town name alone is ambiguous across
  countries: "Paris" is also in Texas);
- the town must resolve to exactly one place of that country in the offline gazetteer
  (:func:`pml_trials.geo.gazetteer.resolve`): an ambiguous, unknown or foreign town is an
  error that says what to type instead, never a guess.

The gazetteer is imported only for a profile that has a town.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pml_trials.errors import ProfileError
from pml_trials.geo import gazetteer_module, resolved

TOWN = "residence_town"
COUNTRY = "residence_country"


def residence_problems(
    profile: Mapping[str, Any], source: str, line: int | None
) -> list[ProfileError]:
    """The problems of the profile's residence fields (none for a profile without a town)."""
    town = profile.get(TOWN)
    if town is None:
        return []
    return town_problems(town, profile.get(COUNTRY), source, line)


def town_problems(
    town: str, country: str | None, source: str, line: int | None
) -> list[ProfileError]:
    """:func:`residence_problems` of a profile with this (known) town and country."""
    if country is None:
        message = (
            "a town needs its country: give residence_country too "
            "(an ISO 3166-1 alpha-2 code such as DE, FR or US)"
        )
        return [ProfileError(message, source=source, line=line, field=TOWN)]
    try:
        resolved(country, town)
    except gazetteer_module().TownError as exc:  # (resolved has imported it)
        return [ProfileError(exc.message, source=source, line=line, field=TOWN)]
    return []
