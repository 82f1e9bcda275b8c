"""The HTML report's one stylesheet, inlined: no fonts, images or files are ever loaded.

Readable on paper: verdicts and decisive criteria are marked in words as well as colour
(a black-and-white printer keeps the words), each patient starts a new page, and rows
and headings are not split across pages.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pml_trials.engine.run import RunInfo

CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.4 system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #111; background: #fff; max-width: 62rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #333; margin: 1.6em 0 .4em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .3em; }
h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
code, .rule, .sha { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .88em; overflow-wrap: anywhere; }
.disclaimer { font-weight: 600; border: 1px solid #333; padding: .3em .6em; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; margin: .4em 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 .8em; }
th, td { border: 1px solid #999; padding: .25em .45em; text-align: left; vertical-align: top; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th { background: #eee; }
.verdict { font-weight: 700; padding: 0 .3em; border: 1px solid currentColor; border-radius: 3px;
  white-space: nowrap; }
.v-eligible { color: #0a5c1f; }
.v-ineligible { color: #a0161b; }
.v-needs-information { color: #7a4a00; }
tr.decisive td { background: #fde7e7; font-weight: 600; }
tr.unknown td { background: #fff6dc; }
.mark { font-weight: 700; }
.criteria td:nth-child(1) { width: 2em; white-space: nowrap; }
.criteria td:nth-child(3) { width: 7em; }
.criteria td:nth-child(4) { width: 34%; }
.rule { color: #555; margin-top: .2em; }
.advice, .next-step { border-left: 4px solid #7a4a00; padding-left: .5em; }
.values { margin: 0; padding-left: 1.1em; }
.to-decide li { margin-bottom: .15em; }
.hint { color: #444; }
.url { overflow-wrap: anywhere; color: #444; }
.trial { margin-left: .2em; }
footer { margin-top: 2em; color: #333; font-size: .92em; }
.slot { color: #555; font-style: italic; }
.why { margin: 0; padding-left: 1.1em; }
.summary td:nth-child(1) { width: 24%; }
.summary td:nth-child(2) { width: 10%; }
.summary td:nth-child(3) { width: 13%; }
.answers { color: #333; font-size: .92em; }
.next-steps ol { margin: .2em 0; padding-left: 1.4em; }
.next-steps li { margin-bottom: .2em; }
.reviewer th { width: 25%; font-weight: 600; }
.reviewer tr.sign td { height: 11mm; }
.overview td, .overview th { padding: .15em .35em; }
.overview td:nth-child(-n+2) { white-space: nowrap; }
.first-step { font-size: .9em; }
.detail h2 { font-size: 1.05em; }
.criteria .rule { font-size: .85em; font-family: inherit; color: #555; }
.notes { font-size: .92em; color: #222; }
.notes p { margin: .3em 0 .1em; font-weight: 600; }
.notes ul { margin: 0; padding: 0; list-style: none; }
.notes li { margin: 0 0 .15em; }
.study-notes ul { margin: 0; padding: 0; list-style: none; }
.study-notes li { margin: 0 0 .15em; }
.notes-ref { font-size: .92em; }
.on-paper { display: none; }
@media screen {
  /* A long batch lays out only the patients near the screen's view (the browser skips
     the rest until they are scrolled to); print lays out every page, as before. */
  .patient { content-visibility: auto; contain-intrinsic-size: auto 1200px; }
}
@media print {
  .on-screen, tr.on-screen { display: none; }
  .on-paper { display: block; }
  code, .sha { font-size: max(.88em, 7.5pt); }  /* no printed type below 7.5 pt */
  span.on-paper { display: inline; }
  .by-label { margin: .1em 0 .3em; }
  .by-label p { margin: 0; font-style: italic; }
  .by-label ul { margin: 0; padding: 0; list-style: none; }
  .by-label li { display: inline; }
  .by-label li + li::before { content: " · "; }
  body { max-width: none; margin: 0; padding: 0 2px; font-size: 10pt; line-height: 1.3; }
  .patient { break-before: page; page-break-before: always; }
  header.chart + main > .patient { break-before: auto; page-break-before: auto; }
  header.chart .facts, header.chart .disclaimer { display: none; }
  header.chart h1 { font-size: 1.1em; }
  .detail, .studies, .study-notes { font-family: "Liberation Sans Narrow", "Arial Narrow", "DejaVu Sans Condensed",
    sans-serif-condensed, sans-serif; font-stretch: condensed; }
  .detail { break-before: page; page-break-before: always; font-size: 7.5pt; line-height: 1.08; }
  .detail h2 { margin: 0 0 .2em; }
  .detail h3 { margin: .4em 0 .1em; font-size: 1.1em; }
  .detail table { margin: .1em 0 .2em; }
  .detail th, .detail td { padding: .02em .25em; }
  .detail .values { padding-left: 0; list-style: none; }
  .detail .values li { display: inline; }
  .detail .values { display: inline; }
  .detail .values li + li::before { content: "; "; }
  .detail .rule .definition, .detail .rule-code { display: none; }
  .detail .rule { font-size: 1em; margin-top: 0; }
  .detail .rule, .detail .rule > div { display: inline; }
  .detail .rule::before { content: " — "; }
  .detail .sites, .detail .where { color: #333; }
  .detail .sites { margin: .1em 0; padding-left: 1em; }
  .detail .notes { font-size: 1em; }
  .detail .notes li { margin: 0; }
  .detail .notes p { margin: .15em 0 0; }
  .detail p { margin: .1em 0; }
  .criteria td:nth-child(1) { width: 1.6em; }
  .criteria td:nth-child(2) { width: auto; }
  .criteria td:nth-child(3) { width: 7.4em; }
  .criteria td:nth-child(4) { width: 37%; }
  .summary-page h2 { margin-top: 0; }
  .overview { font-size: .9em; }
  .study-notes { break-before: page; page-break-before: always; font-size: 7.5pt;
    line-height: 1.08; }
  .study-notes h2 { font-size: 1.2em; margin: 0 0 .1em; }
  .study-notes h3 { font-size: 1.1em; margin: .4em 0 .1em; }
  .study-notes p, .detail .notes-ref { margin: .1em 0; font-size: 1em; }
  .study-notes li { margin: 0; }
  .studies { font-size: 7.5pt; line-height: 1.08; margin-top: .3em; }
  .studies h2 { font-size: 1.2em; margin: .2em 0 .1em; }
  .studies h3 { font-size: 1.1em; margin: .4em 0 .1em; }
  .studies h4, .studies .study > p.study-summary { display: none; }
  .studies .study > h3, .studies .study > .facts, .studies .study > p { display: inline; }
  .studies .study > h3::after { content: " · "; font-weight: normal; }
  .studies .study > .sources { margin-bottom: .2em; }
  .studies .facts { margin: 0; }
  .studies .facts dt, .studies .facts dd { display: inline; margin: 0; }
  .studies .facts dt::after { content: ": "; }
  .studies .facts dd::after { content: " · "; }
  .studies p { margin: .1em 0; }
  .studies .sources { margin: 0; padding: 0; list-style: none; }
  .studies .sources li { display: inline; }
  .studies .sources li + li::before { content: " · "; }
  .studies .sources br { display: none; }
  footer { font-size: 8.5pt; margin-top: .5em; }
  /* The run and the pre-screen warning are in every page's margin boxes, and page 1
     holds the full disclaimer: the closing footer is for the screen. */
  body > footer { display: none; }
  a { color: inherit; }
  th, tr.decisive td, tr.unknown td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

# Paper sizes as CSS names them.
_SIZES = {"a4": "A4", "letter": "letter"}


def paper_css(paper: str, run: RunInfo) -> str:
    """The page box: size, margins, and the margin boxes every printed page carries (the
    title and the pre-screen warning at the top, the run and "page x of y" at the foot).
    A patient's pages add the patient id and screening date at top left
    (:func:`~pml_trials.render.report.html_chart.page_rule`). Margin boxes are CSS paged
    media, printed by Chromium 131 and later; other browsers print without them."""
    return page_css(
        paper,
        "PML trial pre-screening report",
        f"pml-trials {run.tool_version} - {run.screened_at}",
    )


def paper_css_plain(paper: str) -> str:
    """The page box of the blank form: a line for the patient id on every page."""
    return page_css(paper, "Patient id ____________________", "PML trial pre-screen form")


def page_css(paper: str, top: str, bottom: str) -> str:
    box = "font: 8pt system-ui, Arial, sans-serif; color: #333;"
    foot = css_text(bottom)
    return f"""
@page {{ size: {_SIZES[paper]}; margin: 10mm 10mm 10mm 10mm;
  @top-left {{ content: {css_text(top)}; {box} }}
  @top-right {{ content: "Pre-screening only: the study team decides"; {box} }}
  @bottom-left {{ content: {foot}; {box} }}
  @bottom-right {{ content: "page " counter(page) " of " counter(pages); {box} }}
}}
"""


def css_text(text: str) -> str:
    """A CSS string literal holding only characters that need no escape (else ``?``)."""
    return '"' + re.sub(r"[^A-Za-z0-9 ._:+\-]", "?", text) + '"'
