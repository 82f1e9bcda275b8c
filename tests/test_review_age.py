"""Issue 19: a study not reviewed for too long is flagged by ``check`` and ``trials``."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from pml_trials.cli.app import app
from pml_trials.maintain.review import DEFAULT_MAX_DAYS, ENVIRONMENT, Review
from pml_trials.studies.load import bundled_dir, load_dirs

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def reviewed() -> date:
    """The bundled studies' last_reviewed (one date for every bundled file)."""
    (day,) = {s.last_reviewed for s in load_dirs([bundled_dir()]).studies}
    return day


def after(days: int) -> str:
    return (reviewed() + timedelta(days=days)).isoformat()


@pytest.fixture(autouse=True)
def _no_threshold_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT, raising=False)


@pytest.mark.parametrize(("days", "stale"), [(0, False), (180, False), (181, True)])
def test_the_default_threshold_is_180_days(days: int, stale: bool) -> None:
    review = Review(date(2026, 11, 25), date(2026, 11, 25) + timedelta(days), DEFAULT_MAX_DAYS)
    assert (review.days, review.stale) == (days, stale)


def test_check_warns_about_stale_studies_without_changing_the_exit_code() -> None:
    code, out, err = invoke("check", "--as-of", after(188))
    assert code == 0
    assert err.count("warning: ") == 3
    assert f"last_reviewed is {reviewed().isoformat()}, 188 days ago (more than 180 days)" in err
    assert "3 studies last reviewed more than 180 days ago" in out
    code, out, err = invoke("check", "--as-of", after(7))
    assert code == 0
    assert "warning" not in err and "last reviewed more than" not in out


def test_the_threshold_from_the_option_and_the_environment() -> None:
    warnings = invoke("check", "--as-of", after(7), "--max-review-age", "6")[2]
    assert warnings.count("warning: ") == 3
    env = {ENVIRONMENT: "6"}
    assert invoke("check", "--as-of", after(7), env=env)[2].count("warning: ") == 3
    # the option wins over the environment
    quiet = invoke("check", "--as-of", after(7), "--max-review-age", "7", env=env)[2]
    assert "warning" not in quiet


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--max-review-age", "-1"], None),
        (["--max-review-age", "99999999"], None),
        ([], {ENVIRONMENT: "half a year"}),
    ],
)
def test_a_bad_threshold_is_a_usage_error(args: list[str], env: dict[str, str] | None) -> None:
    code, _, err = invoke("check", *args, env=env)
    assert code == 2
    assert "days" in err


def test_a_review_in_the_future_is_warned_about() -> None:
    code, _, err = invoke("check", "--as-of", after(-24))
    assert code == 0
    assert "a review cannot be in the future" in err


def test_trials_shows_the_review_age_and_the_stale_flag() -> None:
    code, out, _ = invoke("trials", "--format", "json", "--as-of", after(188))
    assert code == 0
    assert {(r["review_age_days"], r["review_stale"]) for r in json.loads(out)} == {(188, True)}
    code, out, _ = invoke("trials", "--format", "json", "--as-of", after(7))
    assert {(r["review_age_days"], r["review_stale"]) for r in json.loads(out)} == {(7, False)}
    code, out, _ = invoke("trials", "--as-of", after(188))
    assert code == 0
    assert out.count("STALE") == 3
    assert "(188 days ago)" in " ".join(out.split())
