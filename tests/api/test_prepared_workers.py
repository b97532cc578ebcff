"""Workers read what was prepared: a worker starting on a prepared data version loads its
vectors and first pages instead of computing them; on an unprepared one, only the worker
holding the version's lock prepares it, and the others load what it stored.

Each worker is the app as ``reskill serve`` runs it (its lifespan, preparation on), over a
small generated organisation, with a fast encoder whose vectors live in the database (the
real model: ``tests/cli/test_prepare.py``). Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.rendered import pages_of
from api.settings import Settings
from api.watch import VersionWatcher
from recommender import vector_search
from recommender.access import Role
from recommender.candidates import CandidateIndex
from recommender.candidates.index import profile_text
from recommender.candidates.shortlist import LONGEST_SHORTLIST, hard_to_fill_roles
from recommender.embeddings import CachedEncoder, EmbeddingCache, HashingEncoder
from recommender.pages import unpack
from recommender.preparation import (
    claim,
    is_prepared,
    prepare,
    prepared_dictionary,
    prepared_people_graph,
)
from recommender.service import Recommender
from recommender.store import schema
from recommender.store.access import create_key, read_access_log
from recommender.store.vectors import DatabaseEmbeddingCache, text_hash
from recommender.store.versions import current
from tests.small_org import hashing_service, loaded, small_org

LOG = "uvicorn.error.reskill"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_org(tmp_path_factory.mktemp("org"), n=40)


@pytest.fixture
def engine(database_url: str, org: Path) -> Iterator[sa.Engine]:
    with loaded(database_url, org) as engine:
        yield engine


@contextmanager
def worker(engine: sa.Engine, **settings: object) -> Iterator[TestClient]:
    """One worker starting on the database's current data version."""
    chosen = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "prepare_opportunities": True,
        "prepare_processes": 1,
        "embeddings": False,  # the Recommender below brings its own encoder
        "version_poll_seconds": 0,  # the tests call the watcher's check themselves
        **settings,
    }
    app = create_app(Settings(**chosen), recommender=hashing_service(engine))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


def served(client: TestClient) -> Recommender:
    service: Recommender = client.app.state.recommender  # type: ignore[attr-defined]
    return service


def encoded(service: Recommender) -> int:
    assert isinstance(service.encoder, CachedEncoder)
    return service.encoder.misses


def prepare_now(engine: sa.Engine) -> int:
    """What ``reskill prepare`` does; returns the people prepared."""
    service = hashing_service(engine)
    assert service.data_version is not None
    with claim(engine, service.data_version) as mine:
        assert mine
        return prepare(engine, service, processes=1).people


def stored_page(engine: sa.Engine, employee_id: str) -> bytes:
    table = schema.prepared_answers
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(table.c.version, table.c.body).where(table.c.employee_id == employee_id)
        ).one()
    return unpack(bytes(row.body), prepared_dictionary(engine, row.version))


def test_a_worker_started_on_a_prepared_version_loads_it_and_computes_nothing(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    talent = {"X-API-Key": create_key(engine, Role.TALENT).token}  # keys bump the version
    people = prepare_now(engine)
    caplog.set_level(logging.INFO, logger=LOG)
    with worker(engine) as client:
        service = served(client)
        assert encoded(service) == 0  # every vector came from the database
        assert len(service.prepared_opportunities) == 0  # no answer prepared here
        assert len(pages_of(service)) == people
        dictionary = prepared_dictionary(engine, current(engine))
        assert dictionary is not None and pages_of(service).dictionary == dictionary
        for person in CandidateIndex.eligible_ids(service.catalog)[3::9]:
            response = client.get(f"/v1/employees/{person}/opportunities", headers=talent)
            assert response.status_code == 200
            assert response.content == stored_page(engine, person)  # the stored bytes
    said = caplog.text
    assert f"opportunity pages loaded for {people} people" in said
    assert "texts encoded here: 0" in said
    assert "opportunities ready for" not in said and "preparing" not in said


def test_a_worker_on_a_prepared_version_answers_hard_to_fill_shortlists_from_stored_plans(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    talent = {"X-API-Key": create_key(engine, Role.TALENT).token}
    prepare_now(engine)
    caplog.set_level(logging.INFO, logger=LOG)
    with worker(engine) as client:
        assert "shortlist plans of the hard-to-fill roles loaded" in caplog.text
        index = served(client).candidate_index
        adopted = len(index.plans_)
        assert adopted > 0
        afresh = hashing_service(engine)  # plans everything itself
        for role_id in hard_to_fill_roles(afresh.catalog):
            url = f"/v1/roles/{role_id}/candidates"
            answer = client.get(url, params={"limit": LONGEST_SHORTLIST}, headers=talent)
            assert answer.status_code == 200
            ids = [c["employee_id"] for c in answer.json()["candidates"]]
            expected = afresh.shortlist(role_id, LONGEST_SHORTLIST).candidates
            assert ids == [c.employee_id for c in expected], role_id
        assert len(index.plans_) == adopted  # nobody planned again


def test_a_worker_keeps_only_its_page_budget_and_reads_the_other_pages_from_the_database(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    talent = {"X-API-Key": create_key(engine, Role.TALENT).token}
    people = prepare_now(engine)
    version = current(engine)
    sizes = {e: len(page) for e, page in stored_bodies(engine, version).items()}
    budget = sum(sorted(sizes.values())[: people // 4])  # about a quarter of them fit
    caplog.set_level(logging.INFO, logger=LOG)
    with worker(engine, page_cache_mb=budget / 2**20) as client:
        service = served(client)
        pages = pages_of(service)
        assert 0 < len(pages) < people
        assert pages.nbytes() - len(pages.dictionary or b"") <= budget
        asked = CandidateIndex.eligible_ids(service.catalog)
        assert len(asked) == people
        for _ in range(2):  # every page twice: each read (again) from the database once dropped
            for person in asked:
                response = client.get(f"/v1/employees/{person}/opportunities", headers=talent)
                assert response.status_code == 200
                assert response.content == stored_page(engine, person)  # the stored bytes
                assert pages.nbytes() - len(pages.dictionary or b"") <= budget
        assert pages.reads >= people  # the pages not kept were read, not planned again
        assert len(service.prepared_opportunities) == 0  # nothing planned here
    said = caplog.text
    assert "the others are read from the database when asked" in said
    assert "opportunities ready for" not in said and "preparing" not in said


@pytest.mark.parametrize("kept", ["one page", "none"])
def test_a_page_read_from_the_database_is_logged_refused_and_goal_checked_like_a_kept_one(
    engine: sa.Engine, kept: str
) -> None:
    prepare_now(engine)
    largest = max(len(b) for b in stored_bodies(engine, current(engine)).values())
    budget = 1.5 * largest if kept == "one page" else 0  # one page fits at a time, or none
    with worker(engine, page_cache_mb=budget / 2**20) as client:
        service = served(client)
        pages = pages_of(service)
        today = date.today()
        people = CandidateIndex.eligible_ids(service.catalog)
        first, second, third = [e for e in people if not pages.has(e, today)][:3]
        talent = {"X-API-Key": create_key(engine, Role.TALENT).token}
        own = {"X-API-Key": create_key(engine, Role.EMPLOYEE, employee_id=first).token}
        client.get("/v1/roles", headers=talent)  # keys remembered: the quick path is open
        client.get("/v1/roles", headers=own)
        reads = pages.reads
        mine = client.get(f"/v1/employees/{first}/opportunities", headers=own)
        assert mine.status_code == 200 and mine.content == stored_page(engine, first)
        assert pages.reads == reads + 1  # read from the database, not planned
        assert pages.has(first, today) == (kept == "one page")  # kept if it fits
        refused = client.get(f"/v1/employees/{second}/opportunities", headers=own)
        assert refused.status_code == 404 and pages.reads == reads + 1  # not yours: not read
        put = client.put(
            f"/v1/employees/{third}/goal", json={"job_family": "Security"}, headers=talent
        )
        assert put.status_code == 200
        toward = client.get(f"/v1/employees/{third}/opportunities", headers=talent)
        assert toward.json()["goal"]["source"] == "set"  # planned toward it, not the stored page
        assert len(service.prepared_opportunities) == 0
        logged = [
            r.employee_id
            for r in read_access_log(engine, limit=100)
            if r.route == "GET /v1/employees/{employee_id}/opportunities"
        ]
        assert sorted(logged) == sorted([first, third])  # each read logged once; none refused


def stored_bodies(engine: sa.Engine, version: int) -> dict[str, bytes]:
    table = schema.prepared_answers
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.employee_id, table.c.body).where(table.c.version == version)
        ).all()
    return {str(e): bytes(b) for e, b in rows}


def test_a_worker_on_a_prepared_version_takes_its_people_search_graph_instead_of_building_it(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The graph is built from APPROXIMATE_FROM profiles on (10,000): here 40 people count.
    monkeypatch.setattr(vector_search, "APPROXIMATE_FROM", 10)
    prepare_now(engine)
    first = current(engine)
    graph = prepared_people_graph(engine, first)
    assert graph is not None
    caplog.set_level(logging.INFO, logger=LOG)
    with worker(engine) as client:
        index = served(client).people_index
        assert index.approximate and index.graph() == graph  # the stored one, not rebuilt
    assert "people-search index loaded" in caplog.text
    caplog.clear()
    create_key(engine, Role.TALENT)  # a new version, the same catalogue: carried over
    with worker(engine) as client:  # its preparer copies the last preparation, graph too
        assert served(client).people_index.graph() == graph
    assert "people-search index loaded" in caplog.text  # taken, not built
    assert prepared_people_graph(engine, current(engine)) == graph
    assert prepared_people_graph(engine, first) is None  # gone with its version


def test_the_first_worker_on_an_unprepared_version_prepares_it_for_the_others(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    version = current(engine)
    caplog.set_level(logging.INFO, logger=LOG)
    with worker(engine) as first:
        assert encoded(served(first)) > 0 and is_prepared(engine, version)
        people = len(pages_of(served(first)))
        assert people == len(CandidateIndex.eligible_ids(served(first).catalog))
        assert "prepared into the database" in caplog.text
        caplog.clear()
        with worker(engine) as second:
            assert encoded(served(second)) == 0
            assert len(served(second).prepared_opportunities) == 0
            assert len(pages_of(served(second))) == people
        assert "prepared into the database" not in caplog.text


def test_a_worker_waits_for_another_preparer_and_takes_over_when_it_dies(
    engine: sa.Engine,
) -> None:
    """The lock's holder dies without preparing: the waiting worker takes the lock."""
    version = current(engine)
    taken, release = threading.Event(), threading.Event()

    def other_preparer() -> None:
        with claim(engine, version) as mine:
            assert mine
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=other_preparer)
    holder.start()
    assert taken.wait(10)
    threading.Timer(1.0, release.set).start()  # "dies" a second into the worker's wait
    try:
        with worker(engine, prepare_wait_seconds=60) as client:
            assert is_prepared(engine, version)
            assert len(pages_of(served(client))) > 0
    finally:
        release.set()
        holder.join()


def test_a_worker_that_stopped_waiting_serves_and_loads_the_pages_once_prepared(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    version = current(engine)
    caplog.set_level(logging.INFO, logger=LOG)
    with claim(engine, version) as mine:  # another preparer, busy
        assert mine
        with worker(engine, prepare_wait_seconds=0) as client:
            assert "being prepared by another process" in caplog.text
            assert len(pages_of(served(client))) == 0 and not is_prepared(engine, version)
            service = served(client)
            people = prepare(engine, hashing_service(engine), processes=1).people
            VersionWatcher(client.app).check()  # the watcher's next poll
            assert len(pages_of(service)) == people


def test_a_page_prepared_on_an_earlier_day_is_not_loaded_and_today_is_served(
    engine: sa.Engine,
) -> None:
    talent = {"X-API-Key": create_key(engine, Role.TALENT).token}
    yesterday = date.today() - timedelta(days=1)
    service = hashing_service(engine)
    assert service.data_version is not None
    with claim(engine, service.data_version):
        prepare(engine, service, processes=1, today=yesterday)
    with worker(engine) as client:
        pages = pages_of(served(client))
        assert len(pages) == 0
        assert pages.dictionary == prepared_dictionary(engine, current(engine))  # packs today's
        person = CandidateIndex.eligible_ids(served(client).catalog)[0]
        response = client.get(f"/v1/employees/{person}/opportunities", headers=talent)
        page = response.json()
        assert page["items"] and page["items"][0]["plan"]["start"] == date.today().isoformat()
        assert pages.get(person, date.today()) == response.content  # kept, with it


def test_a_database_prepared_before_page_dictionaries_still_loads_and_serves(
    engine: sa.Engine,
) -> None:
    """Pages stored before migration 0006: plain zlib (level 1), no dictionary."""
    talent = {"X-API-Key": create_key(engine, Role.TALENT).token}
    people = prepare_now(engine)
    version = current(engine)
    dictionary = prepared_dictionary(engine, version)
    table = schema.prepared_answers
    with engine.begin() as conn:
        for person, body in conn.execute(sa.select(table.c.employee_id, table.c.body)).all():
            plain = zlib.compress(unpack(bytes(body), dictionary), 1)
            conn.execute(sa.update(table).where(table.c.employee_id == person).values(body=plain))
        conn.execute(sa.update(schema.preparations).values(page_dictionary=None))
    with worker(engine) as client:
        pages = pages_of(served(client))
        assert len(pages) == people and pages.dictionary is None
        for person in CandidateIndex.eligible_ids(served(client).catalog)[::7]:
            response = client.get(f"/v1/employees/{person}/opportunities", headers=talent)
            assert response.status_code == 200
            assert response.content == stored_page(engine, person)


def test_a_new_version_for_a_key_is_served_with_the_preparation_carried_over(
    engine: sa.Engine,
) -> None:
    with worker(engine) as client:
        people = len(pages_of(served(client)))
        create_key(engine, Role.TALENT)  # the data version moves; the catalogue does not
        assert VersionWatcher(client.app).check()
        assert served(client).data_version == current(engine)
        assert is_prepared(engine, current(engine))
    with worker(engine) as later:
        assert len(pages_of(served(later))) == people and encoded(served(later)) == 0
        assert pages_of(served(later)).dictionary == prepared_dictionary(engine, current(engine))
        assert pages_of(served(later)).dictionary is not None  # carried with the pages


def test_an_erasure_takes_the_persons_pages_and_vector_and_prepares_the_rest(
    engine: sa.Engine,
) -> None:
    admin = {"X-API-Key": create_key(engine, Role.ADMIN).token}
    with worker(engine) as client:
        service = served(client)
        person = CandidateIndex.eligible_ids(service.catalog)[5]
        others = len(pages_of(service)) - 1
        assert client.delete(f"/v1/employees/{person}", headers=admin).status_code == 204
        version = current(engine)
        assert served(client).data_version == version and is_prepared(engine, version)
        assert len(pages_of(served(client))) == others
    with engine.connect() as conn:
        pages = conn.execute(sa.select(schema.prepared_answers)).all()
        hashes = set(conn.execute(sa.select(schema.text_vectors.c.text_hash)).scalars())
    assert len(pages) == others and person not in {p.employee_id for p in pages}
    assert {p.version for p in pages} == {version}
    erased = profile_text(service.catalog, service.catalog.employees[person])
    assert text_hash(erased) not in hashes


def test_a_worker_following_an_erasure_made_elsewhere_forgets_the_vector_on_its_machine(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """Each machine may keep a local tier of the database's vectors (the on-disk cache):
    a worker swapping to data without a person deletes their vector from its own tier."""
    admin = {"X-API-Key": create_key(engine, Role.ADMIN).token}
    disk = EmbeddingCache(tmp_path / "this machine")
    service = hashing_service(engine)
    service.encoder = CachedEncoder(HashingEncoder(64), DatabaseEmbeddingCache(engine, local=disk))
    person = CandidateIndex.eligible_ids(service.catalog)[2]
    text = profile_text(service.catalog, service.catalog.employees[person])
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        embeddings=False,
        version_poll_seconds=0,
    )
    with TestClient(create_app(settings, recommender=service)) as here, worker(engine) as there:
        served(here).candidate_index  # noqa: B018 - the profiles encoded, kept on this disk
        assert disk.get("hashing-64", [text])
        assert there.delete(f"/v1/employees/{person}", headers=admin).status_code == 204
        assert VersionWatcher(here.app).check()  # this worker follows the erasure
        assert disk.get("hashing-64", [text]) == {}
        assert len(disk) > 0  # the others' vectors stay
