"""The HTML chart copy of one patient: a first page to file and sign, then the detail.

Page one holds the verdicts with each study's recruitment status, the diagnostic
category, the decisive reasons in the questionnaire's words, the next steps across
trials and a reviewer block (name, signature, date, site). The criterion-by-criterion
detail starts on the next page. Every printed page carries the patient id, the screening
date and "page x of y" in its margin boxes (CSS paged media, :func:`page_rule`).

Also here: a batch overview's row (one patient, one verdict per trial).
"""

from __future__ import annotations

from collections.abc import Sequence

from pml_trials.engine import CriterionResult, ScreeningResult, TrialResult
from pml_trials.engine.run import RunInfo
from pml_trials.geo.travel import distance_note
from pml_trials.render.report.chart import (
    answered,
    deciding_questions,
    diagnosis,
    file_name,
    label,
    reason_instead,
    reasons,
    shown,
    steps,
    verdict_text,
    which_trials,
)
from pml_trials.render.report.markup import Markup, block, el, join
from pml_trials.render.report.style import css_text
from pml_trials.render.report.values import (
    criterion_labels,
    definitions_used,
    labelled,
    left_out_words,
    nearest_words,
    residence_words,
    site_lines,
    status_words,
    within_split,
    wording_short,
    wording_words,
)
from pml_trials.studies.model import Criterion, Study
from pml_trials.verdict import MARKS, WORDS, Verdict


def page_name(patient_id: str) -> str:
    """The CSS name of a patient's printed pages: one identifier, different for every
    patient id (each character but a letter or digit written as ``_`` and its code)."""
    return "p-" + "".join(c if c.isascii() and c.isalnum() else f"_{ord(c):x}_" for c in patient_id)


def page_rule(name: str | None, result: ScreeningResult) -> str:
    """The ``@page`` rule that puts the patient id and screening date at the top of each
    of the patient's pages (``name`` for a named page of a batch, ``None`` for all)."""
    head = css_text(f"Patient {result.patient_id} - screening date ")
    date = css_text(result.screening_date.isoformat())
    selector = f"@page {name}" if name else "@page"
    return f"{selector} {{ @top-left {{ content: {head} {date}; }} }}"


def verdict_mark(verdict: Verdict, words: str | None = None) -> Markup:
    text = f"{MARKS[verdict]} {words or WORDS[verdict]}"
    return el("span", text, class_=f"verdict v-{verdict.value}")


def summary_page(result: ScreeningResult, ranked: Sequence[str], run: RunInfo) -> Markup:
    """The first page: who, the verdicts and why, what next, and who reviewed it."""
    within = run.within_km
    trials, left = within_split(result, within)
    category = diagnosis(result)
    home = residence_words(result)
    left_out = None
    if left and within is not None:
        shown_left = "; ".join(left_out_words(t, within) for t in left)
        left_out = el("p", f"Left out by --within {within:g} km: {shown_left}.", class_="left-out")
    return block(
        "div",
        el("h2", "Patient ", el("span", result.patient_id, class_="pid")),
        el(
            "dl",
            el("dt", "Screening date"),
            el("dd", result.screening_date.isoformat()),
            el("dt", "Profile"),
            el("dd", file_name(result.source)),
            el("dt", "Lives in"),
            el("dd", home or "not given (distances unknown)"),
            el("dt", "Diagnosis (AAN 2013)"),
            el("dd", category)
            if category
            else el(
                "dd",
                "not assessed by this version: see the diagnosis criteria in the detail",
                class_="slot",
            ),
            class_="facts",
        ),
        _verdicts(result, trials, ranked),
        left_out,
        _next_steps(result, len(result.studies)),
        _reviewer(),
        el("p", run.disclaimer, class_="disclaimer"),
        class_="summary-page",
    )


def _verdicts(result: ScreeningResult, trials: list[TrialResult], ranked: Sequence[str]) -> Markup:
    head = el(
        "thead",
        el(
            "tr",
            el("th", "Study"),
            el("th", "Recruitment; nearest site"),
            el("th", "Verdict"),
            el("th", "Why"),
        ),
    )
    rows = [
        el(
            "tr",
            el("td", t.study.title, el("br"), el("code", t.study.id)),
            el(
                "td",
                t.study.status or "not recorded",
                el("div", nearest_words(t), class_="answers"),
            ),
            el("td", verdict_mark(t.verdict, verdict_text(t, result))),
            el("td", _why(t, ranked, reason_instead(t, result))),
        )
        for t in trials
    ]
    return block("table", el("caption", "Verdicts"), head, block("tbody", *rows), class_="summary")


def _why(trial: TrialResult, ranked: Sequence[str], instead: str | None) -> Markup:
    if instead:
        return el("div", instead)
    if trial.verdict is Verdict.INELIGIBLE:
        items = [
            el("li", text, el("div", "; ".join(values), class_="answers") if values else None)
            for text, values in reasons(trial)
        ]
        return el("ul", *items, class_="why")
    if trial.verdict is Verdict.NEEDS_INFORMATION:
        asks = [el("li", q) for q in deciding_questions(trial, ranked)]
        return join([el("div", "To decide, find out:"), el("ul", *asks, class_="why")])
    return Markup("Every inclusion criterion met; no exclusion applies.")


def _next_steps(result: ScreeningResult, trial_count: int) -> Markup:
    found = steps(result)
    if not found:
        return el(
            "section",
            el("h3", "Next steps"),
            el("p", "None: every trial is decided with what is known."),
            class_="next-steps",
        )
    items = [
        el(
            "li",
            el("strong", step.text),
            f": could decide {which_trials(step, trial_count)}",
            el("div", "Answers: ", "; ".join(label(k) for k in step.fields), class_="answers"),
        )
        for step in found
    ]
    return el(
        "section",
        el("h3", "Next steps (what to order or ask, most trials first)"),
        el("ol", *items),
        class_="next-steps",
    )


def _reviewer() -> Markup:
    cells = ("Reviewed by (name)", "Signature", "Date", "Site")
    return el(
        "section",
        el("h3", "Reviewed by"),
        el(
            "table",
            el("tr", *(el("th", c) for c in cells)),
            el("tr", *(el("td", "") for _ in cells), class_="sign"),
            class_="reviewer",
        ),
        class_="review",
    )


def detail(
    result: ScreeningResult,
    within_km: float | None = None,
    *,
    brief: bool = True,
    notes_once: bool = False,
) -> Markup:
    """The criterion-by-criterion detail of every trial shown (starts a new printed
    page), each with where it runs. ``brief``: print an ineligible trial's met criteria
    by label (:func:`in_brief`); ``False`` (a batch's ``--detail all``) prints them all.
    ``notes_once``: a batch prints the criteria files' notes once, in
    :func:`study_notes` before the patients, and each trial names (by label) the
    criteria whose notes are there; the chart copy prints them under each trial."""
    trials, _ = within_split(result, within_km)
    return block(
        "div",
        el("h2", "Criterion by criterion: patient ", el("span", result.patient_id, class_="pid")),
        *(_trial(t, verdict_text(t, result), brief, notes_once) for t in trials),
        class_="detail",
    )


def study_notes(studies: Sequence[Study]) -> Markup:
    """A batch report's notes of every criteria file, printed once (a new printed page,
    before the patients): each study's noted criteria by label (``I2``, the numbering of
    the detail and of ``pml-trials show``), criterion id and the file's note."""
    parts = [
        block(
            "section",
            el("h3", study.title, " ", el("code", study.id)),
            block(
                "ul",
                *(
                    el("li", el("strong", tag), f" {c.id} note: {c.note}")
                    for tag, c in zip(criterion_labels(study.criteria), study.criteria, strict=True)
                    if c.note
                ),
            ),
            class_="study",
        )
        for study in studies
        if any(c.note for c in study.criteria)
    ]
    if not parts:
        return Markup("")
    return block(
        "section",
        el("h2", "Study notes: what each criteria file interpreted or borrowed"),
        el(
            "p",
            "Printed once for the whole report: each patient's detail names, study by study, "
            "the criteria whose notes below apply (I = inclusion, E = exclusion, numbered as "
            "in the detail).",
        ),
        *parts,
        class_="study-notes",
    )


def label_runs(tags: Sequence[str]) -> str:
    """Criterion labels with each run of consecutive ones written as a range:
    ``I1–I3, I5, E1–E2``."""
    runs: list[list[str]] = []
    for tag in tags:
        last = runs[-1][-1] if runs else ""
        if last[:1] == tag[:1] and int(last[1:]) + 1 == int(tag[1:]):
            runs[-1].append(tag)
        else:
            runs.append([tag])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)


def _notes_ref(study: Study, tags: Sequence[str]) -> Markup:
    return el(
        "p",
        "The file's notes on ",
        label_runs(tags),
        f": in Study notes, {study.id} (before the patients' pages).",
        class_="notes-ref",
    )


def _trial(trial: TrialResult, words: str, brief: bool = True, notes_once: bool = False) -> Markup:
    study = trial.study
    head = el(
        "thead",
        el(
            "tr",
            el("th", "#"),
            el("th", "Criterion (source's words)"),
            el("th", "Status"),
            el("th", "Patient's answers"),
        ),
    )
    rows: list[Markup] = []
    notes: list[Markup] = []
    noted: list[str] = []  # labels of the criteria with a note (printed once, in a batch)
    listed: list[Markup] = []  # printed by label only (an ineligible trial's met criteria)
    full_notes = 0  # notes of criteria printed in full
    for tag, c in labelled(trial):
        by_label = brief and in_brief(trial, c)
        only = "on-screen" if by_label else None
        note = c.criterion.note
        if note and notes_once:
            noted.append(tag)
        elif note:  # a numbered footnote under the table, full width
            notes.append(el("li", el("strong", tag), f" note: {note}", class_=only))
            full_notes += not by_label
        rows.append(_criterion_row(tag, c, study, bool(note) and not notes_once, only))
        if by_label:
            listed.append(_brief_item(tag, c))
    sites = site_lines(trial)
    return block(
        "section",
        el(
            "h3",
            study.title,
            " ",
            el("code", study.id),
            " ",
            verdict_mark(trial.verdict, words),
            el("span", f" ({status_words(study)})", class_="hint"),
        ),
        el("p", "Next step: ", trial.next_step) if trial.next_step else None,
        el("p", "Where: ", distance_note(trial.travel, study.sites_note), class_="where"),
        block("ul", *(el("li", line) for line in sites), class_="sites") if sites else None,
        block("table", head, block("tbody", *rows), class_="criteria"),
        _brief(listed) if listed else None,
        block(
            "div",
            el("p", "The file's notes (what was interpreted or borrowed):"),
            block("ul", *notes),
            class_="notes" if full_notes else "notes on-screen",
        )
        if notes
        else None,
        _notes_ref(study, noted) if noted else None,
        class_="trial",
    )


def in_brief(trial: TrialResult, c: CriterionResult) -> bool:
    """Whether the printed chart copy lists this criterion by label only: a met
    criterion (or an exclusion that does not apply) of an INELIGIBLE trial. The criteria
    that decide it and any unknown ones print in full, as does every criterion of an
    eligible or undecided trial (the verdicts a coordinator acts on). On screen, and in
    ``pml-trials explain``, every criterion is shown in full."""
    return trial.verdict is Verdict.INELIGIBLE and c.value is not None and not c.decisive


def _brief_item(tag: str, c: CriterionResult) -> Markup:
    answers = "; ".join(answered(c))
    return el(
        "li",
        el("strong", tag),
        f" {c.criterion.id}: ✓ {c.status}",
        f" ({answers})" if answers else None,
    )


def _brief(items: Sequence[Markup]) -> Markup:
    """The print-only list of an ineligible trial's met criteria, by label."""
    return block(
        "div",
        el(
            "p",
            f"Met, listed by label ({len(items)}): the full text, answers and notes of "
            "these criteria are in 'pml-trials explain' and in this HTML on screen.",
        ),
        block("ul", *items),
        class_="by-label on-paper",
    )


def _criterion_row(
    tag: str, c: CriterionResult, study: Study, note: bool, only: str | None = None
) -> Markup:
    values = [el("li", f"{label(k)}: ", el("strong", shown(k, v))) for k, v in c.fields.items()]
    row_class = "decisive" if c.decisive else "unknown" if c.value is None else only
    mark = "✗" if c.decisive else "?" if c.value is None else "✓"
    status = f"{mark} {c.status}" + (" (decisive)" if c.decisive else "")
    return el(
        "tr",
        el("td", tag),
        _criterion_cell(c.criterion, study, note),
        el("td", status),
        el("td", el("ul", *values, class_="values") if values else None),
        class_=row_class,
    )


# The criterion's own cell (its words, where they come from, its rule and definitions) is
# the same for every patient: a batch builds it once per criterion. Keyed by the
# criterion object, which the entry holds (so its id cannot be reused while cached).
_CELLS: dict[tuple[int, bool], tuple[Criterion, Markup]] = {}
_CELLS_MAX = 4096


def _criterion_cell(criterion: Criterion, study: Study, note: bool) -> Markup:
    key = (id(criterion), note)
    found = _CELLS.get(key)
    if found is not None and found[0] is criterion:
        return found[1]
    rule = [
        el(
            "div",
            f"{criterion.id} · ",
            el("span", wording_words(criterion), class_="on-screen"),
            el("span", wording_short(criterion), class_="on-paper"),
            el("span", " · rule: ", el("code", criterion.rule), class_="rule-code"),
            el("span", " · note below", class_="on-screen") if note else None,
        )
    ]
    rule += [
        el("div", f"{name} = ", el("code", text), class_="definition")
        for name, text in definitions_used(study, criterion.rule)
    ]
    cell = el("td", criterion.text, el("div", *rule, class_="rule"))
    if len(_CELLS) >= _CELLS_MAX:
        _CELLS.clear()
    _CELLS[key] = (criterion, cell)
    return cell


def overview_row(result: ScreeningResult) -> Markup:
    """One patient of a batch overview: id, screening date, one verdict per trial, and
    the first next step."""
    found = steps(result)
    first = f"{found[0].text} ({which_trials(found[0], len(result.studies))})" if found else ""
    return el(
        "tr",
        el("td", el("span", result.patient_id, class_="pid")),
        el("td", result.screening_date.isoformat()),
        *(el("td", verdict_mark(t.verdict)) for t in result),
        el("td", first, class_="first-step"),
    )


def overview_head(studies: Sequence[Study]) -> Markup:
    return el(
        "thead",
        el(
            "tr",
            el("th", "Patient"),
            el("th", "Screening"),
            *(el("th", el("code", s.id)) for s in studies),
            el("th", "First next step"),
        ),
    )
