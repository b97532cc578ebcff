"""The database as the service and the command line see it: open it, check a key, keep it tidy.

``api`` and ``recommender.cli`` never import :mod:`recommender.store` or
:mod:`recommender.ingest` themselves (an import-linter contract holds them to it); what they
need of the database comes through here, :mod:`recommender.service` and
:mod:`recommender.gate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from recommender.access import Principal
from recommender.embeddings import VectorCache
from recommender.store import load_protected_attributes, make_engine, upgrade
from recommender.store import sessions as store_sessions
from recommender.store.access import find_principal
from recommender.store.engine import WalCheckpointer
from recommender.store.sessions import OpenedSession, SessionRecord
from recommender.store.vectors import DatabaseEmbeddingCache
from recommender.store.versions import VersionListener, current
from recommender.titles.occupations import TitledOccupation

__all__ = [
    "open_database",
    "migrate",
    "principal_of",
    "WalCheckpointer",
    "onet_titles",
    "load_protected_attributes",
    "data_version",
    "VersionListener",
    "reachable",
    "DatabaseEmbeddingCache",
    "database_vectors",
    "OpenedSession",
    "SessionRecord",
    "open_session",
    "find_session",
    "close_session",
]


def open_database(url: str, *, background_checkpoints: bool = False) -> sa.Engine:
    """An engine for ``url`` (see :func:`recommender.store.make_engine`)."""
    return make_engine(url, background_checkpoints=background_checkpoints)


def migrate(engine: sa.Engine) -> None:
    """Create or migrate the schema to the current revision."""
    upgrade(engine)


def principal_of(engine: sa.Engine, token: str) -> Principal | None:
    """Who a presented API key stands for; ``None`` for an unknown, revoked or expired key."""
    return find_principal(engine, token)


def onet_titles(directory: Path) -> Iterator[TitledOccupation]:
    """O*NET occupations by title, read from the user's O*NET download."""
    from recommender.ingest.onet import load_onet_titles

    yield from load_onet_titles(directory)


def data_version(engine: sa.Engine) -> int:
    """The committed data version (see :mod:`recommender.store.versions`)."""
    return current(engine)


def reachable(engine: sa.Engine) -> bool:
    """Whether the database answers ``SELECT 1`` now (on a pooled connection, pinged)."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1").scalar()
    except sa.exc.SQLAlchemyError:
        return False
    return True


def database_vectors(
    engine: sa.Engine, *, local: VectorCache | None = None
) -> DatabaseEmbeddingCache:
    """The vectors every worker shares, in the database's ``text_vectors``, with ``local``
    (an on-disk cache) as this machine's second tier (see :mod:`recommender.store.vectors`)."""
    return DatabaseEmbeddingCache(engine, local=local)


def open_session(engine: sa.Engine, principal: Principal, *, idle: timedelta) -> OpenedSession:
    """Store a new signed-in web session for ``principal``'s key (and delete every session
    unused for longer than ``idle``)."""
    return store_sessions.open_session(engine, principal, idle=idle)


def find_session(engine: sa.Engine, token: str, *, idle: timedelta) -> SessionRecord | None:
    """The web session ``token`` opened, if still valid (used within ``idle``, key active)."""
    return store_sessions.find_session(engine, token, idle=idle)


def close_session(engine: sa.Engine, token: str) -> None:
    """Sign a web session out (delete it)."""
    store_sessions.close_session(engine, token)
