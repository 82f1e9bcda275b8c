"""The patient profile: field declarations, validation, JSON Schema, field reference."""

from pml_trials.profile.fields import BY_KEY, FIELDS, SECTIONS, FieldSpec
from pml_trials.profile.validate import InvalidProfileError, Profile, validate_json, validate_python

__all__ = [
    "BY_KEY",
    "FIELDS",
    "SECTIONS",
    "FieldSpec",
    "InvalidProfileError",
    "Profile",
    "validate_json",
    "validate_python",
]
