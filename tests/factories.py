"""A small hand-built catalogue whose answers are known by construction."""

from __future__ import annotations

from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    Employee,
    EmployeeSkill,
    Evidence,
    Requirement,
    Role,
    RoleSource,
    Skill,
    SkillCategory,
    SkillLevel,
)


def small_catalog() -> Catalog:
    skills = [
        Skill("ticketing", "Ticketing", SkillCategory.IT_OPERATIONS),
        Skill("networking", "Networking", SkillCategory.IT_OPERATIONS),
        Skill("siem", "SIEM", SkillCategory.SECURITY, aliases=("Splunk",)),
        Skill("triage", "Incident triage", SkillCategory.SECURITY),
    ]
    roles = [
        Role(
            "help-desk",
            "Service desk technician",
            "Fixes things.",
            "15-1232.00",
            "IT Support",
            3,
            (Requirement("ticketing", 3, 1.0), Requirement("networking", 2, 0.5)),
        ),
        Role(
            "soc-analyst",
            "SOC analyst",
            "Watches alerts.",
            "15-1212.00",
            "Security",
            4,
            (
                Requirement("siem", 3, 1.0),
                Requirement("triage", 3, 0.8),
                Requirement("networking", 3, 0.6),
            ),
            open_positions=3,
            median_days_to_fill=95,
            hard_to_fill=True,
        ),
        Role(
            "15-1212.00",
            "Information Security Analysts",
            "O*NET occupation.",
            "15-1212.00",
            "Computer and Mathematical",
            4,
            source=RoleSource.ONET,
        ),
    ]
    courses = [
        Course(
            "net-plus",
            "Network+",
            "CompTIA",
            CourseKind.CERTIFICATION,
            60,
            390,
            "online",
            (SkillLevel("networking", 3),),
        ),
        Course(
            "sec-plus",
            "Security+",
            "CompTIA",
            CourseKind.CERTIFICATION,
            80,
            404,
            "online",
            (SkillLevel("siem", 2), SkillLevel("triage", 2)),
            prerequisite_skills=(SkillLevel("networking", 2),),
        ),
        Course(
            "soc-lab",
            "SOC lab",
            "Internal",
            CourseKind.STRETCH_ASSIGNMENT,
            40,
            0,
            "on_the_job",
            (SkillLevel("siem", 3), SkillLevel("triage", 3)),
            prerequisite_courses=("sec-plus",),
        ),
    ]
    employees = [
        Employee(
            "E1",
            "Ada Example",
            "help-desk",
            "IT",
            "Main campus",
            3.0,
            (
                EmployeeSkill("ticketing", 3, Evidence.DECLARED),
                EmployeeSkill("networking", 2, Evidence.MANAGER_VERIFIED),
            ),
        ),
    ]
    return Catalog.from_items(skills, roles, courses, employees)
