"""API keys and the access log.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01

A frozen copy of ``recommender.store.access``'s tables as first released; it
must not import that module (which will move on).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES = "'admin', 'talent', 'recruiter', 'employee'"


def _create_api_keys() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column(
            "employee_id",
            sa.String,
            sa.ForeignKey("employees.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("label", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"role IN ({_ROLES})", name="role_known"),
        sa.CheckConstraint(
            "(role = 'employee') = (employee_id IS NOT NULL)", name="employee_key_owner"
        ),
    )
    op.create_index("ix_api_keys_employee_id", "api_keys", ["employee_id"])


def _create_access_log() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("route", sa.Text, nullable=False),
        sa.Column("employee_id", sa.String, nullable=True),
        sa.Column("tombstone", sa.String(40), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.CheckConstraint(
            "employee_id IS NULL OR tombstone IS NULL", name="employee_or_tombstone"
        ),
    )
    op.create_index("ix_access_log_employee_id", "access_log", ["employee_id"])


def upgrade() -> None:
    _create_api_keys()
    _create_access_log()


def downgrade() -> None:
    op.drop_table("access_log")
    op.drop_table("api_keys")
