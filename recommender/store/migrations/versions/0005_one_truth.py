"""One truth for several workers: the data version, shared vectors, prepared answers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

A frozen copy of what the schema module added in this release; it must not import it.

* ``data_version``: one row, bumped with every change that matters to answers.
* ``text_vectors``: embeddings computed once for every worker (float16, keyed by model
  and text hash).
* ``prepared_answers`` and ``preparations``: answers prepared once per data version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    version = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.CheckConstraint("id = 1", name="one_row"),
    )
    op.bulk_insert(
        version, [{"id": 1, "version": 1, "changed_at": datetime.now(UTC), "reason": "created"}]
    )
    op.create_table(
        "text_vectors",
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("text_hash", sa.String(64), primary_key=True),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "prepared_answers",
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("employee_id", sa.String, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_prepared_answers_employee_id", "prepared_answers", ["employee_id"])
    op.create_table(
        "preparations",
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("people", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("preparations")
    op.drop_table("prepared_answers")
    op.drop_table("text_vectors")
    op.drop_table("data_version")
