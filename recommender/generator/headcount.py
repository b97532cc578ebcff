"""How many synthetic employees hold each organisation role.

A ~500-bed hospital system has many registered nurses, nursing assistants, medical
assistants, patient access staff and coders; fewer IT staff; very few security and
data staff; and exactly one of each chief officer. The weight of a role comes from the
first rule in :data:`TITLE_WEIGHTS` whose pattern matches its title, else from
:data:`FAMILY_WEIGHTS` for its job family, else :data:`DEFAULT_WEIGHT`. Headcounts are
apportioned by largest remainder, so they are exact and reproducible rather than
noisy; only the order in which employees are listed is random.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from recommender.catalog import Role
from recommender.generator.families import family_key

__all__ = [
    "SINGLETON",
    "SINGLETON_MIN_STAFF",
    "TITLE_WEIGHTS",
    "FAMILY_WEIGHTS",
    "DEFAULT_WEIGHT",
    "role_weight",
    "headcounts",
]

SINGLETON = -1.0
"""Weight marking a role held by exactly one person (a chief officer)."""

SINGLETON_MIN_STAFF = 100
"""Below this many employees, singleton roles are left vacant."""

# (pattern on the lower-cased title, weight); the first match wins, so the specific
# patterns come before the broad ones ("Nurse Informaticist" is informatics, not nursing).
TITLE_WEIGHTS: tuple[tuple[str, float], ...] = (
    (r"\bchief\b|\bciso\b|\bcio\b|\bcmio\b|\bcno\b|\bcto\b", SINGLETON),
    (r"secur|cyber|\bsoc\b|privacy|\biam\b|identity", 0.6),
    (r"machine learning|\bml\b|\bai\b|artificial intelligence|data scien", 0.4),
    (r"data engineer|data analyst|analytics|business intelligence|\bbi\b", 1.0),
    (r"pharmacy informatic|\blis\b|laboratory information system", 0.8),
    (r"informatic", 1.5),
    (r"\bdirector\b|\bvice president\b", 0.5),
    (r"project manager", 1.0),
    (r"\bmanager\b|\bsupervisor\b|\blead\b", 1.5),
    (r"nurse practitioner|physician assistant", 3.0),
    (r"registered nurse|staff nurse|\brn\b|charge nurse", 45.0),
    (r"licensed practical|vocational nurse|\blpn\b|\blvn\b", 6.0),
    (r"nursing assistant|patient care tech|\bcna\b", 14.0),
    (r"medical assistant", 12.0),
    (r"patient access|registration|registrar|scheduler|front desk|unit (clerk|secretary)", 9.0),
    (r"coder|coding", 6.0),
    (r"health information|medical record|release of information", 3.0),
    (r"billing|revenue cycle|claims|collections", 4.0),
    (r"pharmac", 3.0),
    (r"laborator|phlebotom|\blab\b", 4.0),
    (r"radiolog|imaging|sonograph", 3.0),
    (r"respiratory|therapist", 3.0),
    (r"help desk|service desk|desktop|technical support|it support", 3.0),
    (r"network|system(s)? admin|infrastructure|cloud|database admin", 1.0),
    (r"software (developer|engineer)|integration engineer", 0.8),
    (r"developer|programmer", 1.2),
    (r"\bqa\b|quality assurance|test analyst", 1.0),
    (r"clinical engineer", 0.6),
    (r"biomedical|equipment technician|\bbmet\b", 2.0),
    (r"nurse", 10.0),
)
_TITLE_RULES = tuple((re.compile(p), w) for p, w in TITLE_WEIGHTS)

FAMILY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "nursing": 20.0,
        "clinical": 8.0,
        "allied health": 4.0,
        "patient access": 6.0,
        "health information": 4.0,
        "revenue cycle": 3.0,
        "pharmacy": 3.0,
        "administration": 2.0,
        "it support": 2.0,
        "infrastructure": 1.0,
        "applications": 1.0,
        "clinical engineering": 1.0,
        "informatics": 1.0,
        "security": 0.4,
        "data & ai": 0.4,
        "leadership": 0.2,
    }
)
DEFAULT_WEIGHT = 0.5


def role_weight(role: Role) -> float:
    """Relative headcount of ``role``, or :data:`SINGLETON`.

    Examples
    --------
    >>> from recommender.catalog import Role
    >>> role_weight(Role("rn", "Registered Nurse", "", "29-1141.00", "Nursing", 3))
    45.0
    >>> role_weight(Role("x", "Unusual Job", "", "00-0000.00", "Nowhere", 2))
    0.5
    """
    title = role.title.lower()
    for pattern, weight in _TITLE_RULES:
        if pattern.search(title):
            return weight
    return FAMILY_WEIGHTS.get(family_key(role.job_family), DEFAULT_WEIGHT)


def headcounts(roles: Sequence[Role], n: int) -> list[int]:
    """Apportion ``n`` employees over ``roles`` (same order); the counts sum to ``n``.

    Singleton roles get one employee each once ``n`` reaches
    :data:`SINGLETON_MIN_STAFF`, and none below it. If every role is a singleton, the
    roles share ``n`` equally.

    Examples
    --------
    >>> from recommender.catalog import Role
    >>> rn = Role("rn", "Registered Nurse", "", "29-1141.00", "Nursing", 3)
    >>> ciso = Role("ciso", "Chief Information Security Officer", "", "11-3021.00", "Security", 5)
    >>> desk = Role("desk", "Help Desk Technician", "", "15-1232.00", "IT Support", 2)
    >>> headcounts([rn, ciso, desk], 500)
    [468, 1, 31]
    """
    weights = [role_weight(r) for r in roles]
    if all(w == SINGLETON for w in weights):
        return _largest_remainder([1.0] * len(roles), n)
    singles = [w == SINGLETON for w in weights]
    fixed = sum(singles) if n >= max(SINGLETON_MIN_STAFF, sum(singles)) else 0
    rest = _largest_remainder(
        [0.0 if s else w for s, w in zip(singles, weights, strict=True)], n - fixed
    )
    return [(1 if fixed else 0) if s else c for s, c in zip(singles, rest, strict=True)]


def _largest_remainder(weights: Sequence[float], n: int) -> list[int]:
    total = math.fsum(weights)
    quotas = [n * w / total for w in weights]
    counts = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return counts
