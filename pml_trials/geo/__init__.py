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


@functools.cache
def gazetteer_module() -> ModuleType:
    """:mod:`.gazetteer`, imported on first use (a profile without a town never loads
    it). Hot paths call this rather than run ``from pml_trials.geo.gazetteer import ...``
    on every call: that statement costs ~1 us each time, a tenth of a batch line."""
    from pml_trials.geo import gazetteer as module

    return module
