"""Trust: key expiry, the auditor role, report details in the access log, erasure tombstones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

A frozen copy of what the schema modules added in this release; it must not import them.

* ``api_keys.expires_at``: a key may expire; ``role`` may be ``auditor``.
* ``shortlists.creator_role`` may be ``auditor`` (the same role list everywhere).
* ``access_log.detail``: what an aggregate report was asked (role, scope, mode); never a person.
* ``reskill_settings``: named values (the erasure salt).
* ``erased_employees``: salted digests of erased ids, so no import brings a person back.
* ``published_reports`` and ``published_report_members``: aggregate reports given out and
  whom each counted as selected (so a report that differs from an earlier one by too few
  people can be refused).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_ROLES = "'admin', 'talent', 'recruiter', 'employee'"
_ROLES = "'admin', 'talent', 'recruiter', 'employee', 'auditor'"


def _roles(table: str, column: str, constraint: str, roles: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(constraint, type_="check")
        batch.create_check_constraint(constraint, f"{column} IN ({roles})")


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    _roles("api_keys", "role", "role_known", _ROLES)
    _roles("shortlists", "creator_role", "creator_role_known", _ROLES)
    with op.batch_alter_table("access_log") as batch:
        batch.add_column(sa.Column("detail", sa.Text, nullable=True))
    op.create_table(
        "reskill_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "erased_employees",
        sa.Column("id_digest", sa.String(64), primary_key=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tombstone", sa.String(40), nullable=False),
    )
    op.create_table(
        "published_reports",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("question", sa.JSON, nullable=False),
    )
    op.create_table(
        "published_report_members",
        sa.Column(
            "report_id",
            sa.String(32),
            sa.ForeignKey("published_reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("employee_id", sa.String, primary_key=True),
    )
    op.create_index(
        "ix_published_report_members_employee_id", "published_report_members", ["employee_id"]
    )


def downgrade() -> None:
    op.drop_table("published_report_members")
    op.drop_table("published_reports")
    op.drop_table("erased_employees")
    op.drop_table("reskill_settings")
    with op.batch_alter_table("access_log") as batch:
        batch.drop_column("detail")
    _roles("shortlists", "creator_role", "creator_role_known", _OLD_ROLES)
    _roles("api_keys", "role", "role_known", _OLD_ROLES)
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
