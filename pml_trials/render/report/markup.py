"""A tiny HTML builder that escapes by construction (no template engine).

``el("td", text)`` escapes ``text``; only a :class:`Markup` (made by ``el``, ``join`` and
``link`` here) is inserted as it is. Concatenating a ``Markup`` with ``+`` gives a plain
``str``, which ``el`` would escape again: a mistake shows up as visible ``&lt;`` in the
report, never as live HTML.
"""

from __future__ import annotations

from collections.abc import Iterable

from pml_trials.render.report.escape import h, safe_url

VOID = frozenset({"meta", "br", "hr", "wbr"})


class Markup(str):
    """Text that is already HTML."""

    __slots__ = ()


def escape(text: str) -> Markup:
    return text if isinstance(text, Markup) else Markup(h(text))


def join(parts: Iterable[str | None], sep: str = "") -> Markup:
    """Escaped (unless already ``Markup``) parts joined; ``None`` parts are left out."""
    return Markup(escape(sep).join(escape(p) for p in parts if p is not None))


def el(tag: str, *children: str | None, **attrs: str | None) -> Markup:
    """``<tag attrs>children</tag>``; ``class_`` gives ``class``; ``None`` values are
    left out. Tag and attribute names come from this package's code, never from data."""
    rendered = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{h(value, attribute=True)}"'
        for name, value in attrs.items()
        if value is not None
    )
    if tag in VOID:
        return Markup(f"<{tag}{rendered}>")
    return Markup(f"<{tag}{rendered}>{join(children)}</{tag}>")


def link(text: str, url: str | None) -> Markup:
    """``text`` linked to ``url`` if it is an http(s) address, else ``text`` alone (so a
    ``javascript:`` address never becomes a link; callers show the address as text)."""
    target = safe_url(url)
    if target is None:
        return el("span", text, class_="url")
    return el("a", text, href=target, rel="noopener noreferrer")


def block(tag: str, *children: str | None, **attrs: str | None) -> Markup:
    """Like :func:`el`, with each child on a line of its own (readable HTML source)."""
    inner = Markup("\n" + join(children, "\n") + "\n")
    return el(tag, inner, **attrs)
