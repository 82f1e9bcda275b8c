"""The free-text eligibility criteria of a registry record, split into criteria.

ClinicalTrials.gov stores ``eligibilityCriteria`` as CommonMark text. By convention it
has an "Inclusion Criteria:" and an "Exclusion Criteria:" heading, each followed by a
list, but real records vary: "Key Inclusion Criteria:", "INCLUSION CRITERIA", bold or
``#`` headings, ``*``/``-``/``•`` bullets or ``1.``/``1)``/``a)`` numbers, sub-bullets
indented under an item, lines that continue an item, paragraphs between lists ("Note:
...", "Other protocol-defined criteria apply."), and blank lines anywhere.

How the text is split (each rule a test in ``tests/test_new_eligibility.py``):

- A **heading** is a short line that is not a list item and names inclusion or exclusion
  criteria; text after its colon on the same line is the section's first item.
- Each **top-level list item** becomes one criterion, in order. Its **sub-items** (more
  indented than the item) stay in the item's text, each on its own line as ``- text``:
  they qualify it ("adequate organ function: * bone marrow ... * liver ...", or
  alternatives "Group A ... Group B ..."), and splitting them would change the meaning.
  A person splits them when writing the rules.
- A line that is not a list item continues the item above it (on a line of its own in
  the text), unless a blank line and no indentation separate them: then it is a
  **paragraph** of its own, kept as a criterion marked ``paragraph`` so the generator can
  say that it may be a note to the item above, or no criterion at all.
- Text before any heading belongs to no section (``kind`` ``None``).
- CommonMark backslash escapes are undone (``\\>`` is ``>``, ``\\[`` is ``[``), as the
  registry's web page shows them; nothing else of the text is changed here.

Nothing of the text is dropped: every non-blank line that is not a heading is in exactly
one item (the tests check that against the record).
"""

from __future__ import annotations

import re
from typing import Literal

from pml_trials.record import Record

Kind = Literal["inclusion", "exclusion"]

# After the marker any white space but a line break (a no-break space is common in registry text).
_BULLET = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[*+\-•▪◦·]|\d{1,3}[.)]|\(\d{1,3}\)|[a-zA-Z][.)]|\([a-zA-Z]\)|[ivxIVX]{1,4}[.)])[^\S\r\n]+(?P<text>\S.*)$"
)
_HEADING = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*"
    r"(?P<title>(?:(?:key|main|principal|major|general|other|additional|specific|patient|participant|subject)[ \t]+)*"
    r"(?:(?P<kind1>inclusions?|exclusions?)(?:[ \t]+criteria|[ \t]+criterion)?"
    r"|criteria[ \t]+for[ \t]+(?P<kind2>inclusion|exclusion)))"
    r"[ \t]*(?:\*\*|__)?[ \t]*(?P<colon>[:：])?[ \t]*(?:\*\*|__)?[ \t]*(?P<rest>.*)$",
    re.IGNORECASE,
)
_ESCAPED = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_MAX_HEADING = 60


class Item(Record):
    """One criterion's worth of text, and where it was."""

    kind: Kind | None
    text: str
    line: int  # 1-based line in the eligibility text where the item starts
    paragraph: bool = False  # a paragraph between lists, not a list item
    numbered: str | None = None  # the registry's own number or letter ("3."), if any


def unescape(text: str) -> str:
    """CommonMark backslash escapes undone (``\\>`` becomes ``>``)."""
    return _ESCAPED.sub(r"\1", text)


def heading_kind(line: str) -> tuple[Kind, str] | None:
    """``(kind, rest of the line)`` when the line is a section heading, else ``None``."""
    if _BULLET.match(line) and not re.match(r"^[ \t]*[*_]{2}", line):
        return None
    found = _HEADING.match(line)
    if found is None:
        return None
    rest = found["rest"].strip()
    if not found["colon"] and rest:
        return None  # "Exclusion of patients with ..." is a sentence, not a heading
    if len(found["title"]) > _MAX_HEADING:
        return None
    word = (found["kind1"] or found["kind2"]).lower()
    return ("inclusion" if word.startswith("inclusion") else "exclusion"), rest


def split(text: str) -> list[Item]:
    """The items of an eligibility text, in order (see the module docstring)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    items: list[_Open] = []
    kind: Kind | None = None
    current: _Open | None = None
    blank_before = False
    for number, raw in enumerate(lines, start=1):
        line = raw  # tabs count as 4 columns of indentation, but stay in the text
        if not line.strip():
            blank_before = True
            continue
        heading = heading_kind(line)
        if heading is not None:
            kind, rest = heading
            current = None
            if rest:
                current = _Open(kind, number, 0, None, [rest], paragraph=False)
                items.append(current)
            blank_before = False
            continue
        bullet = _BULLET.match(line)
        spaced = line.expandtabs(4)
        indent = len(spaced) - len(spaced.lstrip(" "))
        if bullet:
            body = bullet["text"].strip()
            if current is not None and not current.paragraph and indent > current.indent:
                current.lines.append(f"- {body}")
            else:
                marker = bullet["marker"]
                numbered = marker if marker[0].isalnum() or marker[0] == "(" else None
                current = _Open(kind, number, indent, numbered, [body], paragraph=False)
                items.append(current)
        elif current is not None and (not blank_before or indent > current.indent):
            current.lines.append(line.strip())
        else:
            current = _Open(kind, number, indent, None, [line.strip()], paragraph=True)
            items.append(current)
        blank_before = False
    return [
        Item(
            o.kind,
            unescape("\n".join(o.lines)),
            o.line,
            paragraph=o.paragraph,
            numbered=o.numbered,
        )
        for o in items
    ]


class _Open(Record, frozen=False):
    kind: Kind | None
    line: int
    indent: int
    numbered: str | None
    lines: list[str]
    paragraph: bool
