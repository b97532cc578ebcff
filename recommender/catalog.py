"""The domain model: skills, roles, courses, employees and the catalogue that holds them.

Everything here is a frozen dataclass. Ingest code builds these objects from raw
files; the store persists and reloads them; every algorithm reads them. Nothing
here knows about files, SQL or HTTP.

Scales
------
* Skill levels are on reskill's 1-5 proficiency scale (1 awareness, 2 basic,
  3 working, 4 advanced, 5 expert). Organisation data uses whole numbers;
  O*NET levels (0-7) are mapped linearly onto 1-5 and keep their fraction.
* Importance is a weight in [0, 1]. O*NET importance (1-5) maps as (IM - 1) / 4.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from recommender.errors import UnknownCourse, UnknownEmployee, UnknownRole, UnknownSkill

__all__ = [
    "MIN_LEVEL",
    "MAX_LEVEL",
    "SkillCategory",
    "CourseKind",
    "CoursePricing",
    "Evidence",
    "RoleSource",
    "Skill",
    "SkillLevel",
    "Requirement",
    "Technology",
    "Role",
    "Course",
    "EmployeeSkill",
    "Employee",
    "ProtectedAttributes",
    "Catalog",
]

MIN_LEVEL = 1
MAX_LEVEL = 5


class SkillCategory(StrEnum):
    CLINICAL = "clinical"
    IT_OPERATIONS = "it_operations"
    SECURITY = "security"
    DATA_AI = "data_ai"
    HEALTH_INFORMATION = "health_information"
    BUSINESS = "business"
    INTERPERSONAL = "interpersonal"
    # Categories used by the O*NET import.
    ONET_SKILL = "onet_skill"
    ONET_KNOWLEDGE = "onet_knowledge"


class CourseKind(StrEnum):
    COURSE = "course"
    CERTIFICATION = "certification"
    MENTORSHIP = "mentorship"
    STRETCH_ASSIGNMENT = "stretch_assignment"


class CoursePricing(StrEnum):
    """How a course's ``cost`` is charged when several people of one cohort take it.

    ``per_seat``: each learner pays ``cost``. ``per_cohort``: ``cost`` buys one run that a
    whole cohort attends together (a vendor bootcamp, an in-house cohort programme), so an
    academy plan counts it once however many of its people take it.
    """

    PER_SEAT = "per_seat"
    PER_COHORT = "per_cohort"


class Evidence(StrEnum):
    """How we know an employee holds a skill; ordered from weakest to strongest."""

    INFERRED = "inferred"
    DECLARED = "declared"
    MANAGER_VERIFIED = "manager_verified"
    CERTIFIED = "certified"


class RoleSource(StrEnum):
    ORG = "org"
    ONET = "onet"


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    name: str
    category: SkillCategory
    description: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SkillLevel:
    """A skill at a level: what a course teaches, or what a prerequisite demands."""

    skill_id: str
    level: float


@dataclass(frozen=True, slots=True)
class Requirement:
    """A role's need for a skill at ``level`` (1-5) with ``importance`` in [0, 1]."""

    skill_id: str
    level: float
    importance: float


@dataclass(frozen=True, slots=True)
class Technology:
    """A technology a role uses (O*NET Technology Skills), with O*NET's demand flags."""

    name: str
    commodity_code: str = ""
    commodity_title: str = ""
    hot: bool = False
    in_demand: bool = False


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    title: str
    description: str
    soc_code: str
    job_family: str
    job_zone: int
    requirements: tuple[Requirement, ...] = ()
    open_positions: int = 0
    median_days_to_fill: int | None = None
    hard_to_fill: bool = False
    pay_band: str | None = None
    source: RoleSource = RoleSource.ORG
    tasks: tuple[str, ...] = ()
    work_activities: tuple[str, ...] = ()
    technologies: tuple[Technology, ...] = ()
    alternate_titles: tuple[str, ...] = ()
    interests: tuple[tuple[str, float], ...] = ()
    work_styles: tuple[tuple[str, float], ...] = ()
    #: Roles the organisation recruits or promotes into this one from, as its career
    #: ladders and job postings state (``feeder_roles`` in roles.csv). Organisation data,
    #: like requirements: the judges honour it, no model learns from it.
    feeder_roles: tuple[str, ...] = ()

    def requirement(self, skill_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.skill_id == skill_id), None)


@dataclass(frozen=True, slots=True)
class Course:
    id: str
    title: str
    provider: str
    kind: CourseKind
    hours: float
    cost: float
    delivery: str
    teaches: tuple[SkillLevel, ...]
    prerequisite_skills: tuple[SkillLevel, ...] = ()
    prerequisite_courses: tuple[str, ...] = ()
    url: str = ""
    hours_estimated: bool = False
    cost_estimated: bool = False
    description: str = ""
    pricing: CoursePricing = CoursePricing.PER_SEAT


@dataclass(frozen=True, slots=True)
class EmployeeSkill:
    skill_id: str
    level: int
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Employee:
    id: str
    name: str
    role_id: str
    department: str
    location: str
    tenure_years: float
    skills: tuple[EmployeeSkill, ...] = ()
    certifications: tuple[str, ...] = ()
    profile: str = ""
    weekly_learning_hours: float = 4.0
    opted_out: bool = False

    def level_of(self, skill_id: str) -> int:
        return next((s.level for s in self.skills if s.skill_id == skill_id), 0)


@dataclass(frozen=True, slots=True)
class ProtectedAttributes:
    """Used only by fairness audits; never read by any score."""

    employee_id: str
    sex: str | None = None
    race_ethnicity: str | None = None
    age_band: str | None = None


def _index(items: Iterable[object], kind: str) -> Mapping[str, object]:
    out: dict[str, object] = {}
    for item in items:
        key = item.id  # type: ignore[attr-defined]
        if key in out:
            raise ValueError(f"duplicate {kind} id {key!r}")
        out[key] = item
    return MappingProxyType(out)


@dataclass(frozen=True)
class Catalog:
    """An immutable snapshot of everything reskill knows about one organisation.

    Protected attributes are deliberately not held here: they live in their own
    table and reach only :mod:`recommender.fairness`.
    """

    skills: Mapping[str, Skill] = field(default_factory=dict)
    roles: Mapping[str, Role] = field(default_factory=dict)
    courses: Mapping[str, Course] = field(default_factory=dict)
    employees: Mapping[str, Employee] = field(default_factory=dict)

    @classmethod
    def from_items(
        cls,
        skills: Iterable[Skill] = (),
        roles: Iterable[Role] = (),
        courses: Iterable[Course] = (),
        employees: Iterable[Employee] = (),
    ) -> Catalog:
        """Build a catalogue from sequences; raises ValueError on a duplicate id.

        Examples
        --------
        >>> c = Catalog.from_items(skills=[Skill("sql", "SQL", SkillCategory.DATA_AI)])
        >>> c.skill("sql").name
        'SQL'
        """
        return cls(
            skills=_index(skills, "skill"),  # type: ignore[arg-type]
            roles=_index(roles, "role"),  # type: ignore[arg-type]
            courses=_index(courses, "course"),  # type: ignore[arg-type]
            employees=_index(employees, "employee"),  # type: ignore[arg-type]
        )

    def skill(self, skill_id: str) -> Skill:
        try:
            return self.skills[skill_id]
        except KeyError:
            raise UnknownSkill(skill_id) from None

    def role(self, role_id: str) -> Role:
        try:
            return self.roles[role_id]
        except KeyError:
            raise UnknownRole(role_id) from None

    def course(self, course_id: str) -> Course:
        try:
            return self.courses[course_id]
        except KeyError:
            raise UnknownCourse(course_id) from None

    def employee(self, employee_id: str) -> Employee:
        try:
            return self.employees[employee_id]
        except KeyError:
            raise UnknownEmployee(employee_id) from None
