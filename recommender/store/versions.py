"""The data version: one number that moves with every change that matters to answers.

Each worker process serves a snapshot of the database loaded at one version and
follows the version as it moves (:mod:`api.watch`). Every write that changes what the
service must answer (an import, an erasure, a key created or revoked) calls
:func:`bump` inside its own transaction, so the new version commits (or rolls back) with
the change it stands for and no reader ever sees one without the other.

:func:`bump` is one ``UPDATE data_version SET version = version + 1 ... RETURNING``: the
row lock it takes queues concurrent writers, each of which then increments the version
the previous one committed (no bump is lost, no two writers get the same number). On
PostgreSQL it also sends ``NOTIFY reskill_data_version, '<version>'`` in the same
transaction; PostgreSQL delivers it at commit, and never for a rolled-back transaction.
A :class:`VersionListener` receives those as a hint; readers still :func:`current` the
version itself (a notification may be lost with a connection, or dropped by a pooler).

Examples
--------
>>> from recommender.store import make_engine, upgrade
>>> engine = make_engine("sqlite://")
>>> upgrade(engine)
>>> current(engine)
1
>>> with engine.begin() as conn:
...     bump(conn, "an example")
2
>>> current(engine)
2
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from recommender.store.schema import data_version

__all__ = ["CHANNEL", "bump", "current", "VersionListener"]

log = logging.getLogger(__name__)

#: The PostgreSQL notification channel :func:`bump` notifies on (payload: the new version).
CHANNEL = "reskill_data_version"
#: Longest reason kept (a reason is a short label such as ``"import org"``, never data).
MAX_REASON = 200

_BUMP = (
    sa.update(data_version)
    .where(data_version.c.id == 1)
    .values(
        version=data_version.c.version + 1,
        changed_at=sa.bindparam("changed_at"),
        reason=sa.bindparam("reason"),
    )
    .returning(data_version.c.version)
)
_CURRENT = sa.select(data_version.c.version).where(data_version.c.id == 1)
_NOTIFY = sa.text("SELECT pg_notify(:channel, :payload)")
Sleep = Callable[[float], object]


def bump(conn: sa.Connection, reason: str) -> int:
    """Increment the data version in ``conn``'s transaction; return the new version.

    Call it inside the transaction that makes the change (it commits or rolls back with
    it). On PostgreSQL the transaction holds the version row's lock from here to its
    commit, so call it late in a long transaction; concurrent writers queue on it.

    Parameters
    ----------
    conn : sqlalchemy.Connection
        Inside a write transaction.
    reason : str
        What changed, for whoever reads the row (``"import org"``, ``"erasure"``): never
        an id or a name.

    Raises
    ------
    LookupError
        The ``data_version`` row is missing (the database was not migrated).
    """
    now = datetime.now(UTC)
    version = conn.execute(_BUMP, {"changed_at": now, "reason": reason[:MAX_REASON]}).scalar()
    if version is None:
        raise LookupError("no data_version row: migrate the database (reskill init)")
    if conn.dialect.name == "postgresql":
        conn.execute(_NOTIFY, {"channel": CHANNEL, "payload": str(version)})
    return int(version)


def current(bind: sa.Engine | sa.Connection) -> int:
    """The committed data version (inside a transaction: the version its snapshot sees)."""
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            return _read(conn)
    return _read(bind)


def _read(conn: sa.Connection) -> int:
    version = conn.execute(_CURRENT).scalar()
    if version is None:
        raise LookupError("no data_version row: migrate the database (reskill init)")
    return int(version)


class VersionListener:
    """``LISTEN`` for new versions on a dedicated PostgreSQL connection (a hint only).

    :meth:`wait` blocks until a notification arrives or ``timeout`` passes. On SQLite (and
    any database without notifications) it just sleeps: callers poll :func:`current`
    anyway. The connection is opened on first use and again after it is lost; while it
    cannot be opened, :meth:`wait` raises (the caller backs off and polls).

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database to listen to; its URL gives the connection parameters.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.enabled = engine.dialect.name == "postgresql"
        self._conn: Any = None

    def wait(self, timeout: float, sleep: Sleep | None = None) -> int | None:
        """The newest version notified within ``timeout`` seconds, or ``None``.

        ``sleep(seconds)`` is called instead where nothing can be listened to (default
        :func:`time.sleep`); pass an event's ``wait`` to be woken early.
        """
        if not self.enabled:
            _sleep(timeout, sleep)
            return None
        conn = self._connection()
        newest: int | None = None
        try:
            for notify in conn.notifies(timeout=timeout, stop_after=1):
                newest = _payload(notify.payload, newest)
            # Anything else already delivered, without waiting again.
            for notify in conn.notifies(timeout=0):
                newest = _payload(notify.payload, newest)
        except Exception:
            self.close()  # lost: the next wait opens a new one
            raise
        return newest

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg

            url = self.engine.url.set(drivername="postgresql")
            conn = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
            )
            conn.execute(f"LISTEN {CHANNEL}")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the listening connection (it reopens on the next :meth:`wait`)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - already broken: nothing left to close
                log.debug("closing the LISTEN connection failed", exc_info=True)


def _payload(text: str, newest: int | None) -> int | None:
    try:
        version = int(text)
    except ValueError:
        return newest
    return version if newest is None else max(newest, version)


def _sleep(seconds: float, sleep: Sleep | None) -> None:
    if sleep is None:
        import time

        time.sleep(seconds)
    else:
        sleep(seconds)
