"""Code lists as data: which codes the FHIR import reads as which concept.

The bundled list is ``data/fhir-codes.csv``; a site adds its own codes (local lab codes,
RxNorm codes after checking them in RxNav) with a file of the same columns given as
``--codes FILE``. Each row names one code: ``concept,system,code,meaning,source``; a code
ending in ``*`` matches every code it begins with (ATC groups). A row without a source is
refused: an unreviewed code is a wrong value waiting to happen.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from pml_trials.errors import PmlTrialsError
from pml_trials.record import Record

SYSTEMS = {
    "loinc": "http://loinc.org",
    "snomed": "http://snomed.info/sct",
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "icd10": "http://hl7.org/fhir/sid/icd-10",
    "atc": "http://www.whocc.no/atc",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "ucum": "http://unitsofmeasure.org",
}
COLUMNS = ("concept", "system", "code", "meaning", "source")


class CodeListError(PmlTrialsError):
    """A code list row that cannot be used."""


class CodeRow(Record):
    concept: str
    system: str
    code: str
    meaning: str
    source: str
    origin: str  # file:line, for provenance and errors


class CodeList:
    """Look-up of (system, code) to the concepts it stands for."""

    def __init__(self, rows: Iterable[CodeRow]) -> None:
        self.rows = tuple(rows)
        self.exact: dict[tuple[str, str], list[CodeRow]] = {}
        self.prefixes: list[tuple[str, str, CodeRow]] = []
        for row in self.rows:
            if row.code.endswith("*"):
                self.prefixes.append((row.system, row.code[:-1], row))
            else:
                self.exact.setdefault((row.system, row.code), []).append(row)
        self.concepts = frozenset(row.concept for row in self.rows)

    def match(self, system: str, code: str) -> list[CodeRow]:
        """The rows a coding matches (exact codes first, then prefix groups)."""
        found = list(self.exact.get((system, code), ()))
        found += [
            row for s, prefix, row in self.prefixes if s == system and code.startswith(prefix)
        ]
        return found


def load_codes(extra: Sequence[Path] = (), known: frozenset[str] | None = None) -> CodeList:
    """The bundled code list plus each site file in ``extra`` (errors name file:line)."""
    text = (
        resources.files("pml_trials.importers").joinpath("data/fhir-codes.csv").read_text("utf-8")
    )
    rows = list(parse_codes(text, "fhir-codes.csv", known))
    for path in extra:
        try:
            site = path.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CodeListError(f"cannot read the code list: {exc}", source=str(path)) from None
        rows += parse_codes(site, str(path), known)
    return CodeList(rows)


def parse_codes(text: str, origin: str, known: frozenset[str] | None) -> Iterable[CodeRow]:
    lines = [line if not line.lstrip().startswith("#") else "" for line in text.splitlines()]
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header_seen = False
    for number, cells in enumerate(reader, start=1):
        if not cells or all(not c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells]
        if not header_seen:
            header_seen = True
            if tuple(c.lower() for c in cells) != COLUMNS:
                raise CodeListError(
                    f"the first row must be the header {','.join(COLUMNS)}",
                    source=origin,
                    line=number,
                )
            continue
        if len(cells) != len(COLUMNS):
            raise CodeListError(
                f"expected {len(COLUMNS)} columns ({','.join(COLUMNS)}), got {len(cells)}"
                " (quote a meaning that holds a comma)",
                source=origin,
                line=number,
            )
        concept, system, code, meaning, source = cells
        if known is not None and concept not in known:
            raise CodeListError(
                f"unknown concept '{concept}' (known: {', '.join(sorted(known))})",
                source=origin,
                line=number,
            )
        if not code or not system:
            raise CodeListError("system and code are required", source=origin, line=number)
        if not source:
            raise CodeListError(
                "every code needs the source that confirms it (column 'source')",
                source=origin,
                line=number,
            )
        yield CodeRow(
            concept,
            SYSTEMS.get(system.lower(), system),
            code,
            meaning,
            source,
            f"{origin}:{number}",
        )
