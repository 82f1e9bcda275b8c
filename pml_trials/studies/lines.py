"""Where things are in a TOML file: ``tomllib`` gives values, not line numbers.

A light scan of the text finds the line of each table header and key, so that an error
can name ``criteria/x.toml:42``. It understands the layout criteria files use (tables,
arrays of tables, ``key = value`` lines, multi-line strings); anything it cannot place
gets the nearest enclosing line it knows, or none.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=\s*(.*)$""")

Path = tuple[str | int, ...]


class TomlLines:
    """``line(path)``: 1-based line of a key path like ``("inclusion", 2, "rule")``."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        self.starts: dict[Path, int] = {}  # where a multi-line string's text begins
        counts: dict[str, int] = {}
        table: Path = ()
        closing: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if closing:
                if line.count(closing) % 2 == 1:
                    closing = None
                continue
            header = _HEADER.match(line)
            if header:
                name = header.group(2)
                if header.group(1) == "[[":
                    counts[name] = counts.get(name, -1) + 1
                    table = (name, counts[name])
                else:
                    table = (name,)
                self.lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                path = (*table, key.group(1).strip("\"'"))
                self.lines.setdefault(path, number)
                closing = _opens_multiline(key.group(2))
                if closing and key.group(2).strip() == closing:
                    # TOML drops the newline right after the opening quotes
                    self.starts.setdefault(path, number + 1)

    def value_line(self, path: Path) -> int | None:
        """The line where the string value at ``path`` begins (for multi-line strings
        opened at the end of their key's line, the next one)."""
        return self.starts.get(path) or self.line(path)

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that is known."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def _opens_multiline(value: str) -> str | None:
    for quote in ('"""', "'''"):
        if value.startswith(quote) and value.count(quote) == 1:
            return quote
    return None
