"""The hard-to-fill view through the gate: only hard-to-fill roles by default, and "within
reach" is exactly whom the candidates route returns under the same hours limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.candidates import ShortlistFilter
from recommender.embeddings import HashingEncoder
from recommender.errors import Forbidden
from recommender.gate import Gate
from recommender.ingest.tables import read_org_tables
from recommender.service import Recommender
from recommender.store import make_engine, save_catalog, upgrade
from tests.conftest import DATA_DIR

HOURS = 200.0
EVERYONE = 100_000  # a limit no role's shortlist reaches


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demand') / 'reskill.db'}")
    upgrade(engine)
    data = read_org_tables(DATA_DIR)
    save_catalog(engine, data.catalog, protected=data.protected, kind="org", source="tests")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def service(engine: sa.Engine) -> Recommender:
    return Recommender.from_engine(engine, encoder=HashingEncoder(64))


def _gate(service: Recommender, role: Role = Role.ADMIN) -> Gate:
    return service.for_principal(Principal("k", role), route="test", request_id="r")


def test_the_view_lists_only_hard_to_fill_roles_unless_asked(service: Recommender) -> None:
    rows = _gate(service).hard_to_fill(HOURS)
    hard = {r.id for r in service.roles() if r.hard_to_fill}
    assert {r.role_id for r in rows} == hard
    assert "registered-nurse" not in hard  # the role the old view led with
    everything = _gate(service).hard_to_fill(HOURS, all_roles=True)
    assert "registered-nurse" in {r.role_id for r in everything}
    keys = [(-r.open_positions, -(r.median_days_to_fill or 0), r.within_reach) for r in rows]
    assert keys == sorted(keys)


def test_within_reach_counts_exactly_whom_the_candidates_route_returns(
    service: Recommender,
) -> None:
    gate = _gate(service)
    rows = gate.hard_to_fill(HOURS)
    assert sum(r.within_reach for r in rows) > 0
    for row in rows:
        listed = gate.candidates(row.role_id, EVERYONE, ShortlistFilter(max_hours=HOURS))
        assert listed.certified
        assert row.within_reach == len(listed.candidates), row.role_id
        ready = [c for c in listed.candidates if c.readiness >= 1.0]
        assert row.ready_now == len(ready), row.role_id
        assert all(c.hours_to_ready <= HOURS for c in listed.candidates)


def test_someone_erased_is_never_counted(engine: sa.Engine, tmp_path: Path) -> None:
    # A service of its own: the erasure below must not reach the module's.
    service = Recommender.from_engine(engine, encoder=HashingEncoder(64))
    gate = _gate(service)
    row = next(r for r in gate.hard_to_fill(HOURS) if r.within_reach > 0)
    listed = gate.candidates(row.role_id, EVERYONE, ShortlistFilter(max_hours=HOURS))
    gate.erase(listed.candidates[0].employee_id)  # the database forgets; `service` does not
    again = {r.role_id: r for r in gate.hard_to_fill(HOURS)}[row.role_id]
    assert again.within_reach == row.within_reach - 1
    after = gate.candidates(row.role_id, EVERYONE, ShortlistFilter(max_hours=HOURS))
    assert len(after.candidates) == again.within_reach


def test_only_talent_and_admins_see_the_view(service: Recommender) -> None:
    assert _gate(service, Role.TALENT).hard_to_fill(HOURS)
    for role in (Role.RECRUITER, Role.AUDITOR):
        with pytest.raises(Forbidden):
            _gate(service, role).hard_to_fill(HOURS)
