"""Making untrusted text safe to print: Markdown escaping, HTML escaping, link checking.

Every string that comes from a profile or a criteria file (sites write their own) is
untrusted. The reports never pass one through unescaped: Markdown escapes what would
change the document's structure, HTML escapes everything, and a link is made only from an
``http``/``https`` address (``javascript:``, ``data:`` and the rest stay plain text).
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

# C0/C1 control characters (tab and newline are whitespace) and the bidirectional
# overrides that can make printed text read differently from what the file says.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~&])")
_MD_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# What would start a block if the text began a line: a heading, list item, rule or
# setext underline (``#``/``-``/``+``/``=`` before a space or another of them), or an
# ordered-list marker (``1.``, ``2)`` before a space).
_MD_BLOCK_START = re.compile(r"^([#+=-])(?=[\s#+=-]|$)")
_MD_ORDERED_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_URL_SAFE = "/:?#[]@!$&*+,;=%-._~"  # RFC 3986 characters that need no encoding in a link


def clean(text: str) -> str:
    """``text`` with control characters and bidi overrides made visible as U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def one_line(text: str) -> str:
    """Cleaned, with every run of whitespace (newlines included) as one space."""
    return _SPACE.sub(" ", clean(text)).strip()


def md(text: str) -> str:
    """Inline Markdown for untrusted text: one line, nothing that makes a table cell,
    emphasis, code, link, strike-through, raw HTML or a block (heading, list, quote)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line(text))
    escaped = _MD_UNDERSCORE.sub(r"\\_", escaped)
    escaped = _MD_BLOCK_START.sub(r"\\\1", escaped)
    return _MD_ORDERED_START.sub(r"\1\\\2", escaped)


def md_code(text: str, *, in_table: bool = False) -> str:
    """A Markdown code span holding ``text`` literally (fenced with more backticks than
    it contains; pipes escaped inside a table, where GFM splits cells before code)."""
    content = one_line(text)
    if in_table:
        content = content.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def safe_url(url: str | None) -> str | None:
    """The address if it may become a link (absolute http or https, with a host, no
    whitespace or control characters), else ``None``."""
    if not url or url != url.strip() or _SPACE.search(url) or _CONTROL.search(url):
        return None
    if not url.lower().startswith(("http://", "https://")):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def md_link(text: str, url: str | None) -> str:
    """``[text](url)`` if the address is http(s), else the escaped text alone (so a
    ``javascript:`` address never becomes a link; callers show the address as text)."""
    target = safe_url(url)
    if target is None:
        return md(text)
    quoted = quote(target, safe=_URL_SAFE)
    return f"<{quoted}>" if text == url else f"[{md(text)}]({quoted})"


def h(text: str, *, attribute: bool = False) -> str:
    """HTML text (``& < >`` escaped) or, with ``attribute``, a quoted attribute value
    (``"`` and ``'`` too); control characters neutralised."""
    return html.escape(clean(text), quote=attribute)
