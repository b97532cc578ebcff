"""Stored shortlists and their entries.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-01

A frozen copy of ``recommender.store.schema``'s shortlist tables as first released; it
must not import that module (which will move on). Entries cascade with their shortlist
and have no foreign key to ``employees`` (re-imports rewrite employees; erasure removes
entries explicitly).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES = "'admin', 'talent', 'recruiter', 'employee'"
_INTEGER = ("integer",)


def _sqlite_type(column: str, types: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{t}'" for t in types)
    check = sa.CheckConstraint(f"typeof({column}) IN ({listed})", name=f"{column}_type")
    return check.ddl_if(dialect="sqlite")


def _create_shortlists() -> None:
    op.create_table(
        "shortlists",
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
        sa.CheckConstraint(f"creator_role IN ({_ROLES})", name="creator_role_known"),
        _sqlite_type("candidate_limit", _INTEGER),
        sa.CheckConstraint("candidate_limit >= 1", name="candidate_limit_positive"),
        _sqlite_type("considered", _INTEGER),
        sa.CheckConstraint("considered >= 0", name="considered_non_negative"),
        _sqlite_type("certified", _INTEGER),
        sa.CheckConstraint("certified IN (0, 1)", name="certified_bool").ddl_if(dialect="sqlite"),
    )


def _create_entries() -> None:
    op.create_table(
        "shortlist_entries",
        sa.Column(
            "shortlist_id",
            sa.String(32),
            sa.ForeignKey("shortlists.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("employee_id", sa.String, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.UniqueConstraint("shortlist_id", "employee_id"),
        _sqlite_type("rank", _INTEGER),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
    )
    op.create_index("ix_shortlist_entries_employee_id", "shortlist_entries", ["employee_id"])


def upgrade() -> None:
    _create_shortlists()
    _create_entries()


def downgrade() -> None:
    op.drop_table("shortlist_entries")
    op.drop_table("shortlists")
