"""``POST /v1/candidates/search``: the people whose profiles read like a text.

A talent team pastes a job description (for a role that may not be in the catalogue yet)
and gets the employees whose profile embeddings are closest to it, each with the skills
the text evidences that the person holds. Admin and talent keys only (``candidates.read``);
employees who opted out never appear; every person in the answer is written to the access
log, committed before the reply. The text itself is neither logged nor stored.

Above :data:`recommender.vector_search.APPROXIMATE_FROM` profiles the search runs on an
HNSW index (``approximate: true`` in the answer): a close profile may then be missed, but
every similarity shown is exact.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from api.auth import require
from api.deps import GateDep, NoStore
from api.routers.text import NO_MODEL, InferredSkillOut, Text
from api.schemas import RequestSchema, Schema
from recommender.access import Action
from recommender.candidates.people import PeopleSearch, PersonMatch, SharedSkill

router = APIRouter(prefix="/v1")


class PeopleSearchIn(RequestSchema):
    """A job description or profile, and how many people to return (at most 100)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Clinical data analyst: SQL, Epic Clarity reports, dashboards for nursing quality.",
                    "limit": 10,
                }
            ]
        }
    )

    text: Text
    limit: Annotated[int, Field(ge=1, le=100)] = 10


class SharedSkillOut(Schema):
    """A skill the text evidences that the person holds, at the person's recorded level."""

    skill_id: str
    name: str
    level: int
    text_confidence: float

    @classmethod
    def from_domain(cls, skill: SharedSkill) -> SharedSkillOut:
        return cls(
            skill_id=skill.skill_id,
            name=skill.name,
            level=skill.level,
            text_confidence=round(skill.text_confidence, 3),
        )


class PersonMatchOut(Schema):
    """One person, best first: ``similarity`` is the exact cosine of profile and text."""

    rank: int
    employee_id: str
    name: str
    current_role_id: str
    current_role_title: str
    department: str
    location: str
    similarity: float
    shared_skills: list[SharedSkillOut]
    reasons: list[str]

    @classmethod
    def from_domain(cls, match: PersonMatch) -> PersonMatchOut:
        return cls(
            rank=match.rank,
            employee_id=match.employee_id,
            name=match.name,
            current_role_id=match.current_role_id,
            current_role_title=match.current_role_title,
            department=match.department,
            location=match.location,
            similarity=round(match.similarity, 4),
            shared_skills=[SharedSkillOut.from_domain(s) for s in match.shared_skills],
            reasons=list(match.reasons),
        )


class PeopleSearchOut(Schema):
    """The closest profiles; ``searched`` counts the profiles searched (opted-out excluded)."""

    matches: list[PersonMatchOut]
    skills: list[InferredSkillOut]
    searched: int
    approximate: bool

    @classmethod
    def from_domain(cls, found: PeopleSearch) -> PeopleSearchOut:
        return cls(
            matches=[PersonMatchOut.from_domain(m) for m in found.matches],
            skills=[InferredSkillOut.from_domain(s) for s in found.skills],
            searched=found.searched,
            approximate=found.approximate,
        )


@router.post(
    "/candidates/search",
    response_model=PeopleSearchOut,
    dependencies=[require(Action.CANDIDATES_READ), NoStore],
    responses=NO_MODEL,
)
def search_people(body: PeopleSearchIn, gate: GateDep) -> PeopleSearchOut:
    """The employees whose profiles read most like the text, with the skills they share."""
    return PeopleSearchOut.from_domain(gate.search_people(body.text, body.limit))
