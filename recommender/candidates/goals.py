"""A person's career goal: a role or a job family they want to move toward.

A goal comes from one of two places:

* **set** -- the person (or talent, or an admin) sets it through the API
  (``PUT /v1/employees/{id}/goal``), as a role id or a job family; it is stored in the
  database (``employee_goals``) and read with every opportunities question, so it counts
  at once in every worker;
* **profile** -- inferred from the goal the profile text states ("Their stated goal is
  a role in cybersecurity within the next few years.", "I would like to grow into data
  analytics and AI", "I hope to become a SOC analyst"). :func:`stated_goal` finds the
  phrase after such a cue; :func:`infer_goal` places it on the catalogue's own words:

  1. a **role** whose every title word the phrase uses ("become a nurse informaticist");
  2. else the **job family** whose name the phrase uses most ("cybersecurity" ->
     *Security*, "data analytics and AI" -> *Data & AI*), ties broken by the share of the
     family's name used, then by the best title of a role in it ("clinical informatics"
     -> *Informatics*, whose *Clinical informatics specialist* uses both words);

  The words are the catalogue's own (role titles, family names), so the inference needs no
  embedding model: the command line (which loads none for ``mobility``) and forked
  preparation workers place a goal exactly as the service does. A phrase that uses none of
  the catalogue's words ("protecting patients from hackers") places nowhere: the option
  list then has no goal section, and the person can set one through the API.

  Words match when equal, or when the shorter of two words of five letters or more begins
  or ends the longer ("cybersecurity" ends with "security"; "informatics" and
  "informaticist" share "informatic"); short words ("IT", "AI", "BI") match only when
  written in capitals. A set goal wins over a profile goal.

Options toward the goal are marked, and rank first among options of the same tier
(:mod:`~recommender.candidates.mobility`); the answer's goal section lists the best routes
toward it even when they take stepping stones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from recommender.catalog import Catalog, Role, RoleSource
from recommender.errors import InvalidInput

__all__ = [
    "GoalSource",
    "Goal",
    "stated_goal",
    "infer_goal",
    "profile_goal",
    "checked_goal",
]

_WORD = re.compile(r"[A-Za-z0-9]+")
_QUALIFIER = re.compile(r"\([^)]*\)")
_STOP = frozenset(
    "a an the of in into on to for and or with my our their his her role roles job jobs "
    "position positions career work area field team something like as".split()
)
_CUES = (
    r"goal is (?:to (?:move|grow|get|step|transition) into |to become |to be |a role in |"
    r"a job in |a position in |a career in |an? )?",
    r"interested in (?:moving into |a role in |becoming |working in )?",
    r"(?:would like|'d like|wants?|hopes?|plans?|aims?|aspires?) to (?:grow|move|transition|"
    r"get|step|go) into ",
    r"(?:would like|'d like|wants?|hopes?|plans?|aims?|aspires?) to (?:become|be) ",
    r"aspires? to ",
    r"curious about ",
    r"stretch assignments? in ",
)
_CUE = re.compile(r"\b(?:" + "|".join(_CUES) + r")(?P<phrase>[^.;!?\n]+)", re.IGNORECASE)
_PHRASE_END = re.compile(
    r",|\s+(?:and (?:would|I|she|he|they|we)\b|within\b|in the (?:next|coming)\b|over the next\b"
    r"|to try\b|someday\b|eventually\b|one day\b|by \d|next year\b|if\b|when\b|because\b)",
    re.IGNORECASE,
)


class GoalSource(StrEnum):
    """Where a goal came from: set through the API, or stated in the profile."""

    SET = "set"
    PROFILE = "profile"


@dataclass(frozen=True, slots=True)
class Goal:
    """A role or a job family a person wants to move toward (exactly one of the two).

    ``stated`` is how the goal reads: the profile's phrase, or the role's title or the
    family's name for a set goal.
    """

    source: GoalSource
    role_id: str | None = None
    job_family: str | None = None
    stated: str = ""

    def __post_init__(self) -> None:
        if (self.role_id is None) == (self.job_family is None):
            raise InvalidInput("a goal is a role id or a job family: give exactly one")

    def targets(self, catalog: Catalog) -> tuple[str, ...]:
        """The organisation roles the goal points to, by id: the role, or every role of
        the family (case-insensitive); none when the role or family is no longer there."""
        if self.role_id is not None:
            role = catalog.roles.get(self.role_id)
            return (role.id,) if role is not None else ()
        family = str(self.job_family).casefold()
        return tuple(
            sorted(
                r.id
                for r in catalog.roles.values()
                if r.source == RoleSource.ORG and r.job_family.casefold() == family
            )
        )

    @property
    def what(self) -> str:
        """The goal in words, for reasons: ``"nurse-informaticist"`` or ``"the Security
        family"``."""
        return str(self.role_id) if self.role_id is not None else f"the {self.job_family} family"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "role_id": self.role_id,
            "job_family": self.job_family,
            "stated": self.stated,
        }


def checked_goal(catalog: Catalog, role_id: str | None, job_family: str | None) -> Goal:
    """A goal someone sets: an organisation role id, or a job family some organisation role
    has (matched case-insensitively, kept in the catalogue's own spelling).

    Raises
    ------
    InvalidInput
        Neither or both given, or a family no organisation role has.
    UnknownRole
        An unknown role id.
    """
    if (role_id is None) == (job_family is None):
        raise InvalidInput("a goal is a role id or a job family: give exactly one")
    if role_id is not None:
        role = catalog.role(role_id)
        return Goal(GoalSource.SET, role_id=role.id, stated=role.title)
    wanted = str(job_family).strip().casefold()
    families = {
        r.job_family.casefold(): r.job_family
        for r in catalog.roles.values()
        if r.source == RoleSource.ORG
    }
    if wanted not in families:
        raise InvalidInput("no organisation role has that job family")
    return Goal(GoalSource.SET, job_family=families[wanted], stated=families[wanted])


def stated_goal(text: str) -> str | None:
    """The phrase a profile states as its goal, or ``None``.

    Examples
    --------
    >>> stated_goal("Ayesha is a nurse. Their stated goal is a role in cybersecurity "
    ...             "within the next few years.")
    'cybersecurity'
    >>> stated_goal("I am curious about data analytics and AI and would take on a stretch "
    ...             "assignment to try it.")
    'data analytics and AI'
    >>> stated_goal("I hope to become a SOC analyst.")
    'a SOC analyst'
    >>> stated_goal("I keep my CPR current.") is None
    True
    """
    for match in _CUE.finditer(text):
        phrase = _PHRASE_END.split(match.group("phrase"), maxsplit=1)[0].strip()
        if _words(phrase):
            return phrase
    return None


def _words(phrase: str) -> list[str]:
    """The phrase's content words, normalised; short ones only when written in capitals."""
    out = []
    for raw in _WORD.findall(phrase):
        word = raw.casefold()
        if word in _STOP or (len(raw) <= 3 and not raw.isupper()):
            continue
        out.append(_stem(word))
    return out


def _name_words(name: str) -> list[str]:
    """A catalogue name's words (any case: the catalogue writes "IT Support")."""
    return [_stem(w.casefold()) for w in _WORD.findall(name) if w.casefold() not in _STOP]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 5 and (long.startswith(short) or long.endswith(short))


def _share(words: Sequence[str], of: Sequence[str]) -> float:
    """The share of ``of`` that some word of ``words`` matches."""
    return sum(any(_same(w, o) for w in words) for o in of) / len(of) if of else 0.0


def infer_goal(phrase: str, catalog: Catalog) -> Goal | None:
    """Place a goal phrase on an organisation role or job family (module docstring).

    Examples
    --------
    >>> roles = [Role("soc", "SOC analyst", "", "", "Security", 3),
    ...          Role("da", "Data analyst", "", "", "Data & AI", 4)]
    >>> catalog = Catalog.from_items(roles=roles)
    >>> infer_goal("cybersecurity", catalog).job_family
    'Security'
    >>> infer_goal("a SOC analyst", catalog).role_id
    'soc'
    >>> infer_goal("gardening", catalog) is None
    True
    """
    words = _words(phrase)
    if not words:
        return None
    org = sorted(
        (r for r in catalog.roles.values() if r.source == RoleSource.ORG), key=lambda r: r.id
    )
    role = _role_named(words, org)
    if role is not None:
        return Goal(GoalSource.PROFILE, role_id=role.id, stated=phrase)
    family = _family_named(words, org)
    if family is None:
        return None
    return Goal(GoalSource.PROFILE, job_family=family, stated=phrase)


def _role_named(words: Sequence[str], roles: Sequence[Role]) -> Role | None:
    """The role whose every title word (less a qualifier in brackets) the phrase uses; the
    longest title wins, then the first id."""
    named = [
        (len(t), r)
        for r in roles
        if (t := _name_words(_QUALIFIER.sub(" ", r.title))) and _share(words, t) == 1
    ]
    return max(named, key=lambda n: n[0])[1] if named else None


def _family_named(words: Sequence[str], roles: Sequence[Role]) -> str | None:
    families: dict[str, list[Role]] = {}
    for role in roles:
        families.setdefault(role.job_family, []).append(role)
    best: tuple[float, float, float] = (0.0, 0.0, 0.0)
    found = None
    for family in sorted(families):
        name = _name_words(family)
        used = sum(any(_same(w, n) for n in name) for w in words) / len(words)
        if used == 0:
            continue
        titles = max(_share(_name_words(r.title), words) for r in families[family])
        key = (used, _share(words, name), titles)
        if key > best:
            best, found = key, family
    return found


def profile_goal(catalog: Catalog, employee_id: str) -> Goal | None:
    """The goal ``employee_id``'s profile states, placed on the catalogue, or ``None``."""
    phrase = stated_goal(catalog.employee(employee_id).profile)
    if phrase is None:
        return None
    return infer_goal(phrase, catalog)
