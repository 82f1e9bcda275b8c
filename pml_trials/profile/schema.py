"""The profile's validator and JSON Schema, both generated from :data:`FIELDS`.

The validator is a pydantic-core ``SchemaValidator`` built straight from a core schema:
the same engine a ``BaseModel`` uses, without importing pydantic's model machinery, which
costs ~45 ms of start-up on every call (measured; see ``bench/README.md``).
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic_core import CoreSchema, SchemaValidator
from pydantic_core import core_schema as cs

from pml_trials.profile.fields import FIELDS, PATIENT_ID_PATTERN, TEXT_PATTERN, FieldSpec


def field_schema(spec: FieldSpec) -> CoreSchema:
    """The core schema of one field's known value (``null`` is added by the caller)."""
    if spec.kind == "id":
        return cs.str_schema(pattern=PATIENT_ID_PATTERN, strict=True)
    if spec.kind == "date":
        return cs.date_schema(strict=True)
    if spec.kind == "text":
        high = int(spec.maximum or 0)
        return cs.str_schema(min_length=1, max_length=high, pattern=TEXT_PATTERN, strict=True)
    if spec.kind == "boolean":
        return cs.bool_schema(strict=True)
    if spec.kind == "enum":
        return cs.literal_schema(list(spec.choices))
    if spec.kind == "enum_list":
        return cs.list_schema(cs.literal_schema(list(spec.choices)), strict=True)
    if spec.kind == "integer":
        low, high = int(spec.minimum or 0), int(spec.maximum or 0)
        return cs.int_schema(ge=low, le=high, multiple_of=spec.multiple_of, strict=True)
    return cs.float_schema(ge=spec.minimum, le=spec.maximum, allow_inf_nan=False, strict=True)


def core_schema() -> CoreSchema:
    """A typed dict: every field optional and nullable but ``patient_id``; no other keys."""
    fields = {
        spec.key: cs.typed_dict_field(
            field_schema(spec) if spec.kind == "id" else cs.nullable_schema(field_schema(spec)),
            required=spec.kind == "id",
        )
        for spec in FIELDS
    }
    return cs.typed_dict_schema(fields, extra_behavior="forbid", strict=True)


@functools.cache
def validator() -> SchemaValidator:
    """The one profile validator (built once per process, ~0.5 ms)."""
    return SchemaValidator(core_schema())


def json_schema() -> dict[str, Any]:
    """The profile's JSON Schema; each property carries its section, unit, question and help."""
    from pydantic.json_schema import GenerateJsonSchema  # only the schema command pays for it

    schema = GenerateJsonSchema().generate(core_schema())
    for spec in FIELDS:
        prop = schema["properties"][spec.key]
        prop["title"] = spec.key
        prop["description"] = spec.help
        prop["x-question"] = spec.question
        prop["x-section"] = spec.section
        prop["x-unit"] = spec.unit
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://pml-trials.invalid/schema/profile.json",
        "title": "PML patient profile",
        "description": "One patient. An absent key or null means unknown, never 'no'.",
        **schema,
    }
