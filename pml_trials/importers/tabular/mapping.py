"""The mapping file (TOML) of a registry spreadsheet::

    sheet = "Patients"                  # XLSX only; default: the first sheet
    ignore = ["Name", "MRN", "Notes"]   # columns read by no one (never copied)

    [columns]                           # spreadsheet column -> profile field
    "Study ID" = "patient_id"
    "Age" = "age_years"
    "CSF JCV PCR" = "csf_jcv_pcr"
    "CD4" = "cd4_cells_per_ul"

    [values.csf_jcv_pcr]                # the sheet's words -> allowed values
    "Detected" = "detected"
    "Not detected" = "not_detected"

    [units]                             # a column's unit, converted with the FHIR unit lists
    cd4_cells_per_ul = "10*3/uL"

Every column must be mapped or ignored, and every mapped column must be there: a sheet
that changed shape is refused with one line per column, rather than read half.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pml_trials.errors import PmlTrialsError
from pml_trials.importers.fhir.mapping import unit_factors
from pml_trials.profile.fields import BY_KEY
from pml_trials.record import Record, field

KEYS = {"sheet", "ignore", "columns", "values", "units"}


class MappingError(PmlTrialsError):
    """A mapping file that cannot be used."""


class Mapping(Record):
    columns: dict[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[str, float] = field(default_factory=dict)  # field -> factor
    sheet: str | None = None
    source: str = ""


def load_mapping(path: Path) -> Mapping:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text("utf-8-sig"))
    except OSError as exc:
        raise MappingError(f"cannot read the mapping file: {exc.strerror}", source=where) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"not valid TOML: {exc}", source=where) from None
    unknown = set(data) - KEYS
    if unknown:
        raise MappingError(
            f"unknown key {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(KEYS))})", source=where
        )
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise MappingError(
            "[columns] maps column names to profile field names (strings)", source=where
        )
    for column, key in columns.items():
        if key not in BY_KEY:
            raise MappingError(
                f"[columns] {column!r}: {key!r} is not a profile field (see `pml-trials fields`)",
                source=where,
            )
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
        raise MappingError("ignore is a list of column names", source=where)
    values = data.get("values", {})
    for key, table in values.items():
        if key not in BY_KEY or not isinstance(table, dict):
            raise MappingError(
                f"[values.{key}]: not a profile field with a table of values", source=where
            )
    units: dict[str, float] = {}
    for key, unit in data.get("units", {}).items():
        factors = unit_factors(key)
        if unit not in factors:
            allowed = ", ".join(factors) or "none: this field has no unit list"
            raise MappingError(
                f"[units] {key}: {unit!r} is not a unit it converts from (allowed: {allowed})",
                source=where,
            )
        units[key] = factors[unit]
    sheet = data.get("sheet")
    return Mapping(
        dict(columns),
        frozenset(ignore),
        values,
        units,
        sheet if isinstance(sheet, str) else None,
        where,
    )
