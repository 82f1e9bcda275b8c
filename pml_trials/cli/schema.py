"""``pml-trials schema``: the JSON Schemas of the profile and of criteria files."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class SchemaName(StrEnum):
    profile = "profile"
    criteria = "criteria"


def command(
    name: Annotated[SchemaName, typer.Argument(help="profile or criteria")],
) -> None:
    """Print a JSON Schema: of the patient profile, or of a criteria file."""
    import json

    if name is SchemaName.profile:
        from pml_trials.profile.schema import json_schema
    else:
        from pml_trials.studies.schema import json_schema
    from pml_trials.cli.common import user_errors, write_stdout

    with user_errors():
        write_stdout(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
