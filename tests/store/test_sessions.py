"""Signed-in web sessions live in the database: any worker sees a sign-in or sign-out, an
idle session ends, and revoking the key (or erasing its employee) ends its sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.store import make_engine, upgrade
from recommender.store.access import create_key, find_principal, revoke_key
from recommender.store.sessions import close_session, find_session, open_session, web_sessions

IDLE = timedelta(minutes=30)


def _signed_in(url: str) -> tuple[sa.Engine, Principal, str, str]:
    engine = make_engine(url)
    upgrade(engine)
    token = create_key(engine, Role.TALENT).token
    principal = find_principal(engine, token)
    assert principal is not None
    opened = open_session(engine, principal)
    return engine, principal, opened.token, opened.csrf_token


def test_a_session_stands_for_its_key_and_stores_only_a_digest(database_url: str) -> None:
    engine, principal, token, csrf = _signed_in(database_url)
    found = find_session(engine, token, idle=IDLE)
    assert found is not None and found.principal == principal and found.csrf_token == csrf
    with engine.connect() as conn:
        ids = conn.execute(sa.select(web_sessions.c.id)).scalars().all()
    assert token not in ids and len(ids) == 1
    assert find_session(engine, token + "x", idle=IDLE) is None


def test_an_idle_session_ends_and_a_used_one_goes_on(database_url: str) -> None:
    engine, _, token, _ = _signed_in(database_url)
    later = datetime.now(UTC) + timedelta(minutes=20)
    assert find_session(engine, token, idle=IDLE, now=later) is not None
    assert find_session(engine, token, idle=IDLE, now=later + timedelta(minutes=20)) is not None
    assert find_session(engine, token, idle=IDLE, now=later + timedelta(minutes=51)) is None
    assert find_session(engine, token, idle=IDLE) is None  # deleted, not just refused


def test_signing_out_or_revoking_the_key_ends_the_session(database_url: str) -> None:
    engine, principal, token, _ = _signed_in(database_url)
    revoke_key(engine, principal.key_id)
    assert find_session(engine, token, idle=IDLE) is None
    engine, _, token, _ = _signed_in(database_url)
    close_session(engine, token)
    assert find_session(engine, token, idle=IDLE) is None


def test_opening_a_session_deletes_the_long_idle_ones(database_url: str) -> None:
    engine, principal, token, _ = _signed_in(database_url)
    later = datetime.now(UTC) + timedelta(hours=1)
    fresh = open_session(engine, principal, idle=IDLE, now=later)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar() == 1
    assert find_session(engine, fresh.token, idle=IDLE, now=later) is not None


def test_a_managers_session_keeps_the_department_the_key_is_bound_to(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    token = create_key(engine, Role.MANAGER, department="Nursing Services").token
    principal = find_principal(engine, token)
    assert principal is not None
    opened = open_session(engine, principal)
    found = find_session(engine, opened.token, idle=IDLE)
    assert found is not None and found.principal == principal
    assert found.principal.within("nursing services") and not found.principal.within("IT")
