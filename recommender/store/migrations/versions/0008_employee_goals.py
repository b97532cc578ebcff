"""Career goals people set through the API.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

A frozen copy of what the schema module added in this release; it must not import it.

* ``employee_goals``: a person's goal, a role id or a job family (never both), who set it
  and when. Read with every opportunities question; deleted with the person.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employee_goals",
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


def downgrade() -> None:
    op.drop_table("employee_goals")
