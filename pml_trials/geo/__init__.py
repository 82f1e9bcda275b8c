"""Where the trials run and where the patient lives: sites, towns and distances, offline.

- :mod:`.names`: how place names are compared (case, diacritics, punctuation);
- :mod:`.countries`: the ISO 3166-1 alpha-2 codes (generated; the profile imports them at
  start-up), :mod:`.country_names` their names (generated; for messages);
- :mod:`.gazetteer`: towns resolved from the shipped GeoNames extract (loaded on first use);
- :mod:`.distance`: great-circle distance, and a study's sites nearest first.

Nothing here sends a location anywhere: the gazetteer is a file in the package.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pml_trials.geo.gazetteer import Town


@functools.cache
def gazetteer_module() -> ModuleType:
    """:mod:`.gazetteer`, imported on first use (a profile without a town never loads
    it). Hot paths call this rather than run ``from pml_trials.geo.gazetteer import ...``
    on every call: that statement costs ~1 us each time, a tenth of a batch line."""
    from pml_trials.geo import gazetteer as module

    return module


# Every town this process has resolved, by (country, text): a registry repeats its towns
# and the gazetteer's answer for a pair never changes, so the batch's checks and writers
# look a pair up here (one dict look-up) before anything else. Only :func:`resolved`
# fills it; it is emptied when it holds RESOLVED_LIMIT pairs. REFUSED holds the pairs
# that name no single town, with the error's message and suggestions: finding those
# (close names, other countries) takes ~35 ms, and a line with such a town is checked
# twice (the batch's check, then the validator's, which words it), a registry's typo
# many times over.
RESOLVED: dict[tuple[str, str], Town] = {}
REFUSED: dict[tuple[str, str], tuple[str, tuple[Town, ...]]] = {}
RESOLVED_LIMIT = 4096


def resolved(country: str, text: str) -> Town:
    """The town ``text`` names in ``country`` (:func:`.gazetteer.resolve`), remembered
    in :data:`RESOLVED`; or :class:`.gazetteer.TownError`, remembered in
    :data:`REFUSED` (a new error each time, with the same message and suggestions)."""
    key = (country, text)
    town = RESOLVED.get(key)
    if town is not None:
        return town
    places = gazetteer_module()
    refused = REFUSED.get(key)
    if refused is not None:
        raise places.TownError(*refused)
    try:
        found: Town = places.resolve(country, text)
    except places.TownError as exc:
        _remember(REFUSED, key, (exc.message, exc.suggestions))
        raise
    _remember(RESOLVED, key, found)
    return found


def _remember(memo: dict[tuple[str, str], Any], key: tuple[str, str], value: Any) -> None:
    if len(memo) >= RESOLVED_LIMIT:
        memo.clear()
    memo[key] = value
