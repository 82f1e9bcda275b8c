"""How place names are compared: one folding function, shared by the gazetteer's build
script (``tools/gazetteer/build.py``, which stores folded keys) and the look-up.

``fold`` ignores case, diacritics and punctuation: "München", "MUNCHEN" and "munchen"
fold alike; "Saint-Étienne" and "saint etienne" too. German umlauts are also written
out ("Muenchen"): :func:`keys` gives both spellings of a name that has them.
"""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD does not decompose into a base letter and a mark.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "h",
    }
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.,;/'’ʼ`´()\[\]\"]+")


def fold(name: str) -> str:
    """The name without case, diacritics or punctuation, single-spaced."""
    text = unicodedata.normalize("NFKD", name.translate(_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", text.casefold()).strip()


def keys(name: str) -> set[str]:
    """Every folded form a name is found by: itself, and with umlauts written out."""
    found = {fold(name)}
    if any(c in name for c in "äöüÄÖÜ"):
        found.add(fold(unicodedata.normalize("NFC", name).translate(_UMLAUTS)))
    found.discard("")
    return found


def latin(folded: str) -> bool:
    """A folded name in Latin letters only (other scripts are left out of the extract:
    what a clinician types is matched against names in Latin script)."""
    return all(c == " " or ("a" <= c <= "z") or c.isdigit() for c in folded)
