"""A hand-built security catalogue whose plans are known by construction, and helpers to
build small ones, shared by the pathways tests."""

from __future__ import annotations

from datetime import date

from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    Employee,
    EmployeeSkill,
    Evidence,
    Requirement,
    Role,
    Skill,
    SkillCategory,
    SkillLevel,
)

MONDAY = date(2025, 1, 6)


def make_course(
    cid: str,
    hours: float,
    cost: float,
    teaches: dict[str, float],
    *,
    needs: dict[str, float] | None = None,
    after: tuple[str, ...] = (),
    kind: CourseKind = CourseKind.COURSE,
) -> Course:
    return Course(
        cid,
        cid.replace("-", " ").title(),
        "Test",
        kind,
        hours,
        cost,
        "online",
        tuple(SkillLevel(s, lv) for s, lv in teaches.items()),
        prerequisite_skills=tuple(SkillLevel(s, lv) for s, lv in (needs or {}).items()),
        prerequisite_courses=after,
    )


def make_role(rid: str, zone: int, needs: dict[str, tuple[float, float]]) -> Role:
    reqs = tuple(Requirement(s, lv, imp) for s, (lv, imp) in needs.items())
    return Role(rid, rid.replace("-", " ").title(), "", "15-0000.00", "IT", zone, reqs)


SKILLS = [
    Skill("ticketing", "Ticketing", SkillCategory.IT_OPERATIONS),
    Skill("networking", "Networking", SkillCategory.IT_OPERATIONS),
    Skill("security", "Security fundamentals", SkillCategory.SECURITY),
    Skill("siem", "SIEM", SkillCategory.SECURITY),
    Skill("forensics", "Digital forensics", SkillCategory.SECURITY),
    Skill("threat-modelling", "Threat modelling", SkillCategory.SECURITY),
]


def security_catalog() -> Catalog:
    """Help desk (zone 2) -> analyst (3) -> engineer (4); the cheapest analyst plan is
    net-basics (10 h) then sec-plus (40 h) then siem-course (20 h): 70 h."""
    roles = [
        make_role("help-desk", 2, {"ticketing": (3, 1.0), "networking": (1, 0.5)}),
        make_role(
            "analyst",
            3,
            {"ticketing": (2, 0.2), "networking": (2, 0.6), "security": (3, 1.0), "siem": (3, 0.8)},
        ),
        make_role(
            "engineer",
            4,
            {
                "networking": (3, 0.6),
                "security": (4, 1.0),
                "siem": (3, 0.8),
                "threat-modelling": (3, 0.7),
            },
        ),
    ]
    courses = [
        make_course("net-basics", 10, 100, {"networking": 2}),
        make_course("net-plus", 60, 390, {"networking": 3}, kind=CourseKind.CERTIFICATION),
        make_course(
            "sec-plus",
            40,
            400,
            {"security": 3},
            needs={"networking": 2},
            kind=CourseKind.CERTIFICATION,
        ),
        make_course("siem-course", 20, 50, {"siem": 3}, after=("sec-plus",)),
        make_course("siem-bootcamp", 65, 2000, {"siem": 3, "security": 3}),
        make_course(
            "cissp", 100, 750, {"security": 4}, needs={"security": 3}, kind=CourseKind.CERTIFICATION
        ),
        make_course("threat-course", 30, 300, {"threat-modelling": 3}, needs={"security": 3}),
        make_course("forensics-mentor", 25, 0, {"forensics": 2}, kind=CourseKind.MENTORSHIP),
    ]
    employees = [
        Employee(
            "E1",
            "Ada",
            "help-desk",
            "IT",
            "Main",
            2.0,
            (
                EmployeeSkill("ticketing", 3, Evidence.DECLARED),
                EmployeeSkill("networking", 1, Evidence.DECLARED),
            ),
            weekly_learning_hours=5,
        ),
        Employee(
            "E2",
            "Bo",
            "help-desk",
            "IT",
            "Main",
            4.0,
            (EmployeeSkill("ticketing", 3, Evidence.DECLARED),),
            certifications=("sec-plus",),
            weekly_learning_hours=5,
        ),
    ]
    return Catalog.from_items(SKILLS, roles, courses, employees)
