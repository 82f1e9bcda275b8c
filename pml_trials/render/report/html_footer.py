"""The end of the HTML report: inputs not screened, the counts, and where each study's
criteria came from (sources, last review, the file's sha256), so a printed verdict can be
traced to the exact criteria it was computed from."""

from __future__ import annotations

from collections.abc import Sequence

from pml_trials.engine.run import InputProblem, Tally, counted
from pml_trials.render.report.chart import on_paper
from pml_trials.render.report.markup import Markup, block, el, join, link
from pml_trials.studies.model import Study
from pml_trials.verdict import WORDS


def facts(*pairs: tuple[str, str | None]) -> Markup:
    """A ``<dl>`` of the pairs whose value is known."""
    items = (join([el("dt", k), el("dd", v)]) for k, v in pairs if v)
    return el("dl", *items, class_="facts")


def problems_section(problems: Sequence[InputProblem], more: int = 0) -> Markup:
    items = [
        el("li", el("code", p.source), ": ", join([p.field, p.message], ": "))
        for p in map(on_paper, problems)
    ]
    if more:
        items.append(
            el("li", f"… and {more:,} more problems, not listed here (--format json lists all)")
        )
    return block(
        "section",
        el("h2", "Inputs that could not be screened"),
        block("ul", *items),
        class_="problems",
    )


def tally_section(tally: Tally) -> Markup:
    words = list(WORDS.items())
    head = el("thead", el("tr", el("th", "Study"), *(el("th", w) for _, w in words)))
    rows = [
        el("tr", el("td", el("code", sid)), *(el("td", str(counts[v])) for v, _ in words))
        for sid, counts in tally.verdicts.items()
    ]
    return block(
        "section",
        el("h2", "Summary"),
        el(
            "p",
            f"{counted(tally.patients, 'patient')} screened; {counted(tally.problems, 'input')} not screened.",
        ),
        block("table", head, block("tbody", *rows)),
        class_="tally",
    )


def studies_section(studies: Sequence[Study], *, brief: bool = True) -> Markup:
    """Where each study's criteria came from. ``brief``: printed with each source's key
    and short title (the full citation and address on screen); ``False`` prints them in
    full (a batch's ``--detail all``)."""
    seen: dict[str, str] | None = {} if brief else None  # key -> short title, above
    return block(
        "section",
        el("h2", "Studies screened"),
        el(
            "p",
            "Each criteria file is a transcription of public sources; check it against the "
            "current protocol. The checksum identifies the exact file used.",
            el(
                "span",
                " Printed: sources by key and short title (full citations and addresses: "
                "'pml-trials show STUDY', or this HTML on screen).",
                class_="on-paper",
            )
            if brief
            else None,
        ),
        *(_study(s, seen) for s in studies),
        class_="studies",
    )


def short_citation(citation: str, limit: int = 60) -> str:
    """A citation's first clause (up to its first ``;``), at most ``limit`` characters
    cut at a word with ``…``: what a printed chart copy lists beside a source's key."""
    head = citation.split(";", 1)[0].strip()
    if len(head) <= limit:
        return head
    cut = head[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.:(")
    return cut + "…"


def _study(study: Study, seen: dict[str, str] | None = None) -> Markup:
    """One study's provenance; ``seen`` (short titles of the studies above) given: each
    source printed by key and short title, ``(as above)`` when it was printed already."""
    sources = []
    for source in study.sources:
        full = join(
            [
                source.citation,
                el("br") if source.url else None,
                link(source.url, source.url) if source.url else None,
            ]
        )
        if seen is None:
            sources.append(el("li", el("code", source.key), " ", full))
            continue
        short = short_citation(source.citation)
        again = seen.get(source.key) == short  # the same on paper as a study's above
        seen.setdefault(source.key, short)
        sources.append(
            el(
                "li",
                el("code", source.key),
                " ",
                el("span", full, class_="on-screen"),
                el("span", "(as above)" if again else short, class_="on-paper"),
            )
        )
    return block(
        "section",
        el("h3", study.title, " ", el("code", study.id)),
        facts(
            ("Phase", study.phase),
            ("Registry", ", ".join(study.registry_ids)),
            ("Sponsor", study.sponsor),
            ("Status", study.status),
            ("Last reviewed", study.last_reviewed.isoformat()),
            ("Criteria file", study.path.name),
        ),
        el("p", "sha256 ", el("span", study.sha256, class_="sha")),
        el("p", study.summary, class_="study-summary"),
        el("h4", "Sources"),
        block("ul", *sources, class_="sources"),
        class_="study",
    )
