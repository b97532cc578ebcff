"""Pages a worker keeps (:mod:`api.rendered`): packed with one dictionary, pages packed
with another never kept or served, pages rendered in memory only packed with a dictionary
of their own first pages."""

from __future__ import annotations

from datetime import date

import pytest

from api.rendered import RenderedPages, pages_of, render_prepared
from recommender.candidates.precompute import PREPARED_LIMIT
from recommender.ingest.tables import read_org_tables
from recommender.pages import pack, render
from recommender.service import Recommender
from tests.conftest import DATA_DIR

DAY = date(2025, 3, 3)
PEOPLE = 24


@pytest.fixture(scope="module")
def service() -> Recommender:
    """The bundled organisation, without a data version, some first pages answered."""
    service = Recommender(read_org_tables(DATA_DIR).catalog)
    index = service.candidate_index
    some = index.employee_ids_[:PEOPLE]
    assert service.prepared_opportunities.fill(index, processes=1, start=DAY, employee_ids=some)
    return service


def page(service: Recommender, employee_id: str) -> bytes:
    options = service.opportunities(employee_id, PREPARED_LIMIT, today=DAY)
    return render(employee_id, PREPARED_LIMIT, False, options)


def test_pages_rendered_in_memory_only_are_packed_with_a_dictionary_of_their_first_pages(
    service: Recommender,
) -> None:
    assert render_prepared(service, today=DAY) == PEOPLE
    pages = pages_of(service)
    assert pages.dictionary is not None and len(pages) == PEOPLE
    people = service.prepared_opportunities.people()
    assert all(pages.get(e, DAY) == page(service, e) for e in people)  # byte for byte
    plain = sum(len(pack(page(service, e))) for e in people)
    assert pages.nbytes() - len(pages.dictionary) < 0.7 * plain


def test_a_page_packed_with_another_dictionary_is_never_kept_or_served(
    service: Recommender,
) -> None:
    first, second = service.prepared_opportunities.people()[:2]
    body, other = page(service, first), page(service, second)
    ours, theirs = other[:4000], other[4000:8000]
    pages = RenderedPages(ours)
    assert not pages.put_packed(first, DAY, pack(body, theirs))
    assert not pages.has(first, DAY)
    assert pages.put_packed(first, DAY, pack(body))  # plain: a database from before
    assert pages.get(first, DAY) == body
    pages.put(second, DAY, other)  # rendered here: packed with ours
    assert pages.get(second, DAY) == other
    pages.use(theirs)  # the pages packed with ours go, the plain one stays
    assert pages.get(first, DAY) == body and not pages.has(second, DAY)


def test_a_kept_page_that_cannot_be_read_is_dropped_and_rendered_again(
    service: Recommender,
) -> None:
    person = service.prepared_opportunities.people()[0]
    packed = pack(page(service, person))
    pages = RenderedPages()
    assert pages.put_packed(person, DAY, packed[:-6] + b"\x00" * 6)  # damaged in memory
    assert pages.has(person, DAY)
    assert pages.get(person, DAY) is None and not pages.has(person, DAY)


def test_a_bounded_memory_of_pages_drops_the_least_recently_used_and_reads_them_again(
    service: Recommender,
) -> None:
    people = service.prepared_opportunities.people()[:6]
    bodies = {e: page(service, e) for e in people}
    stored = {e: pack(b) for e, b in bodies.items()}  # what the database holds
    read: list[str] = []

    def source(employee_id: str, day: date) -> bytes | None:
        read.append(employee_id)
        return stored.get(employee_id) if day == DAY else None

    budget = sum(sorted(len(p) for p in stored.values())[-3:])  # any three fit
    pages = RenderedPages()
    pages.read_from(source, budget)
    for person in people:
        assert pages.get(person, DAY) == bodies[person]  # read from the source, kept
        assert pages.nbytes() <= budget
    assert read == people
    kept = [e for e in people if pages.has(e, DAY)]
    assert 3 <= len(kept) < len(people) and kept == people[-len(kept) :]  # the latest stay
    oldest = kept[0]
    assert pages.get(oldest, DAY) == bodies[oldest] and read == people  # kept: not read
    pages.put(people[0], DAY, bodies[people[0]])  # rendered here: drops the least recent
    assert pages.has(oldest, DAY) and not pages.has(kept[1], DAY)
    assert pages.get(kept[1], DAY) == bodies[kept[1]] and read[-1] == kept[1]  # read again
    assert pages.get(people[0], date(2025, 3, 4)) is None  # not stored for that day
    assert pages.nbytes() <= budget and pages.reads == len(read) - 1


def test_a_page_larger_than_the_whole_budget_is_served_but_not_kept(
    service: Recommender,
) -> None:
    person = service.prepared_opportunities.people()[0]
    body = page(service, person)
    pages = RenderedPages(max_bytes=len(pack(body)) - 1)
    pages.put(person, DAY, body)
    assert not pages.has(person, DAY) and pages.nbytes() == 0
    pages.read_from(lambda e, d: pack(body), None)  # unbounded again: kept once read
    assert pages.get(person, DAY) == body and pages.has(person, DAY)


def test_a_page_the_source_lacks_is_asked_for_once_per_request_not_twice(
    service: Recommender,
) -> None:
    person = service.prepared_opportunities.people()[0]
    body = page(service, person)
    asked: list[str] = []
    stored: dict[str, bytes] = {}

    def source(employee_id: str, day: date) -> bytes | None:
        asked.append(employee_id)
        return stored.get(employee_id)

    pages = RenderedPages()
    pages.read_from(source, 10_000)
    # A request's fetch finds nothing; its ordinary path then plans without asking again.
    assert not pages.fetch(person, DAY) and asked == [person]
    assert pages.get(person, DAY) is None and asked == [person]
    # The next request asks again (a preparation may have stored the page since).
    stored[person] = pack(body)
    assert pages.fetch(person, DAY) and asked == [person, person]
    assert pages.get(person, DAY) == body
