"""REDCap: a data dictionary generated from the profile declarations, and reading an
export of that instrument back (raw values) without a mapping file."""
