"""Issue 6: the prompt loop, driven through an injected console and input stream."""

from __future__ import annotations

import io
import stat
from collections.abc import Callable, Collection, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from pml_trials.profile.validate import validate_json
from pml_trials.questionnaire.finish import INTERRUPTED, questionnaire
from pml_trials.questionnaire.loop import Outcome, Reader, run, stream_reader
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

AS_OF = date(2026, 11, 25)
GoldenCheck = Callable[[str, str], None]


def tidy(screen: str) -> str:
    """Without the spaces rich pads lines with, so that goldens diff cleanly."""
    return "\n".join(line.rstrip() for line in screen.splitlines()) + "\n"


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=100, color_system=None, legacy_windows=False), out


def reader(con: Console, lines: Sequence[str]) -> Reader:
    """Lines as typed; a line "^C" stands for pressing Ctrl-C there."""
    text = "\n".join(lines) + "\n"
    head, interrupt, _ = text.partition("^C\n")
    read = stream_reader(con, io.StringIO(head))

    def typed(prompt: str) -> str:
        try:
            return read(prompt)
        except EOFError:
            if interrupt:
                raise KeyboardInterrupt from None
            raise

    return typed


def ask(
    studies: Sequence[Study],
    lines: Sequence[str],
    start: dict[str, Any] | None = None,
    skip: Collection[str] = (),
) -> tuple[Outcome, str]:
    con, out = console()
    outcome = run(con, reader(con, lines), studies, AS_OF, start, skip)
    return outcome, out.getvalue()


SCRIPTED = [
    "Jane Doe",  # a name is not a valid pseudonymous id
    "u",  # the id cannot be unknown
    "q-7",
    "x",  # not a listed value
    "?",
    "u",  # csf PCR unknown
    "<",  # back to the csf question
    "<",  # nothing earlier to go back to
    "1",  # detected: MRI and signs next, the clinical pathway (no biopsy asked)
    "yes",
    "y",
    "20",  # life expectancy, weeks
    "maybe",
    "1",  # ticked on the checklist: no consent, so every study is ruled out
]


def test_a_scripted_session(studies: tuple[Study, ...], golden: GoldenCheck) -> None:
    outcome, screen = ask(studies, SCRIPTED)
    assert outcome.finished and outcome.session is not None
    session = outcome.session
    assert session.patient_id == "q-7"
    assert session.asked == 9  # the checklist answered five fields
    assert "brain_biopsy_jcv" not in session.profile  # PCR, MRI and signs made it definite
    assert session.profile["able_to_consent"] is False
    assert session.profile["alternative_therapy_available"] is False
    assert set(session.result.verdicts) == {Verdict.INELIGIBLE}
    assert "[csf_jcv_pcr]" in screen
    assert "if any CSF sample was positive" in screen  # the help text
    assert "'x' is not one of the listed values" in screen
    assert "there is no earlier answer in this session" in screen
    assert "'maybe' is not an item number" in screen
    assert "Does any of these apply now?" in screen
    golden("ask/scripted-session.txt", tidy(screen))


@pytest.mark.parametrize(
    ("key_answers", "problem"),
    [
        (
            [
                "csf_jcv_pcr:1",
                "biopsy:3",
                "mri:y",
                "clinical:y",
                "life:20",
                "checklist:none",
                "age:130",
            ],
            "above the maximum 120",
        ),
        (
            [
                "csf_jcv_pcr:1",
                "biopsy:3",
                "mri:y",
                "clinical:y",
                "life:20",
                "checklist:none",
                "age:44.5",
            ],
            "not a whole number",
        ),
    ],
)
def test_out_of_range_numbers_are_asked_again(
    studies: tuple[Study, ...], key_answers: list[str], problem: str
) -> None:
    lines = ["q-8"] + [a.split(":")[1] for a in key_answers] + ["44"]
    outcome, screen = ask(studies, lines)
    assert problem in screen
    assert outcome.session is not None
    assert outcome.session.profile["age_years"] == 44
    assert outcome.stop == "end of input"


def test_end_of_input_keeps_the_answers(studies: tuple[Study, ...]) -> None:
    outcome, _ = ask(studies, ["q-9", "1", "3", "y"])
    assert not outcome.finished and outcome.stop == "end of input"
    assert outcome.session is not None
    assert outcome.session.profile["mri_compatible_with_pml"] is True


def test_ctrl_c_keeps_the_answers(studies: tuple[Study, ...]) -> None:
    outcome, _ = ask(studies, ["q-9", "1", "^C"])
    assert outcome.stop == "interrupt"
    assert outcome.session is not None
    assert outcome.session.profile["csf_jcv_pcr"] == "detected"


def test_ctrl_c_at_the_id_has_nothing_to_keep(studies: tuple[Study, ...]) -> None:
    outcome, _ = ask(studies, ["^C"])
    assert outcome == Outcome(None, False, "interrupt", 130)


def test_a_start_profile_is_not_asked_again(studies: tuple[Study, ...]) -> None:
    start: dict[str, Any] = {"patient_id": "q-10", "csf_jcv_pcr": "detected"}
    start.update(brain_biopsy_jcv="not_done", mri_compatible_with_pml=None)
    outcome, screen = ask(studies, ["n"], start=start, skip={"mri_compatible_with_pml"})
    assert "Pseudonymous patient id" not in screen
    assert "[mri_compatible_with_pml]" not in screen
    assert "[clinical_features_compatible_with_pml]" in screen
    assert outcome.finished


def session_of(
    studies: Sequence[Study],
    lines: Sequence[str],
    start: dict[str, Any] | None = None,
    save: Path | None = None,
) -> tuple[int, str]:
    con, out = console()
    code = questionnaire(con, reader(con, lines), studies, AS_OF, start, (), save)
    return code, out.getvalue()


def test_the_closing_summary(
    studies: tuple[Study, ...], golden: GoldenCheck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # ex-08 with a checkpoint inhibitor in the past, age and donor not yet known.
    example = Path(__file__).parent.parent / "examples" / "patients" / "ex-08-icl.json"
    start = validate_json(example.read_bytes())
    start.update(patient_id="q-11", prior_checkpoint_inhibitor=True)
    del start["matched_donor_available"], start["age_years"]
    code, screen = session_of(studies, ["58", "u", "", "n"], start=start)
    assert code == 0
    assert list(tmp_path.iterdir()) == []  # declined: nothing written
    assert "ineligible" in screen and "needs information" in screen and "✓ eligible" in screen
    flat = " ".join(screen.split())
    assert (
        "1. HLA typing / donor search: could decide tcell-transfer (matched_donor_available)"
        in flat
    )
    golden("ask/summary.txt", tidy(screen))


def test_ctrl_c_writes_a_private_recovery_file(
    studies: tuple[Study, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q-12.recovered.json").write_text("{}", encoding="utf-8")  # someone else's
    code, screen = session_of(studies, ["q-12", "1", "u", "^C"])  # PCR detected, MRI unknown
    assert code == INTERRUPTED
    path = tmp_path / "q-12.recovered-2.json"
    assert f"saved in {path}" in screen.replace("\n", " ")
    assert f"pml-trials ask --from {path}" in screen.replace("\n", " ")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = validate_json(path.read_bytes())
    assert saved == {
        "patient_id": "q-12",
        "screening_date": AS_OF,
        "csf_jcv_pcr": "detected",
        "mri_compatible_with_pml": None,
    }
    assert (tmp_path / "q-12.recovered.json").read_text(encoding="utf-8") == "{}"


def test_end_of_input_at_the_save_offer_still_keeps_everything(
    studies: tuple[Study, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, screen = session_of(studies, ["q-13", "2", "2", ""])
    assert code == 0
    assert "Save the profile as JSON?" in screen
    saved = validate_json((tmp_path / "q-13.recovered.json").read_bytes())
    assert saved["brain_biopsy_jcv"] == "negative"


def test_saving_when_offered(
    studies: tuple[Study, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.json").write_text("{}", encoding="utf-8")
    lines = ["q-14", "2", "2", "", "y", "taken.json", "n", ""]
    code, screen = session_of(studies, lines)
    assert code == 0
    assert "taken.json exists. Replace it?" in screen
    assert (tmp_path / "taken.json").read_text(encoding="utf-8") == "{}"
    saved = tmp_path / "q-14.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert validate_json(saved.read_bytes())["csf_jcv_pcr"] == "not_detected"
    assert "Profile saved to q-14.json" in screen


def test_save_option_writes_without_asking(studies: tuple[Study, ...], tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, screen = session_of(studies, ["q-15", "2", "2", ""], save=target)
    assert code == 0
    assert "Save the profile as JSON?" not in screen
    assert validate_json(target.read_bytes())["patient_id"] == "q-15"


def test_a_lab_value_in_u_per_l_asks_the_upper_limit(studies: tuple[Study, ...]) -> None:
    from pml_trials.profile.fields import BY_KEY
    from pml_trials.questionnaire.loop import handle
    from pml_trials.questionnaire.session import Session

    con, out = console()
    session = Session(studies, AS_OF, {"patient_id": "q-9"})
    read = reader(con, ["zero", "0", "40"])
    assert handle(con, session, BY_KEY["alt_x_uln"], "84 U/L", read)
    assert session.profile["alt_x_uln"] == pytest.approx(2.1)
    screen = out.getvalue()
    assert "Upper limit of normal at this laboratory, in U/L?" in screen
    assert "'zero' is not a number" in screen
    assert "is not an upper limit" in screen
    assert "= 2.1 × ULN" in screen


def test_a_censored_value_is_unknown_with_a_note(studies: tuple[Study, ...]) -> None:
    from pml_trials.profile.fields import BY_KEY
    from pml_trials.questionnaire.loop import handle
    from pml_trials.questionnaire.session import Session

    con, out = console()
    session = Session(studies, AS_OF, {"patient_id": "q-9"})
    assert handle(con, session, BY_KEY["egfr_ml_min_1_73m2"], ">90")
    assert session.profile["egfr_ml_min_1_73m2"] is None
    assert "egfr_ml_min_1_73m2" in session.skip
    assert "recorded as unknown" in out.getvalue()


def test_question_mark_and_na_say_which_trials_need_the_field(
    studies: tuple[Study, ...],
) -> None:
    from pml_trials.profile.fields import BY_KEY
    from pml_trials.questionnaire.loop import handle
    from pml_trials.questionnaire.session import Session

    con, out = console()
    session = Session(studies, AS_OF, {"patient_id": "q-9"})
    spec = BY_KEY["prednisone_equivalent_mg_per_day"]
    assert not handle(con, session, spec, "?")
    assert not handle(con, session, spec, "n/a")
    screen = " ".join(out.getvalue().split())
    assert "tcell-transfer excludes (high-dose-steroids," in screen
    assert "prednisone_equivalent_mg_per_day / weight_kg > 0.5" in screen
    assert "Not applicable? This question is only asked when it can matter" in screen


NOT_PML = {"patient_id": "q-20", "csf_jcv_pcr": "not_detected", "brain_biopsy_jcv": "negative"}


def test_the_review_edits_by_number_and_records_any_field(
    studies: tuple[Study, ...], tmp_path: Path
) -> None:
    target = tmp_path / "q-20.json"
    lines = ["7", "+cd4", "0,18 G/L", "2", "neg", ""]
    code, screen = session_of(studies, lines, start=dict(NOT_PML), save=target)
    assert code == 0, screen
    assert "Review: every answer" in screen
    assert " 1 csf_jcv_pcr = not_detected" in screen
    assert "✗ type a number 1-2, +name to add a field, or Enter" in screen  # 7 is not listed
    assert "CD4 T-cell count? [cd4_cells_per_ul]" in screen
    assert " 3 cd4_cells_per_ul = 180" in screen  # recorded though no trial needs it
    assert screen.count("[brain_biopsy_jcv]") == 1  # asked again by number
    saved = validate_json(target.read_bytes())
    assert saved["cd4_cells_per_ul"] == 180
    assert saved["brain_biopsy_jcv"] == "negative"


def test_a_saved_session_removes_the_recovery_file_it_resumed_from(
    studies: tuple[Study, ...], tmp_path: Path
) -> None:
    recovery = tmp_path / "q-20.recovered.json"
    recovery.write_text('{"patient_id": "q-20"}', encoding="utf-8")
    target = tmp_path / "q-20.json"
    con, out = console()
    read = reader(con, [""])
    code = questionnaire(con, read, studies, AS_OF, dict(NOT_PML), (), target, resumed=recovery)
    assert code == 0
    assert target.exists() and not recovery.exists()
    assert f"Removed the recovery file {recovery}." in " ".join(out.getvalue().split())
    # A file that is not a recovery file is never removed.
    other = tmp_path / "chart.json"
    other.write_text('{"patient_id": "q-20"}', encoding="utf-8")
    con, out = console()
    assert questionnaire(con, reader(con, [""]), studies, AS_OF, dict(NOT_PML), (), target,
                         resumed=other) == 0  # fmt: skip
    assert other.exists()


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("karnofsky_score", "+cd4", "cd4"),
        ("karnofsky_score", " + karnofsky ", "karnofsky"),
        ("karnofsky_score", "+", ""),  # which field? asked next
        ("csf_jcv_pcr", "+", None),  # a declared synonym of detected: the answer
        ("brain_biopsy_jcv", "+", None),  # ... of positive
        ("csf_jcv_pcr", "+cd4", "cd4"),
        ("age_years", "+5", None),  # a signed number is a value
        ("alt_x_uln", "+.5", None),
        ("alt_x_uln", "+,5", None),
        ("age_years", "5", None),
        ("age_years", "u", None),
    ],
)
def test_what_plus_means(key: str, text: str, expected: str | None) -> None:
    from pml_trials.profile.fields import BY_KEY
    from pml_trials.questionnaire.loop import extra_field

    assert extra_field(BY_KEY[key], text) == expected


def test_plus_that_settles_the_current_question_moves_on(studies: tuple[Study, ...]) -> None:
    # At the life expectancy, the clinician records that consent cannot be given: every
    # study is ruled out, so the life expectancy is not asked on.
    lines = ["q-30", "1", "y", "y", "+able_to_consent", "n"]
    outcome, screen = ask(studies, lines)
    assert outcome.finished and outcome.session is not None
    assert outcome.session.profile["able_to_consent"] is False
    assert "life_expectancy_weeks" not in outcome.session.profile
    assert set(outcome.session.result.verdicts) == {Verdict.INELIGIBLE}
    assert screen.count("[life_expectancy_weeks]") == 1  # shown once, then not asked on


def test_plus_at_a_checklist_then_the_checklist_again(studies: tuple[Study, ...]) -> None:
    lines = ["q-31", "1", "y", "y", "20", "+cd4", "300", "n"]
    outcome, screen = ask(studies, lines)
    assert outcome.session is not None
    profile = outcome.session.profile
    assert profile["cd4_cells_per_ul"] == 300
    assert profile["life_expectancy_weeks"] == 20
    assert profile["able_to_consent"] is True  # "n" at the checklist after the + field
    assert "back to: " in screen


@pytest.mark.parametrize("typed", ["+screening_date", "+patient_id", "+" + "x" * 5000])
def test_plus_never_changes_the_record_and_echoes_little(
    studies: tuple[Study, ...], typed: str
) -> None:
    outcome, screen = ask(studies, ["q-32", typed, "2", "3"])
    assert outcome.finished and outcome.session is not None
    assert "screening_date" not in outcome.session.profile
    assert outcome.session.patient_id == "q-32"
    assert "no profile field matches" in screen
    assert max(len(line) for line in screen.splitlines()) < 200


def test_plus_on_an_answered_field_says_it_replaces(studies: tuple[Study, ...]) -> None:
    outcome, screen = ask(studies, ["q-33", "1", "+csf_jcv_pcr", "2", "3"])
    assert "now detected: a new answer replaces it" in screen
    assert outcome.session is not None
    assert outcome.session.profile["csf_jcv_pcr"] == "not_detected"
