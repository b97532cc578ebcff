"""Engines and migrations: how reskill connects to SQLite or PostgreSQL.

SQLite connections are set up on every connect: WAL journal (readers do not
block the writer), foreign keys on, a busy timeout, and usable from several
threads. pysqlite's own implicit transactions are switched off and SQLAlchemy
emits ``BEGIN`` itself, so every transaction (DDL included) is atomic; write
transactions opened with :func:`write_transaction` take SQLite's write lock
up front (``BEGIN IMMEDIATE``) so they never fail half-way on a lock upgrade.

Alembic is configured in code (no ``alembic.ini``), so migrations run from an
installed package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

__all__ = ["make_engine", "upgrade", "current_revision", "write_transaction"]

SQLITE_BUSY_TIMEOUT_MS = 30_000
_MIGRATIONS = "recommender.store:migrations"
_BEGIN_OPTION = "reskill_sqlite_begin"
_BEGIN_STATEMENTS = {"deferred": "BEGIN", "immediate": "BEGIN IMMEDIATE"}


def make_engine(url: str) -> sa.Engine:
    """Create an engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    Parameters
    ----------
    url : str
        A SQLAlchemy database URL.

    Returns
    -------
    sqlalchemy.Engine
        For SQLite: WAL, ``foreign_keys=ON`` and ``busy_timeout`` on every
        connection, shareable across threads. For PostgreSQL: ``pool_pre_ping``.

    Examples
    --------
    >>> engine = make_engine("sqlite://")
    >>> with engine.connect() as conn:
    ...     conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
    1
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return sa.create_engine(parsed, pool_pre_ping=True)


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    sa.event.listen(engine, "connect", _configure_sqlite_connection)
    sa.event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Stop pysqlite from issuing BEGIN itself (it delays it until the first
    # INSERT and never wraps DDL); _begin_sqlite_transaction issues it instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
    finally:
        cursor.close()


def _begin_sqlite_transaction(conn: sa.Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "deferred")
    conn.exec_driver_sql(_BEGIN_STATEMENTS[mode])


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one transaction that commits on success, rolls back on error.

    On SQLite the transaction takes the write lock at once (``BEGIN IMMEDIATE``),
    so what it reads cannot change before it writes.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(**{_BEGIN_OPTION: "immediate"})
        with conn.begin():
            yield conn


def _alembic_config(conn: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", _MIGRATIONS)
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = conn
    return config


def upgrade(engine: sa.Engine) -> None:
    """Bring the database to the newest schema; does nothing when it is already there.

    Examples
    --------
    >>> engine = make_engine("sqlite://")
    >>> upgrade(engine); upgrade(engine)
    >>> current_revision(engine)
    '0003'
    """
    with write_transaction(engine) as conn:
        command.upgrade(_alembic_config(conn), "head")


def current_revision(engine: sa.Engine) -> str | None:
    """The Alembic revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as conn:
        revision: str | None = MigrationContext.configure(conn).get_current_revision()
        return revision
