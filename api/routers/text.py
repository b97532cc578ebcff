"""Free text in, catalogue answers out: ``POST /v1/match`` and ``POST /v1/titles/normalize``.

Both take text the caller supplies (a profile, a job description, job titles), not a
record we hold, so there is no access log, and the text is never logged or stored. Both
need the embedding model (503 without it) and an ``admin``, ``talent`` or ``employee``
key (``match.use``): no one's record is read.

Title normalisation always ranks the organisation's roles, and ranks O*NET occupations
only when O*NET data is loaded (O*NET roles in the catalogue, or ``RESKILL_ONET_DIR``);
without it each title's ``occupations`` list is empty. Whenever an O*NET occupation (or,
for ``/v1/match``, an O*NET role) appears in an answer, the answer carries O*NET's
CC BY 4.0 ``attribution``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import ConfigDict, Field, StringConstraints

from api.auth import require
from api.deps import RecommenderDep
from api.schemas import RequestSchema, Schema
from recommender import ONET_ATTRIBUTION
from recommender.access import Action
from recommender.catalog import RoleSource
from recommender.matching import MatchResult, RoleMatch
from recommender.service import Recommender
from recommender.skills_extraction import InferredSkill
from recommender.titles import TitleMatch

router = APIRouter(prefix="/v1")

MatchUse = [require(Action.MATCH_USE)]
#: Non-blank: at least one character that is not white space.
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000, pattern=r"\S")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Top = Annotated[int, Field(ge=1, le=20)]


# Requests ----------------------------------------------------------------------------------


class MatchIn(RequestSchema):
    """A profile, resume or job description to match to roles and skills."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Triage security alerts in the SIEM, investigate phishing and escalate incidents.",
                    "top": 5,
                }
            ]
        }
    )

    text: Text
    top: Top = 5


class TitlesIn(RequestSchema):
    """Free-text job titles to normalise, up to 100 at a time."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"titles": ["RN informatics specialist", "Sr. SOC analyst"], "top": 3}]
        }
    )

    titles: Annotated[list[Title], Field(min_length=1, max_length=100)]
    top: Top = 5


# Responses ---------------------------------------------------------------------------------


class MatchComponentsOut(Schema):
    """``score = 0.6 * embedding_similarity + 0.4 * skill_fit``, where ``skill_fit`` is the
    harmonic mean of ``skill_overlap`` (the share of the role's requirements the text
    evidences) and ``skill_coverage`` (the share of the text's skills the role requires);
    each in [0, 1]."""

    embedding_similarity: float
    skill_overlap: float
    skill_coverage: float


class RoleMatchOut(Schema):
    """A role the text points to, with the components of its score and the shared skills."""

    id: str
    title: str
    score: float
    components: MatchComponentsOut
    matched_skills: list[str]

    @classmethod
    def from_domain(cls, match: RoleMatch) -> RoleMatchOut:
        return cls(
            id=match.role_id,
            title=match.title,
            score=round(match.score, 4),
            components=MatchComponentsOut(
                embedding_similarity=round(match.embedding_similarity, 4),
                skill_overlap=round(match.skill_overlap, 4),
                skill_coverage=round(match.skill_coverage, 4),
            ),
            matched_skills=list(match.matched_skills),
        )


class SpanOut(Schema):
    """``text[start:end]`` of the submitted text: the strongest mention of the skill."""

    start: int
    end: int
    text: str


class InferredSkillOut(Schema):
    """A catalogue skill the text evidences. Always inferred, never verified."""

    id: str
    name: str
    confidence: float
    method: str
    span: SpanOut
    mentions: int
    inferred: Literal[True] = True

    @classmethod
    def from_domain(cls, skill: InferredSkill) -> InferredSkillOut:
        span = skill.span
        return cls(
            id=skill.skill_id,
            name=skill.name,
            confidence=round(skill.confidence, 3),
            method=str(skill.method),
            span=SpanOut(start=span.start, end=span.end, text=span.text),
            mentions=skill.mentions,
        )


class MatchOut(Schema):
    """The best roles for the text, best first, and the skills inferred from it."""

    roles: list[RoleMatchOut]
    skills: list[InferredSkillOut]
    attribution: str | None = None

    @classmethod
    def from_domain(cls, result: MatchResult, service: Recommender) -> MatchOut:
        onet = any(service.role(r.role_id).source == RoleSource.ONET for r in result.roles)
        return cls(
            roles=[RoleMatchOut.from_domain(r) for r in result.roles],
            skills=[InferredSkillOut.from_domain(s) for s in result.skills],
            attribution=ONET_ATTRIBUTION if onet else None,
        )


class OccupationOut(Schema):
    """An O*NET occupation for a title. ``in_catalog`` is false for one known only by its
    titles (it names an occupation, not a role of ``/v1/roles``)."""

    code: str
    title: str
    score: float
    matched_title: str
    in_catalog: bool

    @classmethod
    def from_domain(cls, match: TitleMatch) -> OccupationOut:
        return cls(
            code=match.code,
            title=match.title,
            score=round(match.score, 4),
            matched_title=match.matched_title,
            in_catalog=match.in_catalog,
        )


class OrgRoleOut(Schema):
    """One of the organisation's roles for a title; ``code`` is its O*NET-SOC code."""

    role_id: str
    title: str
    code: str
    score: float
    matched_title: str

    @classmethod
    def from_domain(cls, match: TitleMatch) -> OrgRoleOut:
        return cls(
            role_id=match.role_id,
            title=match.title,
            code=match.code,
            score=round(match.score, 4),
            matched_title=match.matched_title,
        )


class TitleResultOut(Schema):
    """The answers for one submitted title (in the order submitted); empty lists for a
    title with nothing to match once cleaned (only shift or grade words, punctuation)."""

    occupations: list[OccupationOut]
    roles: list[OrgRoleOut]


class TitlesOut(Schema):
    """One result per submitted title, in order."""

    results: list[TitleResultOut]
    attribution: str | None = None

    @classmethod
    def from_domain(
        cls, occupations: list[list[TitleMatch]], roles: list[list[TitleMatch]]
    ) -> TitlesOut:
        results = [
            TitleResultOut(
                occupations=[OccupationOut.from_domain(m) for m in found],
                roles=[OrgRoleOut.from_domain(m) for m in ranked],
            )
            for found, ranked in zip(occupations, roles, strict=True)
        ]
        return cls(results=results, attribution=ONET_ATTRIBUTION if any(occupations) else None)


# Routes ------------------------------------------------------------------------------------


#: Documented in OpenAPI beside the 422 of a malformed body.
NO_MODEL: dict[int | str, dict[str, Any]] = {
    503: {"description": "The embedding model is not configured"}
}


@router.post("/match", response_model=MatchOut, dependencies=MatchUse, responses=NO_MODEL)
def match(body: MatchIn, service: RecommenderDep) -> MatchOut:
    """Roles and (inferred) catalogue skills for a free-text profile or job description."""
    return MatchOut.from_domain(service.match(body.text, body.top), service)


@router.post(
    "/titles/normalize", response_model=TitlesOut, dependencies=MatchUse, responses=NO_MODEL
)
def normalize_titles(body: TitlesIn, service: RecommenderDep) -> TitlesOut:
    """O*NET occupations and the organisation's roles for free-text job titles."""
    return TitlesOut.from_domain(*service.normalise_titles(body.titles, body.top))
