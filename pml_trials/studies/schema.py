"""The criteria file's shape: a pydantic-core schema (validation) and its JSON Schema.

Kept next to the keys' descriptions so ``pml-trials schema criteria`` documents itself.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic_core import CoreSchema, SchemaValidator
from pydantic_core import core_schema as cs

from pml_trials.verdict import Verdict

STUDY_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CRITERION_ID_PATTERN = r"^[a-z0-9]+([-_][a-z0-9]+)*$"
DEFINITION_PATTERN = r"^[a-z_][a-z0-9_]*$"
CATEGORIES = ("t-cell-transfer", "checkpoint-inhibitor", "antiviral", "other")
EXPECTS = tuple(v.value for v in Verdict)  # the one set of verdicts
WORDINGS = ("source", "file")
# A site's recruitment status: ClinicalTrials.gov's vocabulary, in lower case.
SITE_STATUSES = (
    "not yet recruiting",
    "recruiting",
    "enrolling by invitation",
    "active, not recruiting",
    "suspended",
    "terminated",
    "completed",
    "withdrawn",
    "unknown",
)
COORDINATES = ("source", "city")


def _text(max_length: int = 20_000, pattern: str | None = None) -> CoreSchema:
    return cs.str_schema(min_length=1, max_length=max_length, pattern=pattern, strict=True)


def _table(fields: dict[str, tuple[CoreSchema, bool, str]]) -> CoreSchema:
    """A TOML table: (schema, required, description) per key; no other keys."""
    return cs.typed_dict_schema(
        {
            key: cs.typed_dict_field(schema, required=required, metadata={"description": text})
            for key, (schema, required, text) in fields.items()
        },
        extra_behavior="forbid",
        strict=True,
    )


SOURCE_KEYS: dict[str, tuple[CoreSchema, bool, str]] = {
    "key": (_text(64, CRITERION_ID_PATTERN), True, "short name criteria refer to"),
    "citation": (_text(), True, "what was read, and when"),
    "url": (_text(2000), False, "where it can be read (http or https)"),
}
CRITERION_KEYS: dict[str, tuple[CoreSchema, bool, str]] = {
    "id": (_text(64, CRITERION_ID_PATTERN), True, "unique within the file"),
    "text": (_text(), True, "the source's own words (or the file's, with wording = 'file')"),
    "source": (_text(64), True, "a [[source]] key"),
    "rule": (_text(4000), True, "the rule, in the rule language"),
    "note": (_text(), False, "where the file interprets, maps or borrows"),
    "wording": (
        cs.literal_schema(list(WORDINGS)),
        False,
        "'source' (default): text quotes the source verbatim; 'file': the file's own words,"
        " and source names what supports them",
    ),
    "next_step": (
        _text(1000),
        False,
        "what would decide the criterion for a patient it rules out; shown, never decisive",
    ),
}
EXAMPLE_KEYS: dict[str, tuple[CoreSchema, bool, str]] = {
    "name": (_text(200), True, "what the case shows"),
    "expect": (cs.literal_schema(list(EXPECTS)), True, "the verdict the case must get"),
    "profile": (cs.dict_schema(cs.str_schema(), cs.any_schema()), False, "inline patient profile"),
    "file": (_text(500), False, "a profile JSON file, relative to the criteria file"),
}


def _degrees(limit: float) -> CoreSchema:
    return cs.float_schema(ge=-limit, le=limit, allow_inf_nan=False, strict=True)


SITE_KEYS: dict[str, tuple[CoreSchema, bool, str]] = {
    "name": (_text(300), True, "the centre's name"),
    "city": (_text(100), True, "its city, as the gazetteer names it"),
    "country": (_text(2), True, "ISO 3166-1 alpha-2 code (DE, FR, US)"),
    "lat": (_degrees(90), True, "latitude in decimal degrees, -90 to 90 (north positive)"),
    "lon": (_degrees(180), True, "longitude in decimal degrees, -180 to 180 (east positive)"),
    "coordinates": (
        cs.literal_schema(list(COORDINATES)),
        False,
        "where lat/lon come from: 'source' (the cited source gives them; the default) or "
        "'city' (the city's coordinates in the shipped GeoNames gazetteer)",
    ),
    "status": (cs.literal_schema(list(SITE_STATUSES)), True, "recruitment status as last read"),
    "contact": (_text(300), False, "who to contact, as the source gives it"),
    "url": (_text(2000), False, "the site's or the registry's page (http or https)"),
    "source": (_text(64), True, "a [[source]] key"),
    "note": (_text(), False, "where the file interprets or infers"),
}
STUDY_KEYS: dict[str, tuple[CoreSchema, bool, str]] = {
    "format": (cs.literal_schema([1]), True, "version of the criteria contract"),
    "id": (_text(64, STUDY_ID_PATTERN), True, "unique kebab-case id; the file is <id>.toml"),
    "title": (_text(300), True, "the study's title"),
    "category": (cs.literal_schema(list(CATEGORIES)), True, "kind of treatment"),
    "phase": (_text(20), False, "trial phase as the registry gives it"),
    "registry_ids": (cs.list_schema(_text(40), strict=True), False, "e.g. NCT numbers"),
    "sponsor": (_text(300), False, "sponsor as last read"),
    "status": (_text(100), False, "recruitment status as last read"),
    "last_reviewed": (cs.date_schema(strict=True), True, "when a person last checked the file"),
    "summary": (_text(), True, "one paragraph a patient's family can read"),
    "source": (cs.list_schema(_table(SOURCE_KEYS), min_length=1, strict=True), True, "sources"),
    "definitions": (
        cs.dict_schema(_text(64, DEFINITION_PATTERN), _text(4000), strict=True),
        False,
        "named sub-rules usable in any rule of the file",
    ),
    "inclusion": (
        cs.list_schema(_table(CRITERION_KEYS), min_length=1, strict=True),
        True,
        "criteria that must be met",
    ),
    "exclusion": (
        cs.list_schema(_table(CRITERION_KEYS), strict=True),
        False,
        "criteria that must not apply",
    ),
    "example": (cs.list_schema(_table(EXAMPLE_KEYS), strict=True), False, "the file's own tests"),
    "site": (cs.list_schema(_table(SITE_KEYS), strict=True), False, "where the study runs"),
    "sites_note": (
        _text(),
        False,
        "what is known about the sites beyond the [[site]] tables (e.g. not public)",
    ),
}
KEYS_AT = {
    "": STUDY_KEYS,
    "source": SOURCE_KEYS,
    "inclusion": CRITERION_KEYS,
    "exclusion": CRITERION_KEYS,
    "example": EXAMPLE_KEYS,
    "site": SITE_KEYS,
}


@functools.cache
def validator() -> SchemaValidator:
    return SchemaValidator(_table(STUDY_KEYS))


def json_schema() -> dict[str, Any]:
    """The criteria file's JSON Schema (for editors that check TOML against a schema)."""
    from pydantic.json_schema import GenerateJsonSchema

    schema = GenerateJsonSchema().generate(_table(STUDY_KEYS))
    _describe(schema, STUDY_KEYS)
    for name, keys in (
        ("source", SOURCE_KEYS),
        ("inclusion", CRITERION_KEYS),
        ("exclusion", CRITERION_KEYS),
        ("example", EXAMPLE_KEYS),
        ("site", SITE_KEYS),
    ):
        _describe(schema["properties"][name]["items"], keys)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://pml-trials.invalid/schema/criteria.json",
        "title": "pml-trials criteria file (format 1)",
        **schema,
    }


def _describe(schema: dict[str, Any], keys: dict[str, tuple[CoreSchema, bool, str]]) -> None:
    for key, (_, _, text) in keys.items():
        schema["properties"][key]["description"] = text
