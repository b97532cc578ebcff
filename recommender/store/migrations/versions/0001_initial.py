"""The initial catalogue schema.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

A frozen copy of the schema as first released: it must not import
``recommender.store.schema`` (which will move on), so the helpers below repeat
the conventions described there. SQLite-only ``typeof()`` CHECKs keep text out
of numeric columns; PostgreSQL's typed columns do that themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SKILL_CATEGORIES = (
    "clinical",
    "it_operations",
    "security",
    "data_ai",
    "health_information",
    "business",
    "interpersonal",
    "onet_skill",
    "onet_knowledge",
)
_ROLE_SOURCES = ("org", "onet")
_COURSE_KINDS = ("course", "certification", "mentorship", "stretch_assignment")
_EVIDENCE = ("inferred", "declared", "manager_verified", "certified")
_NUMBER = ("integer", "real")
_INTEGER = ("integer",)


def _sqlite_type(column: str, types: tuple[str, ...], nullable: bool = False) -> sa.CheckConstraint:
    allowed = (*types, "null") if nullable else types
    listed = ", ".join(f"'{t}'" for t in allowed)
    check = sa.CheckConstraint(f"typeof({column}) IN ({listed})", name=f"{column}_type")
    return check.ddl_if(dialect="sqlite")


def _boolean(column: str) -> list[sa.CheckConstraint]:
    return [
        _sqlite_type(column, _INTEGER),
        sa.CheckConstraint(f"{column} IN (0, 1)", name=f"{column}_bool").ddl_if(dialect="sqlite"),
    ]


def _one_of(column: str, values: Sequence[str]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


def _level(column: str, types: tuple[str, ...] = _NUMBER) -> list[sa.CheckConstraint]:
    return [
        _sqlite_type(column, types),
        sa.CheckConstraint(f"{column} >= 1 AND {column} <= 5", name=f"{column}_range"),
    ]


def _non_negative(
    column: str, types: tuple[str, ...] = _NUMBER, nullable: bool = False
) -> list[sa.CheckConstraint]:
    return [
        _sqlite_type(column, types, nullable),
        sa.CheckConstraint(f"{column} >= 0", name=f"{column}_non_negative"),
    ]


def _parent_fk(name: str, parent: str) -> sa.Column[str]:
    return sa.Column(
        name, sa.String, sa.ForeignKey(f"{parent}.id", ondelete="CASCADE"), primary_key=True
    )


def _position() -> sa.Column[int]:
    return sa.Column("position", sa.Integer, primary_key=True, autoincrement=False)


def _entity_hash() -> sa.Column[str]:
    return sa.Column("entity_hash", sa.String(64), nullable=False)


def _skill_ref() -> sa.Column[str]:
    return sa.Column("skill_id", sa.String, sa.ForeignKey("skills.id"), nullable=False)


def _create_skills() -> None:
    op.create_table(
        "skills",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("category", sa.String, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        _entity_hash(),
        _one_of("category", _SKILL_CATEGORIES),
    )
    op.create_table(
        "skill_aliases",
        _parent_fk("skill_id", "skills"),
        _position(),
        sa.Column("alias", sa.Text, nullable=False),
    )


def _create_roles() -> None:
    op.create_table(
        "roles",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("soc_code", sa.String, nullable=False),
        sa.Column("job_family", sa.Text, nullable=False),
        sa.Column("job_zone", sa.Integer, nullable=False),
        sa.Column("open_positions", sa.Integer, nullable=False),
        sa.Column("median_days_to_fill", sa.Integer, nullable=True),
        sa.Column("hard_to_fill", sa.Boolean, nullable=False),
        sa.Column("pay_band", sa.Text, nullable=True),
        _entity_hash(),
        _one_of("source", _ROLE_SOURCES),
        _sqlite_type("job_zone", _INTEGER),
        sa.CheckConstraint("job_zone >= 1 AND job_zone <= 5", name="job_zone_range"),
        *_non_negative("open_positions", _INTEGER),
        *_non_negative("median_days_to_fill", _INTEGER, nullable=True),
        *_boolean("hard_to_fill"),
    )
    op.create_index("ix_roles_source", "roles", ["source"])
    op.create_table(
        "role_requirements",
        _parent_fk("role_id", "roles"),
        _position(),
        _skill_ref(),
        sa.Column("level", sa.Float, nullable=False),
        sa.Column("importance", sa.Float, nullable=False),
        sa.UniqueConstraint("role_id", "skill_id"),
        *_level("level"),
        _sqlite_type("importance", _NUMBER),
        sa.CheckConstraint("importance >= 0 AND importance <= 1", name="importance_range"),
    )
    op.create_index("ix_role_requirements_skill_id", "role_requirements", ["skill_id"])
    for table, column in (
        ("role_tasks", "task"),
        ("role_work_activities", "activity"),
        ("role_alternate_titles", "title"),
    ):
        op.create_table(
            table,
            _parent_fk("role_id", "roles"),
            _position(),
            sa.Column(column, sa.Text, nullable=False),
        )
    op.create_table(
        "role_technologies",
        _parent_fk("role_id", "roles"),
        _position(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("commodity_code", sa.String, nullable=False),
        sa.Column("commodity_title", sa.Text, nullable=False),
        sa.Column("hot", sa.Boolean, nullable=False),
        sa.Column("in_demand", sa.Boolean, nullable=False),
        *_boolean("hot"),
        *_boolean("in_demand"),
    )
    for table in ("role_interests", "role_work_styles"):
        op.create_table(
            table,
            _parent_fk("role_id", "roles"),
            _position(),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("score", sa.Float, nullable=False),
            _sqlite_type("score", _NUMBER),
        )


def _create_courses() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("cost", sa.Float, nullable=False),
        sa.Column("delivery", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("hours_estimated", sa.Boolean, nullable=False),
        sa.Column("cost_estimated", sa.Boolean, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        _entity_hash(),
        _one_of("kind", _COURSE_KINDS),
        *_non_negative("hours"),
        *_non_negative("cost"),
        *_boolean("hours_estimated"),
        *_boolean("cost_estimated"),
    )
    for table in ("course_teaches", "course_prerequisite_skills"):
        op.create_table(
            table,
            _parent_fk("course_id", "courses"),
            _position(),
            _skill_ref(),
            sa.Column("level", sa.Float, nullable=False),
            sa.UniqueConstraint("course_id", "skill_id"),
            *_level("level"),
        )
        op.create_index(f"ix_{table}_skill_id", table, ["skill_id"])
    op.create_table(
        "course_prerequisite_courses",
        _parent_fk("course_id", "courses"),
        _position(),
        sa.Column("prerequisite_id", sa.String, sa.ForeignKey("courses.id"), nullable=False),
        sa.UniqueConstraint("course_id", "prerequisite_id"),
    )
    op.create_index(
        "ix_course_prerequisite_courses_prerequisite_id",
        "course_prerequisite_courses",
        ["prerequisite_id"],
    )


def _create_employees() -> None:
    op.create_table(
        "employees",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role_id", sa.String, sa.ForeignKey("roles.id"), nullable=False),
        sa.Column("department", sa.Text, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("tenure_years", sa.Float, nullable=False),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("weekly_learning_hours", sa.Float, nullable=False),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        _entity_hash(),
        *_non_negative("tenure_years"),
        *_non_negative("weekly_learning_hours"),
        *_boolean("opted_out"),
    )
    op.create_index("ix_employees_role_id", "employees", ["role_id"])
    op.create_table(
        "employee_skills",
        _parent_fk("employee_id", "employees"),
        _position(),
        _skill_ref(),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("evidence", sa.String, nullable=False),
        sa.UniqueConstraint("employee_id", "skill_id"),
        *_level("level", _INTEGER),
        _one_of("evidence", _EVIDENCE),
    )
    op.create_index("ix_employee_skills_skill_id", "employee_skills", ["skill_id"])
    op.create_table(
        "employee_certifications",
        _parent_fk("employee_id", "employees"),
        _position(),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_table(
        "protected_attributes",
        sa.Column(
            "employee_id",
            sa.String,
            sa.ForeignKey("employees.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sex", sa.Text, nullable=True),
        sa.Column("race_ethnicity", sa.Text, nullable=True),
        sa.Column("age_band", sa.Text, nullable=True),
    )


def _create_import_runs() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    )


def upgrade() -> None:
    _create_skills()
    _create_roles()
    _create_courses()
    _create_employees()
    _create_import_runs()


def downgrade() -> None:
    for table in (
        "import_runs",
        "protected_attributes",
        "employee_certifications",
        "employee_skills",
        "employees",
        "course_prerequisite_courses",
        "course_prerequisite_skills",
        "course_teaches",
        "courses",
        "role_work_styles",
        "role_interests",
        "role_technologies",
        "role_alternate_titles",
        "role_work_activities",
        "role_tasks",
        "role_requirements",
        "roles",
        "skill_aliases",
        "skills",
    ):
        op.drop_table(table)
