"""Registry spreadsheets (CSV, TSV, XLSX) and REDCap exports to patient profiles."""
