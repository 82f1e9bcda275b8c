"""Questionnaire length: questions asked, against a paper form that asks every field.

For each example patient, the questionnaire is answered from the patient's file (a field
the file lacks is answered "unknown"), and the number of questions is printed next to
the paper form: every field the selected studies reference. At every step it checks that
the question asked was among the missing fields of a still-undecided trial, and that the
questionnaire stopped as soon as no such field remained.

The floor is the fewest questions anyone could have asked this patient, even knowing the
answers in advance: the smallest set of fields that decides every trial (or leaves only
fields answered "unknown"), found exhaustively per study and then combined. "Floor, dx
first" adds the constraint that the diagnosis (each study's first criterion) is settled,
as the questionnaire always does. A patient has PML here when every study's first
criterion (definite PML) is met on the full file.

Targets (issue 6): both step rules hold everywhere; a patient whose PML is not confirmed
is done in at most 4 questions; across the patients with PML, at most 60% of the paper
form on average. The patient_id question is not a screening question and is not counted.

    python bench/questionnaire.py [--no-floor] [--trial ID ...]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pml_trials.engine import TrialResult
from pml_trials.profile.validate import Profile, validate_json
from pml_trials.questionnaire.replay import Replay, replay
from pml_trials.studies.load import bundled_dir, load_dirs
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "patients"
AS_OF = date(2026, 11, 25)
NOT_CONFIRMED_MAX = 4
PML_SHARE_MAX = 0.60
RECORD = {"patient_id", "screening_date"}


def paper_form(studies: Sequence[Study]) -> list[str]:
    return sorted({f for study in studies for f in study.fields} - RECORD)


def trial_of(study: Study, profile: Profile, today: date) -> TrialResult:
    verdict, values = study.evaluate(profile.get, today)
    return TrialResult(study, verdict, values, profile, today)


def has_pml(studies: Sequence[Study], profile: Profile) -> bool:
    today = profile.get("screening_date") or AS_OF
    return all(trial_of(s, profile, today).criteria[0].value is True for s in studies)


def _subsets(fields: Sequence[str]) -> Iterator[frozenset[str]]:
    for size in range(len(fields) + 1):
        for combo in itertools.combinations(fields, size):
            yield frozenset(combo)


def minimal_sets(study: Study, profile: Profile, dx_first: bool) -> list[frozenset[str]]:
    """Every minimal set of fields whose answers (from ``profile``) leave the study decided,
    or undecided only by fields in the set answered "unknown"."""
    today = profile.get("screening_date") or AS_OF
    full = trial_of(study, profile, today)
    found: list[frozenset[str]] = []
    for subset in _subsets([f for f in study.fields if f not in RECORD]):
        if any(m <= subset for m in found):
            continue
        known: Profile = {"patient_id": profile["patient_id"]}
        known.update((f, profile.get(f)) for f in subset)
        if _settled(study, known, today, subset, full, dx_first):
            found.append(subset)
    return found


def _settled(
    study: Study,
    known: Profile,
    today: date,
    asked: frozenset[str],
    full: TrialResult,
    dx_first: bool,
) -> bool:
    verdict, values = study.evaluate(known.get, today)
    if dx_first and values[0] is None and full.values[0] is not None:
        return False
    if verdict is not Verdict.NEEDS_INFORMATION:
        return True
    # A trial the whole file decides stays open while any unasked field could decide it;
    # only one the file leaves open can end with its remaining fields all "unknown".
    if full.verdict is not Verdict.NEEDS_INFORMATION:
        return False
    trial = TrialResult(study, verdict, values, known, today)
    gate = trial.criteria[0]
    gate_done = not dx_first or gate.value is not None or set(gate.missing) <= asked
    return gate_done and set(trial.missing_fields) <= asked


def floor(studies: Sequence[Study], profile: Profile, dx_first: bool) -> int:
    """The fewest questions that can end the questionnaire for this patient."""
    per_study = [minimal_sets(s, profile, dx_first) for s in studies]
    return min(len(frozenset().union(*choice)) for choice in itertools.product(*per_study))


def rule_breaks(run: Replay) -> list[str]:
    """Steps that asked a useless question, and a stop that left useful fields."""
    problems = [
        f"step {n}: {step.key} was not a missing field of an undecided trial"
        for n, step in enumerate(run.steps, 1)
        if step.key not in step.useful
    ]
    if run.left:
        problems.append(f"stopped with useful fields left: {', '.join(sorted(run.left))}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-floor", action="store_true", help="skip the (slower) floor")
    parser.add_argument("--trial", action="append", help="only this study; repeatable")
    args = parser.parse_args()
    studies: Sequence[Study] = load_dirs([bundled_dir()]).studies
    if args.trial:
        studies = [s for s in studies if s.id in args.trial]
    form = paper_form(studies)
    print(f"studies: {', '.join(s.id for s in studies)}; paper form: {len(form)} fields")
    print(f"{'patient':32} {'PML':>3} {'asked':>5} {'of form':>7} {'floor':>5} {'dx first':>8}")
    rows: list[tuple[str, bool, int, int, int]] = []
    broken: list[str] = []
    for path in sorted(EXAMPLES.glob("*.json")):
        profile = validate_json(path.read_bytes(), source=str(path))
        run = replay(profile, studies, AS_OF)
        broken += [f"{path.stem}: {p}" for p in rule_breaks(run)]
        pml = has_pml(studies, profile)
        low = -1 if args.no_floor else floor(studies, profile, False)
        low_dx = -1 if args.no_floor else floor(studies, profile, True)
        rows.append((path.stem, pml, len(run.steps), low, low_dx))
        share = len(run.steps) / len(form)
        print(
            f"{path.stem:32} {'yes' if pml else 'no':>3} {len(run.steps):5} {share:7.0%}"
            f" {_num(low):>5} {_num(low_dx):>8}"
        )
    print()
    _targets(rows, len(form), broken, not args.no_floor)
    for problem in broken:
        print(f"RULE BROKEN: {problem}")
    return 1 if broken else 0


def _targets(
    rows: list[tuple[str, bool, int, int, int]], form: int, broken: list[str], floors: bool
) -> None:
    steps = sum(r[2] for r in rows)
    pml = [r for r in rows if r[1]]
    other = [r for r in rows if not r[1]]
    worst = max(other, key=lambda r: r[2], default=None)
    share = sum(r[2] for r in pml) / len(pml) / form if pml else 0.0
    lines: list[tuple[str, str, str, bool]] = [
        ("each question useful when asked", "every step", f"{steps} steps checked", not broken),
        (
            "stopped once nothing useful was left",
            "every patient",
            f"{len(rows)} patients",
            not broken,
        ),
    ]
    if worst is not None:
        reached = f"at most {worst[2]} ({worst[0]})"
        lines.append(
            (
                "PML not confirmed: questions",
                f"<= {NOT_CONFIRMED_MAX}",
                reached,
                worst[2] <= NOT_CONFIRMED_MAX,
            )
        )
    if pml:
        reached = f"{share:.1%} ({len(pml)} patients)"
        if floors:
            low = sum(r[3] for r in pml) / len(pml) / form
            low_dx = sum(r[4] for r in pml) / len(pml) / form
            reached += f"; floor {low:.1%}, dx first {low_dx:.1%}"
        lines.append(
            (
                "PML: average share of the paper form",
                f"<= {PML_SHARE_MAX:.0%}",
                reached,
                share <= PML_SHARE_MAX,
            )
        )
    print(f"{'target':40} {'wanted':>14}  reached")
    for name, wanted, reached, met in lines:
        print(f"{name:40} {wanted:>14}  {reached}  {'met' if met else 'NOT MET'}")


def _num(value: Any) -> str:
    return "-" if value == -1 else str(value)


if __name__ == "__main__":
    sys.exit(main())
