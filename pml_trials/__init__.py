"""pml-trials: pre-screen patients with PML against clinical trials.

The package is built in layers, lowest first; a module imports only from its own layer,
the layers its row names, the standard library and the shared base. ``LAYERS`` below is
the one source of this table: ``ARCHITECTURE.md`` shows it and ``tests/test_layers.py``
checks both that file and every import (parsed with ``ast``: no upward import, no cycle).

========================  =====================================================================
layer                     holds
========================  =====================================================================
base (top-level modules)  this module (version, disclaimer), ``record`` (frozen records),
                          ``verdict`` (the verdicts and their words), ``errors`` (exceptions,
                          exit codes), ``terminal`` (control characters made safe to print),
                          ``stopping`` (SIGTERM/SIGHUP raised where it is safe)
``geo``                   places: country codes, the offline gazetteer (GeoNames), distance,
                          a study's sites as seen from the patient's town
``files``                 the one file writer (atomic, 0600, devices written through),
                          bounded reads, the output-is-not-an-input guard
``profile``               the field declarations, the pydantic model, validation, JSON Schema
``rules``                 the rule language: parse/check (``ast``), the node union, the
                          function table, interpreter, code generator, stored form
``studies``               criteria-file models, TOML loading and checking, the cache
``engine``                ``screen()``, results, question ranking, examples, run types
``maintain``              tools for criteria-file maintainers: a skeleton from a registry
                          record, the differences between two versions, review age
``questionnaire``         the interactive questionnaire (rich)
``render``                one writer per output format; ``terminal/`` (rich), ``report/``
``batch``                 finding inputs, streaming, parallel workers, per-input problems
``importers``             FHIR R4, spreadsheets, REDCap to profiles, with provenance
``cli``                   typer commands: options in, one call, render, exit codes
========================  =====================================================================

Kept deliberately free of imports: start-up time is felt on every call.
"""

__version__ = "0.1.0"
DISCLAIMER = "Pre-screening only. The study team decides eligibility."

# The shared base: top-level modules every layer may import.
BASE: tuple[str, ...] = ("record", "verdict", "errors", "terminal", "stopping")

# layer -> the lower layers it may import (lowest first; see the docstring).
LAYERS: dict[str, tuple[str, ...]] = {
    "geo": (),
    "files": (),
    "profile": ("geo",),
    "rules": ("geo", "profile"),
    "studies": ("geo", "files", "profile", "rules"),
    "engine": ("geo", "profile", "rules", "studies"),
    "maintain": ("geo", "profile", "rules", "studies", "engine"),
    "questionnaire": ("geo", "files", "profile", "rules", "studies", "engine"),
    "render": ("geo", "profile", "rules", "studies", "engine", "maintain"),
    "batch": ("geo", "files", "profile", "rules", "studies", "engine", "render"),
    "importers": ("geo", "files", "profile", "rules", "studies", "engine", "render", "batch"),
    "cli": (
        "geo",
        "files",
        "profile",
        "rules",
        "studies",
        "engine",
        "maintain",
        "questionnaire",
        "render",
        "batch",
        "importers",
    ),
}
