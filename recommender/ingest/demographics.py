"""Map raw sex and race/ethnicity values onto EEO-1 categories, deterministically.

Mapping table (compared after NFKC, trimming, lower-casing and collapsing spaces):

* blank, ``prefer not to say``, ``declined``, ``decline to state``, ``unknown``,
  ``not specified``, ``n/a`` -> ``None`` (unknown, no warning).
* sex: ``male``, ``m``, ``man`` -> Male; ``female``, ``f``, ``woman`` -> Female;
  anything else (``Other``, ``Non-binary``, ``X``) -> ``None`` with a warning, since
  EEO-1 has no code for it.
* race/ethnicity: the seven EEO-1 names and common synonyms (``Black``, ``Latino``,
  ``Hispanic``, ``Caucasian``, ``Native American``, ``Pacific Islander`` ...). A cell
  may list several values separated by ``;``, ``|``, ``/`` or ``,``. As in EEO-1, any
  Hispanic or Latino value gives Hispanic or Latino; otherwise two or more distinct
  races give Two or More Races. Unrecognised values -> ``None`` with a warning.

Examples
--------
>>> map_race_ethnicity("White;Asian")
('Two or More Races', 'multiple values')
>>> map_sex("F")
('Female', 'synonym')
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "SEX_CATEGORIES",
    "RACE_ETHNICITY_CATEGORIES",
    "map_sex",
    "map_race_ethnicity",
    "UNMAPPED",
]

SEX_CATEGORIES = ("Male", "Female")
HISPANIC = "Hispanic or Latino"
TWO_OR_MORE = "Two or More Races"
RACE_ETHNICITY_CATEGORIES = (
    HISPANIC,
    "White",
    "Black or African American",
    "Native Hawaiian or Other Pacific Islander",
    "Asian",
    "American Indian or Alaska Native",
    TWO_OR_MORE,
)
UNMAPPED = "not an EEO-1 category"

_DECLINED = frozenset(
    {
        "",
        "prefer not to say",
        "prefer not to answer",
        "declined",
        "decline",
        "decline to state",
        "declined to state",
        "unknown",
        "not specified",
        "not disclosed",
        "n/a",
        "na",
        "none",
    }
)
_SEX = {
    "male": "Male",
    "m": "Male",
    "man": "Male",
    "female": "Female",
    "f": "Female",
    "woman": "Female",
}
_RACE = {
    "hispanic": HISPANIC,
    "latino": HISPANIC,
    "latina": HISPANIC,
    "latinx": HISPANIC,
    "hispanic or latino": HISPANIC,
    "latine": HISPANIC,
    "white": "White",
    "caucasian": "White",
    "black": "Black or African American",
    "african american": "Black or African American",
    "black or african american": "Black or African American",
    "native hawaiian": "Native Hawaiian or Other Pacific Islander",
    "pacific islander": "Native Hawaiian or Other Pacific Islander",
    "other pacific islander": "Native Hawaiian or Other Pacific Islander",
    "native hawaiian or other pacific islander": "Native Hawaiian or Other Pacific Islander",
    "native hawaiian or pacific islander": "Native Hawaiian or Other Pacific Islander",
    "asian": "Asian",
    "american indian": "American Indian or Alaska Native",
    "alaska native": "American Indian or Alaska Native",
    "native american": "American Indian or Alaska Native",
    "american indian or alaska native": "American Indian or Alaska Native",
    "two or more races": TWO_OR_MORE,
    "two or more": TWO_OR_MORE,
    "multiracial": TWO_OR_MORE,
    "mixed": TWO_OR_MORE,
}


def _fold(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip().casefold()
    return re.sub(r"\s+", " ", text)


def map_sex(raw: str) -> tuple[str | None, str]:
    """The EEO-1 sex category of ``raw`` and how it was found (for the import report)."""
    text = _fold(raw)
    if text in _DECLINED:
        return None, "blank or declined"
    if raw.strip() in SEX_CATEGORIES:
        return raw.strip(), "exact"
    found = _SEX.get(text)
    return (found, "synonym") if found else (None, UNMAPPED)


def map_race_ethnicity(raw: str) -> tuple[str | None, str]:
    """The EEO-1 race/ethnicity category of ``raw`` and how it was found."""
    text = _fold(raw)
    if text in _DECLINED:
        return None, "blank or declined"
    if raw.strip() in RACE_ETHNICITY_CATEGORIES:
        return raw.strip(), "exact"
    if text in _RACE:
        return _RACE[text], "synonym"
    parts = [p.strip() for p in re.split(r"[;|/,]", text) if p.strip()]
    found = {_RACE.get(p) for p in parts}
    if len(parts) < 2 or None in found:
        return None, UNMAPPED
    if HISPANIC in found:
        return HISPANIC, "multiple values including Hispanic or Latino"
    if len(found) == 1:
        return found.pop(), "synonym"
    return TWO_OR_MORE, "multiple values"
