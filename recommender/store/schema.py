"""The SQL tables that hold a :class:`~recommender.catalog.Catalog`.

Core tables (not ORM classes): the repository writes in bulk and reads whole
tables, so mapped objects would only add cost.

Conventions
-----------
* Every entity table (``skills``, ``roles``, ``courses``, ``employees``) has a
  text ``id`` primary key and an ``entity_hash``: a digest of everything the
  repository writes for that entity (its row and its child rows). Saving
  compares hashes to skip unchanged entities.
* Child rows (tasks, requirements, aliases, ...) have ``position``, their index
  in the dataclass tuple, so they load back in saved order. They cascade on
  delete of their parent. References to *other* entities (a requirement's
  skill, an employee's role, a prerequisite course) do not cascade: deleting a
  role that employees hold fails.
* Numeric columns carry range CHECKs on both databases. SQLite also gets
  ``typeof()`` CHECKs (created on SQLite only, via ``ddl_if``), because its
  type affinity would otherwise store ``'12abc'`` in an INTEGER column;
  PostgreSQL's typed columns reject such values themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from recommender.access import Role as KeyRole
from recommender.catalog import (
    MAX_LEVEL,
    MIN_LEVEL,
    CourseKind,
    CoursePricing,
    Evidence,
    RoleSource,
    SkillCategory,
)

__all__ = [
    "metadata",
    "skills",
    "skill_aliases",
    "roles",
    "role_requirements",
    "role_tasks",
    "role_work_activities",
    "role_technologies",
    "role_alternate_titles",
    "role_feeders",
    "role_interests",
    "role_work_styles",
    "courses",
    "course_teaches",
    "course_prerequisite_skills",
    "course_prerequisite_courses",
    "employees",
    "employee_skills",
    "employee_certifications",
    "protected_attributes",
    "import_runs",
    "CATALOG_TABLES",
    "shortlists",
    "shortlist_entries",
    "settings",
    "erased_employees",
    "published_reports",
    "published_report_members",
    "data_version",
    "text_vectors",
    "prepared_answers",
    "preparations",
    "employee_goals",
    "employee_corrections",
    "academy_plans",
    "academy_plan_entries",
    "nominations",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

_NUMBER = ("integer", "real")
_INTEGER = ("integer",)
_BOOLEAN = ("integer",)


def _sqlite_type(column: str, types: tuple[str, ...], nullable: bool = False) -> sa.CheckConstraint:
    """A CHECK that the stored SQLite storage class of ``column`` is one of ``types``."""
    allowed = (*types, "null") if nullable else types
    listed = ", ".join(f"'{t}'" for t in allowed)
    check = sa.CheckConstraint(f"typeof({column}) IN ({listed})", name=f"{column}_type")
    return check.ddl_if(dialect="sqlite")


def _boolean(column: str) -> list[sa.CheckConstraint]:
    return [
        _sqlite_type(column, _BOOLEAN),
        sa.CheckConstraint(f"{column} IN (0, 1)", name=f"{column}_bool").ddl_if(dialect="sqlite"),
    ]


def _one_of(column: str, values: Iterable[str]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


def _level(column: str, number_type: tuple[str, ...] = _NUMBER) -> list[sa.CheckConstraint]:
    return [
        _sqlite_type(column, number_type),
        sa.CheckConstraint(
            f"{column} >= {MIN_LEVEL} AND {column} <= {MAX_LEVEL}", name=f"{column}_range"
        ),
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


skills = sa.Table(
    "skills",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("category", sa.String, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    _entity_hash(),
    _one_of("category", SkillCategory),
)

skill_aliases = sa.Table(
    "skill_aliases",
    metadata,
    _parent_fk("skill_id", "skills"),
    _position(),
    sa.Column("alias", sa.Text, nullable=False),
)

roles = sa.Table(
    "roles",
    metadata,
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
    _one_of("source", RoleSource),
    _sqlite_type("job_zone", _INTEGER),
    sa.CheckConstraint("job_zone >= 1 AND job_zone <= 5", name="job_zone_range"),
    *_non_negative("open_positions", _INTEGER),
    *_non_negative("median_days_to_fill", _INTEGER, nullable=True),
    *_boolean("hard_to_fill"),
)
sa.Index(None, roles.c.source)

role_requirements = sa.Table(
    "role_requirements",
    metadata,
    _parent_fk("role_id", "roles"),
    _position(),
    sa.Column("skill_id", sa.String, sa.ForeignKey("skills.id"), nullable=False, index=True),
    sa.Column("level", sa.Float, nullable=False),
    sa.Column("importance", sa.Float, nullable=False),
    sa.UniqueConstraint("role_id", "skill_id"),
    *_level("level"),
    _sqlite_type("importance", _NUMBER),
    sa.CheckConstraint("importance >= 0 AND importance <= 1", name="importance_range"),
)


def _role_text_table(name: str, column: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        _parent_fk("role_id", "roles"),
        _position(),
        sa.Column(column, sa.Text, nullable=False),
    )


def _role_scored_table(name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        _parent_fk("role_id", "roles"),
        _position(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        _sqlite_type("score", _NUMBER),
    )


role_tasks = _role_text_table("role_tasks", "task")
role_work_activities = _role_text_table("role_work_activities", "activity")
role_alternate_titles = _role_text_table("role_alternate_titles", "title")
role_interests = _role_scored_table("role_interests")
role_work_styles = _role_scored_table("role_work_styles")

#: The roles the organisation recruits or promotes into a role from (its career ladders);
#: a deleted role leaves every ladder it was on.
role_feeders = sa.Table(
    "role_feeders",
    metadata,
    _parent_fk("role_id", "roles"),
    _position(),
    sa.Column(
        "feeder_id",
        sa.String,
        sa.ForeignKey("roles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.UniqueConstraint("role_id", "feeder_id"),
)

role_technologies = sa.Table(
    "role_technologies",
    metadata,
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

courses = sa.Table(
    "courses",
    metadata,
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
    sa.Column("pricing", sa.String, nullable=False, server_default="per_seat"),
    _entity_hash(),
    _one_of("kind", CourseKind),
    _one_of("pricing", CoursePricing),
    *_non_negative("hours"),
    *_non_negative("cost"),
    *_boolean("hours_estimated"),
    *_boolean("cost_estimated"),
)


def _course_skill_table(name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        _parent_fk("course_id", "courses"),
        _position(),
        sa.Column("skill_id", sa.String, sa.ForeignKey("skills.id"), nullable=False, index=True),
        sa.Column("level", sa.Float, nullable=False),
        sa.UniqueConstraint("course_id", "skill_id"),
        *_level("level"),
    )


course_teaches = _course_skill_table("course_teaches")
course_prerequisite_skills = _course_skill_table("course_prerequisite_skills")

course_prerequisite_courses = sa.Table(
    "course_prerequisite_courses",
    metadata,
    _parent_fk("course_id", "courses"),
    _position(),
    sa.Column(
        "prerequisite_id", sa.String, sa.ForeignKey("courses.id"), nullable=False, index=True
    ),
    sa.UniqueConstraint("course_id", "prerequisite_id"),
)

employees = sa.Table(
    "employees",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role_id", sa.String, sa.ForeignKey("roles.id"), nullable=False, index=True),
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

employee_skills = sa.Table(
    "employee_skills",
    metadata,
    _parent_fk("employee_id", "employees"),
    _position(),
    sa.Column("skill_id", sa.String, sa.ForeignKey("skills.id"), nullable=False, index=True),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("evidence", sa.String, nullable=False),
    sa.UniqueConstraint("employee_id", "skill_id"),
    *_level("level", _INTEGER),
    _one_of("evidence", Evidence),
)

employee_certifications = sa.Table(
    "employee_certifications",
    metadata,
    _parent_fk("employee_id", "employees"),
    _position(),
    sa.Column("name", sa.Text, nullable=False),
)

protected_attributes = sa.Table(
    "protected_attributes",
    metadata,
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

import_runs = sa.Table(
    "import_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("counts", sa.JSON, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
)

#: Every table that holds catalogue content, parents before children.
#: ``import_runs`` is bookkeeping, not content, and is not listed.
CATALOG_TABLES: tuple[sa.Table, ...] = (
    skills,
    skill_aliases,
    roles,
    role_requirements,
    role_tasks,
    role_work_activities,
    role_technologies,
    role_alternate_titles,
    role_interests,
    role_work_styles,
    role_feeders,
    courses,
    course_teaches,
    course_prerequisite_skills,
    course_prerequisite_courses,
    employees,
    employee_skills,
    employee_certifications,
    protected_attributes,
)

# -- stored shortlists (not catalogue content: imports never touch them) -----------------

#: One saved shortlist: what was asked, by which key, and what the ranking said.
#: ``created_by`` names the key without a foreign key, so the row outlives the key.
shortlists = sa.Table(
    "shortlists",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("role_id", sa.String, nullable=False),
    sa.Column("role_title", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(16), nullable=False),
    sa.Column("creator_role", sa.String, nullable=False),
    sa.Column("candidate_limit", sa.Integer, nullable=False),
    sa.Column("filters", sa.JSON, nullable=False),
    sa.Column("considered", sa.Integer, nullable=False),
    sa.Column("certified", sa.Boolean, nullable=False),
    _one_of("creator_role", KeyRole),
    _sqlite_type("candidate_limit", _INTEGER),
    sa.CheckConstraint("candidate_limit >= 1", name="candidate_limit_positive"),
    *_non_negative("considered", _INTEGER),
    *_boolean("certified"),
)

#: One person on a saved shortlist: the candidate as shown when it was saved (``payload``).
#: No foreign key to ``employees``: re-imports rewrite employees, and erasure removes
#: entries explicitly (``recommender.store.shortlists.forget_employee``).
shortlist_entries = sa.Table(
    "shortlist_entries",
    metadata,
    sa.Column(
        "shortlist_id",
        sa.String(32),
        sa.ForeignKey("shortlists.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("employee_id", sa.String, nullable=False, index=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.UniqueConstraint("shortlist_id", "employee_id"),
    _sqlite_type("rank", _INTEGER),
    sa.CheckConstraint("rank >= 1", name="rank_positive"),
)


# -- bookkeeping that outlives imports -----------------------------------------------------

#: Named values the database keeps about itself (``erasure_salt``: the per-database salt of
#: erased ids' digests). Never catalogue content, never personal data.
settings = sa.Table(
    "reskill_settings",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: One row per erased person: a salted SHA-256 of their id, never the id. An import that
#: names a digest here is refused for that person unless they are re-hired explicitly.
erased_employees = sa.Table(
    "erased_employees",
    metadata,
    sa.Column("id_digest", sa.String(64), primary_key=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("tombstone", sa.String(40), nullable=False),
)


# -- aggregate reports about people (fairness audits) --------------------------------------

#: One published aggregate report: who asked, when, and the question (role, scope, mode,
#: selection) as JSON. Its selected people are in ``published_report_members``, so a later
#: report whose selection differs from it by too few people can be refused.
published_reports = sa.Table(
    "published_reports",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("question", sa.JSON, nullable=False),
)

#: Who a published report counted as selected. Personal data: erasure deletes the rows.
published_report_members = sa.Table(
    "published_report_members",
    metadata,
    sa.Column(
        "report_id",
        sa.String(32),
        sa.ForeignKey("published_reports.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("employee_id", sa.String, primary_key=True, index=True),
)


# -- one truth for several workers -----------------------------------------------------------

#: The version of the data every answer depends on: one row (``id`` 1), bumped in the same
#: transaction as every change that matters to answers (an import, an erasure, a key
#: created or revoked). Workers compare it with the version they serve.
data_version = sa.Table(
    "data_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.CheckConstraint("id = 1", name="one_row"),
)

#: Embeddings computed once for every worker: a text's vector under one model, keyed by
#: the SHA-256 of the text (never the text), stored as little-endian float16.
text_vectors = sa.Table(
    "text_vectors",
    metadata,
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("text_hash", sa.String(64), primary_key=True),
    sa.Column("dim", sa.Integer, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)

#: A person's career goal, set through the API (``PUT /v1/employees/{id}/goal``): a role id
#: or a job family, never both. Not part of the catalogue (setting one moves no data
#: version): every opportunities read looks it up. Personal data: erasure deletes the row
#: (``ON DELETE CASCADE`` too). The role is not a foreign key: a goal whose role a later
#: import removes just points nowhere.
employee_goals = sa.Table(
    "employee_goals",
    metadata,
    sa.Column(
        "employee_id",
        sa.String,
        sa.ForeignKey("employees.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("role_id", sa.String, nullable=True),
    sa.Column("job_family", sa.Text, nullable=True),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("set_by", sa.String(16), nullable=False),
    sa.CheckConstraint("(role_id IS NULL) <> (job_family IS NULL)", name="role_or_family"),
)

#: A person's corrections to their own record, made through the API (an employee for
#: themself, talent and admins for anyone): a skill confirmed, removed or declared at a
#: level, or a course or certification they hold (``action`` "hold", ``kind``
#: "certification"); one row per person, kind and item, the latest winning. Kept apart from
#: ``employee_skills`` so an import that rewrites the person keeps them; the catalogue is
#: loaded with them applied (:mod:`recommender.corrections`). Personal data: erasure deletes
#: the rows (``ON DELETE CASCADE`` too). The item is not a foreign key: a correction whose
#: skill or course a later import removes applies to nothing.
employee_corrections = sa.Table(
    "employee_corrections",
    metadata,
    sa.Column(
        "employee_id",
        sa.String,
        sa.ForeignKey("employees.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("item_id", sa.String, primary_key=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("level", sa.Integer, nullable=True),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("set_by", sa.String(16), nullable=False),
)

#: A person's prepared answer (the first page of opportunities, compressed JSON) for one
#: data version and the day its plans start on. Personal data: erasure deletes the rows.
prepared_answers = sa.Table(
    "prepared_answers",
    metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("employee_id", sa.String, primary_key=True, index=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
)

#: A search index built once for a data version and loaded by every worker on it: the
#: people-search graph (``name`` "people": faiss's serialised HNSW over the profile vectors
#: in the candidate index's row order). Holds vectors' codes, never ids or text.
prepared_indexes = sa.Table(
    "prepared_indexes",
    metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
)

#: Preparation of one data version: started, finished (NULL while running or interrupted),
#: and the zlib dictionary its pages are packed with (pages rendered for no one, their
#: ``employee_id`` empty: ``recommender.preparation.page_dictionary``); NULL for plain
#: pages, as prepared before migration 0006.
preparations = sa.Table(
    "preparations",
    metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("people", sa.Integer, nullable=False),
    sa.Column("page_dictionary", sa.LargeBinary, nullable=True),
)


# -- stored academy plans (like shortlists: saved once, read back exactly as saved) ---------

#: One saved academy plan: what was asked (``request``), by which key and role, when, and
#: everything it said that names no person (``summary``: totals, open vacancies, backfill,
#: cohort runs, the selection's impact-ratio audit).
academy_plans = sa.Table(
    "academy_plans",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(16), nullable=False),
    sa.Column("creator_role", sa.String, nullable=False),
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
    _one_of("creator_role", KeyRole),
)

#: One person in a saved plan: the assignment as shown when saved (``payload``). No foreign
#: key to ``employees`` (re-imports rewrite them); erasure removes entries explicitly
#: (``recommender.store.academy.forget_employee``).
academy_plan_entries = sa.Table(
    "academy_plan_entries",
    metadata,
    sa.Column(
        "plan_id",
        sa.String(32),
        sa.ForeignKey("academy_plans.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _position(),
    sa.Column("employee_id", sa.String, nullable=False, index=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.UniqueConstraint("plan_id", "employee_id"),
    _sqlite_type("position", _INTEGER),
    sa.CheckConstraint("position >= 1", name="position_positive"),
)


#: A nomination: a manager (for their own department) or talent (for anyone) nominates a
#: person for a target role, or for the academy (``role_id`` NULL), with a short reason.
#: Personal data: read through the gate (logged), visible to the person, erased with them.
nominations = sa.Table(
    "nominations",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "employee_id",
        sa.String,
        sa.ForeignKey("employees.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("role_id", sa.String, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("nominated_by", sa.String(16), nullable=False),
    sa.Column("nominator_role", sa.String, nullable=False),
    _one_of("nominator_role", KeyRole),
)
