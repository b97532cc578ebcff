"""Indexes prepared once per data version: the people-search graph.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

A frozen copy of what the schema module added in this release; it must not import it.

* ``prepared_indexes``: a search index built once for a data version (the HNSW graph over
  the profile vectors, serialised by faiss), which every worker starting on that version
  loads instead of building (10-20 s at 100,000 people on two cores).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prepared_indexes",
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("prepared_indexes")
