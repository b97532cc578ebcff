"""Clean a free-text job title before it is matched: abbreviations out, noise away.

HR exports write titles the way people type them: "Sr. Cyber Defense Analyst II",
"RN - Med/Surg nights", "Pharm Tech PRN". :func:`clean_title` turns such a title into
plain lower-case words that O*NET's titles also use:

1. Unicode is folded (NFKC), lower-cased; "&" becomes "and".
2. Slashes, hyphens and other punctuation split words ("med/surg" -> "med surg");
   apostrophes and full stops inside words are dropped ("sr." -> "sr").
3. Multi-word abbreviations are expanded first (:data:`PHRASES`, e.g. "med surg",
   "l and d"), then single words (:data:`ABBREVIATIONS`, e.g. "rn", "mgr", "tech").
4. Noise that says nothing about the occupation is removed (:data:`NOISE`): shift and
   schedule words (nights, days, prn, per diem, full time, weekend...) and grade
   markers (roman numerals ii-v, "level 2", "tier 3", "grade 1", a trailing number).
   "i" alone is removed only at the end of a title ("Analyst I").
5. A title that says the same thing twice, as "Paint Technician (Paint Tech)" does
   once expanded, keeps one copy.

The tables are deliberately small and unambiguous in a job title; a word they do not
know passes through unchanged, so the matcher still sees it. Ambiguous short forms
that would do harm when wrong (for example "pt": physical therapist or part time;
"sec": security or secretary) are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

__all__ = ["ABBREVIATIONS", "PHRASES", "NOISE", "clean_title"]

ABBREVIATIONS: Mapping[str, str] = {
    # Seniority and function words.
    "sr": "senior",
    "snr": "senior",
    "jr": "junior",
    "mgr": "manager",
    "mngr": "manager",
    "mgmt": "management",
    "dir": "director",
    "asst": "assistant",
    "assoc": "associate",
    "coord": "coordinator",
    "spec": "specialist",
    "spcl": "specialist",
    "tech": "technician",
    "techs": "technicians",
    "engr": "engineer",
    "eng": "engineer",
    "supv": "supervisor",
    "supvr": "supervisor",
    "rep": "representative",
    "exec": "executive",
    "admin": "administrator",
    "adm": "administrator",
    "anlst": "analyst",
    "dev": "developer",
    "ops": "operations",
    "svc": "service",
    "svcs": "services",
    "cust": "customer",
    "maint": "maintenance",
    "mech": "mechanic",
    "prog": "programmer",
    "sys": "systems",
    "info": "information",
    "infosec": "information security",
    "hr": "human resources",
    "vp": "vice president",
    # Clinical roles and credentials.
    "rn": "registered nurse",
    "lpn": "licensed practical nurse",
    "lvn": "licensed vocational nurse",
    "cna": "certified nursing assistant",
    "np": "nurse practitioner",
    "aprn": "advanced practice registered nurse",
    "crna": "certified registered nurse anesthetist",
    "cnm": "certified nurse midwife",
    "emt": "emergency medical technician",
    "phleb": "phlebotomist",
    "pharm": "pharmacy",
    "cpht": "certified pharmacy technician",
    "rad": "radiologic",
    "cst": "certified surgical technologist",
    "mlt": "medical laboratory technician",
    "mls": "medical laboratory scientist",
    "cma": "certified medical assistant",
    "pta": "physical therapist assistant",
    "cota": "certified occupational therapy assistant",
    "rrt": "registered respiratory therapist",
    "him": "health information management",
    "rhit": "registered health information technician",
    "rhia": "registered health information administrator",
    "cpc": "certified professional coder",
    # Units and specialities.
    "med": "medical",
    "surg": "surgical",
    "icu": "intensive care unit",
    "nicu": "neonatal intensive care unit",
    "picu": "pediatric intensive care unit",
    "ed": "emergency department",
    "er": "emergency room",
    "peds": "pediatric",
    "onc": "oncology",
    "psych": "psychiatric",
    "tele": "telemetry",
    "ob": "obstetrics",
    "gyn": "gynecology",
    "ortho": "orthopedic",
    "neuro": "neurology",
    "resp": "respiratory",
    "lab": "laboratory",
}
"""Single-word short forms and what they stand for in a job title."""

PHRASES: Mapping[str, str] = {
    "med surg": "medical surgical",
    "l and d": "labor and delivery",
    "or nurse": "operating room nurse",
    "or technician": "operating room technician",
    "pharm d": "pharmacist",
    "admin assistant": "administrative assistant",
    "admin support": "administrative support",
    "admin coordinator": "administrative coordinator",
    "admin specialist": "administrative specialist",
    "sys admin": "systems administrator",
}
"""Multi-word short forms, expanded before the single words."""

NOISE: frozenset[str] = frozenset(
    {
        # Shift and schedule words (plural or qualified forms only: "Night Auditor",
        # "Day Care Teacher" and "Contract Specialist" are occupations).
        "nights",
        "days",
        "evenings",
        "weekends",
        "night shift",
        "day shift",
        "evening shift",
        "noc",
        "prn",
        "per diem",
        "full time",
        "part time",
        "ft",
        # Grade markers.
        "ii",
        "iii",
        "iv",
        "v",
        "vi",
    }
)
"""Words and phrases removed from a title: schedules and grades, not occupations."""

_SPLIT = re.compile(r"[^\w]+")
_GRADE = re.compile(r"\b(?:level|lvl|tier|grade|band|step)\s*\d+\b")
_TRAILING_GRADE = re.compile(r"(?:\s+(?:i|\d+))+$")


def _replace_phrases(text: str, table: Mapping[str, str]) -> str:
    for phrase in sorted(table, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(phrase)}\b", table[phrase], text)
    return text


def clean_title(title: str) -> str:
    """Return ``title`` as plain lower-case words with abbreviations expanded.

    Parameters
    ----------
    title : str
        A job title as typed, in any case, with any punctuation.

    Returns
    -------
    str
        Space-separated words; an empty string when nothing meaningful is left
        (an empty title, punctuation only, or only schedule and grade words).

    Examples
    --------
    >>> clean_title("Sr. Cyber Defense Analyst II")
    'senior cyber defense analyst'
    >>> clean_title("RN - Med/Surg nights")
    'registered nurse medical surgical'
    >>> clean_title("Pharm Tech, PRN (Level 2)")
    'pharmacy technician'
    >>> clean_title("Paint Technician (Paint Tech)")
    'paint technician'
    >>> clean_title("  --  ")
    ''
    """
    text = unicodedata.normalize("NFKC", title).casefold().replace("&", " and ")
    text = re.sub(r"(?<=\w)['’.](?=\w)", "", text)
    text = " ".join(w for w in _SPLIT.split(text.replace("_", " ")) if w)
    text = _GRADE.sub(" ", text)
    text = _replace_phrases(text, PHRASES)
    text = " ".join(ABBREVIATIONS.get(word, word) for word in text.split())
    text = _replace_phrases(text, {phrase: "" for phrase in NOISE})
    return _without_repeat(_TRAILING_GRADE.sub("", " ".join(text.split())))


def _without_repeat(text: str) -> str:
    """'paint technician paint technician' (a title and its expansion) -> one copy."""
    words = text.split()
    half = len(words) // 2
    if half and len(words) % 2 == 0 and words[:half] == words[half:]:
        return " ".join(words[:half])
    return text
