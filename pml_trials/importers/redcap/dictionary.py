"""The REDCap data dictionary (the CSV uploaded in Project Setup > Data Dictionary),
generated from :data:`pml_trials.profile.fields.FIELDS`: the variable names are the
profile keys, so an export of the instrument (raw values) is a profile table as it is.

Types: booleans are ``yesno`` (raw 1/0), enums ``radio`` (``dropdown`` past 12 choices), the list field ``checkbox``
(exported as ``key___choice`` columns of 1/0), dates ``text`` with ``date_ymd``,
numbers ``text`` with ``integer``/``number`` validation and the field's range.
"""

from __future__ import annotations

import csv
import io

from pml_trials.profile.fields import FIELDS, FieldSpec

HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
FORM = "pml_prescreen"


def _label(choice: str) -> str:
    return choice.replace("_", " ").capitalize()


def _row(spec: FieldSpec, section: str) -> list[str]:
    kind, choices, validation, low, high = "text", "", "", "", ""
    if spec.kind == "boolean":
        kind = "yesno"
    elif spec.kind == "enum":
        kind = "radio" if len(spec.choices) <= 12 else "dropdown"  # 250 countries: a list
        choices = " | ".join(f"{c}, {_label(c)}" for c in spec.choices)
    elif spec.kind == "enum_list":
        kind = "checkbox"
        choices = " | ".join(f"{c}, {_label(c)}" for c in spec.choices)
    elif spec.kind == "date":
        validation = "date_ymd"
    elif spec.kind in ("integer", "number"):
        validation = spec.kind
        low = "" if spec.minimum is None else f"{spec.minimum:g}"
        high = "" if spec.maximum is None else f"{spec.maximum:g}"
    note = spec.help + (f" Unit: {spec.unit}." if spec.unit else "")
    required = "y" if spec.kind == "id" else ""
    return [
        spec.key, FORM, section, kind, spec.question, choices, note, validation, low, high,
        "", "", required, "", "", "", "", "",
    ]  # fmt: skip


def data_dictionary() -> str:
    """The data dictionary as CSV text (one row per profile field, in declaration order)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    previous = ""
    for spec in FIELDS:
        section = spec.section if spec.section != previous else ""
        previous = spec.section
        writer.writerow(_row(spec, section))
    return buffer.getvalue()
