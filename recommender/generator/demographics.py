"""Protected attributes of synthetic employees, for fairness audits only.

These draws use their own random stream, after the employee is complete, so they can
never change an employee's role, skills or profile, and no skill draw reads them.

Shares are plausible for a US hospital workforce, not measurements of any real one:

* sex (EEO-1 Male/Female) by job family: nursing about 88 % female, IT about 25 %,
  the workforce overall about 75 %. Sex agrees with the lean of the first name 90 % of
  the time; the name lean was drawn so that the share by family still comes out as
  listed (see :func:`feminine_lean_share`).
* race/ethnicity over the seven EEO-1 categories with about 4 % unknown (``None``).
* age band (``under 40`` / ``40 and over``) rising with tenure; 22 or more years with
  the organisation always means 40 and over.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Mapping
from types import MappingProxyType

from recommender.catalog import Employee, ProtectedAttributes
from recommender.generator.names import NameLean

__all__ = [
    "FEMALE_SHARE_BY_FAMILY",
    "DEFAULT_FEMALE_SHARE",
    "RACE_ETHNICITY_SHARES",
    "female_share",
    "feminine_lean_share",
    "draw_protected",
]

FEMALE = "Female"
MALE = "Male"
UNDER_40 = "under 40"
OVER_40 = "40 and over"

FEMALE_SHARE_BY_FAMILY: Mapping[str, float] = MappingProxyType(
    {
        "nursing": 0.88,
        "patient access": 0.85,
        "health information": 0.90,
        "revenue cycle": 0.85,
        "clinical": 0.78,
        "allied health": 0.75,
        "pharmacy": 0.70,
        "informatics": 0.70,
        "administration": 0.70,
        "leadership": 0.50,
        "it support": 0.25,
        "infrastructure": 0.20,
        "applications": 0.30,
        "clinical engineering": 0.15,
        "security": 0.22,
        "data & ai": 0.32,
    }
)
DEFAULT_FEMALE_SHARE = 0.75

# (category, share); the shares sum to 1 with None (unknown) at 4 %.
RACE_ETHNICITY_SHARES: tuple[tuple[str | None, float], ...] = (
    ("White", 0.555),
    ("Black or African American", 0.160),
    ("Hispanic or Latino", 0.120),
    ("Asian", 0.090),
    ("Two or More Races", 0.025),
    ("American Indian or Alaska Native", 0.007),
    ("Native Hawaiian or Other Pacific Islander", 0.003),
    (None, 0.040),
)
_RACE_VALUES = tuple(v for v, _ in RACE_ETHNICITY_SHARES)
_RACE_CUM = tuple(
    sum(s for _, s in RACE_ETHNICITY_SHARES[: i + 1]) for i in range(len(RACE_ETHNICITY_SHARES))
)

_SEX_MATCHES_LEAN = 0.9
_ALWAYS_OVER_40_TENURE = 22.0


def female_share(job_family_key: str) -> float:
    """The share of women in a (normalised) job family."""
    return FEMALE_SHARE_BY_FAMILY.get(job_family_key, DEFAULT_FEMALE_SHARE)


def feminine_lean_share(share: float) -> float:
    """The share of feminine first names that yields ``share`` women after the 90 % match.

    Solves ``p * 0.9 + (1 - p) * 0.1 = share`` for ``p``, clipped to [0, 1].

    Examples
    --------
    >>> round(feminine_lean_share(0.5), 3)
    0.5
    """
    miss = 1.0 - _SEX_MATCHES_LEAN
    return min(1.0, max(0.0, (share - miss) / (_SEX_MATCHES_LEAN - miss)))


def _draw_sex(rng: random.Random, lean: NameLean, share: float) -> str:
    if lean is NameLean.NEUTRAL:
        return FEMALE if rng.random() < share else MALE
    usual = FEMALE if lean is NameLean.FEMININE else MALE
    other = MALE if usual == FEMALE else FEMALE
    return usual if rng.random() < _SEX_MATCHES_LEAN else other


def _draw_age_band(rng: random.Random, tenure_years: float) -> str:
    if tenure_years >= _ALWAYS_OVER_40_TENURE:
        return OVER_40
    p_over = 0.3 + 0.6 * tenure_years / _ALWAYS_OVER_40_TENURE
    return OVER_40 if rng.random() < p_over else UNDER_40


def draw_protected(
    rng: random.Random, employee: Employee, lean: NameLean, share: float
) -> ProtectedAttributes:
    """Draw one employee's protected attributes from the protected stream ``rng``."""
    sex = _draw_sex(rng, lean, share)
    race = _RACE_VALUES[bisect(_RACE_CUM, rng.random() * _RACE_CUM[-1])]
    return ProtectedAttributes(employee.id, sex, race, _draw_age_band(rng, employee.tenure_years))
