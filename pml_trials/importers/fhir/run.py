"""Reading FHIR inputs and producing one :class:`Imported` per Patient, in input order.

A Bundle (transaction, collection, searchset, batch, document) is one scope: its
resources refer to each other by ``fullUrl`` or ``Type/id``, and its patients are
produced as soon as it is read. Bulk-Data NDJSON (one resource a line, usually one file
per type) and single-resource JSON files form one shared scope, produced at the end,
since a Patient's Observations may be in another file. NDJSON is read a line at a time;
what is kept per patient is the few records that can still decide a field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pml_trials.engine.run import InputProblem
from pml_trials.importers.codes import CodeList
from pml_trials.importers.fhir.build import Builder, Options
from pml_trials.importers.fhir.collect import Collector, PatientState
from pml_trials.importers.fhir.elements import Resource, reference
from pml_trials.importers.provenance import Imported

MAX_BUNDLE = 256 * 1_048_576  # bytes: a Bundle is parsed whole
BUNDLE_TYPES = frozenset({"transaction", "collection", "searchset", "batch", "document"})
READ = frozenset(
    {
        "Patient",
        "DiagnosticReport",
        "Observation",
        "Condition",
        "Medication",
        "MedicationStatement",
        "MedicationRequest",
        "MedicationAdministration",
    }
)
MAX_PROBLEMS_PER_FILE = 20
SUFFIXES = (".json", ".ndjson", ".jsonl")


@cache
def resource_types() -> frozenset[str]:
    text = (
        resources.files("pml_trials.importers")
        .joinpath("data/fhir-r4-resource-types.txt")
        .read_text("utf-8")
    )
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def looks_like_fhir(head: bytes) -> bool:
    """A cheap test on the first bytes of a file: ``"resourceType"`` near its start."""
    return b'"resourceType"' in head[:4096]


def normal_ref(ref: str) -> str:
    """``Patient/123`` from ``http://x/fhir/Patient/123/_history/2``; urn:uuid as given."""
    if ref.startswith(("urn:uuid:", "urn:oid:")):
        return ref
    parts = ref.split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:])


def subject_of(resource: Resource) -> str | None:
    return reference(resource.get("subject")) or reference(resource.get("patient"))


class Scope:
    """Patients and the resources that refer to them, within a bundle or a whole run."""

    def __init__(self, collector: Collector, label: str) -> None:
        self.collector = collector
        self.label = label
        self.states: dict[str, PatientState] = {}  # patient key -> state (insertion order)
        self.alias: dict[str, str] = {}  # fullUrl or Type/id -> patient key
        self.orphans: dict[str, PatientState] = {}  # subject not (yet) a Patient
        self.medications: dict[str, Resource] = {}
        self.report_dates: dict[str, tuple[str, str]] = {}  # result ref -> (date, report)

    def add(self, resource: Resource, full_url: str | None = None) -> None:
        kind = resource.get("resourceType")
        rid = resource.get("id")
        names = [f"{kind}/{rid}"] if isinstance(rid, str) else []
        if full_url:
            names.append(full_url)
            names.append(normal_ref(full_url))
        if kind == "Medication":
            for name in names:
                self.medications[name] = resource
            return
        if kind == "DiagnosticReport":
            self._report(resource)
            return
        if kind == "Observation" and not any(k.startswith("effective") for k in resource):
            resource = self._dated_by_report(resource, names)
        if kind == "Patient":
            # No id and no fullUrl: named by its place, so two such patients never share one.
            key = names[0] if names else f"{self.label}#Patient{len(self.states) + 1}"
            state = self.orphans.pop(key, None) or next(
                (self.orphans.pop(n) for n in names if n in self.orphans), None
            )
            state = state or PatientState(key)
            state.key = key
            self.states[key] = state
            for name in names:
                self.alias[name] = key
            self.collector.add(state, resource)
            return
        subject = subject_of(resource)
        if subject is None:
            return
        target = self.alias.get(subject) or self.alias.get(normal_ref(subject))
        if target is not None:
            self.collector.add(self.states[target], resource)
            return
        name = normal_ref(subject)
        state = self.orphans.setdefault(name, PatientState(name))
        self.collector.add(state, resource)

    def _report(self, report: Resource) -> None:
        """Remember a report's date for its results that carry none of their own (results
        in a lab report often give the date only on the report)."""
        when = report.get("effectiveDateTime")
        if not isinstance(when, str):
            period = report.get("effectivePeriod")
            when = period.get("start") if isinstance(period, dict) else None
        if not isinstance(when, str):
            return
        where = f"DiagnosticReport/{report.get('id', '?')}"
        for item in report.get("result") or ():
            ref = reference(item)
            if ref is not None:
                self.report_dates[ref] = (when, where)
                self.report_dates[normal_ref(ref)] = (when, where)

    def _dated_by_report(self, obs: Resource, names: list[str]) -> Resource:
        found = next((self.report_dates[n] for n in names if n in self.report_dates), None)
        if found is None:
            return obs
        return {**obs, "effectiveDateTime": found[0], "_effective_from": found[1]}

    def finish(self, builder: Builder) -> Iterator[Imported | InputProblem]:
        for name in self.orphans:
            yield InputProblem(
                self.label,
                None,
                f"records refer to {_masked(name)}, which is not a Patient in the input; they were not used",
            )
        for number, state in enumerate(self.states.values(), start=1):
            self.collector.resolve(state, self.medications)
            yield builder.build(state, f"{self.label} patient {number}")


def _masked(ref: str) -> str:
    """A patient reference without its id (the id may be an MRN)."""
    return ref.split("/")[0] + "/…" if "/" in ref else "a patient (urn)"


class FhirImport:
    """One run of the import over many inputs."""

    def __init__(self, codes: CodeList, options: Options, exclude: Iterable[str] = ()) -> None:
        self.exclude = {Path(p).resolve() for p in exclude}  # the run's own outputs
        self.collector = Collector(codes, options.as_of)
        self.builder = Builder(options)
        self.builder.collector_concepts = self.collector.concepts
        self.shared = Scope(self.collector, "")
        self.shared_labels: list[str] = []

    def run(self, paths: Iterable[str]) -> Iterator[Imported | InputProblem]:
        for label in paths:
            yield from self.read_path(label)
        yield from self.finish_shared()

    def finish_shared(self) -> Iterator[Imported | InputProblem]:
        if self.shared.states or self.shared.orphans:
            self.shared.label = " ".join(self.shared_labels[:1]) + (
                f" (+{len(self.shared_labels) - 1} files)" if len(self.shared_labels) > 1 else ""
            )
            yield from self.shared.finish(self.builder)
        self.shared = Scope(self.collector, "")
        self.shared_labels = []

    def read_path(self, label: str) -> Iterator[Imported | InputProblem]:
        if label == "-":
            yield from self.read_stdin()
            return
        path = Path(label)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and p.resolve() not in self.exclude
            )
            if not found:
                yield InputProblem(
                    label, None, "no *.json, *.ndjson or *.jsonl files in this folder"
                )
            for item in found:
                yield from self.read_file(str(item))
            return
        yield from self.read_file(label)

    def read_file(self, label: str) -> Iterator[Imported | InputProblem]:
        path = Path(label)
        unfit = _not_a_file(path)
        if unfit:
            yield InputProblem(label, None, unfit)
            return
        try:
            handle = path.open("rb")
        except OSError as exc:
            yield InputProblem(
                label, None, f"cannot read the file: {(exc.strerror or type(exc).__name__).lower()}"
            )
            return
        with handle:
            if path.suffix.lower() in (".ndjson", ".jsonl"):
                yield from self.read_lines(label, handle)
                return
            data = handle.read(MAX_BUNDLE + 1)
        if len(data) > MAX_BUNDLE:
            yield InputProblem(
                label,
                None,
                "larger than 256 MiB: export it as Bulk-Data NDJSON (one resource a line)",
            )
            return
        yield from self.read_document(label, data)

    def read_stdin(self) -> Iterator[Imported | InputProblem]:
        """Standard input: one JSON document (a Bundle, a resource), else NDJSON."""
        import sys

        data = sys.stdin.buffer.read(MAX_BUNDLE + 1)
        if len(data) > MAX_BUNDLE:
            yield InputProblem(
                "-", None, "more than 256 MiB on standard input: give the NDJSON files instead"
            )
            return
        try:
            json.loads(data)
        except (ValueError, RecursionError):
            if data.strip().count(b"\n"):
                yield from self.read_lines("-", data.splitlines(keepends=True))
                return
        yield from self.read_document("-", data)

    def read_document(self, label: str, data: bytes) -> Iterator[Imported | InputProblem]:
        try:
            top = json.loads(data)
        except (ValueError, RecursionError) as exc:
            yield InputProblem(label, None, f"not a FHIR JSON resource: {_json_reason(exc)}")
            return
        problem = self._check(top)
        if problem:
            yield InputProblem(label, None, problem)
            return
        if top["resourceType"] == "Bundle":
            yield from self.bundle(label, top)
        else:
            self._shared(label, top)

    def _shared(self, label: str, resource: Resource) -> None:
        if label not in self.shared_labels:
            self.shared_labels.append(label)
        if resource.get("resourceType") in READ:
            self.shared.add(resource)

    def read_lines(self, label: str, handle: Iterable[bytes]) -> Iterator[Imported | InputProblem]:
        problems = 0
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{label}:{number}"
            resource: Any = None
            try:
                resource = json.loads(line)
            except (ValueError, RecursionError) as exc:
                problem: str | None = f"not a FHIR JSON resource: {_json_reason(exc)}"
            else:
                problem = self._check(resource)
            if problem:
                problems += 1
                if problems <= MAX_PROBLEMS_PER_FILE:
                    yield InputProblem(where, None, problem)
                continue
            if resource["resourceType"] == "Bundle":
                yield from self.bundle(where, resource)
            else:
                self._shared(label, resource)
        if problems > MAX_PROBLEMS_PER_FILE:
            yield InputProblem(
                label,
                None,
                f"{problems - MAX_PROBLEMS_PER_FILE} more lines with problems were not listed",
            )

    def _check(self, resource: Any) -> str | None:
        if not isinstance(resource, dict):
            return "expected a FHIR resource (a JSON object with resourceType)"
        kind = resource.get("resourceType")
        if not isinstance(kind, str):
            hint = (
                " (a patient profile? screen it with `pml-trials screen`)"
                if "patient_id" in resource
                else ""
            )
            return f"no resourceType: not a FHIR resource{hint}"
        if kind not in resource_types():
            return f"unknown resource type '{kind[:40]}' (not FHIR R4/R4B); skipped"
        return None

    def bundle(self, label: str, bundle: Resource) -> Iterator[Imported | InputProblem]:
        kind = bundle.get("type")
        if kind is None:
            yield InputProblem(
                label, "Bundle.type", "missing (required by FHIR); read as a collection"
            )
        elif kind not in BUNDLE_TYPES:
            yield InputProblem(
                label,
                "Bundle.type",
                f"'{kind}' is not read (allowed: {', '.join(sorted(BUNDLE_TYPES))}); skipped",
            )
            return
        entries = bundle.get("entry") or []
        if not isinstance(entries, list):
            yield InputProblem(label, "Bundle.entry", "is not a list; skipped")
            return
        scope = Scope(self.collector, label)
        bad = 0
        # Patients first, so references to them resolve whatever the entry order; then
        # reports, whose dates date the results that give none.
        rank = {"Patient": 0, "DiagnosticReport": 1}
        ordered = sorted(range(len(entries)), key=lambda i: rank.get(_entry_type(entries[i]), 2))
        for index in ordered:
            entry = entries[index]
            resource = entry.get("resource") if isinstance(entry, dict) else None
            problem = self._check(resource)
            if problem:
                bad += 1
                if bad <= MAX_PROBLEMS_PER_FILE:
                    yield InputProblem(label, f"entry[{index}]", problem)
                continue
            request = entry.get("request")
            if isinstance(request, dict) and request.get("method") == "DELETE":
                continue
            search = entry.get("search")
            if isinstance(search, dict) and search.get("mode") == "outcome":
                continue
            if isinstance(resource, dict) and resource["resourceType"] in READ:
                url = entry.get("fullUrl")
                scope.add(resource, url if isinstance(url, str) else None)
        if not scope.states and not scope.orphans:
            yield InputProblem(label, None, "no Patient in this Bundle; nothing imported")
            return
        yield from scope.finish(self.builder)


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` is not read (a device, socket or folder), if it is not: /dev/zero
    named as an export would otherwise be read without end. A FIFO is read (a pipe)."""
    import stat

    from pml_trials.files.read import kind_of

    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # opening it says why
    kind = kind_of(mode)
    return None if kind is None or stat.S_ISFIFO(mode) else f"{kind}, not a file: not read"


def _entry_type(entry: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
        return entry["resource"].get("resourceType")
    return None


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def import_fhir(
    paths: Iterable[str], codes: CodeList, options: Options, exclude: Iterable[str] = ()
) -> Iterator[Imported | InputProblem]:
    """Every Patient of ``paths`` (files, folders, ``-``), never reading ``exclude``."""
    return FhirImport(codes, options, exclude).run(paths)


def import_document(
    data: bytes, label: str, codes: CodeList, options: Options
) -> list[Imported | InputProblem]:
    """One document already read (``explain``/``ask --from`` given a Bundle)."""
    run = FhirImport(codes, options)
    out = list(run.read_document(label, data))
    out += run.finish_shared()
    return out
