"""Declared career paths: the roles an organisation recruits or promotes into a role from.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

A frozen copy of what the schema module added in this release; it must not import it.

* ``role_feeders``: one row per feeder role of a role (``feeder_roles`` in roles.csv), in
  the order the file lists them; both ends are roles (deleting either deletes the row).
  Roles stored before it have none.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "role_feeders",
        sa.Column(
            "role_id",
            sa.String,
            sa.ForeignKey("roles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(
            "feeder_id",
            sa.String,
            sa.ForeignKey("roles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.UniqueConstraint("role_id", "feeder_id"),
    )
    op.create_index("ix_role_feeders_feeder_id", "role_feeders", ["feeder_id"])


def downgrade() -> None:
    op.drop_index("ix_role_feeders_feeder_id", table_name="role_feeders")
    op.drop_table("role_feeders")
