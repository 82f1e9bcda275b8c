"""A criteria file skeleton from a ClinicalTrials.gov API v2 study record. Pure: data in, text out.

What is exact comes from the record's structured fields: the id, title, registry id,
sponsor, phase, status, the registry ``[[source]]`` (its canonical
``https://clinicaltrials.gov/study/NCT...`` address), the sites (with coordinates where
the record's ``geoPoint`` has them) and rules for the minimum/maximum age and sex. What
needs a person is marked so: each line of the free-text inclusion and exclusion lists
(:mod:`.eligibility`) becomes a criterion with the registry's words as ``text`` and
``rule = "TODO"``, which ``pml-trials check`` refuses, with file, line and criterion id,
until a person writes the rule.

Registry text is written as it is, with two exceptions the loader would otherwise refuse
for a reason the user cannot see: control characters and bidirectional overrides (they
can hide or reorder what a clinician reads) are removed, and the criterion's ``note``
and a warning name each one removed (as ``U+202E``); line breaks become ``\\n``. The
file is read back with ``tomllib`` before it is returned: what it holds is what was meant.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from pml_trials.errors import PmlTrialsError
from pml_trials.maintain import toml_text as t
from pml_trials.maintain.countries import country_code
from pml_trials.maintain.eligibility import Item, split, unescape
from pml_trials.maintain.hints import suggested_fields
from pml_trials.record import Record, field
from pml_trials.studies.schema import KEYS_AT, STUDY_ID_PATTERN

# What the loader refuses in any text of a criteria file (pml_trials/studies/build.py;
# a test keeps the two the same): C0/C1 controls but tab and newline, DEL, bidi controls.
REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NCT = re.compile(r"^NCT\d{8}$")
_PARTIAL = re.compile(
    r"\b(key|main|major|selected)\s+(inclusion|exclusion)|protocol.defined|other .{0,40}criteria apply",
    re.IGNORECASE,
)
_AGE = re.compile(r"^\s*(\d{1,3})\s+(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)
_STATUS = {
    "ACTIVE_NOT_RECRUITING": "active, not recruiting",
    "ENROLLING_BY_INVITATION": "enrolling by invitation",
    "NOT_YET_RECRUITING": "not yet recruiting",
    "NO_LONGER_AVAILABLE": "no longer available",
    "TEMPORARILY_NOT_AVAILABLE": "temporarily not available",
    "APPROVED_FOR_MARKETING": "approved for marketing",
    "UNKNOWN": "unknown",
}
_MAX = {"title": 300, "sponsor": 300, "status": 100, "phase": 20, "text": 20_000}
TODO = "TODO"


class RecordError(PmlTrialsError):
    """The JSON is not a ClinicalTrials.gov API v2 study record this can read (exit 3)."""


class Skeleton(Record):
    """The file's text, its study id, and what the person must know about it."""

    text: str
    study_id: str
    nct_id: str
    todo: int  # criteria with rule = "TODO"
    warnings: tuple[str, ...] = field(default=())


def study_record(data: Any, source: str) -> Mapping[str, Any]:
    """The one study in ``data``: a study record (``GET /api/v2/studies/{nctId}``) or a
    search response holding exactly one (``{"studies": [...]}``)."""
    if isinstance(data, Mapping) and isinstance(data.get("studies"), list):
        studies = data["studies"]
        if len(studies) != 1:
            raise RecordError(
                f"this is a search response with {len(studies)} studies; save one study "
                "record (https://clinicaltrials.gov/api/v2/studies/NCT...) and give that",
                source=source,
            )
        data = studies[0]
    if not isinstance(data, Mapping) or not isinstance(data.get("protocolSection"), Mapping):
        raise RecordError(
            "not a ClinicalTrials.gov API v2 study record (no 'protocolSection' object); "
            "download it from https://clinicaltrials.gov/api/v2/studies/NCT... (JSON)",
            source=source,
        )
    return data


def skeleton(
    data: Mapping[str, Any], *, today: date, source: str, study_id: str | None = None
) -> Skeleton:
    """The criteria file skeleton of a study record (see the module docstring)."""
    return _Writer(data, today, source).write(study_id)


class _Writer:
    def __init__(self, data: Mapping[str, Any], today: date, source: str) -> None:
        self.record = data
        self.protocol: Mapping[str, Any] = data["protocolSection"]
        self.today = today
        self.source = source
        self.warnings: list[str] = []
        self.out: list[str] = []
        self.expected: dict[str, Any] = {}  # what the file must hold when read back

    # -- reading the record -----------------------------------------------------------

    def module(self, name: str) -> Mapping[str, Any]:
        value = self.protocol.get(name)
        return value if isinstance(value, Mapping) else {}

    def string(self, module: str, key: str) -> str | None:
        value = self.module(module).get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise RecordError(
                f"protocolSection.{module}.{key} is {type(value).__name__}, not text",
                source=self.source,
            )
        return value

    def clean(self, text: str, where: str, limit: int = _MAX["text"]) -> tuple[str, str | None]:
        """The text without the characters the loader refuses, its whitespace at the ends
        trimmed and cut to ``limit``; and a note saying what was changed, if anything."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        removed = sorted({f"U+{ord(c):04X}" for c in REFUSED.findall(text)})
        text = REFUSED.sub("", text).strip()
        notes = []
        if removed:
            notes.append(
                f"pml-trials new removed {', '.join(removed)} (control or bidirectional "
                "formatting characters, refused in criteria files) from the registry text"
            )
        if len(text) > limit:
            text = text[:limit].rstrip()
            notes.append(f"pml-trials new cut the registry text to {limit} characters")
        note = "; ".join(notes) or None
        if note:
            self.warnings.append(f"{where}: {note}")
        return text, note

    # -- writing ----------------------------------------------------------------------

    def write(self, study_id: str | None) -> Skeleton:
        ident = self.module("identificationModule")
        nct = ident.get("nctId")
        if not isinstance(nct, str) or not _NCT.match(nct):
            raise RecordError(
                "protocolSection.identificationModule.nctId is missing or not an NCT number "
                "(NCT followed by 8 digits)",
                source=self.source,
            )
        study_id = study_id or _study_id(ident.get("acronym"), nct)
        if not re.match(STUDY_ID_PATTERN, study_id) or len(study_id) > 64:
            raise RecordError(
                f"'{study_id}' cannot be a study id: use lower-case letters, digits and "
                "single hyphens (e.g. --id tcell-transfer or -o criteria/tcell-transfer.toml)",
                source=self.source,
            )
        self.header(nct)
        self.metadata(study_id, nct)
        self.sources(nct)
        self.sites()
        todo = self.criteria()
        text = "\n".join(self.out).rstrip("\n") + "\n"
        self.verify(text)
        return Skeleton(text, study_id, nct, todo, tuple(self.warnings))

    def line(self, text: str = "") -> None:
        self.out.append(text)

    def put(self, table: str | None, key: str, value: Any, written: str | None = None) -> None:
        """``key = value`` in the current table, remembered for the read-back check."""
        self.line(f"{t.key(key)} = {written if written is not None else t.value(value)}")
        if table is None:
            self.expected[key] = value

    def header(self, nct: str) -> None:
        self.line(
            t.comment(
                f"Criteria file skeleton written by `pml-trials new --from-ctgov` on "
                f"{self.today.isoformat()} from the ClinicalTrials.gov record of {nct}.\n"
                'Every criterion with rule = "TODO" needs its rule written by a person '
                "(`pml-trials check` refuses the file until then).\n"
                "Check every value against the current protocol; choose the category; rewrite the "
                "summary for a patient's family."
            )
        )
        self.line()

    def metadata(self, study_id: str, nct: str) -> None:
        title = self.string("identificationModule", "briefTitle") or self.string(
            "identificationModule", "officialTitle"
        )
        title, _ = self.clean(title or nct, "title", _MAX["title"])
        self.put(None, "format", 1)
        self.put(None, "id", study_id)
        self.put(None, "title", title or nct)
        self.put(None, "category", "other")
        self.out[-1] += "  # TODO: t-cell-transfer | checkpoint-inhibitor | antiviral | other"
        phases = self.module("designModule").get("phases")
        if isinstance(phases, list) and phases:
            phase, _ = self.clean(_phase([str(p) for p in phases]), "phase", _MAX["phase"])
            if phase:
                self.put(None, "phase", phase)
        self.put(None, "registry_ids", [nct])
        sponsor = self.module("sponsorCollaboratorsModule").get("leadSponsor")
        if isinstance(sponsor, Mapping) and isinstance(sponsor.get("name"), str):
            name, _ = self.clean(sponsor["name"], "sponsor", _MAX["sponsor"])
            if name:
                self.put(None, "sponsor", name)
        status = self.string("statusModule", "overallStatus")
        if status:
            words, _ = self.clean(_status(status), "status", _MAX["status"])
            if words:
                self.put(None, "status", words)
                self.out[-1] += f"  # overallStatus as read {self.version_date()}"
        self.put(None, "last_reviewed", self.today)
        self.out[-1] += "  # when a person last checked this file against its sources"
        summary = self.string("descriptionModule", "briefSummary")
        text, _ = self.clean(unescape(summary or ""), "summary")
        if not text:
            text = "TODO: one paragraph a patient's family can read."
        self.line("# TODO: the registry's brief summary; rewrite it for a patient's family")
        self.put(None, "summary", text, t.text_value(text))
        self.line()

    def version_date(self) -> str:
        derived = self.record.get("derivedSection")
        misc = derived.get("miscInfoModule") if isinstance(derived, Mapping) else None
        version = misc.get("versionHolder") if isinstance(misc, Mapping) else None
        posted = self.module("statusModule").get("lastUpdatePostDateStruct")
        updated = posted.get("date") if isinstance(posted, Mapping) else None
        for candidate in (version, updated):
            if isinstance(candidate, str) and re.match(r"^\d{4}-\d{2}(-\d{2})?$", candidate):
                return candidate
        return f"{self.today.isoformat()} (date of the record not given in it)"

    def sources(self, nct: str) -> None:
        self.line("[[source]]")
        self.line('key = "registry"')
        citation = f"ClinicalTrials.gov {nct}, record as read {self.version_date()}"
        self.line(f"citation = {t.string(citation)}")
        self.line(f"url = {t.string(f'https://clinicaltrials.gov/study/{nct}')}")
        self.expected["source"] = [
            {
                "key": "registry",
                "citation": citation,
                "url": f"https://clinicaltrials.gov/study/{nct}",
            }
        ]
        self.line()

    # -- sites ------------------------------------------------------------------------

    def sites(self) -> None:
        """The record's locations as ``[[site]]`` tables. While the loader reads no
        ``[[site]]`` tables, all are written as comments; once it does, each site the
        record gives completely (every key the loader requires) is a table, and the rest
        are comments that say what is missing."""
        locations = self.module("contactsLocationsModule").get("locations")
        if not isinstance(locations, list) or not locations:
            return
        allowed = KEYS_AT.get("site")
        self.line(
            "# --- Sites, from the record's contactsLocationsModule (site statuses are often "
            "stale: check them) ---"
        )
        if allowed is None:
            self.line(
                "# This version of pml-trials does not read [[site]] tables yet: they are "
                "written as comments."
            )
        tables = []
        for index, location in enumerate(locations):
            if not isinstance(location, Mapping):
                continue
            values, todo = self.site(index, location, allowed)
            if not values:
                continue
            missing = [
                key
                for key, (_, required, _) in (allowed or {}).items()
                if required and key not in values
            ]
            todo.extend(f"TODO: {key} (not in the record)" for key in missing)
            block = "\n".join(
                ["[[site]]", *(f"{t.key(k)} = {t.value(v)}" for k, v in values.items())]
            )
            if allowed is not None and not missing:
                tables.append(values)
                self.line(block)
            else:
                self.line(t.comment(block))
            if todo:
                self.line(t.comment("\n".join(todo)))
            self.line()
        if allowed is not None:
            self.expected["site"] = tables

    def site(
        self, index: int, location: Mapping[str, Any], allowed: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], list[str]]:
        """The site's values (only keys the loader allows, when it reads sites) and what
        a person must add."""
        where = f"site {index + 1}"

        def text(key: str) -> str | None:
            value = location.get(key)
            if not isinstance(value, str):
                return None
            cleaned, _ = self.clean(value, f"{where} {key}", 300)
            return cleaned or None

        values: dict[str, Any] = {}
        todo: list[str] = []

        def put(key: str, value: Any) -> None:
            if allowed is None or key in allowed:
                values[key] = value

        name, city, country = text("facility"), text("city"), text("country")
        if name is None and city is None:
            return {}, []
        put("name", name or f"(site in {city})")
        if city:
            put("city", city)
        if country:
            code = country_code(country)
            if code:
                put("country", code)
            else:
                todo.append(f"TODO: the ISO 3166-1 alpha-2 code of '{country}'")
        point = location.get("geoPoint")
        if isinstance(point, Mapping):
            lat, lon = _coordinate(point.get("lat"), 90), _coordinate(point.get("lon"), 180)
            if lat is not None and lon is not None:
                put("lat", lat)
                put("lon", lon)
                put("coordinates", "source")  # the record's geoPoint
        status = text("status")
        word = _status(status) if status else "unknown"
        choices = _choices(allowed, "status")
        if choices is None or word in choices:
            put("status", word)
        else:
            todo.append(f"TODO: status ('{word}' in the record; allowed: {', '.join(choices)})")
        contact = _contact(location.get("contacts"), lambda v: self.clean(v, where, 300)[0])
        if contact:
            put("contact", contact)
        put("source", "registry")
        return values, todo

    # -- criteria ---------------------------------------------------------------------

    def criteria(self) -> int:
        eligibility = self.module("eligibilityModule")
        structured = self.structured(eligibility)
        free = eligibility.get("eligibilityCriteria")
        items = split(free) if isinstance(free, str) else []
        if not isinstance(free, str) or not free.strip():
            self.warnings.append("the record has no free-text eligibility criteria")
        elif _PARTIAL.search(free):
            partial = (
                'the registry lists only some of the criteria ("key" criteria, or "other '
                'protocol-defined criteria apply"): the protocol has more; a patient this '
                "file finds eligible may not be"
            )
            self.warnings.append(partial)
            self.line(t.comment(f"WARNING: {partial}."))
            self.line()
        inclusion = [i for i in items if i.kind != "exclusion"]
        exclusion = [i for i in items if i.kind == "exclusion"]
        todo = sum(1 for c in structured if c["rule"] == TODO)
        written: dict[str, list[dict[str, Any]]] = {"inclusion": [], "exclusion": []}
        self.line("# --- Inclusion criteria ---------------------------------------------------")
        self.line()
        for criterion in structured:
            self.criterion("inclusion", criterion, written)
        for number, item in enumerate(inclusion, start=1):
            todo += self.free("inclusion", f"inc-{number}", item, written)
        if not written["inclusion"]:
            todo += 1
            self.criterion(
                "inclusion",
                {
                    "id": "inc-1",
                    "text": "(the record lists no inclusion criteria)",
                    "rule": TODO,
                    "comment": "TODO: a criteria file needs at least one inclusion criterion",
                },
                written,
            )
        if exclusion:
            self.line("# --- Exclusion criteria -----------------------------------------------")
            self.line()
        for number, item in enumerate(exclusion, start=1):
            todo += self.free("exclusion", f"exc-{number}", item, written)
        for kind, tables in written.items():
            if tables:
                self.expected[kind] = tables
        return todo

    def structured(self, eligibility: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Criteria from the record's minimumAge/maximumAge and sex fields."""
        found: list[dict[str, Any]] = []
        bounds = {}
        words = []
        for key, label in (("minimumAge", "minimum age"), ("maximumAge", "maximum age")):
            value = eligibility.get(key)
            if isinstance(value, str) and value.strip() and value.strip().upper() != "N/A":
                words.append(f"{label}: {value.strip()}")
                bounds[key] = value.strip()
        if bounds:
            rule, comment = _age_rule(bounds.get("minimumAge"), bounds.get("maximumAge"))
            joined = "; ".join(words)
            text, _ = self.clean(joined[0].upper() + joined[1:], "age")
            found.append(
                {"id": "age", "text": text, "rule": rule, "comment": comment, "structured": True}
            )
        sex = eligibility.get("sex")
        if sex in ("FEMALE", "MALE"):
            found.append(
                {
                    "id": "sex",
                    "text": f"Sex: {sex.lower()}",
                    "rule": f"sex == '{sex.lower()}'",
                    "structured": True,
                    "comment": "the study's sex field; check genderBased/genderDescription "
                    "in the record for what it means here",
                }
            )
        return found

    def free(
        self, kind: str, ident: str, item: Item, written: dict[str, list[dict[str, Any]]]
    ) -> int:
        text, note = self.clean(item.text, f"{kind} '{ident}'")
        if not text:
            return 0
        comments = [
            f"eligibility text line {item.line}" + (f" ({item.numbered})" if item.numbered else "")
        ]
        if item.kind is None:
            comments.append(
                "TODO: this text comes before any Inclusion/Exclusion heading in the registry: "
                "check whether it includes or excludes"
            )
        if item.paragraph:
            comments.append(
                "TODO: a paragraph, not a list item, in the registry: it may qualify the "
                "criterion above, or be no criterion at all (then delete it, or merge it there)"
            )
        if "\n" in text:
            comments.append(
                "sub-items kept in one criterion: split them if they are separate rules"
            )
        hints = suggested_fields(text)
        if hints:
            comments.append(f"fields the wording suggests (a hint, not a rule): {', '.join(hints)}")
        self.criterion(
            kind,
            {"id": ident, "text": text, "rule": TODO, "note": note, "comment": "\n".join(comments)},
            written,
        )
        return 1

    def criterion(
        self, kind: str, criterion: Mapping[str, Any], written: dict[str, list[dict[str, Any]]]
    ) -> None:
        self.line(f"[[{kind}]]")
        if criterion.get("comment"):
            self.line(t.comment(str(criterion["comment"])))
        table: dict[str, Any] = {"id": criterion["id"], "text": criterion["text"]}
        self.line(f"id = {t.string(criterion['id'])}")
        self.line(f"text = {t.text_value(criterion['text'])}")
        self.line('source = "registry"')
        table["source"] = "registry"
        if criterion.get("structured") and "wording" in KEYS_AT.get(kind, {}):
            self.line('wording = "file"')
            table["wording"] = "file"
        rule = criterion["rule"]
        self.line(f"rule = {t.string(rule)}")
        table["rule"] = rule
        note = criterion.get("note")
        if criterion.get("structured"):
            extra = (
                "Written by pml-trials new from the record's structured eligibility fields, "
                "not quoted from its eligibility text."
            )
            note = f"{note} {extra}" if note else extra
        if note:
            self.line(f"note = {t.string(note)}")
            table["note"] = note
        written[kind].append(table)
        self.line()

    def verify(self, text: str) -> None:
        """Read the file back: it must be TOML and hold exactly what was written."""
        data = tomllib.loads(text)
        for key, value in self.expected.items():
            if data.get(key, [] if value == [] else None) != value:  # pragma: no cover
                raise AssertionError(f"the skeleton's {key!r} does not read back as written")


def _study_id(acronym: Any, nct: str) -> str:
    if isinstance(acronym, str):
        candidate = re.sub(r"[^a-z0-9]+", "-", acronym.lower()).strip("-")
        if candidate and re.match(STUDY_ID_PATTERN, candidate) and len(candidate) <= 64:
            return candidate
    return nct.lower()


def _phase(phases: Sequence[str]) -> str:
    """``["PHASE1", "PHASE2"]`` as ``1/2``; ``EARLY_PHASE1`` as ``early 1``; ``NA`` as
    ``not applicable``."""
    words = []
    for phase in phases:
        upper = phase.upper()
        if upper == "NA":
            words.append("not applicable")
        elif upper.startswith("EARLY_PHASE"):
            words.append("early " + upper.removeprefix("EARLY_PHASE"))
        elif upper.startswith("PHASE"):
            words.append(upper.removeprefix("PHASE"))
        else:
            words.append(phase.lower())
    return "/".join(words)


def _status(status: str) -> str:
    return _STATUS.get(status.upper(), status.replace("_", " ").lower())


def _age_rule(minimum: str | None, maximum: str | None) -> tuple[str, str | None]:
    """The age rule, or TODO (with why) when an age is not in whole years."""
    low = _years(minimum) if minimum else None
    high = _years(maximum) if maximum else None
    if (minimum and low is None) or (maximum and high is None):
        return TODO, (
            "TODO: an age the record gives in other units than years (or not as a number): "
            "age_years counts completed years; write the rule by hand"
        )
    if low is not None and high is not None:
        return f"{low} <= age_years <= {high}", None
    if low is not None:
        return f"age_years >= {low}", None
    return f"age_years <= {high}", None


def _years(text: str) -> int | None:
    found = _AGE.match(text)
    if found is None or found[2].lower() != "year":
        return None
    return int(found[1])


def _choices(allowed: Mapping[str, Any] | None, key: str) -> tuple[str, ...] | None:
    """The values a literal key of the loader's schema allows (``None``: any)."""
    if allowed is None or key not in allowed:
        return None
    expected = allowed[key][0].get("expected")
    return tuple(expected) if isinstance(expected, list) else None


def _coordinate(value: Any, limit: int) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if -limit <= number <= limit else None


def _contact(contacts: Any, clean: Callable[[str], str]) -> str | None:
    """The site's first contact as one line (name, phone, e-mail), if the record has one."""
    if not isinstance(contacts, list):
        return None
    for contact in contacts:
        if isinstance(contact, Mapping):
            parts = [
                clean(contact[k])
                for k in ("name", "phone", "email")
                if isinstance(contact.get(k), str)
            ]
            parts = [p for p in parts if p]
            if parts:
                return ", ".join(parts)
    return None
