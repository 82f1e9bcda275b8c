"""``pml-trials form``: a blank pre-screen form for a ward round, from the field declarations.

The questions the selected studies can read (their criteria's fields, definitions
included), in the questionnaire's order and sections, each with its unit or allowed
values and boxes to tick: yes / no / unknown for a yes-no question, one box per choice
(and unknown) for a list, a blank with the unit for a number or a date. Each question
names its JSON key in small print, so the answers can be typed in later with
``pml-trials ask`` (or a JSON file) without guessing, and how to find the answer out
(the field's declared action). Nothing here reads a patient: the form holds no data.
"""

from __future__ import annotations

from collections.abc import Sequence

from pml_trials import DISCLAIMER
from pml_trials.profile.fields import BY_KEY, FIELDS, SECTIONS, FieldSpec, action_of
from pml_trials.render.report.escape import md, md_code
from pml_trials.render.report.markup import Markup, block, el
from pml_trials.render.report.style import CSS, paper_css_plain
from pml_trials.rules.nodes import SCREENING_DATE
from pml_trials.studies.model import Study

TITLE = "PML trial pre-screen form"
POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_BOX = "☐"


def form_fields(studies: Sequence[Study]) -> list[FieldSpec]:
    """The patient id, the screening date and every field the studies read, in the
    profile's declaration order (the questionnaire's)."""
    read = {key for study in studies for key in study.fields} - {SCREENING_DATE}
    read |= {"patient_id", "screening_date"}
    return [spec for spec in FIELDS if spec.key in read and spec.key in BY_KEY]


def by_section(specs: Sequence[FieldSpec]) -> list[tuple[str, list[FieldSpec]]]:
    return [
        (section, [s for s in specs if s.section == section])
        for section in SECTIONS
        if any(s.section == section for s in specs)
    ]


def answer_boxes(spec: FieldSpec) -> str:
    """What to tick or fill in, as plain text."""
    if spec.kind == "boolean":
        return f"{_BOX} yes   {_BOX} no   {_BOX} unknown"
    if spec.kind in ("enum", "enum_list"):
        boxes = "   ".join(f"{_BOX} {c.replace('_', ' ')}" for c in spec.choices)
        return f"{boxes}   {_BOX} unknown"
    if spec.kind == "date":
        return f"____-__-__ (YYYY-MM-DD)   {_BOX} unknown"
    if spec.kind == "id":
        return "________________ (pseudonym, never a name)"
    return f"__________ ({spec.range_text()})   {_BOX} unknown"


def html_form(studies: Sequence[Study], paper: str = "a4") -> str:
    specs = form_fields(studies)
    sections = []
    for section, fields in by_section(specs):
        rows = [
            el(
                "tr",
                el(
                    "td",
                    spec.question,
                    " ",
                    el("span", "(all that apply)", class_="hint") if _several(spec) else None,
                    el(
                        "div",
                        el("code", spec.key),
                        f" · {action_of(spec)[1]}",
                        class_="hint",
                    ),
                ),
                el("td", answer_boxes(spec), class_="boxes"),
            )
            for spec in fields
        ]
        sections.append(block("section", el("h2", section), block("table", *rows, class_="form")))
    head = block(
        "head",
        el("meta", charset="utf-8"),
        el("meta", http_equiv="Content-Security-Policy", content=POLICY),
        el("title", TITLE),
        el("style", Markup(CSS + paper_css_plain(paper) + _FORM_CSS)),
    )
    body = block(
        "body",
        el("h1", TITLE),
        el("p", DISCLAIMER, class_="disclaimer"),
        el("p", _intro(studies)),
        block("main", *sections),
        el("p", "Filled in by (name) ______________________   Date __________   Site __________"),
    )
    return f'<!DOCTYPE html>\n<html lang="en">\n{head}\n{body}\n</html>\n'


def markdown_form(studies: Sequence[Study]) -> str:
    lines = [f"# {TITLE}", "", f"> **{md(DISCLAIMER)}**", "", md(_intro(studies)), ""]
    for section, fields in by_section(form_fields(studies)):
        lines += [f"## {md(section)}", "", "| Question | Answer |", "|---|---|"]
        for spec in fields:
            extra = " (all that apply)" if _several(spec) else ""
            question = f"{md(spec.question)}{extra} ({md_code(spec.key, in_table=True)})"
            lines.append(f"| {question} | {md(answer_boxes(spec))} |")
        lines.append("")
    lines += ["Filled in by (name) \\_\\_\\_\\_\\_\\_ Date \\_\\_\\_\\_ Site \\_\\_\\_\\_", ""]
    return "\n".join(lines)


def _several(spec: FieldSpec) -> bool:
    """A list whose question does not already say that several answers may apply."""
    return spec.kind == "enum_list" and "all that apply" not in spec.question


def _intro(studies: Sequence[Study]) -> str:
    ids = ", ".join(s.id for s in studies)
    return (
        f"The questions the studies {ids} need, in the questionnaire's order. Type the "
        "answers in later with pml-trials ask (the key beside each question is the "
        "profile's JSON key). Tick unknown rather than guess: unknown is never no."
    )


_FORM_CSS = """
.form td { padding: .35em .45em; }
.form td:first-child { width: 55%; }
.boxes { font-size: 1.05em; white-space: normal; }
.hint { color: #555; font-size: .85em; }
@media print { .form tr { break-inside: avoid; } h2 { margin-top: .8em; } }
"""
