"""Check one criteria file and build its :class:`~.model.Study`, collecting every problem.

The file's text is parsed as TOML, validated against the criteria schema, then each
definition and rule is checked (:mod:`pml_trials.rules.parse`) and each example profile
validated, as a patient file would be. :mod:`.load` calls this for files the cache does
not hold (or with the cache off), so a file with errors is always checked here.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic_core import ValidationError

from pml_trials.errors import CriteriaError, CriteriaFileError, RuleError
from pml_trials.profile.fields import BY_KEY
from pml_trials.profile.validate import InvalidProfileError, validate_json
from pml_trials.rules.functions import NAMES as FUNCTION_NAMES
from pml_trials.rules.nodes import Node, definitions_used, fields_read
from pml_trials.rules.parse import parse_boolean_rule, parse_rule
from pml_trials.studies.lines import TomlLines
from pml_trials.studies.model import Criterion, Example, Site, Source, Study, compile_criteria
from pml_trials.studies.schema import KEYS_AT, validator
from pml_trials.verdict import Verdict

# C0/C1 controls except tab and newline, DEL, and the bidirectional overrides/isolates
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What `pml-trials new` writes for a criterion a person has still to translate into a rule.
TODO_RULE = "TODO"
MAX_DEFINITION_DEPTH = 12  # definitions using definitions: at most 2**12 expansions anywhere
_LONG_NUMBER = re.compile(r"[0-9_]{4300,}")
_DEEP = re.compile(r"(?:[\[{]\s*){50}")
_TOML_PLACE = re.compile(r"\(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def build(path: Path, raw: bytes, digest: str, *, named: bool = True) -> tuple[Study, bool]:
    """The study in a criteria file's bytes, and whether it may be cached (it may not
    when an example is read from another file); or :class:`CriteriaFileError`.
    ``named=False``: the bytes are not read from the study's own file (standard input,
    an older version from git), so the file name is not checked against the id."""
    source = str(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CriteriaFileError(
            [CriteriaError(f"not UTF-8 text (byte {exc.start})", source=source)]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CriteriaFileError([_toml_error(exc, text, source)]) from None
    except ValueError:  # an integer of more than 4,300 digits
        line = _line_of(text, _LONG_NUMBER)
        message = "invalid TOML: a number has too many digits (allowed: up to 4,300)"
        raise CriteriaFileError([CriteriaError(message, source=source, line=line)]) from None
    except (RecursionError, MemoryError):
        line = _line_of(text, _DEEP)
        message = "invalid TOML: arrays or tables nested too deeply"
        raise CriteriaFileError([CriteriaError(message, source=source, line=line)]) from None
    builder = _Builder(path, text, digest, named=named)
    study = builder.build(data)
    return study, not builder.external


def _line_of(text: str, pattern: re.Pattern[str]) -> int | None:
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _toml_error(exc: tomllib.TOMLDecodeError, text: str, source: str) -> CriteriaError:
    """The parser's message with its line, and the line shown with a caret."""
    found = _TOML_PLACE.search(str(exc))
    if found is None:  # "(at end of document)": tomllib knows no better place
        return CriteriaError(f"invalid TOML: {exc}", source=source)
    line, column = int(found["line"]), int(found["column"])
    lines = text.splitlines()
    snippet = lines[line - 1] if 0 < line <= len(lines) else None
    message = f"invalid TOML: {str(exc)[: found.start()].rstrip()}"
    return CriteriaError(message, source=source, line=line, column=column, snippet=snippet)


class _Builder:
    """Collects every problem of one file while turning its data into a :class:`Study`."""

    def __init__(self, path: Path, text: str, digest: str, *, named: bool = True) -> None:
        self.path = path
        self.named = named
        self.lines = TomlLines(text)
        self.digest = digest
        self.errors: list[CriteriaError] = []
        self.external = False  # an example is read from another file
        self.definition_texts: dict[str, str] = {}
        self.definitions: dict[str, Node | None] = {}
        self.resolving: list[str] = []
        self.depths: dict[str, int] = {}

    def error(
        self, message: str, at: tuple[str | int, ...] = (), context: str | None = None
    ) -> None:
        line = self.lines.line(at)
        self.errors.append(
            CriteriaError(message, source=str(self.path), line=line, context=context)
        )

    def build(self, data: dict[str, Any]) -> Study:
        try:
            data = validator().validate_python(data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                self._schema_error(err, _context(data, tuple(err["loc"])))
            raise CriteriaFileError(self.errors) from None
        if self.named and data["id"] != self.path.stem:
            self.error(f"the file of study '{data['id']}' must be named {data['id']}.toml", ("id",))
        self._check_text(data, data, ())
        sources = tuple(Source(s["key"], s["citation"], s.get("url")) for s in data["source"])
        self._check_sources(sources)
        self._definitions(data.get("definitions", {}))
        criteria = self._criteria(data, {s.key for s in sources})
        sites = self._sites(data.get("site", []), {s.key for s in sources})
        examples = tuple(self._examples(data.get("example", [])))
        if self.errors:
            raise CriteriaFileError(self.errors)
        return Study(
            id=data["id"],
            title=data["title"],
            category=data["category"],
            last_reviewed=data["last_reviewed"],
            summary=data["summary"].strip(),
            sources=sources,
            definitions=dict(self.definition_texts),
            criteria=criteria,
            examples=examples,
            path=self.path,
            sha256=self.digest,
            evaluate=compile_criteria(criteria, self.path),
            phase=data.get("phase"),
            registry_ids=tuple(data.get("registry_ids", ())),
            sponsor=data.get("sponsor"),
            status=data.get("status"),
            sites=sites,
            sites_note=(data.get("sites_note") or "").strip() or None,
        )

    def _schema_error(self, err: Any, context: str | None) -> None:
        loc = tuple(err["loc"])
        where = _key_path(loc)
        if err["type"] == "extra_forbidden":
            allowed = KEYS_AT.get(str(loc[0]) if len(loc) > 1 else "", {})
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = (
                f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})"
            )
            self.error(f"{where}: unknown key{hint}", loc, context)
        elif err["type"] == "missing":
            self.error(f"{where}: required key is missing", loc[:-1], context)
        else:
            self.error(f"{where}: {err['msg']}", loc, context)

    def _check_text(self, data: dict[str, Any], value: Any, at: tuple[str | int, ...]) -> None:
        """Refuse control characters and bidi overrides anywhere in the file's text: the
        text is shown in terminals and reports, where they could hide or rewrite what a
        clinician reads. (Examples are profiles, checked by the profile validator.)"""
        if isinstance(value, str):
            bad = _UNPRINTABLE.search(value)
            if bad:
                code = f"U+{ord(bad.group()):04X}"
                message = (
                    f"{_key_path(at)}: contains the control character {code}, which is not allowed"
                )
                self.error(message, at, _context(data, at))
        elif isinstance(value, dict):
            for key, item in value.items():
                if at != () or key != "example":
                    self._check_text(data, item, (*at, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._check_text(data, item, (*at, index))

    def _check_sources(self, sources: tuple[Source, ...]) -> None:
        seen: set[str] = set()
        for index, source in enumerate(sources):
            if source.key in seen:
                self.error(f"source key '{source.key}' is declared twice", ("source", index, "key"))
            seen.add(source.key)

    # -- definitions ------------------------------------------------------------------

    def _definitions(self, texts: dict[str, str]) -> None:
        self.definition_texts = texts
        for name in texts:
            if name in BY_KEY or name in FUNCTION_NAMES:
                self.error(
                    f"definition '{name}' hides a profile field or function of the same name",
                    ("definitions", name),
                )
                self.definitions[name] = None
        for name in texts:
            self._resolve(name)

    def _resolve(self, name: str) -> Node | None:
        if name in self.definitions:
            return self.definitions[name]
        if name in self.resolving:
            cycle = " -> ".join([*self.resolving[self.resolving.index(name) :], name])
            raise RuleError(f"definition '{name}' refers to itself ({cycle})")
        if len(self.resolving) >= MAX_DEFINITION_DEPTH:
            raise RuleError(
                f"definitions build on each other more than {MAX_DEFINITION_DEPTH} levels "
                f"deep (allowed: at most {MAX_DEFINITION_DEPTH}; use fewer, broader definitions)"
            )  # stops the recursion early when they are written users first
        self.resolving.append(name)
        try:
            node: Node | None = parse_rule(self.definition_texts[name], self._resolvers())
            self._check_depth(name, node)
        except RuleError as exc:
            if self.resolving[0] != name:
                raise  # report it once, against the definition where the cycle starts
            self._rule_error(
                exc, self.definition_texts[name], ("definitions", name), f"definition '{name}'"
            )
            node = None
        finally:
            self.resolving.pop()
        self.definitions[name] = node
        return node

    def _check_depth(self, name: str, node: Node | None) -> None:
        """How many definitions deep this one builds, refused past MAX_DEFINITION_DEPTH
        whatever the order they are written in."""
        uses = definitions_used(node) if node is not None else ()
        depth = 1 + max((self.depths.get(d.name, 1) for d in uses), default=0)
        self.depths[name] = depth
        if depth > MAX_DEFINITION_DEPTH:
            raise RuleError(
                f"definitions build on each other {depth} levels deep (allowed: at most "
                f"{MAX_DEFINITION_DEPTH}; use fewer, broader definitions)"
            )

    def _resolvers(self) -> dict[str, Callable[[str], Node | None]]:
        return dict.fromkeys(self.definition_texts, self._resolve)

    # -- criteria ---------------------------------------------------------------------

    def _criteria(self, data: dict[str, Any], source_keys: set[str]) -> tuple[Criterion, ...]:
        criteria: list[Criterion] = []
        ids: set[str] = set()
        for kind in ("inclusion", "exclusion"):
            for index, raw in enumerate(data.get(kind, [])):
                context = f"{kind} '{raw['id']}'"
                if raw["id"] in ids:
                    self.error(
                        "criterion id is used twice in this file", (kind, index, "id"), context
                    )
                ids.add(raw["id"])
                if raw["source"] not in source_keys:
                    known = ", ".join(sorted(source_keys))
                    self.error(
                        f"source '{raw['source']}' is not declared (declared: {known})",
                        (kind, index, "source"),
                        context,
                    )
                node = self._rule(raw["rule"], (kind, index, "rule"), context)
                if node is not None:
                    criteria.append(
                        Criterion(
                            id=raw["id"],
                            kind=kind,
                            text=raw["text"].strip(),
                            source=raw["source"],
                            rule=raw["rule"],
                            node=node,
                            fields=fields_read(node),
                            note=(raw.get("note") or "").strip() or None,
                            line=self.lines.line((kind, index)),
                            wording=raw.get("wording", "source"),
                            next_step=(raw.get("next_step") or "").strip() or None,
                        )
                    )
        return tuple(criteria)

    def _rule(self, text: str, at: tuple[str | int, ...], context: str) -> Node | None:
        if text.strip() == TODO_RULE:
            self.error(
                'rule = "TODO": this criterion has no rule yet; write it from the criterion\'s '
                "text in the rule language (see `pml-trials fields` for the names), or remove "
                "the criterion",
                at,
                context,
            )
            return None
        try:
            return parse_boolean_rule(text, self._resolvers())
        except RuleError as exc:
            self._rule_error(exc, text, at, context)
            return None

    def _rule_error(
        self, exc: RuleError, text: str, at: tuple[str | int, ...], context: str
    ) -> None:
        """The error with the rule's line shown and a caret under the offending part."""
        before = text[: exc.offset]
        line_start = before.rfind("\n") + 1
        line_end = text.find("\n", exc.offset)
        line_end = len(text) if line_end < 0 else line_end
        snippet = text[line_start:line_end]
        column = exc.offset - line_start + 1
        width = max(1, min(exc.end, line_end) - exc.offset)
        base = self.lines.value_line(at)
        self.errors.append(
            CriteriaError(
                exc.message,
                source=str(self.path),
                line=(base + before.count("\n")) if base else None,
                context=context,
                snippet=snippet,
                column=column,
                width=width,
            )
        )

    # -- sites ------------------------------------------------------------------------

    def _sites(self, raws: list[dict[str, Any]], source_keys: set[str]) -> tuple[Site, ...]:
        from pml_trials.studies.sites import check_site

        sites: list[Site] = []
        for index, raw in enumerate(raws):
            context = f"site {index} '{raw['name']}'"
            problems = check_site(raw, source_keys)
            for key, message in problems:
                self.error(message, ("site", index, key), context)
            if not problems:
                sites.append(
                    Site(
                        name=raw["name"].strip(),
                        city=raw["city"].strip(),
                        country=raw["country"],
                        lat=float(raw["lat"]),
                        lon=float(raw["lon"]),
                        coordinates=raw.get("coordinates", "source"),
                        status=raw["status"],
                        source=raw["source"],
                        contact=(raw.get("contact") or "").strip() or None,
                        url=raw.get("url"),
                        note=(raw.get("note") or "").strip() or None,
                        line=self.lines.line(("site", index)),
                    )
                )
        return tuple(sites)

    # -- examples ---------------------------------------------------------------------

    def _examples(self, raws: list[dict[str, Any]]) -> Iterable[Example]:
        for index, raw in enumerate(raws):
            at: tuple[str | int, ...] = ("example", index)
            context = f"example '{raw['name']}'"
            if ("profile" in raw) == ("file" in raw):
                self.error("give either 'profile' or 'file', not both or neither", at, context)
                continue
            try:
                document = self._example_document(raw)
                profile = validate_json(document, source=str(self.path))
            except InvalidProfileError as exc:
                for problem in exc.problems:
                    self.error(
                        f"invalid profile: {problem.field}: {problem.message}"
                        if problem.field
                        else f"invalid profile: {problem.message}",
                        (*at, "file" if "file" in raw else "profile"),
                        context,
                    )
                continue
            except OSError as exc:
                self.error(f"cannot read the profile file: {exc.strerror}", (*at, "file"), context)
                continue
            yield Example(raw["name"], Verdict(raw["expect"]), profile, self.lines.line(at))

    def _example_document(self, raw: dict[str, Any]) -> bytes:
        """The profile as JSON text, so it is validated exactly as a patient file is."""
        if "file" in raw:
            self.external = True  # the cache could not see that file change
            from pml_trials.files.read import MAX_DOCUMENT, NotReadableError, read_limited

            try:
                return read_limited(self.path.parent / str(raw["file"]), MAX_DOCUMENT)
            except NotReadableError as exc:
                raise OSError(0, str(exc)) from None
        return json.dumps(raw["profile"], default=_iso).encode()


def _key_path(loc: tuple[Any, ...]) -> str:
    """``inclusion[0].text`` for the key path ``("inclusion", 0, "text")``."""
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")


def _context(data: Any, loc: tuple[Any, ...]) -> str | None:
    """What a schema error is in (``inclusion 'adult'``, ``definition 'x'``), when the
    raw data names it."""
    if len(loc) < 2:
        return None
    if loc[0] == "definitions":
        return f"definition '{loc[1]}'"
    if loc[0] not in ("inclusion", "exclusion", "example", "site") or not isinstance(loc[1], int):
        return None
    tables = data.get(loc[0]) if isinstance(data, dict) else None
    table = tables[loc[1]] if isinstance(tables, list) and loc[1] < len(tables) else None
    key = "id" if loc[0] in ("inclusion", "exclusion") else "name"
    name = table.get(key) if isinstance(table, dict) else None
    if loc[0] == "site":
        return f"site {loc[1]} '{name}'" if isinstance(name, str) else f"site {loc[1]}"
    return f"{loc[0]} '{name}'" if isinstance(name, str) else None


def _iso(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    raise TypeError(f"{type(value).__name__} is not a profile value")
