"""Withdrawing a stored nomination: deleted and logged in one transaction, or neither.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.store import write_transaction
from recommender.store.access import read_access_log
from recommender.store.erasures import forget_person
from recommender.store.nominations import (
    UnknownNomination,
    add_nomination,
    read_nominations,
    withdraw_nomination,
)

TALENT = Principal("talent01", Role.TALENT)
LOGGED = {"action": "nominations.write", "route": "test", "request_id": "r1"}


def _nominate(engine: sa.Engine, person: str = "E1") -> str:
    made = add_nomination(engine, TALENT, person, role_id="nurse", reason="Steady.", **LOGGED)
    return made.id


def _writes(engine: sa.Engine, person: str) -> int:
    rows = read_access_log(engine, employee_id=person, limit=1000)
    return sum(1 for r in rows if r.action == "nominations.write")


def test_a_withdrawal_deletes_the_nomination_and_logs_it_once(engine: sa.Engine) -> None:
    kept, gone = _nominate(engine), _nominate(engine)
    before = _writes(engine, "E1")
    withdrawn = withdraw_nomination(engine, TALENT, gone, may=lambda n: True, **LOGGED)
    assert withdrawn.id == gone and withdrawn.employee_id == "E1"
    assert [n.id for n in read_nominations(engine)["E1"]] == [kept]
    assert _writes(engine, "E1") == before + 1
    with pytest.raises(UnknownNomination):  # withdrawn already: nothing logged again
        withdraw_nomination(engine, TALENT, gone, may=lambda n: True, **LOGGED)
    assert _writes(engine, "E1") == before + 1


def test_a_refused_or_unknown_withdrawal_deletes_and_logs_nothing(engine: sa.Engine) -> None:
    made = _nominate(engine)
    before = _writes(engine, "E1")
    with pytest.raises(UnknownNomination):
        withdraw_nomination(engine, TALENT, made, may=lambda n: False, **LOGGED)
    with pytest.raises(UnknownNomination):
        withdraw_nomination(engine, TALENT, "0" * 32, may=lambda n: True, **LOGGED)
    assert [n.id for n in read_nominations(engine)["E1"]] == [made]
    assert _writes(engine, "E1") == before


def test_an_erased_persons_nomination_cannot_be_withdrawn(engine: sa.Engine) -> None:
    made = _nominate(engine, "E2")
    with write_transaction(engine) as conn:
        forget_person(conn, "E2")
    with pytest.raises(UnknownNomination):
        withdraw_nomination(engine, TALENT, made, may=lambda n: True, **LOGGED)
    assert "E2" not in read_nominations(engine)
