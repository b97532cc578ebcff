"""Preparing a data version once for every worker (:mod:`recommender.preparation`): it is
resumable, one preparer works at a time, and it stores exactly what the route would send.
Every test runs on SQLite and on PostgreSQL, with a fast encoder whose vectors live in the
database (the real model: ``tests/cli/test_prepare.py``)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from recommender.access import Role
from recommender.candidates import CandidateIndex
from recommender.candidates.index import profile_text
from recommender.candidates.precompute import PREPARED_LIMIT
from recommender.candidates.shortlist import LONGEST_SHORTLIST, hard_to_fill_roles
from recommender.cli._analysis import answering
from recommender.embeddings import CachedEncoder, HashingEncoder, SentenceTransformerEncoder
from recommender.pages import readable, render, unpack
from recommender.preparation import (
    SHORTLIST_PLANS,
    Prepared,
    Progress,
    claim,
    is_prepared,
    prepare,
    prepared_shortlist_plans,
)
from recommender.service import Recommender
from recommender.store import delete_employee, make_engine, schema, write_transaction
from recommender.store.access import create_key
from recommender.store.preparations import preparation, store_pages, stored_dictionary
from recommender.store.vectors import DatabaseEmbeddingCache, text_hash
from recommender.store.versions import bump, current
from tests.conftest import REPO
from tests.small_org import (
    forget_preparations,
    hashing_service,
    load,
    loaded,
    prepared_rows,
    small_org,
)

BATCH = 10


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_org(tmp_path_factory.mktemp("org"), n=60)


@pytest.fixture
def engine(database_url: str, org: Path) -> Iterator[sa.Engine]:
    with loaded(database_url, org) as engine:
        yield engine


class Interrupted(Exception):
    """Stands for a kill: raised by the progress callback after some stored batches."""


def interrupt(phase: str, after: int) -> Progress:
    """A progress callback that stops the run after ``after`` stored batches of ``phase``."""
    seen = [0]

    def progress(name: str, done: int, total: int) -> None:
        if name == phase and done > 0:
            seen[0] += 1
            if seen[0] == after:
                raise Interrupted

    return progress


def run(engine: sa.Engine, progress: Progress | None = None) -> Prepared:
    """One preparation by a fresh process's worth of state (as a new ``reskill prepare``)."""
    service = hashing_service(engine)
    assert service.data_version is not None
    with claim(engine, service.data_version) as mine:
        assert mine
        return prepare(engine, service, batch_size=BATCH, processes=2, progress=progress)


def test_an_interrupted_preparation_continues_and_ends_as_an_uninterrupted_one(
    engine: sa.Engine, database_url: str
) -> None:
    whole = run(engine)
    assert whole.finished and whole.people == whole.pages_rendered > 50
    uninterrupted = prepared_rows(database_url)
    dictionary = stored_dictionary(engine, whole.version)
    assert dictionary is not None
    forget_preparations(database_url)

    with pytest.raises(Interrupted):
        run(engine, interrupt("vectors", after=2))
    partial = prepared_rows(database_url)
    assert len(partial["text_vectors"]) == 2 * BATCH and not partial["prepared_answers"]
    assert stored_dictionary(engine, whole.version) is None  # made with the first page
    with pytest.raises(Interrupted):
        run(engine, interrupt("pages", after=2))
    assert len(prepared_rows(database_url)["prepared_answers"]) == 2 * BATCH
    assert not is_prepared(engine, current(engine))
    assert stored_dictionary(engine, whole.version) == dictionary

    last = run(engine)
    assert last.finished and last.vectors_encoded == 0  # every vector was stored before
    assert last.pages_rendered == whole.people - 2 * BATCH
    assert prepared_rows(database_url) == uninterrupted  # byte for byte
    assert stored_dictionary(engine, whole.version) == dictionary  # one for every page
    again = run(engine)
    assert (again.pages_rendered, again.vectors_encoded) == (0, 0)


def test_the_plans_of_every_hard_to_fill_shortlist_are_stored_and_completed_when_missing(
    engine: sa.Engine,
) -> None:
    phases: list[str] = []
    whole = run(engine, lambda phase, done, total: phases.append(phase))
    assert "shortlists" in phases
    plans = prepared_shortlist_plans(engine, whole.version)
    assert plans is not None
    service = hashing_service(engine)
    index = service.candidate_index
    assert index.plans_.adopt(plans) > 0
    adopted = len(index.plans_)
    for role_id in hard_to_fill_roles(service.catalog):
        service.shortlist(role_id, LONGEST_SHORTLIST)
    assert len(index.plans_) == adopted  # every plan those shortlists need was stored
    # A version prepared before shortlists were: the plans are added, nothing else redone.
    with write_transaction(engine) as conn:
        table = schema.prepared_indexes
        conn.execute(sa.delete(table).where(table.c.name == SHORTLIST_PLANS))
    again = run(engine)
    assert again.finished and (again.pages_rendered, again.vectors_encoded) == (0, 0)
    assert prepared_shortlist_plans(engine, whole.version) == plans  # the same, byte for byte


def test_the_analysis_commands_answer_hard_to_fill_shortlists_from_the_prepared_plans(
    engine: sa.Engine, database_url: str
) -> None:
    run(engine)
    with answering(database_url, None, encoder=HashingEncoder(64)) as service:
        index = service.candidate_index  # built with the prepared plans in it
        adopted = len(index.plans_)
        assert adopted > 0
        role_id = hard_to_fill_roles(service.catalog)[0]
        listed = service.shortlist(role_id, 20)
        assert len(index.plans_) == adopted  # nobody planned again
    assert listed == hashing_service(engine).shortlist(role_id, 20)  # as planning afresh


def test_stored_pages_are_the_bytes_the_route_renders(engine: sa.Engine) -> None:
    run(engine)
    service = hashing_service(engine)
    version, today = service.data_version, date.today()
    assert version is not None
    dictionary = stored_dictionary(engine, version)
    assert dictionary is not None
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.prepared_answers)).all()
    assert {r.employee_id for r in rows} == set(CandidateIndex.eligible_ids(service.catalog))
    assert all(readable(bytes(r.body), dictionary) for r in rows)
    assert not any(readable(bytes(r.body), None) for r in rows)  # each packed with it
    for row in rows[::7]:
        options = service.opportunities(row.employee_id, PREPARED_LIMIT, today=today)
        assert row.version == version and row.day == today
        body = unpack(bytes(row.body), dictionary)
        assert body == render(row.employee_id, PREPARED_LIMIT, False, options)
    [(people, finished)] = [(p.people, p.finished) for p in [preparation(engine, version)] if p]
    assert people == len(rows) and finished


def test_a_preparation_of_a_version_that_moved_on_stops(engine: sa.Engine) -> None:
    def import_meanwhile(phase: str, done: int, total: int) -> None:
        if phase == "pages" and done > 0:
            with write_transaction(engine) as conn:
                bump(conn, "an import")

    outcome = run(engine, import_meanwhile)
    assert outcome.superseded and not outcome.finished
    assert outcome.people == BATCH  # the batch stored before the import; no more
    assert not is_prepared(engine, outcome.version)


def test_pages_of_an_earlier_day_are_rendered_again_and_older_versions_go(
    engine: sa.Engine, database_url: str
) -> None:
    service = hashing_service(engine)
    assert service.data_version is not None
    with claim(engine, service.data_version):
        prepare(engine, service, today=date.today() - timedelta(days=1), processes=1)
    with write_transaction(engine) as conn:
        bump(conn, "a key was created")  # a new version: the old one's pages are dropped
    refreshed = run(engine)
    assert refreshed.pages_rendered == refreshed.people
    rows = prepared_rows(database_url)["prepared_answers"]
    assert {(r[0], r[2]) for r in rows} == {(refreshed.version, date.today())}
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.preparations.c.version)).scalars().all() == [
            refreshed.version
        ]


def test_a_page_is_never_stored_for_someone_no_longer_stored(engine: sa.Engine) -> None:
    """A preparer that answered someone before their erasure committed stores nothing for
    them after it (the erasure deletes the ``employees`` row before the pages)."""
    service = hashing_service(engine)
    person = CandidateIndex.eligible_ids(service.catalog)[0]
    with write_transaction(engine) as conn:
        conn.execute(
            sa.delete(schema.employee_skills).where(schema.employee_skills.c.employee_id == person)
        )
        conn.execute(
            sa.delete(schema.protected_attributes).where(
                schema.protected_attributes.c.employee_id == person
            )
        )
        conn.execute(
            sa.delete(schema.employee_certifications).where(
                schema.employee_certifications.c.employee_id == person
            )
        )
        conn.execute(sa.delete(schema.employees).where(schema.employees.c.id == person))
    assert store_pages(engine, 9, [(person, date.today(), b"x")]) == 0
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.prepared_answers)).scalar()
            == 0
        )


def test_one_preparer_at_a_time_and_a_killed_preparers_lock_is_free_at_once(
    engine: sa.Engine, database_url: str
) -> None:
    with claim(engine, 7) as first:
        assert first
        with claim(engine, 7) as second:
            assert not second
    with claim(engine, 7) as again:
        assert again
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, database_url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with claim(engine, 7) as taken:
            assert not taken
    finally:
        holder.kill()
        holder.wait(timeout=30)
    deadline = time.monotonic() + 10  # PostgreSQL ends the session when the socket closes
    while True:
        with claim(engine, 7) as freed:
            if freed:
                break
        assert time.monotonic() < deadline, "a dead preparer's lock was never released"
        time.sleep(0.1)


#: A preparer that takes version 7's lock and hangs until it is killed.
HOLD = """
import sys, time
from recommender.preparation import claim
from recommender.store import make_engine
engine = make_engine(sys.argv[1])
with claim(engine, 7) as mine:
    print("held" if mine else "refused", flush=True)
    time.sleep(600)
"""


def test_the_vector_of_each_profile_is_stored_once_under_its_hash(engine: sa.Engine) -> None:
    outcome = run(engine)
    service = hashing_service(engine)
    profiles = {
        text_hash(profile_text(service.catalog, service.catalog.employees[e]))
        for e in CandidateIndex.eligible_ids(service.catalog)
    }
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                sa.select(schema.text_vectors.c.text_hash).where(
                    schema.text_vectors.c.model == "hashing-64"
                )
            ).scalars()
        )
    assert profiles <= stored and outcome.vectors_encoded == len(profiles)


def test_a_version_that_moved_only_for_a_key_copies_the_last_preparation(
    engine: sa.Engine, database_url: str
) -> None:
    first = run(engine)
    before = prepared_rows(database_url)["prepared_answers"]
    dictionary = stored_dictionary(engine, first.version)
    plans = prepared_shortlist_plans(engine, first.version)
    create_key(engine, Role.TALENT)  # bumps the data version; no answer changes
    carried = run(engine)
    assert carried.version == first.version + 1 and carried.finished
    assert (carried.pages_rendered, carried.vectors_encoded) == (0, 0)
    assert dictionary is not None and stored_dictionary(engine, carried.version) == dictionary
    assert plans is not None and prepared_shortlist_plans(engine, carried.version) == plans
    after = prepared_rows(database_url)["prepared_answers"]
    assert [r[1:] for r in after] == [r[1:] for r in before]  # the same pages, copied
    assert {r[0] for r in after} == {carried.version}  # the old version's went
    # A change to the data is prepared anew (a leaver: one page fewer).
    assert delete_employee(engine, after[0][1])
    changed = run(engine)
    assert changed.pages_rendered == changed.people == carried.people - 1


def test_a_preparation_superseded_by_a_key_hands_its_pages_on(
    engine: sa.Engine, database_url: str
) -> None:
    whole = run(engine)
    uninterrupted = prepared_rows(database_url)["prepared_answers"]
    forget_preparations(database_url)

    def key_meanwhile(phase: str, done: int, total: int) -> None:
        if phase == "pages" and done == 2 * BATCH:
            create_key(engine, Role.TALENT)  # moves the data version; no answer changes

    superseded = run(engine, key_meanwhile)
    assert superseded.superseded and superseded.people == 2 * BATCH
    resumed = run(engine)
    assert resumed.version == superseded.version + 1 and resumed.finished
    assert resumed.pages_rendered == whole.people - 2 * BATCH  # the rest only
    after = prepared_rows(database_url)["prepared_answers"]
    assert [r[1:] for r in after] == [r[1:] for r in uninterrupted]  # byte for byte
    assert {r[0] for r in after} == {resumed.version}
    # A preparation superseded by a change to the data (a leaver) hands nothing on.
    forget_preparations(database_url)

    def leaver_meanwhile(phase: str, done: int, total: int) -> None:
        if phase == "pages" and done == 2 * BATCH:
            assert delete_employee(engine, after[0][1])

    assert run(engine, leaver_meanwhile).superseded
    changed = run(engine)
    assert changed.pages_rendered == changed.people == whole.people - 1


@pytest.mark.slow
def test_profiles_encoded_in_processes_are_stored_as_in_one_and_resume(
    org: Path, tmp_path: Path
) -> None:
    """A cold preparation encodes in one process per core: the same vectors as one process
    would store (within float16), batch by batch, so a killed run resumes where it stopped."""
    url = f"sqlite:///{tmp_path / 'model.db'}"
    load(url, org)
    engine = make_engine(url)

    def model_run(from_: int, progress: Progress | None = None) -> Prepared:
        encoder = CachedEncoder(SentenceTransformerEncoder(), DatabaseEmbeddingCache(engine))
        service = Recommender.from_engine(engine, encoder=encoder)
        assert service.data_version is not None
        with claim(engine, service.data_version) as mine:
            assert mine
            return prepare(
                engine,
                service,
                batch_size=BATCH,
                processes=2,
                progress=progress,
                encode_in_processes_from=from_,
            )

    def vectors() -> dict[str, np.ndarray]:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(schema.text_vectors.c.text_hash, schema.text_vectors.c.vector)
            )
            return {
                h: np.frombuffer(bytes(v), dtype=np.float16).astype(np.float32) for h, v in rows
            }

    try:
        alone = model_run(from_=10**9)  # one process
        one = vectors()
        forget_preparations(url)
        with pytest.raises(Interrupted):
            model_run(from_=1, progress=interrupt("vectors", after=2))
        assert len(vectors()) == 2 * BATCH  # two batches committed, the processes stopped
        children: list[int] = []
        resumed = model_run(
            from_=1, progress=lambda *_: children.append(len(multiprocessing.active_children()))
        )
        assert max(children) == 2  # one encoding process per core (processes=2)
        assert resumed.finished and resumed.vectors_encoded == alone.vectors_encoded - 2 * BATCH
        several = vectors()
        assert several.keys() == one.keys() and len(one) >= alone.vectors_encoded > 50
        assert min(float(one[h] @ several[h]) for h in one) > 0.999
    finally:
        engine.dispose()


def test_a_preparation_begun_before_page_dictionaries_keeps_its_plain_pages_and_packs_the_rest(
    engine: sa.Engine, database_url: str
) -> None:
    """A preparation interrupted before migration 0006 (plain zlib pages, no dictionary) is
    resumed: its pages stay as they are and still read; the others get a dictionary."""
    whole = run(engine)
    dictionary = stored_dictionary(engine, whole.version)
    assert dictionary is not None
    before = prepared_rows(database_url)["prepared_answers"]
    pages = stored_pages(engine, dictionary)
    kept = dict(list(pages.items())[: 2 * BATCH])
    table = schema.prepared_answers
    with write_transaction(engine) as conn:
        conn.execute(sa.update(schema.preparations).values(finished_at=None, page_dictionary=None))
        conn.execute(sa.delete(table).where(table.c.employee_id.not_in(list(kept))))
        for person, body in kept.items():  # packed as before: zlib level 1, no dictionary
            plain = zlib.compress(body, 1)
            conn.execute(sa.update(table).where(table.c.employee_id == person).values(body=plain))

    resumed = run(engine)
    assert resumed.finished and resumed.pages_rendered == len(pages) - len(kept)
    assert stored_dictionary(engine, whole.version) == dictionary  # made the same way
    after = prepared_rows(database_url)["prepared_answers"]
    assert after[2 * BATCH :] == before[2 * BATCH :]  # byte for byte
    assert stored_pages(engine, dictionary) == pages
    assert stored_pages(engine, None) == kept  # those need no dictionary


def stored_pages(engine: sa.Engine, dictionary: bytes | None) -> dict[str, bytes]:
    """The stored pages, in key order, that unpack with ``dictionary``, unpacked."""
    table = schema.prepared_answers
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.employee_id)).all()
    return {
        r.employee_id: unpack(bytes(r.body), dictionary)
        for r in rows
        if readable(bytes(r.body), dictionary)
    }


def _judge_files(folder: Path, encoder_name: str) -> Path:
    """A small organisation judge fitted for ``encoder_name``, with occupation scores for
    the small organisation's codes (made up: only which judge answered matters here)."""
    from recommender.transitions.occupations import OccupationScores
    from recommender.transitions.organisation import ORGANISATION_FEATURES, OrganisationModel

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(ORGANISATION_FEATURES)))
    model = OrganisationModel.fit(x, (x[:, 0] > 0).astype(int))
    model.metadata = {"embedding_model": encoder_name}
    model.save(folder / "organisation-judge.npz")
    scores = np.full((1, 1), np.nan, dtype=np.float16)
    OccupationScores(("00-0000.00",), scores).save(folder / "occupation-transitions.npz")
    return folder


def test_pages_answered_by_another_judge_are_never_served_and_are_answered_again(
    engine: sa.Engine, tmp_path: Path
) -> None:
    from recommender.embeddings import HashingEncoder
    from recommender.preparation import prepared_pages
    from recommender.store.vectors import DatabaseEmbeddingCache

    first = run(engine)  # the hashing encoder is not the judge's model: skill coverage judges
    day = date.today()
    assert len(list(prepared_pages(engine, first.version, day, "coverage"))) == first.people
    encoder = CachedEncoder(HashingEncoder(64), DatabaseEmbeddingCache(engine))
    models = _judge_files(tmp_path / "models", encoder.name)
    service = Recommender.from_engine(engine, encoder=encoder, models_dir=models)
    assert service.judge_key.startswith("model:")
    assert not list(prepared_pages(engine, first.version, day, service.judge_key))
    with claim(engine, first.version) as mine:
        assert mine
        again = prepare(engine, service, batch_size=BATCH, processes=1)
    assert again.finished and again.pages_rendered == first.people
    assert len(list(prepared_pages(engine, first.version, day, service.judge_key))) == first.people
    assert not list(prepared_pages(engine, first.version, day, "coverage"))


def _planner_rows(engine: sa.Engine, table: str) -> float:
    """What PostgreSQL's planner believes ``table`` holds (``pg_class.reltuples``, set by
    ANALYZE, not by inserts; -1 for a table never analysed)."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT reltuples FROM pg_class WHERE relname = :name"), {"name": table}
        ).scalar_one()
    return float(found)


def _stored_rows(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        counted = sa.select(sa.func.count()).select_from(schema.metadata.tables[table])
        return int(conn.execute(counted).scalar_one())


@pytest.mark.postgres
def test_postgres_planner_statistics_are_fresh_after_an_import_and_a_preparation(
    postgres_url: str, tmp_path: Path
) -> None:
    """A worker starting right after ``reskill prepare`` reads every stored vector by key:
    with the statistics of an empty table PostgreSQL scanned the whole table per batch
    (15 s more per worker at 100,000 people). Both bulk writes refresh them."""
    org = small_org(tmp_path / "org", n=120)
    with loaded(postgres_url, org) as engine:
        skills = _stored_rows(engine, "employee_skills")
        assert skills >= 1_000  # a bulk import (ANALYZE_ROWS)
        assert _planner_rows(engine, "employee_skills") == skills
        assert _planner_rows(engine, "text_vectors") <= 0  # nothing written there yet
        run(engine)
        for table in ("text_vectors", "prepared_answers"):
            assert _planner_rows(engine, table) == _stored_rows(engine, table) > 0
