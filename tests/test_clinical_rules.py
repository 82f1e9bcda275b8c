"""Issue 11: clinically right verdicts. Each rule has a patient that fails without it.

The patients are the bundled files' own eligible examples with one finding changed, so a
test fails exactly when the rule it names is removed or weakened.
"""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.engine import screen
from pml_trials.engine.diagnosis import (
    FIELDS as DIAGNOSIS_FIELDS,
)
from pml_trials.engine.diagnosis import (
    Diagnosis,
    category,
    deciding_fields,
    diagnose,
    what_would_decide,
)
from pml_trials.engine.examples import provenance_problems
from pml_trials.profile.fields import BY_KEY
from pml_trials.profile.validate import InvalidProfileError, validate_json, validate_python
from pml_trials.questionnaire.session import Session
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

AS_OF = date(2026, 11, 25)
ELIGIBLE = {"tcell-transfer": "tcell-eligible", "checkpoint-inhibitor": "ici-eligible", "cmx001": "cmx-eligible"}  # fmt: skip


def study_of(studies: tuple[Study, ...], study_id: str) -> Study:
    return next(s for s in studies if s.id == study_id)


def eligible(studies: tuple[Study, ...], study_id: str) -> dict[str, Any]:
    study = study_of(studies, study_id)
    example = next(e for e in study.examples if e.profile["patient_id"] == ELIGIBLE[study_id])
    return dict(example.profile)


def verdict(
    studies: tuple[Study, ...], study_id: str, profile: dict[str, Any]
) -> tuple[Verdict, set[str]]:
    """The verdict of one study, and the ids of the criteria that decided it."""
    valid = validate_python(profile)
    result = screen(valid, (study_of(studies, study_id),), AS_OF).trial(study_id)
    return result.verdict, {c.criterion.id for c in result.reasons}


def changed(base: dict[str, Any], drop: tuple[str, ...] = (), **values: Any) -> dict[str, Any]:
    profile = {k: v for k, v in base.items() if k not in drop}
    profile.update(values)
    return profile


# -- the AAN 2013 diagnosis -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clinical", "mri", "csf", "biopsy", "expected"),
    [
        (True, True, "detected", "not_done", Diagnosis.DEFINITE),
        (False, False, "not_detected", "positive", Diagnosis.DEFINITE),  # histopathology alone
        (None, None, None, "positive", Diagnosis.DEFINITE),
        (True, True, "detected", "negative", Diagnosis.DEFINITE),  # a biopsy can miss
        (False, True, "detected", "not_done", Diagnosis.PROBABLE),  # MRI-screened, no symptoms
        (True, False, "detected", "not_done", Diagnosis.PROBABLE),
        (True, True, "not_detected", "not_done", Diagnosis.POSSIBLE),
        (True, True, "not_done", "negative", Diagnosis.POSSIBLE),
        (False, False, "detected", "not_done", Diagnosis.NOT_PML),
        (True, False, "not_detected", "negative", Diagnosis.NOT_PML),
        (False, None, "not_detected", "not_done", Diagnosis.NOT_PML),
        (True, True, None, "not_done", Diagnosis.UNKNOWN),
        (None, None, None, None, Diagnosis.UNKNOWN),
    ],
)  # fmt: skip
def test_the_consensus_table(
    clinical: bool | None,
    mri: bool | None,
    csf: str | None,
    biopsy: str | None,
    expected: Diagnosis,
) -> None:
    values = dict(zip(DIAGNOSIS_FIELDS, (clinical, mri, csf, biopsy), strict=True))
    assert diagnose(values.get) is expected


def _all_answers() -> list[dict[str, Any]]:
    choices = [
        (None, True, False),
        (None, True, False),
        (None, "detected", "not_detected", "not_done"),
        (None, "positive", "negative", "not_done"),
    ]
    return [
        {k: v for k, v in zip(DIAGNOSIS_FIELDS, combo, strict=True) if v is not None}
        for combo in itertools.product(*choices)
    ]


def test_every_bundled_definite_pml_rule_agrees_with_the_engine(
    studies: tuple[Study, ...],
) -> None:
    """Over all 144 combinations of the four answers, known or not."""
    for study in studies:
        first = study.criteria[0]
        for answers in _all_answers():
            profile = {"patient_id": "d-1", **answers}
            value = screen(profile, (study,), AS_OF).trial(study.id).criteria[0].value
            found = diagnose(profile.get)
            assert (value is True) == (found is Diagnosis.DEFINITE), (study.id, first.id, answers)
            if found in (Diagnosis.PROBABLE, Diagnosis.POSSIBLE, Diagnosis.NOT_PML):
                assert value is False, (study.id, answers)


def test_answering_narrows_the_category_but_never_changes_it() -> None:
    for answers in _all_answers():
        before = diagnose(answers.get)
        if before is Diagnosis.UNKNOWN:
            assert deciding_fields(answers.get)
            continue
        assert not deciding_fields(answers.get)
        for key in DIAGNOSIS_FIELDS:
            if key in answers:
                continue
            for value in (True, False) if key in DIAGNOSIS_FIELDS[:2] else ("detected",):
                assert diagnose({**answers, key: value}.get) is before


def test_category_is_only_definite_with_both_pathways_or_either() -> None:
    assert category(False, False, "not_done", "positive") is Diagnosis.DEFINITE
    assert category(True, True, "detected", "not_done") is Diagnosis.DEFINITE


def test_unconfirmed_pml_says_what_would_decide() -> None:
    possible: dict[str, Any] = {
        "clinical_features_compatible_with_pml": True,
        "mri_compatible_with_pml": True,
        "csf_jcv_pcr": "not_detected",
        "brain_biopsy_jcv": "not_done",
    }
    text = what_would_decide(Diagnosis.POSSIBLE, possible.get)
    assert text and "ultrasensitive" in text and "biopsy" in text
    probable = {
        **possible,
        "clinical_features_compatible_with_pml": False,
        "csf_jcv_pcr": "detected",
    }
    text = what_would_decide(Diagnosis.PROBABLE, probable.get)
    assert text and "clinical features are not typical" in text and "biopsy" in text
    assert what_would_decide(Diagnosis.DEFINITE, possible.get) is None
    assert what_would_decide(Diagnosis.NOT_PML, possible.get) is None


@pytest.mark.parametrize("study_id", sorted(ELIGIBLE))
def test_biopsy_proven_pml_without_typical_signs_is_definite(
    studies: tuple[Study, ...], study_id: str
) -> None:
    """The histopathological pathway stands alone (the old rule demanded clinical and MRI)."""
    base = eligible(studies, study_id)
    atypical = changed(
        base,
        clinical_features_compatible_with_pml=False,
        mri_compatible_with_pml=False,
        csf_jcv_pcr="not_detected",
        brain_biopsy_jcv="positive",
    )
    assert verdict(studies, study_id, atypical) == (Verdict.ELIGIBLE, set())


@pytest.mark.parametrize("study_id", sorted(ELIGIBLE))
def test_possible_pml_is_not_confirmed(studies: tuple[Study, ...], study_id: str) -> None:
    base = eligible(studies, study_id)
    possible = changed(base, csf_jcv_pcr="not_detected", brain_biopsy_jcv="not_done")
    found, reasons = verdict(studies, study_id, possible)
    assert found is Verdict.INELIGIBLE and study_of(studies, study_id).criteria[0].id in reasons
    assert study_of(studies, study_id).criteria[0].next_step


# -- PML-IRIS and "worsening now" --------------------------------------------------------------


@pytest.mark.parametrize("study_id", ["tcell-transfer", "checkpoint-inhibitor"])
def test_pml_iris_excludes(studies: tuple[Study, ...], study_id: str) -> None:
    """An IRIS patient is worsening (pml_progressing yes) and would pass 'stable PML'."""
    base = eligible(studies, study_id)
    assert verdict(studies, study_id, changed(base, pml_iris=True)) == (
        Verdict.INELIGIBLE,
        {"pml-iris"},
    )


def test_worsening_is_asked_for_any_patient_and_iris_apart() -> None:
    question = BY_KEY["pml_progressing"].question + BY_KEY["pml_progressing"].help
    assert "worsening now" in question and "despite immune restoration" not in question
    assert "IRIS" in BY_KEY["pml_progressing"].help


# -- GVHD and allogeneic transplants --------------------------------------------------------------


def test_checkpoint_excludes_grade_1_gvhd_on_treatment(studies: tuple[Study, ...]) -> None:
    """Grade-1 GVHD on steroids passed the old II-IV limit: a false eligible."""
    base = changed(
        eligible(studies, "checkpoint-inhibitor"),
        predisposing_conditions=["hematologic_malignancy", "hematopoietic_cell_transplant"],
        allogeneic_hct=True,
        gvhd_grade=1,
        gvhd_systemic_treatment=True,
    )
    found, reasons = verdict(studies, "checkpoint-inhibitor", base)
    assert found is Verdict.INELIGIBLE and {"active-gvhd", "allogeneic-hct"} <= reasons


def test_checkpoint_excludes_chronic_gvhd(studies: tuple[Study, ...]) -> None:
    study = study_of(studies, "checkpoint-inhibitor")
    gvhd = next(c for c in study.criteria if c.id == "active-gvhd")
    profile = {
        "patient_id": "g-1",
        "predisposing_conditions": ["hematopoietic_cell_transplant"],
        "allogeneic_hct": True,
        "gvhd_grade": 0,
        "chronic_gvhd_active": True,
    }
    result = screen(validate_python(profile), (study,), AS_OF).trial(study.id)
    assert next(c for c in result.criteria if c.criterion is gvhd).value is True


def test_checkpoint_excludes_any_allogeneic_transplant_but_not_autologous(
    studies: tuple[Study, ...],
) -> None:
    base = changed(
        eligible(studies, "checkpoint-inhibitor"),
        predisposing_conditions=["hematologic_malignancy", "hematopoietic_cell_transplant"],
        gvhd_grade=0,
        chronic_gvhd_active=False,
        gvhd_systemic_treatment=False,
    )
    assert verdict(studies, "checkpoint-inhibitor", changed(base, allogeneic_hct=True)) == (
        Verdict.INELIGIBLE,
        {"allogeneic-hct"},
    )
    assert verdict(studies, "checkpoint-inhibitor", changed(base, allogeneic_hct=False)) == (
        Verdict.ELIGIBLE,
        set(),
    )
    unknown = verdict(studies, "checkpoint-inhibitor", base)
    assert unknown[0] is Verdict.NEEDS_INFORMATION


@pytest.mark.parametrize("study_id", ["tcell-transfer", "checkpoint-inhibitor"])
def test_gvhd_is_not_asked_without_an_allogeneic_transplant(
    studies: tuple[Study, ...], study_id: str
) -> None:
    """A kidney recipient (T cells) or a lymphoma patient (PD-1) with the GVHD grade left
    blank is decided: acute GVHD cannot occur without an allogeneic HCT."""
    base = eligible(studies, study_id)
    conditions = ["solid_organ_transplant"] if study_id == "tcell-transfer" else ["hematologic_malignancy"]  # fmt: skip
    profile = changed(
        base, drop=("gvhd_grade", "allogeneic_hct"), predisposing_conditions=conditions
    )
    assert verdict(studies, study_id, profile) == (Verdict.ELIGIBLE, set())


def test_tcell_gvhd_grade_2_after_allogeneic_transplant_excludes(
    studies: tuple[Study, ...],
) -> None:
    base = eligible(studies, "tcell-transfer")
    assert verdict(studies, "tcell-transfer", changed(base, gvhd_grade=2)) == (
        Verdict.INELIGIBLE,
        {"acute-gvhd"},
    )


# -- steroids, immunocompromise, autoimmune scope -----------------------------------------------


def test_zero_steroid_dose_needs_no_weight(studies: tuple[Study, ...]) -> None:
    base = eligible(studies, "tcell-transfer")
    profile = changed(base, drop=("weight_kg",), prednisone_equivalent_mg_per_day=0)
    assert verdict(studies, "tcell-transfer", profile) == (Verdict.ELIGIBLE, set())
    heavy = changed(base, drop=("weight_kg",), prednisone_equivalent_mg_per_day=60)
    assert verdict(studies, "tcell-transfer", heavy)[0] is Verdict.NEEDS_INFORMATION


def test_immunocompromised_needs_a_positive_condition(studies: tuple[Study, ...]) -> None:
    """Even an unvalidated empty list (a Python caller) does not count as immunocompromised."""
    study = study_of(studies, "checkpoint-inhibitor")
    criterion = next(c for c in study.criteria if c.id == "immunocompromised")
    for conditions, expected in (([], False), (["none_identified"], False), (["other"], True)):
        profile = {"patient_id": "i-1", "predisposing_conditions": conditions}
        result = screen(profile, (study,), AS_OF).trial(study.id)
        assert next(c for c in result.criteria if c.criterion is criterion).value is expected


def test_checkpoint_follows_the_french_trials_autoimmune_scope(
    studies: tuple[Study, ...],
) -> None:
    """Rheumatoid arthritis on methotrexate is inside the trial's scope; on a biologic not."""
    base = changed(
        eligible(studies, "checkpoint-inhibitor"),
        predisposing_conditions=["autoimmune_disease"],
        active_autoimmune_disease=True,
        current_immunosuppressive_therapy=True,
        current_biologic_therapy=False,
    )
    assert verdict(studies, "checkpoint-inhibitor", base) == (Verdict.ELIGIBLE, set())
    biologic = changed(base, current_biologic_therapy=True)
    assert verdict(studies, "checkpoint-inhibitor", biologic) == (
        Verdict.INELIGIBLE,
        {"biologic-for-inflammatory-disease"},
    )


def test_alternative_therapy_asks_what_the_cmx001_text_means(
    studies: tuple[Study, ...],
) -> None:
    spec = BY_KEY["alternative_therapy_available"]
    assert "comparable or satisfactory" in spec.question and "approved" not in spec.question
    assert "ART" in spec.help and "natalizumab" in spec.help
    base = eligible(studies, "cmx001")
    assert verdict(studies, "cmx001", changed(base, alternative_therapy_available=True)) == (
        Verdict.INELIGIBLE,
        {"no-alternative-therapy"},
    )


# -- new criteria of the audit's section 2 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("study_id", "values", "criterion"),
    [
        ("tcell-transfer", {"life_expectancy_weeks": 8.5}, "life-expectancy"),
        ("checkpoint-inhibitor", {"life_expectancy_weeks": 8.5}, "life-expectancy"),
        ("tcell-transfer", {"current_cidofovir": True}, "cidofovir-or-leflunomide"),
        ("tcell-transfer", {"current_leflunomide": True}, "cidofovir-or-leflunomide"),
        ("cmx001", {"current_cidofovir": True}, "current-cidofovir"),
        ("cmx001", {"oral_absorption_impaired": True}, "oral-absorption"),
        ("tcell-transfer", {"other_cns_infection": True}, "other-cns-infection"),
        ("tcell-transfer", {"other_active_opportunistic_infection": True}, "no-other-opportunistic-infection"),
        ("tcell-transfer", {"agrees_to_contraception": False}, "contraception"),
        ("checkpoint-inhibitor", {"agrees_to_contraception": False}, "contraception"),
    ],
)  # fmt: skip
def test_new_class_criteria(
    studies: tuple[Study, ...], study_id: str, values: dict[str, Any], criterion: str
) -> None:
    base = eligible(studies, study_id)
    assert verdict(studies, study_id, changed(base, **values)) == (Verdict.INELIGIBLE, {criterion})


# -- validation of the predisposing conditions ---------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "field", "words"),
    [
        ({"predisposing_conditions": []}, "predisposing_conditions", "is empty"),
        ({"predisposing_conditions": ["none_identified", "hiv"]}, "predisposing_conditions", "'none_identified' with other"),
        ({"predisposing_conditions": ["hiv"], "hiv_positive": False}, "hiv_positive", "'hiv' is listed"),
        ({"predisposing_conditions": ["hematologic_malignancy"], "allogeneic_hct": True}, "allogeneic_hct", "not in predisposing_conditions"),
        ({"allogeneic_hct": False, "gvhd_grade": 2}, "gvhd_grade", "allogeneic_hct is false"),
        ({"allogeneic_hct": False, "chronic_gvhd_active": True}, "chronic_gvhd_active", "allogeneic_hct is false"),
    ],
)  # fmt: skip
def test_validation_refuses_contradictions(profile: dict[str, Any], field: str, words: str) -> None:
    document = json.dumps({"patient_id": "v-1", **profile})
    with pytest.raises(InvalidProfileError) as caught:
        validate_json(document, source="p.json")
    (problem,) = caught.value.problems
    assert problem.field == field and words in problem.message
    assert problem.render().startswith(f"p.json: {field}: ")


@pytest.mark.parametrize(
    "profile",
    [
        {"predisposing_conditions": ["none_identified"]},
        {"predisposing_conditions": ["hiv"], "hiv_positive": True},
        {"predisposing_conditions": ["solid_tumor"], "hiv_positive": False},
        {"predisposing_conditions": ["hematopoietic_cell_transplant"], "allogeneic_hct": True},
        {"allogeneic_hct": False, "gvhd_grade": 0},
        {"predisposing_conditions": None},
    ],
)
def test_validation_accepts_what_is_consistent(profile: dict[str, Any]) -> None:
    assert validate_python({"patient_id": "v-2", **profile})["patient_id"] == "v-2"


def test_the_questionnaire_refuses_a_contradicting_answer(studies: tuple[Study, ...]) -> None:
    session = Session(studies, AS_OF, {"patient_id": "q-1"})
    session.answer("predisposing_conditions", ["hiv"])
    with pytest.raises(InvalidProfileError) as caught:
        session.answer("hiv_positive", False)
    assert "hiv_positive is false" in caught.value.problems[0].message
    assert "hiv_positive" not in session.profile
    with pytest.raises(InvalidProfileError):
        session.answer("predisposing_conditions", [])


# -- honest provenance ------------------------------------------------------------------------


def test_bundled_notes_and_wording_marks_agree(studies: tuple[Study, ...]) -> None:
    for study in studies:
        assert provenance_problems(study) == [], study.id
    marked = {c.id for s in studies for c in s.criteria if c.wording == "file"}
    assert {"adult", "pregnancy", "pml-iris", "solid-organ-transplant"} <= marked


def test_bundled_sources_use_canonical_addresses(studies: tuple[Study, ...]) -> None:
    urls = [s.url or "" for study in studies for s in study.sources]
    assert not [u for u in urls if "47.251.13.51" in u or "bohrium" in u]
    assert "https://pmc.ncbi.nlm.nih.gov/articles/PMC3662270/" in urls


def test_cmx001_is_completed_and_says_the_registry_omits_jc_virus(
    studies: tuple[Study, ...],
) -> None:
    study = study_of(studies, "cmx001")
    assert study.status == "completed"
    note = study.criteria[0].note or ""
    assert "NOT listed" in note and "2013" in note


SITE = """\
format = 1
id = "{id}"
title = "A site study"
category = "other"
last_reviewed = 2026-12-01
summary = "A pre-screen; the study team decides."

[[source]]
key = "protocol"
citation = "Protocol v1"

[[inclusion]]
id = "adult"
text = "Adults"
source = "protocol"
rule = "age_years >= 18"
note = "Borrowed: the protocol does not say."
{wording}
"""


@pytest.mark.parametrize(("wording", "code"), [("", 3), ('wording = "file"', 0)])
def test_check_verifies_the_wording_mark(tmp_path: Path, wording: str, code: int) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "site-study.toml").write_text(SITE.format(id="site-study", wording=wording))
    result = CliRunner().invoke(
        app, ["check", "--criteria", str(folder), "--no-bundled"], catch_exceptions=False
    )
    assert result.exit_code == code, result.output
    if code:
        assert "site-study.toml:12: inclusion 'adult': the note says 'Borrowed'" in result.stderr


def test_files_without_the_new_keys_still_load(tmp_path: Path) -> None:
    from pml_trials.studies.load import load_dirs

    folder = tmp_path / "old"
    folder.mkdir()
    text = SITE.format(id="old-study", wording="").replace('note = "Borrowed: the protocol does not say."\n', "")  # fmt: skip
    (folder / "old-study.toml").write_text(text)
    report = load_dirs([folder])
    assert not report.errors
    (criterion,) = report.studies[0].criteria
    assert criterion.wording == "source" and criterion.next_step is None


# -- every output format shows the diagnosis and the study status -----------------------------

POSSIBLE = "examples/patients/ex-13-possible-pml-sarcoidosis.json"
DEFINITE = "examples/patients/ex-04-cll-br.json"
ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.usefixtures("_in_root")
def test_json_and_jsonl_carry_diagnosis_status_and_next_step() -> None:
    document = json.loads(_run("screen", POSSIBLE, DEFINITE, "-f", "json"))
    possible, definite = document["results"]
    assert (possible["diagnosis"], definite["diagnosis"]) == ("possible", "definite")
    trials = {t["trial_id"]: t for t in possible["trials"]}
    assert trials["cmx001"]["study_status"] == "completed"
    assert "ultrasensitive" in trials["tcell-transfer"]["next_step"]
    assert {t["next_step"] for t in definite["trials"]} == {None}
    studies = {s["id"]: s for s in document["studies"]}
    assert studies["cmx001"]["status"] == "completed"
    assert {c["wording"] for c in studies["checkpoint-inhibitor"]["criteria"]} == {"source", "file"}
    line = json.loads(_run("screen", POSSIBLE, "-f", "jsonl").splitlines()[0])
    assert line["diagnosis"] == "possible" and line["trials"][1]["study_status"] == "completed"


@pytest.mark.usefixtures("_in_root")
def test_csv_and_table_carry_diagnosis_and_status() -> None:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(_run("screen", POSSIBLE, DEFINITE, "-f", "csv"))))
    assert {r["diagnosis"] for r in rows[:3]} == {"possible"}
    cmx = next(r for r in rows if r["trial_id"] == "cmx001" and r["verdict"] == "eligible")
    assert cmx["study_status"] == "completed"
    table = _run("screen", POSSIBLE, DEFINITE)
    assert "possible PML" in table and "PML not yet confirmed" in table
    assert "✓ eligible (completed)" in table and "confirmed-pml" not in table


@pytest.mark.usefixtures("_in_root")
@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_explain_and_reports_never_give_possible_pml_a_bare_ineligible(fmt: str) -> None:
    out = _run("explain", POSSIBLE, "--format", fmt)
    assert "possible PML" in out and "ultrasensitive" in out
    assert out.lower().count("ineligible until pml is confirmed") >= 3
    flat = " ".join(out.split())
    assert "study status: completed" in flat and "note:" in flat
    if fmt != "text":
        assert "the criteria file's own wording" in flat
    else:
        assert "(the file's own wording, not a quote)" in flat


def test_questionnaire_end_shows_diagnosis_and_status(studies: tuple[Study, ...]) -> None:
    from io import StringIO

    from rich.console import Console

    from pml_trials.questionnaire.view import summary

    profile = validate_json((ROOT / POSSIBLE).read_bytes())
    out = StringIO()
    Console(file=out, width=120, color_system=None).print(
        summary(screen(profile, studies, AS_OF), 4, ())
    )
    text = out.getvalue()
    assert "Diagnosis (AAN 2013 consensus): possible PML" in text
    assert "ineligible until PML is confirmed" in text and "completed" in text
    # What would confirm it, once (the trials' own next steps say the same thing).
    assert " ".join(text.split()).count("a repeat CSF JC virus PCR") == 1


def test_unknown_category_with_definite_ruled_out_is_not_confirmed() -> None:
    """CSF negative, no biopsy, MRI and signs unanswered: possible PML or not PML."""
    profile = {"patient_id": "u-1", "csf_jcv_pcr": "not_detected", "brain_biopsy_jcv": "not_done"}
    assert diagnose(profile.get) is Diagnosis.UNKNOWN
    text = what_would_decide(Diagnosis.UNKNOWN, profile.get)
    assert text and "may be possible PML" in text and "probable" not in text
