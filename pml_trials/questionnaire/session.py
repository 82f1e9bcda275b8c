"""The questionnaire's state, without any input or output.

A :class:`Session` holds the answers so far, the fields answered "unknown", and a history
to undo. It screens after every change and asks the chooser what to ask next. The prompt
loop, the replay from a file and the tests all drive this one object, so the terminal and
the tests cannot disagree about which question comes next.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

from pml_trials.engine import ScreeningResult, screen
from pml_trials.engine.choose import rank_questions
from pml_trials.errors import ProfileError
from pml_trials.profile.fields import FIELDS
from pml_trials.profile.validate import InvalidProfileError, Profile, consistency, validate_python
from pml_trials.record import Record
from pml_trials.studies.model import Study

_ORDER = {spec.key: index for index, spec in enumerate(FIELDS)}  # keys in a saved file
_ABSENT = object()  # "the key was not in the profile", as opposed to an explicit null


class Undo(Record):
    """What one answer changed, so that ``back`` can restore it exactly."""

    key: str
    previous: Any  # the earlier value, or _ABSENT
    was_skipped: bool
    group: int = 0  # answers given on one screen share a group, and ``back`` undoes it whole


class Session:
    """The answers to one questionnaire and what they decide.

    ``profile`` must hold ``patient_id``; it may hold any other answers (``--from``).
    ``skip`` names fields already answered "unknown": the chooser never offers them
    again. A field whose value is ``None`` in ``profile`` is unknown to the engine.
    """

    def __init__(
        self,
        studies: Sequence[Study],
        as_of: date,
        profile: Mapping[str, Any],
        skip: Collection[str] = (),
    ) -> None:
        self.studies = tuple(studies)
        self.as_of = as_of
        self.profile: Profile = validate_python(profile)
        self.skip: set[str] = set(skip)
        self.history: list[Undo] = []
        self._result: ScreeningResult | None = None
        self._group = 0
        self.screens = 0  # screens shown by the prompt loop
        self._grouping = False

    @property
    def patient_id(self) -> str:
        return str(self.profile["patient_id"])

    @property
    def result(self) -> ScreeningResult:
        """The screening of the answers so far (recomputed only after a change)."""
        if self._result is None:
            self._result = screen(self.profile, self.studies, self.as_of, "questionnaire")
        return self._result

    def candidates(self) -> list[str]:
        """The useful questions, best first; empty when the questionnaire is over."""
        return rank_questions(self.result, self.skip)

    def next_field(self) -> str | None:
        ranked = self.candidates()
        return ranked[0] if ranked else None

    def answer(self, key: str, value: Any) -> None:
        """Record a value (``None`` = unknown). The value is validated through the profile
        declaration; an invalid one raises :class:`InvalidProfileError` and changes
        nothing."""
        if value is not None:  # the validated value: 70 for a number field becomes 70.0
            limit = self.profile.get("screening_date") or self.as_of
            value = validate_python({"patient_id": self.patient_id, key: value}, as_of=limit)[key]
            contradictions = consistency({**self.profile, key: value})
            if contradictions:
                raise InvalidProfileError(
                    [
                        ProfileError(f"{at} {text}", source="questionnaire", field=at)
                        for at, text in contradictions
                    ]
                )
        if not self._grouping:
            self._group += 1
        previous = self.profile.get(key, _ABSENT)
        self.history.append(Undo(key, previous, key in self.skip, self._group))
        self.profile[key] = value
        if value is None:
            self.skip.add(key)
        else:
            self.skip.discard(key)
        self._result = None

    def answer_all(self, values: Mapping[str, Any]) -> None:
        """Record several answers of one screen (a checklist) as one step for ``back``.
        Every value is validated first: an invalid one raises and changes nothing."""
        limit = self.profile.get("screening_date") or self.as_of
        for key, value in values.items():
            if value is not None:
                validate_python({"patient_id": self.patient_id, key: value}, as_of=limit)
        self._group += 1
        group = self._group
        self._grouping = True
        try:
            for key, value in values.items():
                self.answer(key, value)
        except InvalidProfileError:  # a contradiction: the whole screen is not recorded
            while self.history and self.history[-1].group == group:
                self._undo()
            raise
        finally:
            self._grouping = False

    def back(self) -> str | None:
        """Undo the last answer (all of a checklist's); return its (first) field, or
        ``None`` if there is none."""
        if not self.history:
            return None
        group = self.history[-1].group
        key = self._undo()
        while self.history and self.history[-1].group == group:
            key = self._undo()
        return key

    def _undo(self) -> str:
        undo = self.history.pop()
        if undo.previous is _ABSENT:
            self.profile.pop(undo.key, None)
        else:
            self.profile[undo.key] = undo.previous
        if undo.was_skipped:
            self.skip.add(undo.key)
        else:
            self.skip.discard(undo.key)
        self._result = None
        return undo.key

    @property
    def asked(self) -> int:
        """Questions answered in this session (known or unknown), net of undos."""
        return len(self.history)

    @property
    def answered(self) -> list[str]:
        """The fields answered in this session, in the order asked, each once."""
        return list(dict.fromkeys(undo.key for undo in self.history))

    def saved_profile(self) -> Profile:
        """The profile to write to a file: every answer, ``null`` for "unknown", and the
        screening date the verdicts were computed for, so that screening the file later
        gives the same verdicts."""
        saved: Profile = {key: self.profile[key] for key in _ORDER if key in self.profile}
        saved["screening_date"] = self.profile.get("screening_date") or self.as_of
        return dict(sorted(saved.items(), key=lambda item: _ORDER[item[0]]))
