"""Corrections people make to their own skills and certifications.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

A frozen copy of what the schema module added in this release; it must not import it.

* ``employee_corrections``: a skill confirmed, removed or declared at a level, or a course
  held, by person, kind and item; who made it and when. Applied when the catalogue is
  loaded; kept by imports; deleted with the person.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employee_corrections",
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


def downgrade() -> None:
    op.drop_table("employee_corrections")
