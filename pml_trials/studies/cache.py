"""A cache of checked criteria files, so that a run does not parse and check them again.

Checking the bundled files (TOML, the schema, every rule, every example) costs about
10 ms of every call (issue 8). Once a file has loaded without any problem, its study is
stored as JSON data: the values read from the file and its rules' checked trees
(:mod:`pml_trials.rules.stored`), never code, pickles or marshalled objects. A later
run that reads the same bytes builds the study from that data, and compiles its rules
with the same code generator as always.

An entry is used only while all of these are as they were when it was written; else the
file is checked as if there were no cache, and the entry written again:

- the criteria file's sha256, and its path as given, made absolute (the file of a study
  is named after its id: a link to it by another name is checked under that name);
- the code that checks files: the tool's version, Python's and pydantic-core's, and the
  size and time of each source file that takes part (a changed checker must not be
  trusted with trees that an older one accepted).

A file with a problem is never stored, so a broken file reports exactly what it would
without a cache; nor is one whose examples are read from other files. An entry that
cannot be read, is not the user's own, or holds anything unexpected is ignored.

Entries live in ``$XDG_CACHE_HOME/pml-trials`` (default ``~/.cache/pml-trials``), a
folder of the user's own (mode 0700), one file per criteria file (mode 0600, replaced
whole): a line of JSON saying what the entry was made from, with the checksum of the
rest, then the study as JSON. ``PML_TRIALS_NO_CACHE=1`` turns the cache off. Only criteria files pass through
here: patient data is never stored.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pml_trials import __version__
from pml_trials.errors import PmlTrialsError
from pml_trials.profile.fields import BY_KEY
from pml_trials.rules import stored
from pml_trials.rules.nodes import DefinitionRef, Node, definitions_used, fields_read
from pml_trials.studies.model import Criterion, Example, Site, Source, Study, compile_criteria
from pml_trials.verdict import Verdict

FORMAT = 1  # of an entry; part of its key
OFF = "PML_TRIALS_NO_CACHE"
# The code whose behaviour an entry depends on: the folders of the profile, the rule
# language and the criteria files, and these modules.
_CODE = ("profile", "rules", "studies")
_MODULES = ("record.py", "verdict.py")
# What reading a damaged or foreign entry can raise: each means "not in the cache".
_UNUSABLE = (
    OSError,
    PmlTrialsError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    RecursionError,
)


def _sha256() -> Callable[[bytes], Any]:
    """SHA-256, preferably CPython's own: ``import hashlib`` loads OpenSSL, which costs
    about 3 ms of every call's start-up (issue 8), to hash three small files."""
    for name in ("_sha256", "_sha2"):  # Python 3.11; 3.12 and later
        try:
            function: Callable[[bytes], Any] = importlib.import_module(name).sha256
        except (ImportError, AttributeError):
            continue
        return function
    import hashlib  # pragma: no cover - an interpreter without them

    return hashlib.sha256  # pragma: no cover


_SHA256 = _sha256()


def checksum(data: bytes) -> str:
    """The hexadecimal SHA-256 of ``data`` (a criteria file's: the cache key, and what
    reports give as the study's ``sha256``)."""
    return str(_SHA256(data).hexdigest())


def folder() -> Path | None:
    """The cache's folder, or ``None`` when ``$PML_TRIALS_NO_CACHE`` turns it off."""
    if os.environ.get(OFF, "") not in ("", "0"):
        return None
    home = Path(os.environ.get("XDG_CACHE_HOME", ""))
    return (home if home.is_absolute() else Path.home() / ".cache") / "pml-trials"


def lookup(path: Path, sha256: str) -> Study | None:
    """The study of the criteria file at ``path`` whose bytes have this sha256, if the
    cache holds it (see the module docstring); ``None`` otherwise."""
    where = folder()
    if where is None:
        return None
    try:
        file = path.absolute()  # not resolved: a link's own name must match the id
        with _entry(where, file).open("rb") as handle:
            if not _private(os.fstat(handle.fileno())):
                return None
            head, _, body = handle.read().partition(b"\n")
        if json.loads(head) != _key(file, sha256, body):
            return None
        return restore(json.loads(body), path, sha256)
    except _UNUSABLE:
        return None


def store(study: Study) -> None:
    """Keep a study that loaded without problems; any failure only means it is not kept."""
    where = folder()
    if where is None:
        return
    try:
        file = study.path.absolute()
        body = json.dumps(dump(study), ensure_ascii=False, separators=(",", ":")).encode()
        head = json.dumps(_key(file, study.sha256, body)).encode()
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(where.stat()):
            return
        _write(_entry(where, file), head + b"\n" + body)
    except _UNUSABLE:
        return


def _entry(where: Path, file: Path) -> Path:
    return where / f"{checksum(str(file).encode('utf-8', 'surrogatepass'))}.json"


def _key(file: Path, sha256: str, body: bytes) -> dict[str, Any]:
    """An entry's first line: what it was made from, and the checksum of the rest (the
    study), against damage."""
    return {
        "format": FORMAT,
        "file": str(file),
        "sha256": sha256,
        "code": _code(),
        "content": checksum(body),
    }


@functools.cache
def _code() -> str:
    """A digest of what decides an entry's contents, besides the file itself."""
    package = Path(__file__).resolve().parent.parent
    parts: list[object] = [__version__, sys.version, _pydantic_core_version()]
    files = [package / name for name in _MODULES]
    for name in _CODE:
        files += sorted(p for p in (package / name).iterdir() if p.suffix == ".py")
    for file in files:
        info = file.stat()
        parts.append((file.relative_to(package).as_posix(), info.st_size, info.st_mtime_ns))
    return checksum(repr(parts).encode())


def _pydantic_core_version() -> str:
    """pydantic-core validates the schema and the examples: its installed files (names,
    sizes, times) name its build. Found, not imported: a one-file screen would otherwise
    pay ~25 ms of start-up to read a version string."""
    import importlib.util

    spec = importlib.util.find_spec("pydantic_core")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        return "?"
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())
    return repr(files)


def _private(info: os.stat_result) -> bool:
    """Owned by this user, and nobody else may write to it."""
    owner = getattr(os, "getuid", None)
    return owner is None or (info.st_uid == owner() and not info.st_mode & 0o022)


def _write(target: Path, data: bytes) -> None:
    """Replace ``target`` whole: readers see the old entry or the new one, never part."""
    from pml_trials.files.write import write_bytes

    write_bytes(target, data, what="the cache entry")


# -- a study as JSON data, and back ----------------------------------------------------


def dump(study: Study) -> dict[str, Any]:
    """What :func:`restore` needs to build the same study (all but path and sha256)."""
    used: dict[str, DefinitionRef] = {}
    for criterion in study.criteria:
        for definition in definitions_used(criterion.node):  # dependencies first
            used.setdefault(definition.name, definition)
    return {
        "id": study.id,
        "title": study.title,
        "category": study.category,
        "last_reviewed": study.last_reviewed.isoformat(),
        "summary": study.summary,
        "sources": [[s.key, s.citation, s.url] for s in study.sources],
        "definitions": study.definitions,
        "trees": [[name, stored.dump(d.body)] for name, d in used.items()],
        "criteria": [
            [
                *(c.id, c.kind, c.text, c.source, c.rule, stored.dump(c.node), c.note, c.line),
                *(c.wording, c.next_step),
            ]
            for c in study.criteria
        ],
        "examples": [
            [e.name, e.expect.value, _dates_out(e.profile), e.line] for e in study.examples
        ],
        "phase": study.phase,
        "registry_ids": list(study.registry_ids),
        "sponsor": study.sponsor,
        "status": study.status,
        "sites": [
            [
                t.name,
                t.city,
                t.country,
                t.lat,
                t.lon,
                t.coordinates,
                t.status,
                t.source,
                t.contact,
                t.url,
                t.note,
                t.line,
            ]
            for t in study.sites
        ],
        "sites_note": study.sites_note,
    }


def restore(data: dict[str, Any], path: Path, sha256: str) -> Study:
    """The study :func:`dump` stored, its rules compiled; :class:`ValueError` (or another
    of ``_UNUSABLE``) for data it cannot have written."""
    bodies: dict[str, Node] = {}
    for name, tree in data["trees"]:
        bodies[name] = stored.load(tree, bodies)
    criteria = tuple(_criterion(row, bodies) for row in data["criteria"])
    return Study(
        id=data["id"],
        title=data["title"],
        category=data["category"],
        last_reviewed=date.fromisoformat(data["last_reviewed"]),
        summary=data["summary"],
        sources=tuple(Source(key, citation, url) for key, citation, url in data["sources"]),
        definitions=dict(data["definitions"]),
        criteria=criteria,
        examples=tuple(
            Example(name, Verdict(expect), _dates_in(profile), line)
            for name, expect, profile, line in data["examples"]
        ),
        path=path,
        sha256=sha256,
        evaluate=compile_criteria(criteria, path),
        phase=data["phase"],
        registry_ids=tuple(data["registry_ids"]),
        sponsor=data["sponsor"],
        status=data["status"],
        sites=tuple(_site(row) for row in data["sites"]),
        sites_note=data["sites_note"],
    )


def _site(row: list[Any]) -> Site:
    name, city, country, lat, lon, coordinates, status, source, contact, url, note, line = row
    if not (isinstance(lat, float) and isinstance(lon, float)):
        raise ValueError("a site's coordinates are not numbers")
    return Site(
        name, city, country, lat, lon, coordinates, status, source, contact, url, note, line
    )


def _criterion(row: list[Any], bodies: dict[str, Node]) -> Criterion:
    criterion_id, kind, text, source, rule, tree, note, line, wording, next_step = row
    if kind not in ("inclusion", "exclusion"):
        raise ValueError(f"not a criterion kind: {kind!r}")
    if wording not in ("source", "file"):
        raise ValueError(f"not a wording: {wording!r}")
    node = stored.load(tree, bodies)
    read = fields_read(node)
    return Criterion(
        criterion_id, kind, text, source, rule, node, read, note, line, wording, next_step
    )


def _dates_out(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in profile.items()}


def _dates_in(profile: dict[str, Any]) -> dict[str, Any]:
    """An example profile as validation gave it: its date fields as dates again."""
    return {
        key: date.fromisoformat(value)
        if value is not None and BY_KEY[key].kind == "date"
        else value
        for key, value in profile.items()
    }
