"""Signed-in web sessions: one row per session in ``web_sessions``; the database is their
only home, so every worker and replica sees a sign-in or a sign-out at once.

A session stands for the API key it was opened with (its row names the key id, never the
key). The browser holds a random 256-bit token; the table holds only its SHA-256, and the
session's CSRF token, which the pages put in every form that changes anything. A session
is valid while its key is active (not revoked, not expired: the same test as every key
lookup) and it has been used within the idle limit; each use moves ``last_seen_at``
(written at most once a minute). Revoking the key or erasing its employee ends its
sessions (``ON DELETE CASCADE`` on the key).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.store.access import api_keys
from recommender.store.engine import write_transaction
from recommender.store.schema import metadata

__all__ = [
    "web_sessions",
    "OpenedSession",
    "SessionRecord",
    "open_session",
    "find_session",
    "close_session",
]

_TOKEN_BYTES = 32
#: ``last_seen_at`` is written at most once per this interval per session.
SEEN_INTERVAL = timedelta(minutes=1)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the browser's token
    sa.Column(
        "key_id",
        sa.String(16),
        sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new session: ``token`` goes to the browser once (a cookie) and is never stored."""

    token: str
    csrf_token: str

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return "OpenedSession(token=<hidden>, csrf_token=<hidden>)"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A valid session: who it stands for and the CSRF token its forms carry."""

    principal: Principal
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def open_session(
    engine: sa.Engine,
    principal: Principal,
    *,
    idle: timedelta | None = None,
    now: datetime | None = None,
) -> OpenedSession:
    """Store a new session for ``principal``'s key and return its tokens; with ``idle``,
    delete every session unused for longer (nobody can use them any more)."""
    now = now or datetime.now(UTC)
    opened = OpenedSession(secrets.token_urlsafe(_TOKEN_BYTES), secrets.token_urlsafe(_TOKEN_BYTES))
    row = {
        "id": _digest(opened.token),
        "key_id": principal.key_id,
        "csrf_token": opened.csrf_token,
        "created_at": now,
        "last_seen_at": now,
    }
    with write_transaction(engine) as conn:
        if idle is not None:
            conn.execute(sa.delete(web_sessions).where(web_sessions.c.last_seen_at < now - idle))
        conn.execute(sa.insert(web_sessions).values(**row))
    return opened


def find_session(
    engine: sa.Engine, token: str, *, idle: timedelta, now: datetime | None = None
) -> SessionRecord | None:
    """The session ``token`` opened, if it was used within ``idle`` and its key is still
    active; ``None`` otherwise (an idle session is deleted)."""
    now = now or datetime.now(UTC)
    digest = _digest(token)
    query = (
        sa.select(
            web_sessions.c.csrf_token,
            web_sessions.c.last_seen_at,
            api_keys.c.id,
            api_keys.c.role,
            api_keys.c.employee_id,
            api_keys.c.department,
            api_keys.c.revoked_at,
            api_keys.c.expires_at,
        )
        .join(api_keys, api_keys.c.id == web_sessions.c.key_id)
        .where(web_sessions.c.id == digest)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    seen = _utc(row.last_seen_at)
    if now - seen > idle:
        close_session(engine, token)
        return None
    if row.revoked_at is not None or (row.expires_at is not None and _utc(row.expires_at) <= now):
        return None
    if now - seen > SEEN_INTERVAL:
        with write_transaction(engine) as conn:
            update = sa.update(web_sessions).where(web_sessions.c.id == digest)
            conn.execute(update.values(last_seen_at=now))
    principal = Principal(row.id, Role(row.role), row.employee_id, row.department)
    return SessionRecord(principal, row.csrf_token)


def close_session(engine: sa.Engine, token: str) -> None:
    """Delete the session ``token`` opened (nothing happens if there is none)."""
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(web_sessions).where(web_sessions.c.id == _digest(token)))
