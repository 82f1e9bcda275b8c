"""Where the trials run and where the patient lives: sites, towns and distances, offline.

- :mod:`.names`: how place names are compared (case, diacritics, punctuation);
- :mod:`.countries`: the ISO 3166-1 alpha-2 codes (generated; the profile imports them at
  start-up), :mod:`.country_names` their names (generated; for messages);
- :mod:`.gazetteer`: towns resolved from the shipped GeoNames extract (loaded on first use);
- :mod:`.distance`: great-circle distance, and a study's sites nearest first.

Nothing here sends a location anywhere: the gazetteer is a file in the package.
"""
