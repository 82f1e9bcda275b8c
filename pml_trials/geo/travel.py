"""A study's sites as seen from the patient's town: nearest first, with distances.

Pure functions of a study's sites and the patient's home (a resolved town, or ``None``):
the engine's results call them on demand, and the gazetteer is touched only to resolve a
profile's town (:func:`home_of`), once per distinct town per process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pml_trials.geo import resolved
from pml_trials.geo.distance import great_circle_km
from pml_trials.record import Record

if TYPE_CHECKING:
    from pml_trials.geo.gazetteer import Town
    from pml_trials.studies.model import Site


class SiteDistance(Record):
    """One site of a study, and how far it is from the patient's town (``None``: the town
    is not known)."""

    site: Site
    distance_km: float | None


class Travel(Record):
    """Where a study runs, from one patient's point of view."""

    sites: tuple[SiteDistance, ...]  # nearest first when the town is known, else file order
    home: Town | None
    max_travel_km: float | None

    @property
    def nearest(self) -> SiteDistance | None:
        return self.sites[0] if self.sites else None

    @property
    def nearest_km(self) -> float | None:
        return self.sites[0].distance_km if self.sites else None

    def within(self, km: float) -> bool | None:
        """A site lies within ``km``: true, false, or unknown (no town, or no site known)."""
        if self.home is None or not self.sites:
            return None
        distance = self.nearest_km
        return distance is not None and distance <= km


def home_of(profile: Mapping[str, Any]) -> Town | None:
    """The patient's town, resolved (``None`` when town or country is not known). The
    profile has been validated, so a town given resolves."""
    return home_at(profile.get("residence_town"), profile.get("residence_country"))


def home_at(town: str | None, country: str | None) -> Town | None:
    """:func:`home_of` a profile with this town and country."""
    if town is None or country is None:
        return None
    return resolved(country, town)


def travel(sites: Sequence[Site], home: Town | None, max_travel_km: float | None) -> Travel:
    """The sites nearest first (ties in file order), each with its distance from ``home``."""
    if home is None:
        return Travel(tuple(SiteDistance(s, None) for s in sites), None, max_travel_km)
    measured = [
        SiteDistance(s, round(great_circle_km(home.lat, home.lon, s.lat, s.lon), 1)) for s in sites
    ]
    measured.sort(key=lambda d: d.distance_km or 0.0)
    return Travel(tuple(measured), home, max_travel_km)


def left_out_by(travel: Travel, within_km: float | None) -> bool:
    """``screen --within KM`` leaves a trial out only when the patient's town is known,
    the study lists sites, and every one is farther than KM. A trial whose sites are not
    known, and every trial of a patient whose town is not known, are kept (and say why)."""
    return within_km is not None and travel.within(within_km) is False


def distance_note(travel: Travel, sites_note: str | None = None) -> str:
    """One line for people: the nearest site and its distance, or why there is none."""
    nearest = travel.nearest
    if nearest is None:
        return "sites not known" + (f": {sites_note}" if sites_note else "")
    site = nearest.site
    where = f"{site.name}, {site.city} ({site.country}), {site.status}"
    if nearest.distance_km is None:
        reason = "town not given" if travel.home is None else "distance unknown"
        listed = "; ".join(
            f"{d.site.name}, {d.site.city} ({d.site.country}), {d.site.status}"
            for d in travel.sites
        )
        return f"nearest site unknown ({reason}); sites: {listed}"
    text = f"nearest site: {where}, {format_km(nearest.distance_km)} great-circle"
    if travel.max_travel_km is not None:
        beyond = nearest.distance_km > travel.max_travel_km
        limit = format_km(travel.max_travel_km)
        text += f" ({'beyond' if beyond else 'within'} the patient's {limit})"
    return text


def format_km(km: float) -> str:
    return f"{km:,.0f} km"
