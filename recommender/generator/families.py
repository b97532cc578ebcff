"""What a job family implies for a synthetic employee: department, sites, neighbour families.

Job families are compared by :func:`family_key` (trimmed, lower case, "and" read as
"&"), so ``Data and AI`` and ``data & ai`` are the same family. A family missing from a
table gets the documented default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "SITES",
    "REMOTE",
    "family_key",
    "department_for",
    "neighbour_families",
    "site_weights",
]

SITES: tuple[str, ...] = (
    "Riverside Medical Center",
    "Northgate Campus",
    "Eastside Clinic",
)
REMOTE = "Remote"

_ON_SITE_WEIGHTS = (0.55, 0.28, 0.17, 0.0)
_REMOTE_CAPABLE_WEIGHTS = (0.40, 0.20, 0.10, 0.30)

_REMOTE_CAPABLE = frozenset(
    {
        "it support",
        "infrastructure",
        "applications",
        "security",
        "data & ai",
        "informatics",
        "health information",
        "revenue cycle",
    }
)

_DEPARTMENTS: Mapping[str, str] = MappingProxyType(
    {
        "nursing": "Nursing Services",
        "it support": "Information Technology",
        "infrastructure": "Information Technology",
        "applications": "Information Technology",
        "clinical engineering": "Clinical Engineering",
        "security": "Information Security",
        "data & ai": "Data & Analytics",
        "informatics": "Clinical Informatics",
        "health information": "Health Information Management",
        "revenue cycle": "Revenue Cycle",
        "patient access": "Patient Access",
        "leadership": "Executive Office",
    }
)

# Families whose skills an employee picks up most often: a help-desk technician
# learns security basics, a nurse becomes an EHR super-user, a coder writes SQL.
_NEIGHBOURS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "it support": ("security", "infrastructure"),
        "infrastructure": ("security", "it support"),
        "applications": ("informatics", "data & ai", "infrastructure"),
        "clinical engineering": ("infrastructure", "security", "it support"),
        "security": ("infrastructure", "it support", "data & ai"),
        "nursing": ("informatics",),
        "clinical": ("informatics", "nursing"),
        "allied health": ("informatics",),
        "pharmacy": ("informatics",),
        "health information": ("data & ai", "informatics", "revenue cycle"),
        "revenue cycle": ("health information", "data & ai"),
        "patient access": ("health information", "revenue cycle", "it support"),
        "informatics": ("data & ai", "applications", "nursing", "security"),
        "data & ai": ("informatics", "security", "health information"),
        "leadership": ("security", "data & ai"),
    }
)

_AND = re.compile(r"\s+and\s+")
_SPACES = re.compile(r"\s+")


def family_key(job_family: str) -> str:
    """Normalise a job family name for the lookup tables.

    Examples
    --------
    >>> family_key("  Data and AI ")
    'data & ai'
    """
    text = _SPACES.sub(" ", job_family.strip().lower())
    return _AND.sub(" & ", text)


def department_for(job_family: str) -> str:
    """The department of an employee in ``job_family``; the family itself when unlisted."""
    return _DEPARTMENTS.get(family_key(job_family), job_family.strip() or "General")


def neighbour_families(job_family: str) -> tuple[str, ...]:
    """Family keys whose skills employees of ``job_family`` most often add."""
    return _NEIGHBOURS.get(family_key(job_family), ())


def site_weights(job_family: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Sites (the three campuses and ``Remote``) with their weights for a job family."""
    remote_ok = family_key(job_family) in _REMOTE_CAPABLE
    return (*SITES, REMOTE), _REMOTE_CAPABLE_WEIGHTS if remote_ok else _ON_SITE_WEIGHTS
