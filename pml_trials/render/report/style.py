"""The HTML report's one stylesheet, inlined: no fonts, images or files are ever loaded.

Readable on paper: verdicts and decisive criteria are marked in words as well as colour
(a black-and-white printer keeps the words), each patient starts a new page, and rows
and headings are not split across pages.
"""

from __future__ import annotations

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
.note { color: #333; font-style: italic; margin-top: .2em; font-weight: 400; }
.advice, .next-step { border-left: 4px solid #7a4a00; padding-left: .5em; }
.values { margin: 0; padding-left: 1.1em; }
.to-decide li { margin-bottom: .15em; }
.hint { color: #444; }
.url { overflow-wrap: anywhere; color: #444; }
.trial { margin-left: .2em; }
footer { margin-top: 2em; color: #333; font-size: .92em; }
@page { margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0 2px; font-size: 9.5pt; }
  .patient + .patient, .studies { break-before: page; page-break-before: always; }
  a { color: inherit; }
  th, tr.decisive td, tr.unknown td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
