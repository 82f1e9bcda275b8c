"""Writing TOML values as text, safely: every string escaped, nothing able to break out.

The standard library reads TOML but does not write it, and the criteria files a person
edits keep their comments and layout, which a TOML serialiser would not give. So the
generator writes the text itself, through these few functions only:

- :func:`string` escapes backslashes, quotes and every control character (``\\uXXXX``),
  so a registry text can never end a string early, start a new key or hide in a comment;
- :func:`multiline` is a ``\"\"\"`` string for texts with line breaks (easier to edit),
  with the same escapes and no run of three quotes left unescaped;
- :func:`comment` turns any text into ``#`` lines, one per line of the text, with control
  characters escaped, so a comment ends where the generator says it does.

What a file written this way holds is checked by reading it back (see
:func:`pml_trials.maintain.skeleton.render`).
"""

from __future__ import annotations

import math
import re
from datetime import date

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
# Everything TOML does not allow raw in a basic string, and what terminals act on.
_CONTROL = re.compile('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]')
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # fullmatch: "$" would pass "a\n"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04X}"


def string(text: str) -> str:
    """A TOML basic string (one line) holding exactly ``text``."""
    return '"' + _CONTROL.sub(_escape, text) + '"'


def multiline(text: str) -> str:
    """A TOML multi-line basic string holding exactly ``text``: the text's line breaks
    are real ones; everything else is escaped as in :func:`string`."""
    lines = [_CONTROL.sub(_escape, line) for line in text.split("\n")]
    return '"""\n' + "\n".join(lines) + '"""'


def text_value(text: str) -> str:
    """:func:`multiline` for texts with line breaks, :func:`string` for the rest."""
    return multiline(text) if "\n" in text else string(text)


def key(name: str) -> str:
    """A key, bare when TOML allows it, quoted otherwise."""
    return name if _BARE_KEY.fullmatch(name) else string(name)


def value(item: str | bool | int | float | date | list[str]) -> str:
    """A scalar, a date or a list of strings as TOML."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise ValueError("TOML numbers here must be finite")
        return repr(item)
    if isinstance(item, date):
        return item.isoformat()
    if isinstance(item, list):
        return "[" + ", ".join(string(s) for s in item) + "]"
    return string(item)


def comment(text: str, prefix: str = "# ") -> str:
    """``text`` as comment lines (one per line of the text), control characters shown
    escaped: a comment cannot end early or carry a terminal escape."""
    lines = text.split("\n")
    return "\n".join((prefix + _CONTROL.sub(_comment_escape, line)).rstrip() for line in lines)


def _comment_escape(match: re.Match[str]) -> str:
    char = match.group()
    return char if char in '\\"' else f"\\u{ord(char):04X}"
