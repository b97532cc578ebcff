"""DELETE /v1/employees/{id}: a person is erased from the database, the log, the cache, the service."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.rendered import pages_of
from api.settings import Settings
from recommender.access import Principal, Role
from recommender.candidates.index import profile_text
from recommender.catalog import Catalog, ProtectedAttributes
from recommender.corrections import Correction, CorrectionAction
from recommender.embeddings import CachedEncoder, EmbeddingCache, HashingEncoder
from recommender.erasure import erase_employee, without_employee
from recommender.errors import UnknownEmployee
from recommender.service import Recommender
from recommender.store import make_engine, save_catalog, schema, upgrade, write_transaction
from recommender.store.access import access_log, api_keys, create_key, log_access
from recommender.store.corrections import write_correction
from recommender.store.erasures import id_digest
from recommender.store.goals import read_goal, set_goal
from recommender.store.shortlists import ShortlistContent, ShortlistEntry, create_shortlist
from tests.api.test_employees import two_people

ROUTE = "DELETE /v1/employees/{employee_id}"

#: Every column that names a person, table by table.
PERSON_COLUMNS = [
    schema.employees.c.id,
    schema.employee_skills.c.employee_id,
    schema.employee_certifications.c.employee_id,
    schema.protected_attributes.c.employee_id,
    api_keys.c.employee_id,
    access_log.c.employee_id,
    schema.shortlist_entries.c.employee_id,
]

#: Every column of every table that can name a person (tables added later included).
ALL_PERSON_COLUMNS = [schema.employees.c.id] + [
    table.c.employee_id for table in schema.metadata.sorted_tables if "employee_id" in table.c
]


def people() -> tuple[Catalog, tuple[ProtectedAttributes, ...]]:
    """E1 and E2 of the employee tests; E2's profile is unique to this run (its own vector)."""
    base = two_people()
    bo = replace(base.employee("E2"), profile=f"Night-shift desk, run {uuid.uuid4().hex}.")
    catalog = Catalog.from_items(
        base.skills.values(), base.roles.values(), base.courses.values(), [base.employee("E1"), bo]
    )
    protected = (
        ProtectedAttributes("E1", "female", "Asian", "40-49"),
        ProtectedAttributes("E2", "male", "White", "30-39"),
    )
    return catalog, protected


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine
    catalog: Catalog

    def key(self, role: Role, employee_id: str | None = None) -> dict[str, str]:
        return {"X-API-Key": create_key(self.engine, role, employee_id=employee_id).token}

    @property
    def service(self) -> Recommender:
        service: Recommender = self.client.app.state.recommender  # type: ignore[attr-defined]
        return service

    def rows_naming(
        self, employee_id: str, columns: list[sa.Column[str]] = PERSON_COLUMNS
    ) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                f"{c.table.name}.{c.name}": int(
                    conn.execute(
                        sa.select(sa.func.count()).select_from(c.table).where(c == employee_id)
                    ).scalar_one()
                )
                for c in columns
            }

    def table(self, table: sa.Table) -> list[tuple[object, ...]]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.select(table))]

    def log(self) -> list[sa.Row[tuple[object, ...]]]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(access_log).order_by(access_log.c.id)))


@contextmanager
def serve(url: str, **settings: object) -> Iterator[Api]:
    """The app (real encoder, warmed) over E1 and E2, both with protected attributes."""
    engine = make_engine(url)
    upgrade(engine)
    catalog, protected = people()
    save_catalog(engine, catalog, protected=protected, kind="org", source="tests")
    try:
        with TestClient(create_app(Settings(database_url=url, **settings))) as client:
            yield Api(client, engine, catalog)
    finally:
        engine.dispose()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serve(f"sqlite:///{tmp_path / 'reskill.db'}") as api:
        yield api


def _store_shortlist(api: Api, key_id: str) -> str:
    content = ShortlistContent(
        "soc-analyst",
        "SOC analyst",
        10,
        {},
        2,
        True,
        (
            ShortlistEntry(1, "E1", {"name": "Ada Example"}),
            ShortlistEntry(2, "E2", {"name": "Bo Example"}),
        ),
    )
    stored = create_shortlist(
        api.engine,
        Principal(key_id, Role.TALENT),
        content,
        route="POST /v1/shortlists",
        request_id="r" * 32,
    )
    return stored.id


def test_erasure_removes_the_person_everywhere_and_leaves_others(database_url: str) -> None:
    with serve(database_url) as api:
        talent, own_key = api.key(Role.TALENT), api.key(Role.EMPLOYEE, "E2")
        for person in ("E2", "E1", "E2"):
            assert api.client.get(f"/v1/employees/{person}", headers=talent).status_code == 200
        shortlist_id = _store_shortlist(api, talent["X-API-Key"].split("_")[1])
        encoder = api.service.encoder
        assert isinstance(encoder, CachedEncoder)
        texts = {e: profile_text(api.catalog, api.catalog.employee(e)) for e in ("E1", "E2")}
        assert (
            len(encoder.cache.get(encoder.name, list(texts.values()))) == 2
        )  # warm-up cached both
        assert all(api.rows_naming("E2").values())

        admin = api.key(Role.ADMIN)
        response = api.client.delete("/v1/employees/E2", headers=admin)

        assert response.status_code == 204 and response.content == b""
        assert response.headers["cache-control"] == "no-store"
        # The database: no row names E2 any more; E1 keeps everything.
        assert set(api.rows_naming("E2", ALL_PERSON_COLUMNS).values()) == {0}
        e1 = api.rows_naming("E1")
        assert e1["protected_attributes.employee_id"] == 1 and e1["shortlist_entries.employee_id"]
        # The access log keeps the history's shape under one tombstone, the erasure included.
        rows = api.log()
        assert not any("E2" in repr(tuple(row)) for row in rows)
        erased = [r for r in rows if r.tombstone is not None]
        assert len(erased) == 2 + 1 + 1  # two reads, the stored shortlist, the erasure
        assert len({r.tombstone for r in erased}) == 1
        last = rows[-1]
        assert (last.action, last.route, last.role) == ("employees.erase", ROUTE, "admin")
        assert last.key_id == admin["X-API-Key"].split("_")[1] and last.employee_id is None
        # The erasure lasts: a salted digest of the id, under the same tombstone, never the id.
        [(digest, _, tombstone)] = api.table(schema.erased_employees)
        [(_, salt)] = api.table(schema.settings)
        assert tombstone == last.tombstone and digest == id_digest(str(salt), "E2")
        assert "E2" not in repr(api.table(schema.erased_employees))
        # The embedding cache: E2's vector is gone, E1's is not.
        assert encoder.cache.get(encoder.name, [texts["E2"]]) == {}
        assert len(encoder.cache.get(encoder.name, [texts["E1"]])) == 1
        # The service: no record, no key, no shortlist place, no opportunities.
        assert api.client.get("/v1/employees/E2", headers=talent).status_code == 404
        assert api.client.get("/v1/employees/E1", headers=talent).status_code == 200
        assert api.client.get("/v1/employees/E2", headers=own_key).status_code == 401
        shortlist = api.service.shortlist("soc-analyst")
        ranked = api.service.candidate_index.employee_ids_
        assert "E2" not in ranked and "E1" in ranked
        assert "E2" not in {c.employee_id for c in shortlist.candidates}
        with pytest.raises(UnknownEmployee):
            api.service.opportunities("E2")
        with api.engine.connect() as conn:
            entries = conn.execute(
                sa.select(schema.shortlist_entries.c.employee_id).where(
                    schema.shortlist_entries.c.shortlist_id == shortlist_id
                )
            ).all()
        assert [e for (e,) in entries] == ["E1"]
        # Once erased, the person is unknown.
        assert api.client.delete("/v1/employees/E2", headers=admin).status_code == 404


def test_an_unknown_person_is_a_404_and_nothing_is_logged(api: Api) -> None:
    before = api.log()
    response = api.client.delete("/v1/employees/E9", headers=api.key(Role.ADMIN))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert api.log() == before


@pytest.mark.parametrize("role", [Role.TALENT, Role.RECRUITER, Role.EMPLOYEE])
def test_only_admins_may_erase_not_even_the_person_themselves(api: Api, role: Role) -> None:
    headers = api.key(role, "E2" if role == Role.EMPLOYEE else None)
    response = api.client.delete("/v1/employees/E2", headers=headers)
    assert response.status_code == 403
    assert "employees.erase" in response.json()["detail"]
    assert api.client.delete("/v1/employees/E2").status_code == 401
    assert api.rows_naming("E2")["employees.id"] == 1
    assert api.client.get("/v1/employees/E2", headers=api.key(Role.TALENT)).status_code == 200


def test_an_erasure_that_fails_half_way_changes_nothing(api: Api) -> None:
    talent = api.key(Role.TALENT)
    assert api.client.get("/v1/employees/E2", headers=talent).status_code == 200
    api.key(Role.EMPLOYEE, "E2")
    kept = [c for c in PERSON_COLUMNS if c.table is not schema.shortlist_entries]
    before = api.rows_naming("E2", kept)
    with api.engine.begin() as conn:  # the last step of the transaction will fail
        conn.execute(sa.text("DROP TABLE shortlist_entries"))
    client = TestClient(api.client.app, raise_server_exceptions=False)
    response = client.delete("/v1/employees/E2", headers=api.key(Role.ADMIN))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert api.rows_naming("E2", kept) == before and all(before.values())
    assert [r.employee_id for r in api.log()] == ["E2"]  # the read, not tombstoned
    assert api.table(schema.erased_employees) == [] and api.table(schema.settings) == []
    assert api.client.get("/v1/employees/E2", headers=talent).status_code == 200


def test_the_receipt_counts_what_was_removed_and_earlier_reads_get_the_tombstone(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'reskill.db'}")
    upgrade(engine)
    catalog, protected = people()
    save_catalog(engine, catalog, protected=protected, kind="org", source="tests")
    create_key(engine, Role.EMPLOYEE, employee_id="E2")
    reader = Principal("talent01", Role.TALENT)
    cache = CachedEncoder(HashingEncoder(32), EmbeddingCache(tmp_path / "vectors"))
    cache.encode([profile_text(catalog, e) for e in catalog.employees.values()])

    def read(person: str) -> None:
        with write_transaction(engine) as conn:
            log_access(
                conn,
                reader,
                action="employees.read",
                route="GET",
                employee_id=person,
                request_id="r1",
            )

    read("E2")
    written = {"action": "goals.write", "route": "PUT", "request_id": "g"}
    set_goal(engine, reader, "E2", role_id=None, job_family="Security", **written)
    fixed = Correction(CorrectionAction.HOLD, "some-course")
    write_correction(engine, reader, "E2", fixed, **{**written, "action": "skills.write"})
    admin = Principal("admin001", Role.ADMIN)
    receipt = erase_employee(
        engine, catalog, "E2", admin, route=ROUTE, request_id="r2", cache=cache
    )
    assert dict(receipt.rows_deleted) == {
        "protected_attributes": 1,
        "employee_skills": 2,
        "employee_certifications": 1,
        "api_keys": 1,
        "employee_goals": 1,
        "employee_corrections": 1,
        "prepared_answers": 0,
        "nominations": 0,
        "academy_plan_entries": 0,
        "employees": 1,
    }
    assert read_goal(engine, "E2") is None
    # The read, the goal's write and the correction's.
    assert receipt.log_rows_tombstoned == 3 and receipt.shortlist_entries_removed == 0
    assert receipt.vectors_purged == 1 and len(cache.cache) == 1  # E1's vector stays
    assert receipt.tombstone.startswith("erased-")
    with engine.connect() as conn:
        marks = conn.execute(sa.select(access_log.c.employee_id, access_log.c.tombstone)).all()
    assert marks == [(None, receipt.tombstone)] * 4  # those three and the erasure itself
    with pytest.raises(UnknownEmployee):
        erase_employee(engine, catalog, "E2", admin, route=ROUTE, request_id="r3")
    engine.dispose()


def test_the_stored_profile_vector_is_purged_even_when_the_served_catalogue_is_stale(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'reskill.db'}")
    upgrade(engine)
    catalog, protected = people()
    save_catalog(engine, catalog, protected=protected, kind="org", source="tests")
    cache = CachedEncoder(HashingEncoder(32), EmbeddingCache(tmp_path / "vectors"))
    cache.encode([catalog.employee("E2").profile])
    stale = without_employee(catalog, "E2")  # e.g. served from before a CLI import
    admin = Principal("admin001", Role.ADMIN)
    receipt = erase_employee(engine, stale, "E2", admin, route=ROUTE, request_id="r", cache=cache)
    assert receipt.rows_deleted["employees"] == 1 and receipt.vectors_purged == 1
    assert len(cache.cache) == 0
    engine.dispose()


def test_prepared_opportunities_of_the_erased_person_go_and_the_others_carry_over(
    tmp_path: Path,
) -> None:
    with serve(f"sqlite:///{tmp_path / 'reskill.db'}", prepare_opportunities=True) as api:
        before = api.service.prepared_opportunities
        assert "E1" in before and "E2" in before
        kept = before.get("E1")
        talent = api.key(Role.TALENT)
        answer = api.client.get("/v1/employees/E1/opportunities", headers=talent).json()

        admin = api.key(Role.ADMIN)
        assert api.client.delete("/v1/employees/E2", headers=admin).status_code == 204

        after = api.service.prepared_opportunities
        assert after is not before and len(after) == 1
        assert "E2" not in after and after.get("E1") == kept
        assert len(pages_of(api.service)) == 1  # the new data's pages, rendered afresh
        assert pages_of(api.service).get("E2", date.today()) is None
        again = api.client.get("/v1/employees/E1/opportunities", headers=talent)
        assert again.status_code == 200 and again.json() == answer


def test_reads_served_from_data_loaded_before_an_erasure_neither_show_nor_log_the_person(
    database_url: str,
) -> None:
    """The app below still serves E2 from memory (the erasure is made straight in the
    database, as by a concurrent request before its swap): every route must answer as if
    E2 were gone, and the access log must not name E2 again."""
    with serve(database_url) as api:
        talent = api.key(Role.TALENT)
        search = {"text": "night-shift service desk", "limit": 10}

        def candidates() -> set[str]:
            answer = api.client.get("/v1/roles/soc-analyst/candidates", headers=talent).json()
            return {c["employee_id"] for c in answer["candidates"]}

        def searched() -> set[str]:
            found = api.client.post("/v1/candidates/search", json=search, headers=talent)
            return {m["employee_id"] for m in found.json()["matches"]}

        assert "E2" in candidates() and "E2" in searched()
        admin = Principal("admin001", Role.ADMIN)
        erase_employee(api.engine, api.catalog, "E2", admin, route=ROUTE, request_id="r")
        assert "E2" in api.service.catalog.employees  # still served from memory

        for path in ("/v1/employees/E2", "/v1/employees/E2/opportunities"):
            assert api.client.get(path, headers=talent).status_code == 404
        pathway = api.client.get(
            "/v1/employees/E2/pathways", params={"target_role": "soc-analyst"}, headers=talent
        )
        assert pathway.status_code == 404
        assert candidates() == {"E1"} and searched() == {"E1"}
        made = api.client.post("/v1/shortlists", json={"role_id": "soc-analyst"}, headers=talent)
        assert made.status_code == 201
        assert {c["employee_id"] for c in made.json()["candidates"]} == {"E1"}
        again = api.client.get(f"/v1/shortlists/{made.json()['id']}", headers=talent).json()
        assert {c["employee_id"] for c in again["candidates"]} == {"E1"}
        assert api.rows_naming("E2")["access_log.employee_id"] == 0
        assert api.rows_naming("E2")["shortlist_entries.employee_id"] == 0
        assert api.client.get("/v1/employees/E1", headers=talent).status_code == 200
