"""Stored academy plans and their entries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09

A frozen copy of what the schema module added in this release; it must not import it.

* ``academy_plans``: a saved cohort plan, what was asked and everything it says that
  names no person (totals, open vacancies, backfill, cohort runs, the selection's audit).
* ``courses.pricing``: ``per_seat`` (each learner pays the cost) or ``per_cohort`` (the
  cost buys one run a whole cohort attends); existing courses are per seat.
* ``api_keys.department``: the department a ``manager`` key manages (a new role, in
  every role list); ``nominations``: a manager's or talent's nomination of a person for a
  target role (or the academy: no role), with a reason. Personal data: erased with them.
* ``academy_plan_entries``: one row per person in a plan (the assignment as saved).
  Entries cascade with their plan and have no foreign key to ``employees`` (re-imports
  rewrite employees; erasure removes entries explicitly).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_ROLES = "'admin', 'talent', 'recruiter', 'employee', 'auditor'"
_ROLES = "'admin', 'talent', 'recruiter', 'employee', 'auditor', 'manager'"


def _roles(table: str, column: str, constraint: str, roles: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(constraint, type_="check")
        batch.create_check_constraint(constraint, f"{column} IN ({roles})")


def upgrade() -> None:
    _roles("api_keys", "role", "role_known", _ROLES)
    _roles("shortlists", "creator_role", "creator_role_known", _ROLES)
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("department", sa.Text, nullable=True))
        batch.create_check_constraint(
            "manager_key_department", "(role = 'manager') = (department IS NOT NULL)"
        )
    op.create_table(
        "nominations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "employee_id",
            sa.String,
            sa.ForeignKey("employees.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role_id", sa.String, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nominated_by", sa.String(16), nullable=False),
        sa.Column("nominator_role", sa.String, nullable=False),
        sa.CheckConstraint(f"nominator_role IN ({_ROLES})", name="nominator_role_known"),
    )
    op.create_index("ix_nominations_employee_id", "nominations", ["employee_id"])
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("pricing", sa.String, nullable=False, server_default="per_seat"))
        batch.create_check_constraint("pricing_known", "pricing IN ('per_seat', 'per_cohort')")
    op.create_table(
        "academy_plans",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(16), nullable=False),
        sa.Column("creator_role", sa.String, nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.CheckConstraint(f"creator_role IN ({_ROLES})", name="creator_role_known"),
    )
    op.create_table(
        "academy_plan_entries",
        sa.Column(
            "plan_id",
            sa.String(32),
            sa.ForeignKey("academy_plans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("employee_id", sa.String, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.UniqueConstraint("plan_id", "employee_id"),
        sa.CheckConstraint("typeof(position) IN ('integer')", name="position_type").ddl_if(
            dialect="sqlite"
        ),
        sa.CheckConstraint("position >= 1", name="position_positive"),
    )
    op.create_index("ix_academy_plan_entries_employee_id", "academy_plan_entries", ["employee_id"])


def downgrade() -> None:
    op.drop_index("ix_nominations_employee_id", "nominations")
    op.drop_table("nominations")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint("manager_key_department", type_="check")
        batch.drop_column("department")
    _roles("shortlists", "creator_role", "creator_role_known", _OLD_ROLES)
    _roles("api_keys", "role", "role_known", _OLD_ROLES)
    op.drop_index("ix_academy_plan_entries_employee_id", "academy_plan_entries")
    op.drop_table("academy_plan_entries")
    op.drop_table("academy_plans")
    with op.batch_alter_table("courses") as batch:
        batch.drop_constraint("pricing_known", type_="check")
        batch.drop_column("pricing")
