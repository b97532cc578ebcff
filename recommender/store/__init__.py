"""Persistence of the catalogue in SQL: SQLite by default, PostgreSQL in production.

>>> from recommender.store import make_engine, upgrade, save_catalog, load_catalog
"""

from recommender.store import (
    access,  # noqa: F401 - registers api_keys and access_log
    sessions,  # noqa: F401 - registers web_sessions
)
from recommender.store.engine import current_revision, make_engine, upgrade, write_transaction
from recommender.store.repository import (
    SaveResult,
    TableCounts,
    content_fingerprint,
    counts,
    delete_employee,
    entity_counts,
    load_catalog,
    load_protected_attributes,
    load_versioned_catalog,
    save_catalog,
)

__all__ = [
    "make_engine",
    "upgrade",
    "current_revision",
    "write_transaction",
    "SaveResult",
    "TableCounts",
    "save_catalog",
    "load_catalog",
    "load_versioned_catalog",
    "load_protected_attributes",
    "content_fingerprint",
    "delete_employee",
    "entity_counts",
    "counts",
]
