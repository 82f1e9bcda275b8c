"""Options shared by several commands, declared once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from pml_trials.cli.choices import DetailLevel as DetailLevel
from pml_trials.cli.choices import PaperSize as PaperSize

Criteria = Annotated[
    list[Path] | None,
    typer.Option(
        "--criteria",
        metavar="DIR",
        help="A folder of criteria files (*.toml) to use besides the bundled ones; repeatable. "
        "Also read from $PML_TRIALS_CRITERIA (folders separated by ':').",
        exists=True,
        file_okay=False,
        dir_okay=True,
    ),
]
NoBundled = Annotated[bool, typer.Option("--no-bundled", help="Do not load the bundled studies.")]
Trial = Annotated[
    list[str] | None,
    typer.Option("--trial", "-t", metavar="ID", help="Only this study (its id); repeatable."),
]
Within = Annotated[
    float | None,
    typer.Option(
        "--within",
        metavar="KM",
        min=0,
        max=20040,
        help="Keep only trials with a site within KM km (great-circle) of the patient's "
        "town. Trials whose sites are not known, and every trial of a patient without a "
        "town, are kept and say so; the trials left out are listed (JSON: left_out).",
        show_default=False,
    ),
]
AsOf = Annotated[
    datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        metavar="YYYY-MM-DD",
        help="Count date windows to this date (YYYY-MM-DD) when a profile has no "
        "screening_date. Default: today.",
    ),
]


Paper = Annotated[
    PaperSize,
    typer.Option(
        "--paper",
        help="Paper size of the printed html report (margin boxes carry the patient id, "
        "screening date and page x of y).",
    ),
]
Detail = Annotated[
    DetailLevel,
    typer.Option(
        "--detail",
        help="markdown/html reports of a batch: after the patient x trial overview, the "
        "pages of all patients, of those eligible or needing information for some trial "
        "(actionable), or of none.",
    ),
]
MappingFile = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        metavar="FILE",
        exists=True,
        dir_okay=False,
        help="A mapping file (TOML: [columns], [values.FIELD], [units], ignore) for CSV, TSV "
        "and XLSX inputs. Without it a table's columns must be the profile keys (as in a "
        "REDCap export of `pml-trials redcap dictionary`).",
    ),
]
Lenient = Annotated[
    bool,
    typer.Option(
        "--lenient",
        help="Apply the obvious normalisations (case, 'yes'/'true' as text, numbers in text, "
        "a unit after a number that is the field's own, JSON arrays of profiles) and report "
        "each change on stderr. Without it input is read strictly.",
    ),
]
Codes = Annotated[
    list[Path] | None,
    typer.Option(
        "--codes",
        metavar="FILE",
        exists=True,
        dir_okay=False,
        help="A site code list (CSV: concept,system,code,meaning,source) added to the bundled "
        "one; repeatable. `pml-trials import codes` lists them.",
    ),
]
MaxReviewAge = Annotated[
    int | None,
    typer.Option(
        "--max-review-age",
        metavar="DAYS",
        help="Flag a study whose last_reviewed is more than DAYS days before --as-of "
        "(default today): a warning, never an error. Default 180, or $PML_TRIALS_MAX_REVIEW_AGE.",
    ),
]
