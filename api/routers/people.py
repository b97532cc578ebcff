"""``POST /v1/candidates/search``: the people whose profiles read like a text.

A talent team pastes a job description (for a role that may not be in the catalogue yet)
and gets the employees who do that work today: ranked by the skills the text evidences
that they hold (at their level, with their evidence), how well their current role fits
the text, and how close their profile embedding is to it, each with the skills matched
and why (:mod:`recommender.candidates.people`). Admin and talent keys only (``candidates.read``);
employees who opted out never appear; every person in the answer is written to the access
log, committed before the reply. The text itself is neither logged nor stored.

Above :data:`recommender.vector_search.APPROXIMATE_FROM` profiles the search runs on an
HNSW index (``approximate: true`` in the answer) for its similarity stage: a close profile
may then be missed by that stage, but every score shown is exact.
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
    """A skill the text evidences that the person holds, at the person's level (raised by
    their certifications) and with how that is known."""

    skill_id: str
    name: str
    level: int
    evidence: str
    text_confidence: float

    @classmethod
    def from_domain(cls, skill: SharedSkill) -> SharedSkillOut:
        return cls(
            skill_id=skill.skill_id,
            name=skill.name,
            level=skill.level,
            evidence=str(skill.evidence),
            text_confidence=round(skill.text_confidence, 3),
        )


class PersonComponentsOut(Schema):
    """``score = 0.35 * similarity + 0.30 * skills + 0.35 * role``: the exact cosine of
    profile and text; the text's skills the person holds, weighted by level and evidence
    (0-1); how well their current role fits the text (0-1)."""

    similarity: float
    skills: float
    role: float


class PersonMatchOut(Schema):
    """One person, best first by ``score``; ``similarity`` is the exact cosine of profile
    and text."""

    rank: int
    employee_id: str
    name: str
    current_role_id: str
    current_role_title: str
    department: str
    location: str
    score: float
    components: PersonComponentsOut
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
            score=round(match.score, 4),
            components=PersonComponentsOut(
                similarity=round(match.similarity, 4),
                skills=round(match.skill_match, 4),
                role=round(match.role_fit, 4),
            ),
            similarity=round(match.similarity, 4),
            shared_skills=[SharedSkillOut.from_domain(s) for s in match.shared_skills],
            reasons=list(match.reasons),
        )


class PeopleSearchOut(Schema):
    """The people who best fit the text; ``searched`` counts the profiles searched
    (opted-out excluded), ``considered`` those scored exactly."""

    matches: list[PersonMatchOut]
    skills: list[InferredSkillOut]
    searched: int
    considered: int
    approximate: bool

    @classmethod
    def from_domain(cls, found: PeopleSearch) -> PeopleSearchOut:
        return cls(
            matches=[PersonMatchOut.from_domain(m) for m in found.matches],
            skills=[InferredSkillOut.from_domain(s) for s in found.skills],
            searched=found.searched,
            considered=found.considered,
            approximate=found.approximate,
        )


@router.post(
    "/candidates/search",
    response_model=PeopleSearchOut,
    dependencies=[require(Action.CANDIDATES_READ), NoStore],
    responses=NO_MODEL,
)
def search_people(body: PeopleSearchIn, gate: GateDep) -> PeopleSearchOut:
    """The employees who do the work the text describes, with the skills that matched."""
    return PeopleSearchOut.from_domain(gate.search_people(body.text, body.limit))
