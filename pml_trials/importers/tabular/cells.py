"""Turning one cell (text from CSV, a typed value from XLSX) into a profile value.

Strict (the default) takes what the format itself means: a number written as a number,
``true``/``false`` (and REDCap's raw ``1``/``0`` for yes/no), an allowed value as
written, an ISO date. ``--lenient`` also takes the obvious variants (``Yes``,
``Detected``, ``58 years``, ``420/µL``, a date with a time) and reports each change. An
empty cell is unknown. Every refusal says how to fix it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pml_trials.profile.fields import FieldSpec

Cell = str | int | float | bool | date | datetime | None
TRUE = {"true", "yes", "y", "1", "ja", "oui", "si", "sí"}
FALSE = {"false", "no", "n", "0", "nein", "non"}
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")


class CellError(Exception):
    """A cell that cannot be read as its field's type (the message says how to fix it)."""


def convert(spec: FieldSpec, cell: Cell, lenient: bool, changes: list[str], where: str) -> Any:
    """The profile value of ``cell`` for ``spec`` (``None``: empty, unknown)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    kind = spec.kind
    if kind == "boolean":
        return _boolean(spec, cell, lenient, changes, where)
    if kind in ("integer", "number"):
        return _number(spec, cell, lenient, changes, where)
    if kind == "date":
        return _date(cell, lenient, changes, where)
    if kind == "enum":
        return _choice(spec, str(cell), lenient, changes, where)
    if kind == "enum_list":
        parts = [p for p in re.split(r"[;,|]", str(cell)) if p.strip()]
        return [_choice(spec, p, lenient, changes, where) for p in parts]
    return str(cell).strip() if lenient else str(cell)


def _changed(changes: list[str], where: str, before: Any, after: Any) -> None:
    changes.append(f"{where}: {before!r} read as {after!r}")


def _boolean(spec: FieldSpec, cell: Cell, lenient: bool, changes: list[str], where: str) -> bool:
    if isinstance(cell, bool):
        return cell
    text = str(cell).strip()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    if lenient and text.lower() in TRUE | FALSE:
        value = text.lower() in TRUE
        _changed(changes, where, cell, value)
        return value
    raise CellError(
        f"{cell!r} is not true/false (also 1/0); map it under [values.{spec.key}] or pass --lenient"
    )


def _number(
    spec: FieldSpec, cell: Cell, lenient: bool, changes: list[str], where: str
) -> int | float:
    if isinstance(cell, bool | date):
        raise CellError(f"{cell!r} is not a number")
    if isinstance(cell, int | float):
        value: int | float = cell
    else:
        match = _NUMBER.match(str(cell))
        if not match or (match[2] and not lenient) or ("," in match[1] and not lenient):
            hint = (
                " (a unit or text after the number: pass --lenient, or give the unit under [units])"
                if match
                else ""
            )
            raise CellError(f"{cell!r} is not a number{hint}")
        number, unit = match[1], match[2]
        if "," in number and re.fullmatch(r"[-+]?\d{1,3},\d{3}", number):
            raise CellError(
                f"{cell!r}: is the comma a decimal point or a thousands separator? Write the number without it"
            )
        factor = _unit_factor(spec, unit) if unit else 1.0
        if factor is None:
            raise CellError(
                f"{cell!r}: the unit {unit!r} is not {spec.unit or 'one this field takes'}; give the column's unit under [units]"
            )
        value = float(number.replace(",", ".")) * factor
        if factor != 1:
            value = float(f"{value:.6g}")
        if unit or "," in number:
            _changed(changes, where, cell, value)
    if spec.kind == "integer":
        if float(value).is_integer():
            return int(value)
        raise CellError(f"{cell!r} is not a whole number")
    return value


def _unit_factor(spec: FieldSpec, unit: str) -> float | None:
    """The factor of a unit written after a number: 1 for the field's own unit (as people
    write it), else one of the field's UCUM units (as the FHIR import converts them)."""
    plain = unit.replace("µ", "u").replace("μ", "u").replace(" ", "")
    folded = plain.lower().replace("cells", "")
    own = spec.unit.lower().replace("µ", "u").replace(" ", "").replace("cells", "")
    aliases = {
        "years": {"y", "yr", "yrs", "years", "year"},
        "kg": {"kg"},
        "/ul": {"/ul", "/mm3", "perul"},
    }
    if folded == own or folded in aliases.get(own, set()):
        return 1.0
    from pml_trials.importers.fhir.mapping import unit_factors

    ucum = re.sub(r"^(?:x|×)?10\^", "10*", plain)
    return unit_factors(spec.key).get(ucum)


def _date(cell: Cell, lenient: bool, changes: list[str], where: str) -> str:
    if isinstance(cell, datetime):
        if cell.time() != datetime.min.time() and not lenient:
            raise CellError(
                f"{cell.isoformat()!r} has a time; give the date only or pass --lenient"
            )
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    match = _DATE_TIME.match(text)
    if match and lenient:
        _changed(changes, where, cell, match[1])
        return match[1]
    raise CellError(
        f"{cell!r} is not a date YYYY-MM-DD"
        + ("" if lenient else " (a date with a time: pass --lenient)")
    )


def _choice(spec: FieldSpec, text: str, lenient: bool, changes: list[str], where: str) -> str:
    if text in spec.choices:
        return text
    if lenient:
        folded = re.sub(r"[\s\-]+", "_", text.strip().lower())
        if folded in spec.choices:
            _changed(changes, where, text, folded)
            return folded
    raise CellError(
        f"{text!r} is not an allowed value ({', '.join(spec.choices)}); map it under "
        f"[values.{spec.key}] or pass --lenient"
    )
