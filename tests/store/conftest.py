"""Shared fixtures of the storage tests (each runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from recommender.store import make_engine, save_catalog, upgrade
from tests.store.test_repository import PROTECTED, full_catalog


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """A migrated database holding :func:`full_catalog` (a module may define its own)."""
    engine = make_engine(database_url)
    upgrade(engine)
    save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source="a")
    yield engine
    engine.dispose()
