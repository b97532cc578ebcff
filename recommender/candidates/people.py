"""People whose profiles read like a text: "who here has done work like this job ad?".

A talent team pastes a job description (or any text) and gets the employees whose
profile embeddings are closest to it, each with the skills the text evidences that the
person holds. It complements the role shortlist (:mod:`~recommender.candidates.shortlist`),
which needs a role in the catalogue: this needs only text.

The search runs over the candidate index's profile vectors (employees who opted out are
not in it) through a :class:`~recommender.vector_search.VectorIndex`: exact below
:data:`~recommender.vector_search.APPROXIMATE_FROM` people, HNSW above, with exact
rescoring, so the similarities shown are always exact cosines. Protected attributes are
never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.candidates.index import CandidateIndex
from recommender.errors import InvalidInput, ModelMissing
from recommender.skills_extraction import InferredSkill
from recommender.vector_search import VectorIndex

__all__ = ["PersonMatch", "PeopleSearch", "similar_people", "people_search_index"]


@dataclass(frozen=True, slots=True)
class SharedSkill:
    """A skill the text evidences that the person holds, at the person's level."""

    skill_id: str
    name: str
    level: int
    text_confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "skill_id": self.skill_id,
            "name": self.name,
            "level": self.level,
            "text_confidence": round(self.text_confidence, 3),
        }


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """One employee whose profile is close to the text, with why."""

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "employee_id": self.employee_id,
            "name": self.name,
            "current_role_id": self.current_role_id,
            "current_role_title": self.current_role_title,
            "department": self.department,
            "location": self.location,
            "similarity": round(self.similarity, 4),
            "shared_skills": [s.to_dict() for s in self.shared_skills],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class PeopleSearch:
    """The closest profiles, best first, and how they were found.

    Attributes
    ----------
    matches : tuple of PersonMatch
    skills : tuple of InferredSkill
        The catalogue skills inferred from the text (inferred, never verified).
    searched : int
        Profiles searched (everyone who has not opted out).
    approximate : bool
        Whether the approximate index answered (a close profile may then be missed).
    """

    matches: tuple[PersonMatch, ...]
    skills: tuple[InferredSkill, ...]
    searched: int
    approximate: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "matches": [m.to_dict() for m in self.matches],
            "skills": [s.to_dict() for s in self.skills],
            "searched": self.searched,
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
) -> PeopleSearch:
    """The ``limit`` employees whose profiles are closest to ``query``, best first.

    Parameters
    ----------
    index : CandidateIndex
        A fitted index with profile vectors.
    search : VectorIndex
        Built over ``index.vectors_`` (see :func:`people_search_index`).
    query : array-like, shape (dimension,)
        The unit-length embedding of the text.
    skills : sequence of InferredSkill
        Skills inferred from the text; each person's explanation lists those they hold.
    limit : int
        How many people, >= 1.

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
    found = search.search(np.asarray(query, dtype=np.float32), limit)
    catalog = index.catalog_
    confidence = {s.skill_id: s for s in skills}
    matches = []
    for rank, (row, score) in enumerate(
        zip(found.rows[0].tolist(), found.scores[0].tolist(), strict=True), start=1
    ):
        employee = catalog.employees[index.employee_ids_[row]]
        role = catalog.roles.get(employee.role_id)
        role_title = role.title if role is not None else employee.role_id
        shared = tuple(
            sorted(
                (
                    SharedSkill(
                        s.skill_id,
                        confidence[s.skill_id].name,
                        int(s.level),
                        confidence[s.skill_id].confidence,
                    )
                    for s in employee.skills
                    if s.skill_id in confidence
                ),
                key=lambda s: (-s.text_confidence, s.skill_id),
            )
        )
        matches.append(
            PersonMatch(
                rank=rank,
                employee_id=employee.id,
                name=employee.name,
                current_role_id=employee.role_id,
                current_role_title=role_title,
                department=employee.department,
                location=employee.location,
                similarity=float(score),
                shared_skills=shared,
                reasons=_reasons(float(score), shared, len(skills), role_title),
            )
        )
    return PeopleSearch(tuple(matches), tuple(skills), len(search), found.approximate)


def _reasons(
    similarity: float, shared: Sequence[SharedSkill], evidenced: int, role_title: str
) -> tuple[str, ...]:
    out = [f"Profile similarity {similarity:.2f} to the text (cosine of the embeddings)."]
    if evidenced:
        if shared:
            names = ", ".join(f"{s.name} (level {s.level})" for s in shared[:5])
            more = f" and {len(shared) - 5} more" if len(shared) > 5 else ""
            out.append(
                f"Holds {len(shared)} of the {evidenced} skills the text evidences: {names}{more}."
            )
        else:
            out.append(f"Holds none of the {evidenced} skills the text evidences.")
    out.append(f"Currently {role_title}.")
    return tuple(out)
