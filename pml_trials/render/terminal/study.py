"""A study for people: the terminal rendering behind ``pml-trials show``."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from pml_trials import DISCLAIMER
from pml_trials.render.report.escape import clean
from pml_trials.studies.model import Criterion, Study


def render_study(study: Study) -> RenderableType:
    """Everything in the file, in reading order; all text is plain (never markup)."""
    parts: list[RenderableType] = [
        Text(clean(study.title), style="bold"),
        Text(clean(_facts(study)), style="dim"),
        Text(""),
        Padding(Text(clean(study.summary)), (0, 0, 1, 2)),
        Text("Sources", style="bold"),
    ]
    for source in study.sources:
        line = Text(f"  [{source.key}] ", style="cyan").append(clean(source.citation))
        if source.url:
            line.append(f"\n      {clean(source.url)}", style="dim")
        parts.append(line)
    if study.definitions:
        parts += [Text(""), Text("Definitions", style="bold")]
        for name, rule in study.definitions.items():
            parts.append(Text(f"  {name} = ").append(clean(rule), style="dim"))
    for kind in ("inclusion", "exclusion"):
        criteria = [c for c in study.criteria if c.kind == kind]
        parts += [Text(""), Text(f"{kind.capitalize()} criteria", style="bold")]
        for number, criterion in enumerate(criteria, start=1):
            parts.append(_criterion(number, criterion))
    parts += [Text(""), *_sites(study), Text(""), Text(DISCLAIMER, style="italic")]
    return Group(*parts)


def _sites(study: Study) -> list[RenderableType]:
    parts: list[RenderableType] = [Text("Sites", style="bold")]
    if study.sites_note:
        parts.append(Text(f"  {clean(study.sites_note)}", style="italic"))
    if not study.sites and not study.sites_note:
        parts.append(Text("  none given in the file", style="dim"))
    for site in study.sites:
        where = f"{site.city} ({site.country}) · {site.status} · {site.lat}, {site.lon}"
        where += " (the city's)" if site.coordinates == "city" else " (from the source)"
        line = Text("  ").append(clean(site.name), style="bold")
        line.append(f"  [{clean(site.source)}]\n", style="cyan")
        line.append(f"     {clean(where)}")
        for label, value in (("contact", site.contact), ("link", site.url), ("note", site.note)):
            if value:
                line.append(
                    f"\n     {label}: {clean(value)}", style="dim" if label != "note" else "italic"
                )
        parts.append(line)
    return parts


def _facts(study: Study) -> str:
    facts = [f"id {study.id}", study.category]
    facts += [f"phase {study.phase}"] if study.phase else []
    facts += [", ".join(study.registry_ids)] if study.registry_ids else []
    facts += [study.status] if study.status else []
    facts += [f"sponsor {study.sponsor}"] if study.sponsor else []
    facts.append(f"last reviewed {study.last_reviewed.isoformat()}")
    return " · ".join(facts) + f"\n{study.path} (sha256 {study.sha256[:12]}…)"


def _criterion(number: int, criterion: Criterion) -> Text:
    out = Text(f"  {number}. ").append(clean(criterion.id), style="bold")
    out.append(f"  [{clean(criterion.source)}]", style="cyan")
    if criterion.wording == "file":
        out.append("  (the file's own wording, not a quote)", style="cyan")
    out.append(f"\n     {clean(criterion.text)}\n")
    out.append(f"     rule: {clean(criterion.rule)}", style="dim")
    if criterion.note:
        out.append(f"\n     note: {clean(criterion.note)}", style="italic")
    if criterion.next_step:
        out.append(f"\n     next step: {clean(criterion.next_step)}", style="yellow")
    return out
