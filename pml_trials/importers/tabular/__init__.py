"""Registry spreadsheets (CSV, TSV, XLSX) and REDCap exports to patient profiles."""

TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx")
