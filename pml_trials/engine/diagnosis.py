"""The patient's PML diagnostic category by the AAN 2013 consensus. Pure.

Berger et al., Neurology 2013;80:1430 (PMC3662270) propose two pathways. The
histopathological one stands alone: the typical triad with JC virus shown in brain tissue
is definite PML. The clinical one combines three findings, as the Dutch-Belgian
application of the consensus tabulates them (J Neurol Neurosurg Psychiatry 2019;90:44):

=====================  ========  ===========  ==============
clinical features      MRI       CSF JCV PCR  category
=====================  ========  ===========  ==============
compatible             typical   detected     definite
one of the two         ...       detected     probable
compatible             typical   not detected possible
                                 or not done
anything else                                 not PML
=====================  ========  ===========  ==============

The finer histopathological grades (triad without JC virus shown, JC virus without the
triad) are not in a source read for this project, and the profile records the biopsy as
positive (triad and virus), negative or not done, so a biopsy is either definite or
leaves the clinical pathway to decide. A negative biopsy does not rule PML out (a
sample can miss a lesion).

With unknown answers the category is the one every possible answer agrees on, else
``unknown``: an answer can narrow ``unknown`` to a category, never change a category.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from enum import StrEnum
from typing import Any

CLINICAL = "clinical_features_compatible_with_pml"
MRI = "mri_compatible_with_pml"
CSF = "csf_jcv_pcr"
BIOPSY = "brain_biopsy_jcv"
FIELDS = (CLINICAL, MRI, CSF, BIOPSY)
"""The four fields the category is built from, in the order a clinician would give them."""

_CHOICES: dict[str, tuple[Any, ...]] = {
    CLINICAL: (True, False),
    MRI: (True, False),
    CSF: ("detected", "not_detected", "not_done"),
    BIOPSY: ("positive", "negative", "not_done"),
}


class Diagnosis(StrEnum):
    DEFINITE = "definite"
    PROBABLE = "probable"
    POSSIBLE = "possible"
    NOT_PML = "not-pml"
    UNKNOWN = "unknown"

    @property
    def unconfirmed(self) -> bool:
        """Possible or probable: PML may be there but is not confirmed yet."""
        return self in (Diagnosis.PROBABLE, Diagnosis.POSSIBLE)


def category(clinical: bool, mri: bool, csf: str, biopsy: str) -> Diagnosis:
    """The category of a fully known set of findings (the table above)."""
    if biopsy == "positive":
        return Diagnosis.DEFINITE
    detected = csf == "detected"
    if clinical and mri and detected:
        return Diagnosis.DEFINITE
    if detected and (clinical or mri):
        return Diagnosis.PROBABLE
    if clinical and mri:
        return Diagnosis.POSSIBLE
    return Diagnosis.NOT_PML


@functools.cache
def _options(values: tuple[Any, ...]) -> frozenset[Diagnosis]:
    """Every category some answers to the unknown fields could give."""
    choices = [(v,) if v is not None else _CHOICES[k] for k, v in zip(FIELDS, values, strict=True)]
    return frozenset(category(*combo) for combo in itertools.product(*choices))


def _agreed(values: tuple[Any, ...]) -> Diagnosis:
    found = _options(values)
    return next(iter(found)) if len(found) == 1 else Diagnosis.UNKNOWN


# Each combination of the four answers' category, filled as combinations are met (every
# valid one fits: 3 x 3 x 4 x 4 with the unknowns); a value outside the declared ones
# is computed and not kept.
_CATEGORY: dict[tuple[Any, ...], Diagnosis] = {}


def diagnose(get: Callable[[str], Any]) -> Diagnosis:
    """The category of a profile (``get`` is ``profile.get``); ``unknown`` while the
    answers still missing could lead to different categories."""
    values = tuple(map(get, FIELDS))
    found = _CATEGORY.get(values)
    if found is None:
        found = _agreed(values)
        if len(_CATEGORY) < 256:
            _CATEGORY[values] = found
    return found


def unconfirmed(get: Callable[[str], Any]) -> bool:
    """PML is not confirmed but may be there: the category is possible or probable, or
    still unknown with definite ruled out and possible or probable among the outcomes
    (CSF JC virus not detected, no biopsy, MRI and signs not yet answered)."""
    found = _options(tuple(get(key) for key in FIELDS))
    return Diagnosis.DEFINITE not in found and bool(
        found & {Diagnosis.POSSIBLE, Diagnosis.PROBABLE}
    )


def deciding_fields(get: Callable[[str], Any]) -> tuple[str, ...]:
    """The unknown diagnosis fields, when the category is still ``unknown``."""
    values = tuple(get(key) for key in FIELDS)
    if _agreed(values) is not Diagnosis.UNKNOWN:
        return ()
    return tuple(key for key, value in zip(FIELDS, values, strict=True) if value is None)


LABELS = {
    Diagnosis.DEFINITE: "definite PML",
    Diagnosis.PROBABLE: "probable PML",
    Diagnosis.POSSIBLE: "possible PML",
    Diagnosis.NOT_PML: "not PML",
    Diagnosis.UNKNOWN: "not yet known",
}
"""How each category reads in a sentence ("Diagnosis (AAN 2013): possible PML")."""


def what_would_decide(diagnosis: Diagnosis, get: Callable[[str], Any]) -> str | None:
    """For possible or probable PML (or an unknown category that could only be one of
    them or not PML), what would confirm or refute it; else ``None``."""
    if diagnosis is Diagnosis.UNKNOWN and unconfirmed(get):
        found = _options(tuple(get(key) for key in FIELDS))
        may = " or ".join(LABELS[d] for d in (Diagnosis.PROBABLE, Diagnosis.POSSIBLE) if d in found)
        return (
            f"PML is not confirmed: definite PML is ruled out by the answers so far, and it "
            f"may be {may}, which the unanswered MRI and clinical questions would tell; a "
            "repeat CSF JC virus PCR, with an ultrasensitive assay, or a brain biopsy would "
            "decide"
        )
    if diagnosis is Diagnosis.POSSIBLE:
        return (
            "PML is not yet confirmed: a repeat CSF JC virus PCR, with an ultrasensitive "
            "assay, or a brain biopsy would decide"
        )
    if diagnosis is Diagnosis.PROBABLE:
        missing = "the MRI" if get(CLINICAL) else "the clinical features"
        return (
            "PML is not yet confirmed: JC virus DNA is in the CSF but "
            f"{missing} are not typical of PML; a brain biopsy, or typical clinical "
            "features and MRI on follow-up, would decide"
        ).replace("the MRI are", "the MRI is")
    return None
