"""Getting real data in: FHIR R4/R4B, registry spreadsheets (CSV/TSV/XLSX with a mapping
file) and REDCap exports become patient profiles, each imported value with its provenance.

Nothing here turns a missing record into "no": a field the sources do not decide stays
out of the profile, and is listed as a question left to ``pml-trials ask``.
"""
