"""Issue 7: text from profiles and criteria files is data, never markup, in every format.

A site writes its own criteria files; a hostile or careless one must not be able to run a
script in a clinic's browser, make a link to ``javascript:``, or reshape a Markdown table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.render.report.escape import clean, md, md_code, md_link, safe_url
from pml_trials.render.report.markup import el, link
from tests.test_report_support import check_html

SCRIPT = "<script>alert(1)</script>"
HOSTILE_TEXT = (
    f"{SCRIPT} | *bold* _under_ `tick` [x](javascript:alert(1)) <img src=x onerror=alert(1)> &amp;"
)

SUMMARY = SCRIPT + " summary\n\n# not a heading\n- not a list"
CELL_BREAKER = "</td></tr></table>" + SCRIPT

HOSTILE_STUDY = f"""
format = 1
id = "hostile"
title = {json.dumps(SCRIPT + " title")}
category = "other"
phase = {json.dumps("<b>2</b>")}
registry_ids = [{json.dumps("<i>NCT0</i>")}]
sponsor = {json.dumps(SCRIPT)}
status = {json.dumps("| recruiting |")}
last_reviewed = 2026-11-25
summary = {json.dumps(SUMMARY)}

[[source]]
key = "evil"
citation = {json.dumps(SCRIPT + " citation")}
url = "javascript:alert(1)"

[[source]]
key = "data"
citation = "data address"
url = "data:text/html,<script>alert(1)</script>"

[[source]]
key = "good"
citation = "a real address with odd characters"
url = "https://example.org/a?q=\\"><script>alert(1)</script>"

[definitions]
grown_up = "age_years >= 18"

[[inclusion]]
id = "adult"
text = {json.dumps(HOSTILE_TEXT)}
source = "evil"
rule = "grown_up"
note = {json.dumps(SCRIPT + " note")}

[[inclusion]]
id = "donor"
text = "1. a list? [31mred[0m evil"
source = "good"
rule = "matched_donor_available"

[[exclusion]]
id = "pregnant"
text = {json.dumps(CELL_BREAKER)}
source = "data"
rule = "pregnant_or_breastfeeding"
"""


@pytest.fixture(name="hostile")
def hostile_fixture(tmp_path: Path) -> tuple[Path, Path]:
    """A criteria folder with the hostile study, and a profile whose file name is hostile."""
    folder = tmp_path / "criteria"
    folder.mkdir()
    (folder / "hostile.toml").write_text(HOSTILE_STUDY, encoding="utf-8")
    profile = tmp_path / "<b>p|1<i>.json"
    profile.write_text(
        json.dumps({"patient_id": "p_1_", "age_years": 40, "pregnant_or_breastfeeding": False}),
        encoding="utf-8",
    )
    return folder, profile


def run(hostile: tuple[Path, Path], fmt: str) -> str:
    folder, profile = hostile
    args = ["explain", str(profile), "--criteria", str(folder), "--no-bundled", "-f", fmt]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_html_shows_hostile_text_as_text(hostile: tuple[Path, Path]) -> None:
    document = run(hostile, "html")
    checker = check_html(document)  # no <script>, <img>, handlers or non-http links
    assert "<script" not in document.lower()
    assert "<img" not in document.lower()
    text = "".join(checker.text)
    for shown in (SCRIPT + " title", SCRIPT + " summary", SCRIPT + " citation", HOSTILE_TEXT):
        assert shown in text
    assert CELL_BREAKER in text
    assert "<b>p|1<i>.json" in text  # the profile's file name
    assert "javascript:alert(1)" in text  # shown, as text
    assert "data:text/html" in text


def test_html_links_only_http_addresses(hostile: tuple[Path, Path]) -> None:
    checker = check_html(run(hostile, "html"))
    assert checker.hrefs == ['https://example.org/a?q="><script>alert(1)</script>']


def test_control_and_bidi_characters_never_reach_a_report(hostile: tuple[Path, Path]) -> None:
    """The loader refuses them (a report cannot be made from such a file); the renderers
    also clean whatever other text they print (see test_clean_* below)."""
    criteria, profile = hostile
    path = criteria / "hostile.toml"
    path.write_text(path.read_text().replace("a list? [31m", "a list? \\u001b[31m"))
    result = CliRunner().invoke(
        app, ["explain", str(profile), "--criteria", str(criteria), "--no-bundled"]
    )
    assert result.exit_code == 3
    assert "contains the control character U+001B" in result.stderr


def test_markdown_keeps_hostile_text_inert(hostile: tuple[Path, Path]) -> None:
    text = run(hostile, "markdown")
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert "html_inline" not in kinds and "html_block" not in kinds
    assert "em_open" not in kinds and "s_open" not in kinds
    links = [c.attrs["href"] for t in tokens for c in t.children or [] if c.type == "link_open"]
    assert links == [
        "https://example.org/a?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E".replace(
            "(", "%28"
        ).replace(")", "%29")
    ]
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | *bold* _under_ `tick`" in html
    assert "<h1>not a heading" not in html and "<h1>" in html  # only the report's own title


def test_markdown_criteria_table_keeps_four_columns(hostile: tuple[Path, Path]) -> None:
    tokens = MarkdownIt("commonmark").enable("table").parse(run(hostile, "markdown"))
    widths: list[int] = []
    for token in tokens:
        if token.type == "tr_open":
            widths.append(0)
        elif token.type in ("td_open", "th_open"):
            widths[-1] += 1
    # verdicts and reviewer (header, one row each), criteria (header, three)
    assert widths.count(4) == 2 + 2 + 4
    assert set(widths) <= {3, 4}


def test_text_explanation_prints_no_escape_sequences(hostile: tuple[Path, Path]) -> None:
    text = run(hostile, "text")
    assert "\x1b" not in text
    assert "1. a list? [31mred[0m evil" in text
    assert SCRIPT in text  # plain text is fine in a terminal; markup is never parsed
    assert "[x](javascript:alert(1))" in text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a | b", "a \\| b"),
        ("*x* and **y**", "\\*x\\* and \\*\\*y\\*\\*"),
        ("_x_ but snake_case", "\\_x\\_ but snake_case"),
        ("<b>", "\\<b\\>"),
        ("`code`", "\\`code\\`"),
        ("[a](b)", "\\[a\\](b)"),
        ("~~gone~~", "\\~\\~gone\\~\\~"),
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("12. item", "12\\. item"),
        ("1.5 × ULN", "1.5 × ULN"),
        ("-3 is below", "-3 is below"),
        ("line\nbreak", "line break"),
        ("back\\slash", "back\\\\slash"),
        ("&lt;", "\\&lt;"),
    ],
)
def test_md_escapes_structure(text: str, escaped: str) -> None:
    assert md(text) == escaped


def test_md_code_survives_backticks_and_pipes() -> None:
    assert md_code("a`b") == "``a`b``"
    assert md_code("`a") == "`` `a ``"
    assert md_code("a|b", in_table=True) == "`a\\|b`"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " https://example.org",
        "java\nscript:alert(1)",
        "https://exa mple.org",
        "data:text/html,x",
        "vbscript:x",
        "//example.org/x",
        "https:///nohost",
        "ftp://example.org",
        "https://[::1",
        "",
        None,
    ],
)
def test_unsafe_addresses_are_not_links(url: str | None) -> None:
    assert safe_url(url) is None
    assert "href" not in link("x", url)
    assert "](" not in md_link("x", url)


@pytest.mark.parametrize("url", ["https://example.org/a?b=1#c", "HTTP://EXAMPLE.ORG"])
def test_http_addresses_are_links(url: str) -> None:
    assert safe_url(url) == url
    assert 'href="' in link("x", url)


def test_el_escapes_text_and_attributes() -> None:
    assert el("p", "<&>") == "<p>&lt;&amp;&gt;</p>"
    assert el("a", "x", href='"><script>') == '<a href="&quot;&gt;&lt;script&gt;">x</a>'
    assert el("p", el("b", "x")) == "<p><b>x</b></p>"  # markup is kept
    assert el("p", "<b>" + el("i", "x")) == "<p>&lt;b&gt;&lt;i&gt;x&lt;/i&gt;</p>"  # str is not


def test_clean_neutralises_controls_but_keeps_newlines() -> None:
    assert clean("a\x00b\x1bc\u202ed\ne\tf") == "a\ufffdb\ufffdc\ufffdd\ne\tf"
