"""People who do the work a text describes: "who here does what this job ad asks?".

A talent team pastes a job description (or any text) and gets the employees who do that
work today, each with why: the skills the text evidences that the person holds, how well
their current role fits the text, and how close their profile reads. It complements the
role shortlist (:mod:`~recommender.candidates.shortlist`), which needs a role in the
catalogue: this needs only text.

How people are ranked
---------------------
Profiles that *read* like a text are not always of people who *do* that work: a service
desk technician's profile mentions alerts, incidents and escalation as often as a SOC
analyst's. So each person is scored on three parts and ranked by their weighted sum
(:class:`SearchWeights`, default ``0.35 * similarity + 0.30 * skills + 0.35 * role``):

* ``similarity``: the cosine of the person's profile embedding and the text's.
* ``skills`` (0-1): the skills the text evidences (:mod:`~recommender.skills_extraction`,
  each with its confidence ``c``) that the person holds, at their level and with their
  evidence: ``sum(c * min(level, 4) / 4 * evidence_weight) / sum(c)``, where a
  manager-verified or certified skill counts in full, a declared one 0.75 and an
  inferred one 0.5 (:data:`EVIDENCE_WEIGHT`). Levels include what the person's
  certifications teach (the profile of :func:`~recommender.pathways.employee_profile`).
* ``role`` (0-1): how well the person's current role fits the text: the score
  :func:`~recommender.matching.match_text` gives that role (its description's similarity
  to the text and the share of the text's skills it requires). The people doing the work
  today come before their feeders, who hold some of the skills in a role that needs few
  of them, and who stay findable further down.

A text that evidences no catalogue skill is ranked by similarity and role alone, their
weights scaled up to the same total.

Two first stages, then an exact re-rank
---------------------------------------
Scoring everyone's similarity per query would scan every profile. Instead the pool
re-ranked is the union of

1. the ``pool`` profiles closest to the text, from the
   :class:`~recommender.vector_search.VectorIndex` (exact below
   :data:`~recommender.vector_search.APPROXIMATE_FROM` people, HNSW above, with exact
   rescoring), and
2. the ``pool`` people with the best skill and role parts, computed for everyone as a few
   numpy column reads (levels of the text's skills, each person's role fit; no Python
   loop over people), with every evidence counted in full (an upper bound),

and every person in it is scored: first an upper bound for all of them at once (numpy),
then exactly (evidence, explanations) in the order of that bound until the ``limit``-th
exact score beats the next bound. Someone outside both stages has a lower
similarity than the first stage's last and lower skill and role parts than the second's
last, so with ``pool`` well above ``limit`` the top is that of scoring everyone
(``tests/test_people_search.py`` checks it on the bundled data).

The candidate index holds no one who opted out; the gate
(:meth:`recommender.gate.Gate.search_people`) logs every person returned and drops
anyone erased since. Protected attributes are never read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from recommender.candidates.index import CandidateIndex
from recommender.catalog import Employee, Evidence
from recommender.errors import InvalidInput, ModelMissing
from recommender.skills_extraction import InferredSkill
from recommender.vector_search import VectorIndex

if TYPE_CHECKING:
    from recommender.matching import RoleMatch

__all__ = [
    "EVIDENCE_WEIGHT",
    "FULL_LEVEL",
    "SearchWeights",
    "SharedSkill",
    "PersonMatch",
    "PeopleSearch",
    "similar_people",
    "people_search_index",
]

#: How much a held skill counts by how it is known (certified: a certification of the
#: person teaches it at their level or above).
EVIDENCE_WEIGHT: Mapping[Evidence, float] = {
    Evidence.INFERRED: 0.5,
    Evidence.DECLARED: 0.75,
    Evidence.MANAGER_VERIFIED: 1.0,
    Evidence.CERTIFIED: 1.0,
}

#: The level (advanced) from which a held skill counts in full.
FULL_LEVEL = 4

FloatArray = npt.NDArray[np.float32]

#: Float32 rounding room between an upper bound and an exact (float64) score.
_SLACK = 1e-5


@dataclass(frozen=True, slots=True)
class SearchWeights:
    """How a people search weighs profile similarity, held skills and role fit.

    Attributes
    ----------
    similarity, skills, role : float
        Non-negative weights of the three parts (see the module docstring).
    pool : int
        People taken from each first stage (closest profiles; best skills and role) and
        scored exactly; at least ``limit`` are always taken.
    """

    similarity: float = 0.35
    skills: float = 0.30
    role: float = 0.35
    pool: int = 200

    def used(self, evidenced: bool) -> tuple[float, float, float]:
        """The (similarity, skills, role) weights used: as given when the text evidences
        skills; otherwise similarity and role scaled up to the same total (the skill part
        is unknown there, not zero)."""
        if evidenced:
            return self.similarity, self.skills, self.role
        rest = self.similarity + self.role
        scale = (rest + self.skills) / rest if rest else 0.0
        return self.similarity * scale, 0.0, self.role * scale

    def score(self, similarity: float, skills: float, role: float, evidenced: bool) -> float:
        """The weighted sum of the three parts (see :meth:`used`)."""
        ws, wk, wr = self.used(evidenced)
        return ws * similarity + wk * skills + wr * role

    def __post_init__(self) -> None:
        parts = (self.similarity, self.skills, self.role)
        if min(parts) < 0 or sum(parts) <= 0:
            raise InvalidInput(f"search weights must be >= 0 and not all 0, got {parts}")
        if self.pool < 1:
            raise InvalidInput(f"pool must be at least 1, got {self.pool}")


@dataclass(frozen=True, slots=True)
class SharedSkill:
    """A skill the text evidences that the person holds, at the person's level (raised
    by their certifications) and with how that is known."""

    skill_id: str
    name: str
    level: int
    text_confidence: float
    evidence: Evidence = Evidence.DECLARED

    def to_dict(self) -> dict[str, Any]:
        return {
            "skill_id": self.skill_id,
            "name": self.name,
            "level": self.level,
            "evidence": str(self.evidence),
            "text_confidence": round(self.text_confidence, 3),
        }


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """One employee who does (or is close to) the work the text describes, with why.

    ``score`` is the weighted sum of ``similarity`` (exact cosine of profile and text),
    ``skill_match`` and ``role_fit`` (see the module docstring).
    """

    rank: int
    employee_id: str
    name: str
    current_role_id: str
    current_role_title: str
    department: str
    location: str
    similarity: float
    shared_skills: tuple[SharedSkill, ...]
    reasons: tuple[str, ...]
    score: float = 0.0
    skill_match: float = 0.0
    role_fit: float = 0.0

    @property
    def components(self) -> dict[str, float]:
        return {"similarity": self.similarity, "skills": self.skill_match, "role": self.role_fit}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "employee_id": self.employee_id,
            "name": self.name,
            "current_role_id": self.current_role_id,
            "current_role_title": self.current_role_title,
            "department": self.department,
            "location": self.location,
            "score": round(self.score, 4),
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "similarity": round(self.similarity, 4),
            "shared_skills": [s.to_dict() for s in self.shared_skills],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class PeopleSearch:
    """The people who best fit the text, best first, and how they were found.

    Attributes
    ----------
    matches : tuple of PersonMatch
    skills : tuple of InferredSkill
        The catalogue skills inferred from the text (inferred, never verified).
    searched : int
        Profiles searched (everyone who has not opted out).
    approximate : bool
        Whether the approximate index answered the similarity stage (a close profile may
        then be missed by it, though still found through the skills stage).
    considered : int
        People scored exactly (the union of the two first stages).
    """

    matches: tuple[PersonMatch, ...]
    skills: tuple[InferredSkill, ...]
    searched: int
    approximate: bool
    considered: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "matches": [m.to_dict() for m in self.matches],
            "skills": [s.to_dict() for s in self.skills],
            "searched": self.searched,
            "considered": self.considered,
            "approximate": self.approximate,
        }


def people_search_index(index: CandidateIndex, graph: bytes | None = None) -> VectorIndex:
    """A vector index over ``index``'s profile vectors (built now when approximate, unless
    ``graph``, one built over the same vectors and stored, is taken instead).

    Raises
    ------
    ModelMissing
        If the candidate index was fitted without an encoder (no profile vectors).
    """
    if index.vectors_ is None:
        raise ModelMissing("searching people by text needs the embedding model")
    search = VectorIndex(index.vectors_)
    if graph is not None and search.adopt(graph):
        return search
    return search.build()


def similar_people(
    index: CandidateIndex,
    search: VectorIndex,
    query: npt.ArrayLike,
    skills: Sequence[InferredSkill],
    limit: int = 10,
    *,
    roles: Sequence[RoleMatch] = (),
    weights: SearchWeights | None = None,
) -> PeopleSearch:
    """The ``limit`` employees who best fit the text, best first.

    Parameters
    ----------
    index : CandidateIndex
        A fitted index with profile vectors.
    search : VectorIndex
        Built over ``index.vectors_`` (see :func:`people_search_index`).
    query : array-like, shape (dimension,)
        The unit-length embedding of the text.
    skills : sequence of InferredSkill
        Skills inferred from the text.
    limit : int
        How many people, >= 1.
    roles : sequence of RoleMatch
        Each role's match for the text (:meth:`recommender.matching.RoleIndex.score_all`);
        a person whose role is not among them has a role fit of 0.
    weights : SearchWeights, optional

    Raises
    ------
    InvalidInput
        If ``limit`` < 1 or ``search`` does not match the index.
    """
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1, got {limit}")
    if len(search) != len(index):
        raise InvalidInput(
            f"the vector index holds {len(search)} rows, the candidate index {len(index)}"
        )
    weights = weights or SearchWeights()
    vector = np.asarray(query, dtype=np.float32)
    size = min(max(weights.pool, limit), len(index))
    if size == 0:
        return PeopleSearch((), tuple(skills), 0, False)
    found = search.search(vector, size)
    fits = _role_fits(index, roles)
    held = _levels_held(index, skills)
    near = found.rows[0]
    rows = np.union1d(near, _best(weights.skills * held + weights.role * fits, size))
    similarity = _similarity(
        index, vector, rows, dict(zip(near.tolist(), found.scores[0].tolist(), strict=True))
    )
    scored = _Scored(index, skills, {r.role_id: r for r in roles}, weights)
    ws, wk, wr = weights.used(bool(skills))
    upper = ws * similarity + wk * held[rows] + wr * fits[rows]
    people = _top(scored, rows, similarity, fits, upper, limit)
    matches = tuple(scored.match(rank, p) for rank, p in enumerate(people, start=1))
    return PeopleSearch(matches, tuple(skills), len(search), found.approximate, len(rows))


def _top(
    scored: _Scored,
    rows: npt.NDArray[np.intp],
    similarity: FloatArray,
    fits: FloatArray,
    upper: FloatArray,
    limit: int,
) -> list[_Person]:
    """The ``limit`` best of ``rows`` by exact score, best first. People are scored in the
    order of their ``upper`` bound (every evidence counted in full) and no further once the
    ``limit``-th exact score beats the next bound: the exact part (evidence, explanations)
    runs in Python for a few dozen people, not the whole pool."""
    best: list[_Person] = []
    for i in np.argsort(-upper, kind="stable").tolist():
        if len(best) == limit and best[-1].score > float(upper[i]) + _SLACK:
            break
        row = int(rows[i])
        best.append(scored.person(row, float(similarity[i]), float(fits[row])))
        best.sort(key=lambda p: (-p.score, p.employee.id))
        del best[limit:]
    return best


def _role_fits(index: CandidateIndex, roles: Sequence[RoleMatch]) -> FloatArray:
    """Each indexed person's role fit, shape (n,): their current role's match score."""
    score = {r.role_id: r.score for r in roles}
    # One slot past the roles, 0, for people whose role is not in the catalogue (row -1).
    by_role = np.array([score.get(r, 0.0) for r in index.role_ids_] + [0.0], dtype=np.float32)
    fits: FloatArray = by_role[index.current_role_]
    return fits


def _levels_held(index: CandidateIndex, skills: Sequence[InferredSkill]) -> FloatArray:
    """Everyone's skill part with every evidence counted in full, shape (n,): an upper
    bound of the exact part, from the level columns of the text's skills only."""
    known = [s for s in skills if s.skill_id in index.skill_column_]
    total = sum(s.confidence for s in skills)
    if not known or total <= 0:
        return np.zeros(len(index), dtype=np.float32)
    columns = [index.skill_column_[s.skill_id] for s in known]
    levels = np.minimum(index.levels_[:, columns], FULL_LEVEL).astype(np.float32)
    confidence = np.array([s.confidence for s in known], dtype=np.float32)
    held: FloatArray = (levels @ confidence) / np.float32(FULL_LEVEL * total)
    return held


def _best(values: FloatArray, k: int) -> npt.NDArray[np.intp]:
    """Rows of the ``k`` largest positive ``values`` (any order)."""
    if k >= len(values):
        rows = np.arange(len(values))
    else:
        rows = np.argpartition(-values, k - 1)[:k]
    return rows[values[rows] > 0]


def _similarity(
    index: CandidateIndex,
    vector: FloatArray,
    rows: npt.NDArray[np.intp],
    known: Mapping[int, float],
) -> FloatArray:
    """Exact cosines of ``rows``' profiles with the text (those already known reused)."""
    assert index.vectors_ is not None
    missing = np.array([r for r in rows.tolist() if r not in known], dtype=np.intp)
    if len(missing):
        fresh = index.vectors_[missing].astype(np.float32) @ vector
        known = {**known, **dict(zip(missing.tolist(), fresh.tolist(), strict=True))}
    return np.array([known[r] for r in rows.tolist()], dtype=np.float32)


@dataclass(frozen=True, slots=True)
class _Person:
    employee: Employee
    row: int
    score: float
    similarity: float
    skill_match: float
    role_fit: float
    shared: tuple[SharedSkill, ...]


class _Scored:
    """Scores the people of the pool exactly and explains them."""

    def __init__(
        self,
        index: CandidateIndex,
        skills: Sequence[InferredSkill],
        roles: Mapping[str, RoleMatch],
        weights: SearchWeights,
    ) -> None:
        self.index = index
        self.skills = {s.skill_id: s for s in skills}
        self.total = sum(s.confidence for s in skills)
        self.roles = roles
        self.weights = weights

    def person(self, row: int, similarity: float, role_fit: float) -> _Person:
        employee = self.index.catalog_.employees[self.index.employee_ids_[row]]
        shared = self._shared(row, employee)
        held = sum(
            self.skills[s.skill_id].confidence
            * min(s.level, FULL_LEVEL)
            / FULL_LEVEL
            * EVIDENCE_WEIGHT[s.evidence]
            for s in shared
        )
        skill_match = held / self.total if self.total > 0 else 0.0
        score = self.weights.score(similarity, skill_match, role_fit, bool(self.skills))
        return _Person(employee, row, score, similarity, skill_match, role_fit, shared)

    def _shared(self, row: int, employee: Employee) -> tuple[SharedSkill, ...]:
        recorded = {s.skill_id: s for s in employee.skills}
        out = []
        for skill_id, inferred in self.skills.items():
            column = self.index.skill_column_.get(skill_id)
            level = int(self.index.levels_[row, column]) if column is not None else 0
            if level <= 0:
                continue
            own = recorded.get(skill_id)
            # A level above the recorded one (or none recorded) comes from a certification.
            evidence = (
                own.evidence if own is not None and own.level >= level else Evidence.CERTIFIED
            )
            out.append(SharedSkill(skill_id, inferred.name, level, inferred.confidence, evidence))
        return tuple(sorted(out, key=lambda s: (-s.text_confidence, s.skill_id)))

    def match(self, rank: int, person: _Person) -> PersonMatch:
        employee = person.employee
        catalog = self.index.catalog_
        role = catalog.roles.get(employee.role_id)
        role_title = role.title if role is not None else employee.role_id
        return PersonMatch(
            rank=rank,
            employee_id=employee.id,
            name=employee.name,
            current_role_id=employee.role_id,
            current_role_title=role_title,
            department=employee.department,
            location=employee.location,
            similarity=person.similarity,
            shared_skills=person.shared,
            reasons=self._reasons(person, role_title),
            score=person.score,
            skill_match=person.skill_match,
            role_fit=person.role_fit,
        )

    def _reasons(self, person: _Person, role_title: str) -> tuple[str, ...]:
        evidenced, shared = len(self.skills), person.shared
        out = []
        if not evidenced:
            out.append("The text evidences no catalogue skill: ranked by profile and role.")
        elif shared:
            names = ", ".join(
                f"{s.name} (level {s.level}, {str(s.evidence).replace('_', ' ')})"
                for s in shared[:5]
            )
            more = f" and {len(shared) - 5} more" if len(shared) > 5 else ""
            out.append(
                f"Holds {len(shared)} of the {evidenced} skills the text evidences: {names}{more}."
            )
        else:
            out.append(f"Holds none of the {evidenced} skills the text evidences.")
        out.append(self._role_reason(person, role_title, evidenced))
        out.append(
            f"Profile similarity {person.similarity:.2f} to the text (cosine of the embeddings)."
        )
        ws, wk, wr = self.weights.used(bool(evidenced))
        skills = f" + {wk:.2f} x skills {person.skill_match:.2f}" if evidenced else ""
        out.append(
            f"Score {person.score:.2f} = {ws:.2f} x similarity {person.similarity:.2f}"
            f"{skills} + {wr:.2f} x role fit {person.role_fit:.2f}."
        )
        return tuple(out)

    def _role_reason(self, person: _Person, role_title: str, evidenced: int) -> str:
        role = self.roles.get(person.employee.role_id)
        if role is None:
            return f"Currently {role_title}."
        fit = f"role fit {person.role_fit:.2f}"
        if not evidenced:
            return f"Currently {role_title} ({fit}: its description against the text)."
        required = len(role.matched_skills)
        if not required:
            return (
                f"Currently {role_title}, a role that requires none of the text's skills ({fit})."
            )
        return (
            f"Currently {role_title}, a role that requires {required} of the text's "
            f"{evidenced} skills ({fit})."
        )
