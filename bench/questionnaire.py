"""Questionnaire length: screens, keystrokes and items shown, against the paper form and
a screen oracle.

For each example patient the real prompt loop (``questionnaire.loop.run``) is driven with
the lines a person reading the patient's file would type (``questionnaire.replay``: a
checklist's ticked numbers or ``none``, a form's values one by one, ``u`` for a field the
file lacks). It counts

- **screens**: questions, checklists and forms shown (the paper form: one per field);
- **keystrokes**: every character typed, each Enter included (the paper form: each
  field's value typed the same way, a listed value by its number, and Enter);
- **items shown**: fields put in front of the clinician (the paper form: all of them).

The paper form is every field the selected studies reference. The **screen oracle** is
the issue's "fewest screens possible with the same grouping when every answer is known":
the smallest set of screens (groups of ``questionnaire.screens.group_of``, each shown
whole) whose fields, answered from the file, leave every trial decided or undecided only
by fields the file lacks. It is found exhaustively per study over its screens (every
minimal set), then the per-study sets are combined (the smallest union).

Why exactly this, neither weaker nor stronger:

- *Not stronger than possible.* A field's usefulness only shrinks as answers come in (an
  unknown criterion's missing fields are the unknown leaves of its unknown parts), so the
  oracle's screens can be shown in any order, each item useful when shown. The bench
  checks this at every run: it drives a ``Session`` through the oracle's screens for each
  patient and requires every item shown to be useful, the stop reached, and no more
  screens than the oracle counted (``oracle_walk``).
- *Not weaker than possible.* The screens any questionnaire with this grouping shows form
  such a set (answering a whole group instead of its useful items can only decide more:
  a decided verdict never flips), so none can show fewer.
- *No order is imposed*: the grouping, not the questionnaire's order, is what the
  definition keeps. The questionnaire settles the diagnosis first (the chooser's gate, for
  the no-PML guard); requiring the oracle to do the same (each study's first criterion
  settled, or open only by unknowns, before any other section) would build the
  questionnaire's own policy into its yardstick: a patient with PML excluded by one
  section (ex-06: life expectancy) can be settled in that one screen, and an oracle that
  knows the answers would show only it. That figure is printed for information only
  ("oracle, diagnosis first"); the target and the last line use the oracle above.

At every screen it checks that every item shown could change an undecided trial, and at
the end that nothing useful was left. A patient has PML here when every study's first
criterion (definite PML) is met on the full file.

Targets (issue 17), over the patients with PML: mean screens at most a third of the paper
form, at most 1.15x the screen oracle, keystrokes at most 60% of the paper form's; guards:
items shown at most 90% of the form, a patient without PML done in at most 2 screens and
4 fields. The patient id is not a screening question and is not counted.

    python bench/questionnaire.py [--trial ID ...]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from pml_trials.engine import TrialResult
from pml_trials.profile.validate import Profile, validate_json
from pml_trials.questionnaire.replay import Replay, replay, typed
from pml_trials.questionnaire.screens import group_of
from pml_trials.questionnaire.session import Session
from pml_trials.studies.load import bundled_dir, load_dirs
from pml_trials.studies.model import Study
from pml_trials.verdict import Verdict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "patients"
AS_OF = date(2026, 11, 25)
SCREENS_SHARE_MAX = 1 / 3
ORACLE_MAX = 1.15
KEYS_SHARE_MAX = 0.60
ITEMS_SHARE_MAX = 0.90
NOT_PML_SCREENS, NOT_PML_FIELDS = 2, 4
RECORD = {"patient_id", "screening_date"}


def paper_form(studies: Sequence[Study]) -> list[str]:
    return sorted({f for study in studies for f in study.fields} - RECORD)


def paper_keystrokes(form: Sequence[str], profile: Profile) -> int:
    return sum(len(typed(key, profile.get(key))) + 1 for key in form)


def trial_of(study: Study, profile: Profile, today: date) -> TrialResult:
    verdict, values = study.evaluate(profile.get, today)
    return TrialResult(study, verdict, values, profile, today)


def has_pml(studies: Sequence[Study], profile: Profile) -> bool:
    today = profile.get("screening_date") or AS_OF
    return all(trial_of(s, profile, today).criteria[0].value is True for s in studies)


def _subsets(items: Sequence[str]) -> Iterator[frozenset[str]]:
    for size in range(len(items) + 1):
        for combo in itertools.combinations(items, size):
            yield frozenset(combo)


def groups_of(study: Study) -> dict[str, list[str]]:
    """The study's screening fields by the screen (group) they share."""
    groups: dict[str, list[str]] = {}
    for key in study.fields:
        if key not in RECORD:
            groups.setdefault(group_of(key), []).append(key)
    return groups


def minimal_screen_sets(
    study: Study, profile: Profile, gate_first: bool = False
) -> list[frozenset[str]]:
    """Every minimal set of screens (groups) whose fields, answered from ``profile``,
    leave the study decided, or undecided only by fields answered "unknown".
    ``gate_first`` (for information only) also requires the study's first criterion to
    be settled in the same sense, as a questionnaire that asks the diagnosis first must."""
    today = profile.get("screening_date") or AS_OF
    full = trial_of(study, profile, today)
    groups = groups_of(study)
    found: list[frozenset[str]] = []
    for chosen in _subsets(sorted(groups)):
        if any(m <= chosen for m in found):
            continue
        asked = frozenset(k for g in chosen for k in groups[g])
        known: Profile = {"patient_id": profile["patient_id"]}
        known.update((f, profile.get(f)) for f in asked)
        if _settled(study, known, today, asked, full, gate_first):
            found.append(chosen)
    return found


def _settled(
    study: Study,
    known: Profile,
    today: date,
    asked: frozenset[str],
    full: TrialResult,
    gate_first: bool,
) -> bool:
    verdict, values = study.evaluate(known.get, today)
    trial = TrialResult(study, verdict, values, known, today)
    if gate_first and values[0] is None and not set(trial.criteria[0].missing) <= asked:
        return False
    if verdict is not Verdict.NEEDS_INFORMATION:
        return True
    # A trial the whole file decides stays open while any unasked field could decide it;
    # only one the file leaves open can end with its remaining fields all "unknown".
    if full.verdict is not Verdict.NEEDS_INFORMATION:
        return False
    return set(trial.missing_fields) <= asked


def best_screens(
    studies: Sequence[Study], profile: Profile, gate_first: bool = False
) -> frozenset[str]:
    """The fewest screens that settle every study: the smallest union of one minimal set
    per study (settling is monotone, so every settling set holds such a union)."""
    per_study = [minimal_screen_sets(s, profile, gate_first) for s in studies]
    unions = (frozenset[str]().union(*choice) for choice in itertools.product(*per_study))
    return min(unions, key=lambda u: (len(u), sorted(u)))


def screen_oracle(studies: Sequence[Study], profile: Profile, gate_first: bool = False) -> int:
    return len(best_screens(studies, profile, gate_first))


def oracle_walk(studies: Sequence[Study], profile: Profile, chosen: frozenset[str]) -> list[str]:
    """Show the oracle's screens to a real ``Session`` (in the order of the groups'
    names, each screen's items while they are useful, answered from ``profile``) and say
    what breaks: an item that could change nothing, a stop not reached, or more screens
    than the oracle counted. Empty: the oracle's count is reachable."""
    start: Profile = {"patient_id": profile["patient_id"]}
    if profile.get("screening_date") is not None:
        start["screening_date"] = profile["screening_date"]
    session = Session(studies, AS_OF, start)
    members: dict[str, list[str]] = {}
    for study in studies:
        for group, keys in groups_of(study).items():
            members.setdefault(group, [])
            members[group] += [k for k in keys if k not in members[group]]
    shown = 0
    for _ in range(2):  # a second pass would only be needed if usefulness could grow
        for group in sorted(chosen):
            useful = session.candidates()
            if not any(k in useful for k in members[group]):
                continue
            shown += 1
            for key in members[group]:
                if key in session.candidates():
                    session.answer(key, profile.get(key))
    problems = []
    if session.candidates():
        problems.append(f"oracle's screens leave useful fields: {session.candidates()}")
    if shown > len(chosen):
        problems.append(f"oracle's {len(chosen)} screens took {shown} to show")
    return problems


def rule_breaks(run: Replay) -> list[str]:
    """Screens that showed an item that could change nothing, and a stop that left
    useful fields."""
    problems = [
        f"screen {n}: {key} could not change an undecided trial"
        for n, shown in enumerate(run.screens, 1)
        for key in shown.keys
        if key not in shown.useful
    ]
    problems += [
        f"{step.key} could not change an undecided trial when asked"
        for step in run.steps
        if step.key not in step.useful
    ]
    if run.left:
        problems.append(f"stopped with useful fields left: {', '.join(sorted(run.left))}")
    return problems


class Row:
    def __init__(
        self, name: str, pml: bool, run: Replay, oracle: int, gated: int, paper_keys: int
    ) -> None:
        self.name, self.pml, self.oracle, self.paper_keys = name, pml, oracle, paper_keys
        self.gated = gated  # the oracle with the diagnosis first: for information only
        self.screens = len(run.screens)
        self.items = len(run.steps)
        self.keys = run.keystrokes


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trial", action="append", help="only this study; repeatable")
    args = parser.parse_args()
    studies: Sequence[Study] = load_dirs([bundled_dir()]).studies
    if args.trial:
        studies = [s for s in studies if s.id in args.trial]
    form = paper_form(studies)
    print(f"studies: {', '.join(s.id for s in studies)}; paper form: {len(form)} fields")
    print(
        f"{'patient':32} {'PML':>3} {'screens':>7} {'oracle':>6} {'dx 1st':>6} {'items':>5}"
        f" {'keys':>5} {'paper keys':>10}"
    )
    rows: list[Row] = []
    broken: list[str] = []
    for path in sorted(EXAMPLES.glob("*.json")):
        profile = validate_json(path.read_bytes(), source=str(path))
        run = replay(profile, studies, AS_OF)
        broken += [f"{path.stem}: {p}" for p in rule_breaks(run)]
        chosen = best_screens(studies, profile)
        broken += [f"{path.stem}: {p}" for p in oracle_walk(studies, profile, chosen)]
        row = Row(
            path.stem,
            has_pml(studies, profile),
            run,
            len(chosen),
            screen_oracle(studies, profile, gate_first=True),
            paper_keystrokes(form, profile),
        )
        rows.append(row)
        print(
            f"{row.name:32} {'yes' if row.pml else 'no':>3} {row.screens:7} {row.oracle:6}"
            f" {row.gated:6}"
            f" {row.items:5} {row.keys:5} {row.paper_keys:10}"
        )
    print()
    last = _targets(rows, len(form), broken)
    for problem in broken:
        print(f"RULE BROKEN: {problem}")
    print(last)
    return 1 if broken else 0


def _targets(rows: list[Row], form: int, broken: list[str]) -> str:
    pml = [r for r in rows if r.pml]
    other = [r for r in rows if not r.pml]
    lines: list[tuple[str, str, str, bool]] = [
        ("every item shown could change a trial", "every screen", f"{len(rows)} patients",
         not broken),
        ("stopped once nothing useful was left", "every patient", f"{len(rows)} patients",
         not broken),
        ("screen oracle reachable (oracle_walk)", "every patient", f"{len(rows)} patients",
         not broken),
    ]  # fmt: skip
    if other:
        worst = max(other, key=lambda r: (r.screens, r.items))
        lines.append(
            (
                "PML not confirmed: screens, fields",
                f"<= {NOT_PML_SCREENS}, <= {NOT_PML_FIELDS}",
                f"at most {worst.screens}, {max(r.items for r in other)} ({worst.name})",
                all(r.screens <= NOT_PML_SCREENS and r.items <= NOT_PML_FIELDS for r in other),
            )
        )
    screens = sum(r.screens for r in pml) / len(pml) if pml else 0.0
    oracle = sum(r.oracle for r in pml) / len(pml) if pml else 1.0
    gated = sum(r.gated for r in pml) / len(pml) if pml else 1.0
    items = sum(r.items for r in pml) / len(pml) if pml else 0.0
    keys = sum(r.keys for r in pml) / max(1, sum(r.paper_keys for r in pml))
    share, ratio = screens / form, screens / oracle
    lines += [
        ("PML: mean screens, share of the form", f"<= {SCREENS_SHARE_MAX:.1%}",
         f"{screens:.2f} of {form} = {share:.1%}", share <= SCREENS_SHARE_MAX),
        ("PML: mean screens / screen oracle", f"<= {ORACLE_MAX:.2f}x",
         f"{screens:.2f} / {oracle:.2f} = {ratio:.2f}x", ratio <= ORACLE_MAX),
        ("PML: keystrokes, share of the form's", f"<= {KEYS_SHARE_MAX:.0%}", f"{keys:.1%}",
         keys <= KEYS_SHARE_MAX),
        ("PML: items shown, share of the form", f"<= {ITEMS_SHARE_MAX:.0%}",
         f"{items:.2f} of {form} = {items / form:.1%}", items / form <= ITEMS_SHARE_MAX),
    ]  # fmt: skip
    print(f"{'target':40} {'wanted':>14}  reached")
    for name, wanted, reached, met in lines:
        print(f"{name:40} {wanted:>14}  {reached}  {'met' if met else 'NOT MET'}")
    print(
        f"{'(info) PML: screens / oracle, dx first':40} {'no target':>14}"
        f"  {screens:.2f} / {gated:.2f} = {screens / gated:.2f}x"
    )
    return (
        f"screens {share:.0%} of the paper form, {ratio:.2f}x the screen oracle, "
        f"keystrokes {keys:.0%} of the paper form's"
    )


if __name__ == "__main__":
    sys.exit(main())
