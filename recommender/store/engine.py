"""Engines and migrations: how reskill connects to SQLite or PostgreSQL.

SQLite connections are set up on every connect: WAL journal (readers do not
block the writer), foreign keys on, a busy timeout, and usable from several
threads. pysqlite's own implicit transactions are switched off and SQLAlchemy
emits ``BEGIN`` itself, so every transaction (DDL included) is atomic; write
transactions opened with :func:`write_transaction` take SQLite's write lock
up front (``BEGIN IMMEDIATE``) so they never fail half-way on a lock upgrade.

A long-running server can take SQLite's WAL checkpoints off its request path:
``make_engine(url, background_checkpoints=True)`` raises the automatic checkpoint
threshold far above what a few seconds of writes reach, and a
:class:`WalCheckpointer` thread checkpoints every second instead. An automatic
checkpoint runs inside whichever commit crosses the threshold (1,000 pages by
default: every ~460 access-log commits) and waits for an fsync: 12-80 ms measured
on this project's machine, stalling every request behind it.

Alembic is configured in code (no ``alembic.ini``), so migrations run from an
installed package.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

log = logging.getLogger(__name__)

__all__ = [
    "make_engine",
    "upgrade",
    "current_revision",
    "write_transaction",
    "analyze",
    "DriverStatement",
    "WalCheckpointer",
]

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Automatic checkpoint threshold (pages) when a WalCheckpointer does the work: a safety
#: net only (64 MiB of 4 KiB pages), should the checkpointer stop.
BACKGROUND_AUTOCHECKPOINT_PAGES = 16_384
_MIGRATIONS = "recommender.store:migrations"
_BEGIN_OPTION = "reskill_sqlite_begin"
_BEGIN_STATEMENTS = {"deferred": "BEGIN", "immediate": "BEGIN IMMEDIATE"}


def make_engine(url: str, *, background_checkpoints: bool = False) -> sa.Engine:
    """Create an engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    Parameters
    ----------
    url : str
        A SQLAlchemy database URL.
    background_checkpoints : bool
        SQLite only: leave WAL checkpoints to a :class:`WalCheckpointer` the caller runs
        (commits no longer checkpoint until the WAL holds
        :data:`BACKGROUND_AUTOCHECKPOINT_PAGES` pages).

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
        return _sqlite_engine(parsed, background_checkpoints)
    # A database that cannot be reached fails a connection attempt within seconds (an
    # answer the service turns into 503) instead of leaving the request waiting.
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 5}
    return sa.create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


#: Pooled SQLite connections kept open. Opening one runs four PRAGMAs (WAL among them):
#: under SQLAlchemy's default (5 kept, 10 more opened and closed on demand) the server's
#: request threads opened and closed connections all the time, and a logged person read
#: cost twice the CPU. Idle ones cost a file handle and SQLite's page cache (2 MB at most).
SQLITE_POOL_SIZE = 24


def _sqlite_engine(url: sa.URL, background_checkpoints: bool) -> sa.Engine:
    memory = url.database in (None, "", ":memory:")
    pool = {} if memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **pool,
    )
    sa.event.listen(engine, "connect", _configure_sqlite_connection)
    if background_checkpoints:
        sa.event.listen(engine, "connect", _defer_checkpoints)
    sa.event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _defer_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA wal_autocheckpoint={BACKGROUND_AUTOCHECKPOINT_PAGES}")
    finally:
        cursor.close()


class WalCheckpointer:
    """Checkpoint a SQLite database's WAL from a background thread, every ``interval`` s.

    Each round is a ``PASSIVE`` checkpoint on the thread's own connection: it copies what
    no reader still needs into the database file and never blocks readers or writers; the
    fsync it waits for happens off the request path. Does nothing for other databases.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        Made with ``make_engine(url, background_checkpoints=True)``.
    interval : float
        Seconds between checkpoints.
    restart_frames : int
        WAL length (frames, about 4 KiB each) from which a round also rewinds the WAL.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "db.sqlite"
    >>> engine = make_engine(f"sqlite:///{path}", background_checkpoints=True)
    >>> with WalCheckpointer(engine, interval=0.01) as checkpointer:
    ...     checkpointer.checkpoint() >= 0
    True
    """

    def __init__(
        self, engine: sa.Engine, interval: float = 1.0, restart_frames: int = 4096
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.restart_frames = restart_frames
        self.rounds = 0
        self.restarts = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> WalCheckpointer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self.engine.dialect.name != "sqlite" or self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="reskill-wal-checkpoint", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after a last checkpoint."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._stop.clear()

    def checkpoint(self) -> int:
        """One checkpoint now; returns the WAL's frames copied into the database so far.

        Passive first. Under steady writes a passive checkpoint never finds the WAL idle,
        so the WAL would never start over and would grow to the automatic threshold;
        once it holds :attr:`restart_frames` frames, a ``RESTART`` checkpoint follows:
        it briefly holds writers back while it copies the few frames the passive round
        left and rewinds the WAL.
        """
        with self.engine.connect() as conn:
            _, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            if frames >= self.restart_frames:
                _, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(RESTART)").one()
                self.restarts += 1
        self.rounds += 1
        return int(copied)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._checkpoint_quietly()
        self._checkpoint_quietly()

    def _checkpoint_quietly(self) -> None:
        try:
            self.checkpoint()
        except sa.exc.SQLAlchemyError:  # busy or closing: the next round, or SQLite, catches up
            log.warning("background WAL checkpoint failed", exc_info=True)


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
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn, conn.begin():
            yield conn
        return
    # Threads of this process queue on a lock of their own first: SQLite's busy handler
    # would make them sleep and retry (1, 2, 5, 10 ms ...), which under concurrent logged
    # reads cost more than the writes themselves. Other processes still meet busy_timeout.
    with _write_lock(engine), engine.connect() as conn:
        conn.execution_options(**{_BEGIN_OPTION: "immediate"})
        with conn.begin():
            yield conn


_WRITE_LOCKS: weakref.WeakKeyDictionary[sa.Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def analyze(engine: sa.Engine, tables: Iterable[sa.Table]) -> None:
    """Refresh PostgreSQL's planner statistics of ``tables`` after a bulk write (an import,
    a preparation); nothing on SQLite.

    With stale statistics PostgreSQL took ``model = ? AND text_hash = ANY(?)`` on 100,000
    freshly stored vectors for a scan of the whole table, 40 ms a batch instead of 1.5 ms,
    which made a worker's start 15 s longer (docs/performance.md, "PostgreSQL start: fresh
    planner statistics"). Autovacuum would get there in time, if it is on; a worker started
    right after ``reskill prepare`` should not wait for it.
    """
    if engine.dialect.name != "postgresql":
        return
    names = ", ".join(engine.dialect.identifier_preparer.format_table(t) for t in tables)
    if not names:
        return
    with engine.connect() as conn:
        conn.execute(sa.text(f"ANALYZE {names}"))
        conn.commit()


def _write_lock(engine: sa.Engine) -> threading.RLock:
    """The lock this process's writers to ``engine`` take in turn."""
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = threading.RLock()
        return lock


class DriverStatement:
    """A Core statement compiled once for one engine's driver, run on a pooled DBAPI
    connection without SQLAlchemy's per-execution machinery.

    For the two statements every request runs (the API-key lookup and the access-log
    insert): SQLAlchemy's execution context cost several times the query itself (about
    130 of 160 microseconds for the key lookup on SQLite). The SQL is SQLAlchemy's own
    compilation for the dialect (its parameter style included), and each value passes
    through its column type's bind processor, as SQLAlchemy would pass it. Results are
    raw driver rows: use it only where columns need no result processing (strings).

    Parameters
    ----------
    engine : sqlalchemy.Engine
    statement : sqlalchemy.sql.Executable
        With named bind parameters; for an ``insert()``, ``columns`` names the columns
        the rows give.
    columns : sequence of str, optional
    """

    def __init__(
        self, engine: sa.Engine, statement: Any, columns: Sequence[str] | None = None
    ) -> None:
        dialect = engine.dialect
        compiled = statement.compile(
            dialect=dialect, column_keys=list(columns) if columns is not None else None
        )
        self.engine = engine
        self.sql = str(compiled)
        self._order = list(compiled.positiontup) if compiled.positiontup is not None else None
        self._process = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """``values`` processed and in the driver's parameter style."""
        process = self._process
        ready = {k: process[k](v) if k in process else v for k, v in values.items()}
        return ready if self._order is None else tuple(ready[k] for k in self._order)

    def first(self, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of a query (a plain tuple), or ``None``."""
        params = self.params(values)
        conn = self._checkout()
        try:
            with self._wrapped(params, conn):
                cursor = conn.cursor()
                try:
                    cursor.execute(self.sql, params)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
        finally:
            conn.close()  # back to the pool, which rolls back what a read left open
        return None if row is None else tuple(row)

    def _checkout(self) -> Any:
        """A pooled DBAPI connection (pinged first on PostgreSQL); a failure to connect
        raised as SQLAlchemy's ``OperationalError``, as ``Engine.connect`` raises it."""
        error = self.engine.dialect.loaded_dbapi.Error
        try:
            return self.engine.raw_connection()
        except error as exc:
            raise sa.exc.DBAPIError.instance(None, None, exc, error) from exc

    @contextmanager
    def _wrapped(self, params: Any, conn: Any) -> Iterator[None]:
        """Driver errors raised as SQLAlchemy's, as from ``Connection.execute`` (without the
        parameters in the message: they name people). A connection the error shows to be
        dead is invalidated, so the pool never hands it out again."""
        dialect = self.engine.dialect
        error = dialect.loaded_dbapi.Error
        try:
            yield
        except error as exc:
            lost = dialect.is_disconnect(exc, conn.dbapi_connection, None)
            if lost:
                conn.invalidate(exc)
            raise sa.exc.DBAPIError.instance(
                self.sql, params, exc, error, hide_parameters=True, connection_invalidated=lost
            ) from exc

    def commit_each(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Run the statement once per row, all in one transaction committed when this
        returns (as :func:`write_transaction` would: on SQLite after ``BEGIN IMMEDIATE``, in
        turn with this process's other writers); return each run's row count."""
        if not rows:
            return []
        params = [self.params(r) for r in rows]
        sqlite = self.engine.dialect.name == "sqlite"
        with _write_lock(self.engine) if sqlite else nullcontext():
            conn = self._checkout()
            try:
                with self._wrapped(params, conn):
                    return self._run_each(conn, params, sqlite)
            finally:
                conn.close()  # an invalidated connection is discarded, not pooled

    def _run_each(self, conn: Any, params: list[Any], sqlite: bool) -> list[int]:
        cursor = conn.cursor()
        try:
            # The SQLite driver leaves transactions to us (_configure_sqlite_connection).
            if sqlite:
                cursor.execute(_BEGIN_STATEMENTS["immediate"])
            try:
                counts = []
                for one in params:
                    cursor.execute(self.sql, one)
                    counts.append(cursor.rowcount)
            except BaseException:
                with suppress(Exception):  # a lost connection cannot roll back: it is gone
                    if sqlite:
                        cursor.execute("ROLLBACK")
                    else:
                        conn.rollback()
                raise
            if sqlite:
                cursor.execute("COMMIT")
            else:
                conn.commit()
            return counts
        finally:
            with suppress(Exception):
                cursor.close()


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
    '0007'
    """
    with write_transaction(engine) as conn:
        command.upgrade(_alembic_config(conn), "head")


def current_revision(engine: sa.Engine) -> str | None:
    """The Alembic revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as conn:
        revision: str | None = MigrationContext.configure(conn).get_current_revision()
        return revision
