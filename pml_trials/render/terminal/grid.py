"""Plain text for the terminal: word wrapping, columns that fit a width, ANSI styles.

The terminal table is a grid of short cells, drawn here rather than with rich, whose
console costs about 20 ms of every call's start-up (issue 8). The layout is the one of
rich's ``box.SIMPLE_HEAD`` table that drew it before, so the text is the same: columns
three spaces apart, a rule of ``─`` under the header, and no trailing spaces. A table
wider than the screen gets narrower columns, widest first, with cells wrapped onto more
lines (a word longer than its column is cut); a table that cannot fit even so runs past
the edge rather than hiding a column.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence

_SGR = {"bold": "1", "dim": "2", "italic": "3", "red": "31", "green": "32", "yellow": "33"}
_COLOURS = ("red", "green", "yellow")
GAP = 3  # between columns: a space of padding, the (blank) divider, a space of padding
MINIMUM = 6  # the narrowest a column becomes to make a table fit

Styled = tuple[str, str]  # text and style ("" for none, else words of _SGR: "bold green")


def paint(text: str, style: str, color: bool) -> str:
    """``text`` in ``style`` for a colour terminal; as it is otherwise. ``$NO_COLOR``
    keeps bold, dim and italic but drops the colours (https://no-color.org)."""
    if not color or not style or not text:
        return text
    words = style.split()
    if "NO_COLOR" in os.environ:
        words = [w for w in words if w not in _COLOURS]
    codes = ";".join(_SGR[w] for w in words)
    return f"\x1b[{codes}m{text}\x1b[0m" if codes else text


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken at spaces; a longer word is cut."""
    width = max(width, 1)
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) <= width:
            line += " " + word
            continue
        if line:
            lines.append(line)
        while len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        line = word
    lines.append(line)
    return lines


def fit(natural: Sequence[int], room: int, keep: int = 0) -> list[int]:
    """Column widths whose sum is at most ``room``: the widest columns give way first,
    down to :data:`MINIMUM`; the first ``keep`` columns give way only when the others
    cannot make room."""
    widths = list(natural)
    _shrink(widths, range(keep, len(widths)), sum(widths) - room)
    _shrink(widths, range(keep), sum(widths) - room)
    return widths


def _shrink(widths: list[int], columns: range, excess: int) -> None:
    """Lower the widest of ``columns`` to a common cap until ``excess`` is saved."""
    if excess <= 0 or not columns:
        return
    natural = {i: widths[i] for i in columns}
    floor = min(MINIMUM, *natural.values())
    cap = max(natural.values())
    while cap > floor and sum(max(0, w - cap) for w in natural.values()) < excess:
        cap -= 1
    spare = sum(max(0, w - cap) for w in natural.values()) - excess  # saved beyond need
    for i, w in natural.items():
        give = min(max(0, spare), max(0, w - cap))
        widths[i] = min(w, cap) + give
        spare -= give


def grid(
    header: Sequence[Styled],
    rows: Sequence[Sequence[Styled]],
    width: int,
    *,
    color: bool = False,
    right: Collection[int] = (),
    pad_edge: bool = False,
    keep: int = 1,
) -> list[str]:
    """The lines of a table: header, rule, rows. Columns are left-aligned but those in
    ``right``; ``pad_edge`` puts a space before the first column and after the last; the
    first ``keep`` columns are narrowed last."""
    natural = [max(len(row[i][0]) for row in (header, *rows)) for i in range(len(header))]
    edge = 2 if pad_edge else 0
    widths = fit(natural, width - edge - GAP * (len(header) - 1), keep)
    rule = "─" * (sum(widths) + edge + GAP * (len(widths) - 1))
    lines = _row(header, widths, right, pad_edge, color, "bold")
    lines.append(rule)
    for row in rows:
        lines += _row(row, widths, right, pad_edge, color, "")
    return lines


def _row(
    row: Sequence[Styled],
    widths: Sequence[int],
    right: Collection[int],
    pad_edge: bool,
    color: bool,
    style: str,
) -> list[str]:
    """One row as one or more lines (a cell wider than its column wraps; in the header,
    bold, the shorter cells sit on the last line, next to the rule)."""
    wrapped = [wrap(text, w) for (text, _), w in zip(row, widths, strict=True)]
    height = max(map(len, wrapped))
    if style:
        wrapped = [[""] * (height - len(cell)) + cell for cell in wrapped]
    lines = []
    for index in range(height):
        parts = []
        for column, (cell, (_, cell_style), w) in enumerate(zip(wrapped, row, widths, strict=True)):
            text = cell[index] if index < len(cell) else ""
            room = " " * (w - len(text))
            shown = paint(text, f"{style} {cell_style}".strip(), color)
            parts.append(room + shown if column in right else shown + room)
        line = (" " * GAP).join(parts)
        lines.append((f" {line}" if pad_edge else line).rstrip())
    return lines
