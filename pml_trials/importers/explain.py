"""What ``explain`` and ``ask --from`` show about an imported profile: each value with
the record it came from, the warnings, and the questions the import left to ``ask``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from pml_trials.engine.run import InputProblem
from pml_trials.errors import ProfileError
from pml_trials.importers.provenance import Imported, evidence_lines
from pml_trials.profile.fields import BY_KEY


def profile_from_fhir(data: bytes, label: str, as_of: date) -> tuple[bytes, dict[str, Any]]:
    """A FHIR document holding one patient as profile JSON, and its provenance record.
    Problems of the input raise one :class:`ProfileError` per line (through ``problems``)."""
    from pml_trials.importers.codes import load_codes
    from pml_trials.importers.fhir.build import Options
    from pml_trials.importers.fhir.mapping import CONCEPTS
    from pml_trials.importers.fhir.run import import_document

    items = import_document(data, label, load_codes(known=CONCEPTS), Options(as_of))
    patients = [i for i in items if isinstance(i, Imported)]
    problems = [i for i in items if isinstance(i, InputProblem)]
    if len(patients) != 1:
        what = "no Patient" if not patients else f"{len(patients)} patients"
        errors = [ProfileError(p.message, source=p.source, field=p.field) for p in problems]
        errors.append(
            ProfileError(
                f"the FHIR input holds {what}: explain takes one; run `pml-trials import fhir` "
                "and explain one profile",
                source=label,
            )
        )
        raise FhirInputError(errors)
    (patient,) = patients
    record = patient.provenance()
    record["problems"] = [p.line() for p in problems]
    return json.dumps(patient.profile).encode(), record


class FhirInputError(ProfileError):
    def __init__(self, problems: list[ProfileError]) -> None:
        super().__init__(problems[-1].message, source=problems[-1].source)
        self.problems = problems


def sidecar_record(profile_path: str, patient_id: str, given: Path | None) -> dict[str, Any] | None:
    """The provenance record of ``patient_id`` from ``given``, or from the sidecar
    ``<stem>.provenance.jsonl`` beside the profile file when there is one."""
    from pml_trials.importers.write import sidecar_path

    path = given or (Path(sidecar_path(profile_path)) if profile_path != "-" else None)
    if path is None or not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if f'"{patient_id}"' not in line:
                    continue
                record = json.loads(line)
                if isinstance(record, dict) and record.get("patient_id") == patient_id:
                    return record
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read the provenance file: {exc}", source=str(path)) from None
    return None


def provenance_text(record: dict[str, Any], deciding: Iterable[str] = ()) -> str:
    """The provenance block as plain text (the explain text format prints it as is)."""
    lines = [
        "",
        f"Imported values ({record.get('source', '')}): check each against the chart",
    ]
    lines += [f"  {line}" for line in evidence_lines(record)] or ["  (none)"]
    warnings = record.get("warnings") or []
    problems = record.get("problems") or []
    if warnings or problems:
        lines.append("Not imported, and why:")
        lines += [f"  {w}" for w in [*problems, *warnings]]
    unfilled = [k for k in record.get("unfilled") or [] if k in BY_KEY]
    wanted = [k for k in dict.fromkeys(deciding) if k in unfilled]
    if wanted:
        lines.append(
            f"Questions left to `pml-trials ask` that could decide a verdict ({len(wanted)}):"
        )
        lines += [f"  {k}: {BY_KEY[k].question}" for k in wanted]
    if unfilled:
        lines.append(
            f"{len(unfilled)} fields are still unknown; `pml-trials ask --from` asks those that "
            "can change a verdict."
        )
    return "\n".join(lines) + "\n"


def read_profile_or_bundle(path: Path) -> bytes:
    """A profile file's bytes (at most 1 MiB, as any profile), or a FHIR document's (at
    most 256 MiB): a larger file is read only once its first bytes show a FHIR resource.
    Devices and sockets are refused unread (:func:`pml_trials.files.read.read_limited`)."""
    from pml_trials.files.read import MAX_DOCUMENT, NotReadableError, read_limited
    from pml_trials.importers.fhir.run import MAX_BUNDLE, looks_like_fhir

    try:
        return read_limited(path, MAX_DOCUMENT, pipes=True)
    except NotReadableError:
        if not (path.is_file() and looks_like_fhir(_head(path))):
            raise
    return read_limited(path, MAX_BUNDLE)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(4096)
    except OSError:
        return b""
