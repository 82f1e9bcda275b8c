"""Text from data made safe to print on a terminal: the one helper every terminal writer
uses (error lines, progress messages, the questionnaire's echoes).

File names, unknown keys and values come from files the user did not write: an
``ESC[8m`` in one would hide the lines after it ("3 invalid inputs not screened"), a
bidirectional override would reorder what a clinician reads, and other sequences can
retitle or reprogram a terminal. Every C0 and C1 control character except newline and
tab, DEL, and the bidirectional overrides and isolates are shown as visible escapes
(``\\x1b``, ``\\u202e``) instead.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """``text`` with control characters (all but newline and tab) shown as escapes."""
    return _CONTROL.sub(_escape, text)


def safe_line(text: str) -> str:
    """One line: also newlines and tabs shown as escapes."""
    return safe(text).replace("\n", "\\n").replace("\t", "\\t")
