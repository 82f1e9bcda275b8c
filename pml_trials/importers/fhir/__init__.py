"""FHIR R4 (and R4B) import: Bundles and Bulk-Data NDJSON to patient profiles.

The resources are read as plain JSON objects, not through a FHIR model library: only a few
elements of eight resource types are read, R4 and R4B agree on all of them, and every
element is checked where it is used (a wrong shape is one warning, never a stop).
``fhir.resources`` (R4B models on pydantic) was measured at 0.37 s to import and 5.1 ms
per 25-entry bundle (``../shared/reference/interop.md`` 1.5); the reader here does a
bundle in well under a millisecond and costs nothing at start-up.
"""
