"""Towns, resolved offline from the shipped extract of GeoNames (CC BY 4.0).

``data/cities/`` (built by ``tools/gazetteer/build.py``; see ``data/ATTRIBUTION.md``)
holds the places of 5,000 or more inhabitants, one gzip file per country. This module is
imported, and a country's towns read, only when a town is looked up: nothing here runs
for a profile without a town or a command that does not show distances.

:func:`resolve` never guesses. A name is compared folded (:mod:`.names`: no case,
diacritics or punctuation; umlauts also written out). A place's own name is preferred to
its other names (alternate names and other languages, Latin script only), unless a place
known by it otherwise is larger: "Frankfurt" is not the own name of any German town and
is another name of two, so it is ambiguous; so is "Neustadt".

- one place matches: that place;
- several (``Springfield`` in the US): :class:`TownError` listing them with their region
  and population, and how to say which ("Springfield, Illinois"); entries that lie within
  10 km of each other are one place (GeoNames lists some places twice);
- none in the country, but some elsewhere: an error naming the country it was found in;
- none at all: an error with the closest names ("did you mean") of the country.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from pml_trials.geo.country_names import NAMES as COUNTRY_NAMES
from pml_trials.geo.distance import great_circle_km
from pml_trials.geo.names import fold
from pml_trials.record import Record

DATA = Path(__file__).resolve().parent / "data" / "cities"
MIN_POPULATION = 5000  # what the extract holds (tools/gazetteer/build.py)
_SAME_PLACE_KM = 10.0


class Town(Record):
    name: str
    country: str
    admin1_code: str
    admin1: str  # the first-level region's name ("Lower Saxony"), or ""
    lat: float
    lon: float
    population: int
    geonameid: int

    def label(self) -> str:
        """``Springfield, Illinois (IL), pop. 114,394``."""
        region = self.admin1 or self.admin1_code
        if self.admin1 and self.admin1_code and not self.admin1_code.isdigit():
            region = f"{self.admin1} ({self.admin1_code})"
        where = f"{self.name}, {region}" if region else self.name
        return f"{where}, pop. {self.population:,}"


class TownError(ValueError):
    """A town that cannot be resolved: the message says why and what to type instead."""

    def __init__(self, message: str, suggestions: tuple[Town, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions


class _Index(Record):
    towns: tuple[Town, ...]
    own: dict[str, tuple[int, ...]]  # folded key -> towns whose own name it is
    other: dict[str, tuple[int, ...]]  # folded key -> towns known by it otherwise


class _Country:
    """One country's towns. The first few look-ups scan its text for the key (about a
    millisecond); after :data:`_SCANS` of them the full index is built (tens of ms), as
    a batch of many patients would otherwise scan again and again."""

    __slots__ = ("_index", "_scans", "code", "text")

    def __init__(self, code: str, text: str) -> None:
        self.code = code
        self.text = text
        self._scans = 0
        self._index: _Index | None = None

    def lookup(self, key: str) -> tuple[list[Town], list[Town]]:
        """The towns whose own name folds to ``key``, and those known by it otherwise."""
        if self._index is None and self._scans < _SCANS:
            self._scans += 1
            return self._scan(key)
        index = self.index()
        return (
            [index.towns[i] for i in index.own.get(key, ())],
            [index.towns[i] for i in index.other.get(key, ())],
        )

    def _scan(self, key: str) -> tuple[list[Town], list[Town]]:
        """The lines holding ``key`` as a whole key (found with ``str.find``, a fast
        substring search), parsed and sorted into own and other names."""
        own: list[Town] = []
        other: list[Town] = []
        text = self.text
        if not key:
            return own, other
        seen: set[int] = set()
        at = text.find(key)
        while at >= 0:
            after = at + len(key)
            if text[at - 1 : at] in ("\t", "|") and text[after : after + 1] in (
                "|",
                "\t",
                "\n",
                "",
            ):
                start = text.rfind("\n", 0, at) + 1
                if start not in seen:
                    seen.add(start)
                    end = text.find("\n", after)
                    fields = text[start : end if end >= 0 else len(text)].split("\t")
                    if key in fields[7].split("|"):
                        own.append(_town(self.code, fields))
                    elif key in fields[8].split("|"):
                        other.append(_town(self.code, fields))
            at = text.find(key, after)
        return own, other

    def index(self) -> _Index:
        if self._index is None:
            towns: list[Town] = []
            own: dict[str, list[int]] = {}
            other: dict[str, list[int]] = {}
            for number, line in enumerate(self.text.splitlines()):
                fields = line.split("\t")
                towns.append(_town(self.code, fields))
                for key in fields[7].split("|"):
                    own.setdefault(key, []).append(number)
                for key in filter(None, fields[8].split("|")):
                    other.setdefault(key, []).append(number)
            self._index = _Index(
                tuple(towns),
                {k: tuple(v) for k, v in own.items()},
                {k: tuple(v) for k, v in other.items()},
            )
        return self._index


_SCANS = 16


def _town(code: str, fields: list[str]) -> Town:
    name, a1code, a1, lat, lon, pop, gid = fields[:7]
    return Town(name, code, a1code, a1, float(lat), float(lon), int(pop), int(gid))


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code)


@functools.cache
def _names() -> tuple[str, ...]:
    """The countries the extract has towns of."""
    return tuple(sorted(p.name.removesuffix(".tsv.gz") for p in DATA.glob("*.tsv.gz")))


@functools.cache
def _country(code: str) -> _Country:
    """One country's towns: only its own file is read and inflated (zlib, ~1 ms)."""
    import zlib

    path = DATA / f"{code}.tsv.gz"
    if code not in COUNTRY_NAMES or not path.is_file():
        return _Country(code, "")
    return _Country(code, zlib.decompress(path.read_bytes(), wbits=31).decode("utf-8"))


def countries_with_towns() -> tuple[str, ...]:
    return _names()


def _matches(country: _Country, key: str) -> list[Town]:
    """The places whose own name folds to ``key``, and those known by it otherwise that
    are larger than all of them (so "Neustadt", the own name of a district of Hamburg,
    is still ambiguous with Neustadt an der Weinstrasse)."""
    own, other = country.lookup(key)
    largest = max((t.population for t in own), default=-1)
    return own + [t for t in other if t.population > largest and t not in own]


def _in_region(towns: Iterable[Town], region: str) -> list[Town]:
    key = fold(region)
    return [
        t
        for t in towns
        if (key and key in (fold(t.admin1), fold(t.admin1_code)))
        or (len(key) >= 3 and fold(t.admin1).startswith(key))
    ]


def _split_region(text: str) -> tuple[str, str] | None:
    """``("Springfield", "Illinois")`` for "Springfield, Illinois" or "Springfield (IL)"."""
    if "," in text:
        town, _, region = text.rpartition(",")
        return town.strip(), region.strip()
    if text.rstrip().endswith(")") and "(" in text:
        town, _, region = text.rstrip()[:-1].rpartition("(")
        return town.strip(), region.strip()
    return None


def _one_place(towns: list[Town]) -> Town | None:
    """The most populous of entries that are all one place (within 10 km of it)."""
    first = max(towns, key=lambda t: t.population)
    if all(great_circle_km(first.lat, first.lon, t.lat, t.lon) <= _SAME_PLACE_KM for t in towns):
        return first
    return None


def _looks_like_postal_code(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return digits >= 3 and digits >= len(text.replace(" ", "").replace("-", "")) / 2


def resolve(country: str, text: str) -> Town:
    """The one town ``text`` names in ``country`` (ISO alpha-2), or :class:`TownError`."""
    found, name, where = _candidates(country, text)
    if len(found) == 1:
        return found[0]
    place = _one_place(found)
    if place is not None:
        return place
    ranked = _by_population(found)
    shown = "; ".join(t.label() for t in ranked[:8])
    more = f" and {len(ranked) - 8} more" if len(ranked) > 8 else ""
    example = ranked[0].admin1 or ranked[0].admin1_code
    raise TownError(
        f"'{name}' is ambiguous: {len(ranked)} places in {where} have this name: "
        f"{shown}{more}. Add the region, e.g. '{ranked[0].name}, {example}'",
        tuple(ranked[:8]),
    )


def candidates(country: str, text: str) -> list[Town]:
    """Every place ``text`` could name in ``country`` (one or more), or :class:`TownError`."""
    return _candidates(country, text)[0]


def _candidates(country: str, text: str) -> tuple[list[Town], str, str]:
    text = " ".join(text.split())
    code = country.upper()
    if code not in COUNTRY_NAMES:
        raise TownError(f"'{country}' is not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, US)")
    where = f"{country_name(code)} ({code})"
    if not fold(text):
        raise TownError("give the town's name")
    if _looks_like_postal_code(text):
        raise TownError(
            f"'{text}' looks like a postal code; postal codes are not in the offline "
            "gazetteer (GeoNames towns only): give the name of the town"
        )
    data = _country(code)
    found = _matches(data, fold(text))
    if found:
        return found, text, where
    split = _split_region(text)
    if split is not None and fold(split[0]):
        town, region = split
        candidates = _matches(data, fold(town))
        found = _in_region(candidates, region)
        if found:
            return found, town, where
        if candidates:
            ranked = _by_population(candidates)[:6]
            raise TownError(
                f"no '{town}' in the region '{region}' of {where}; the gazetteer has: "
                + "; ".join(t.label() for t in ranked),
                tuple(ranked),
            )
        text = town
    raise _not_found(code, where, text)


def _by_population(towns: Iterable[Town]) -> list[Town]:
    return sorted(towns, key=lambda t: (-t.population, t.name))


def _not_found(code: str, where: str, text: str) -> TownError:
    key = fold(text)
    elsewhere: list[Town] = []
    for other in countries_with_towns():
        if other != code:
            elsewhere += [t for t in _matches(_country(other), key) if t.population >= 15000]
    import difflib

    data = _country(code)
    index = data.index()
    close = difflib.get_close_matches(key, [*index.own, *index.other], n=5, cutoff=0.75)
    suggestions: list[Town] = []
    for name in close:
        for town in _matches(data, name):
            if town not in suggestions:
                suggestions.append(town)
    hint = ""
    if suggestions:
        hint = " Did you mean: " + "; ".join(t.label() for t in suggestions[:5]) + "?"
    if elsewhere:
        found_in = _by_population(elsewhere)[:3]
        names = "; ".join(
            f"{t.label()} in {country_name(t.country)} ({t.country})" for t in found_in
        )
        return TownError(
            f"'{text}' is not a town of {where} in the gazetteer; it was found in other "
            f"countries: {names}. Check the country.{hint}",
            tuple(suggestions[:5]),
        )
    return TownError(
        f"'{text}' is not a town of {where} in the offline gazetteer (GeoNames places of "
        f"{MIN_POPULATION:,} or more inhabitants).{hint or ' Give the nearest larger town.'}",
        tuple(suggestions[:5]),
    )
