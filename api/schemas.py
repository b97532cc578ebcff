"""Response and request models, each with a ``from_domain`` mapper from the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import model_validator

from recommender.catalog import (
    Course,
    Employee,
    EmployeeSkill,
    Requirement,
    Role,
    Skill,
    SkillLevel,
)
from recommender.gate import AccessRecord
from recommender.pages import Schema as Schema  # every model's base, the pages' too

T = TypeVar("T")


class RequestSchema(Schema):
    """A request body: lone surrogates (text that is not Unicode, e.g. ``"\\udbcd"`` in
    JSON) are refused too, at any depth."""

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        if not _all_unicode(data):
            raise ValueError("text must be valid Unicode (it holds a lone surrogate)")
        return data


def _all_unicode(data: object) -> bool:
    """Whether every string in ``data`` (keys and values, at any depth) encodes as UTF-8."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
    return True


class Health(Schema):
    """What anyone may learn without a key: that the service answers, and its version.
    Nothing about the data (not even how many people it holds)."""

    status: str
    version: str


class SkillOut(Schema):
    id: str
    name: str
    category: str
    description: str
    aliases: list[str]

    @classmethod
    def from_domain(cls, skill: Skill) -> SkillOut:
        return cls(
            id=skill.id,
            name=skill.name,
            category=str(skill.category),
            description=skill.description,
            aliases=list(skill.aliases),
        )


class RequirementOut(Schema):
    """A skill the role requires: its id and name, the level (1-5) and its importance."""

    skill_id: str
    skill_name: str
    level: float
    importance: float

    @classmethod
    def from_domain(cls, req: Requirement, skill_name: str) -> RequirementOut:
        return cls(
            skill_id=req.skill_id,
            skill_name=skill_name,
            level=req.level,
            importance=req.importance,
        )


class RoleSummary(Schema):
    id: str
    title: str
    soc_code: str
    job_family: str
    job_zone: int
    hard_to_fill: bool
    open_positions: int
    median_days_to_fill: int | None
    source: str

    @classmethod
    def from_domain(cls, role: Role) -> RoleSummary:
        return cls(
            id=role.id,
            title=role.title,
            soc_code=role.soc_code,
            job_family=role.job_family,
            job_zone=role.job_zone,
            hard_to_fill=role.hard_to_fill,
            open_positions=role.open_positions,
            median_days_to_fill=role.median_days_to_fill,
            source=str(role.source),
        )


class RoleOut(RoleSummary):
    description: str
    pay_band: str | None
    requirements: list[RequirementOut]
    tasks: list[str]
    attribution: str | None = None
    #: Roles the organisation declares it recruits or promotes into this one from.
    feeder_roles: list[str] = []

    @classmethod
    def from_domain_with(
        cls, role: Role, attribution: str | None, skills: Mapping[str, Skill]
    ) -> RoleOut:
        """``role`` with its requirements named from ``skills`` (the catalogue's, by id)."""
        summary = RoleSummary.from_domain(role).model_dump()
        requirements = [
            RequirementOut.from_domain(r, skills[r.skill_id].name if r.skill_id in skills else "")
            for r in role.requirements
        ]
        return cls(
            **summary,
            description=role.description,
            pay_band=role.pay_band,
            requirements=requirements,
            tasks=list(role.tasks),
            attribution=attribution,
            feeder_roles=list(role.feeder_roles),
        )


class SkillLevelOut(Schema):
    skill_id: str
    level: float

    @classmethod
    def from_domain(cls, item: SkillLevel) -> SkillLevelOut:
        return cls(skill_id=item.skill_id, level=item.level)


class CourseOut(Schema):
    id: str
    title: str
    provider: str
    kind: str
    hours: float
    cost_usd: float
    delivery: str
    url: str
    hours_estimated: bool
    cost_estimated: bool
    teaches: list[SkillLevelOut]
    prerequisite_skills: list[SkillLevelOut]
    prerequisite_courses: list[str]

    @classmethod
    def from_domain(cls, course: Course) -> CourseOut:
        return cls(
            id=course.id,
            title=course.title,
            provider=course.provider,
            kind=str(course.kind),
            hours=course.hours,
            cost_usd=course.cost,
            delivery=course.delivery,
            url=course.url,
            hours_estimated=course.hours_estimated,
            cost_estimated=course.cost_estimated,
            teaches=[SkillLevelOut.from_domain(t) for t in course.teaches],
            prerequisite_skills=[SkillLevelOut.from_domain(p) for p in course.prerequisite_skills],
            prerequisite_courses=list(course.prerequisite_courses),
        )


class Page(Schema, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class EmployeeSkillOut(Schema):
    skill_id: str
    level: int
    evidence: str

    @classmethod
    def from_domain(cls, item: EmployeeSkill) -> EmployeeSkillOut:
        return cls(skill_id=item.skill_id, level=item.level, evidence=str(item.evidence))


class EmployeeOut(Schema):
    """A person's record. Protected attributes are not in the Catalog and never appear here."""

    id: str
    name: str
    role_id: str
    department: str
    location: str
    tenure_years: float
    skills: list[EmployeeSkillOut]
    certifications: list[str]
    profile: str
    weekly_learning_hours: float
    opted_out: bool

    @classmethod
    def from_domain(cls, employee: Employee) -> EmployeeOut:
        return cls(
            id=employee.id,
            name=employee.name,
            role_id=employee.role_id,
            department=employee.department,
            location=employee.location,
            tenure_years=employee.tenure_years,
            skills=[EmployeeSkillOut.from_domain(s) for s in employee.skills],
            certifications=list(employee.certifications),
            profile=employee.profile,
            weekly_learning_hours=employee.weekly_learning_hours,
            opted_out=employee.opted_out,
        )


class AccessEntryOut(Schema):
    """One access-log row; ``employee_id`` is null and ``tombstone`` set once the person is erased."""

    at: datetime
    key_id: str
    role: str
    action: str
    route: str
    employee_id: str | None
    tombstone: str | None
    request_id: str

    @classmethod
    def from_domain(cls, record: AccessRecord) -> AccessEntryOut:
        return cls(
            at=record.at,
            key_id=record.key_id,
            role=record.role,
            action=record.action,
            route=record.route,
            employee_id=record.employee_id,
            tombstone=record.tombstone,
            request_id=record.request_id,
        )


class AccessLogOut(Schema):
    """The newest access-log rows, newest first."""

    items: list[AccessEntryOut]
    limit: int
