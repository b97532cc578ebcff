"""Smaller prepared pages: a zlib dictionary per preparation.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

A frozen copy of what the schema module added in this release; it must not import it.

* ``preparations.page_dictionary``: the preset zlib dictionary the version's pages in
  ``prepared_answers`` are packed with (``recommender.pages``). NULL for a preparation made
  before this release: its pages are plain zlib and are read as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("preparations") as batch:
        batch.add_column(sa.Column("page_dictionary", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    # Pages packed with a dictionary cannot be read without it: drop them with it.
    op.execute("DELETE FROM prepared_answers")
    op.execute("DELETE FROM preparations")
    with op.batch_alter_table("preparations") as batch:
        batch.drop_column("page_dictionary")
