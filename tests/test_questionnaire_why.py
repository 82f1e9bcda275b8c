"""Issue 17: `?` names the trials and criteria that need a field, from the rule trees."""

from __future__ import annotations

import pytest

from pml_trials.questionnaire.why import reasons
from pml_trials.studies.model import Study


def test_every_referenced_field_names_each_study_and_criterion(
    studies: tuple[Study, ...],
) -> None:
    for study in studies:
        for criterion in study.criteria:
            for key in criterion.fields:
                if key == "screening_date":
                    continue
                lines = reasons(key, [study])
                assert any(f"({criterion.id}, " in line for line in lines), (key, study.id)
                assert all(line.startswith(f"{study.id} ") for line in lines)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("gvhd_grade", "tcell-transfer excludes (acute-gvhd, "),
        ("gvhd_grade", "gvhd_grade >= 2"),
        ("alt_x_uln", "cmx001 excludes (liver-enzymes, "),
        ("alt_x_uln", "when alt_x_uln >= 2.6 or ast_x_uln >= 2.6"),
        ("csf_jcv_pcr", "csf_jcv_pcr == 'detected'"),
        ("able_to_consent", "requires (informed-consent, 'Must give written informed consent')"),
    ],
)
def test_the_threshold_is_quoted_from_the_rule(
    studies: tuple[Study, ...], key: str, expected: str
) -> None:
    assert any(expected in line for line in reasons(key, studies))


def test_a_field_no_trial_reads_has_no_reason(studies: tuple[Study, ...]) -> None:
    assert reasons("residence_town", studies) == []
