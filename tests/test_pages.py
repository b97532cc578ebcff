"""How a first page is kept (:mod:`recommender.pages`): packed with a dictionary of its own
catalogue's pages it is byte for byte the page and far smaller; plain pages (prepared before
dictionaries) still unpack; a page is never unpacked with a dictionary it was not packed with.
"""

from __future__ import annotations

import zlib
from datetime import date

import pytest

from recommender.candidates.precompute import PREPARED_LIMIT
from recommender.ingest.tables import read_org_tables
from recommender.pages import (
    DICTIONARY_BYTES,
    UnreadablePage,
    dictionary_of,
    pack,
    readable,
    render,
    unpack,
)
from recommender.preparation import page_dictionary
from recommender.service import Recommender
from tests.conftest import DATA_DIR

DAY = date(2025, 3, 3)


@pytest.fixture(scope="module")
def service() -> Recommender:
    return Recommender(read_org_tables(DATA_DIR).catalog)


@pytest.fixture(scope="module")
def people(service: Recommender) -> list[str]:
    return sorted(service.candidate_index.employee_ids_)[:: len(service.catalog.employees) // 12]


@pytest.fixture(scope="module")
def pages(service: Recommender, people: list[str]) -> dict[str, bytes]:
    """Real first pages of the bundled organisation, as the route sends them."""
    return {
        e: render(e, PREPARED_LIMIT, False, service.opportunities(e, PREPARED_LIMIT, today=DAY))
        for e in people
    }


@pytest.fixture(scope="module")
def dictionary(service: Recommender, people: list[str]) -> bytes:
    return page_dictionary(service, people[:3], DAY)


def test_a_page_packed_with_its_catalogues_dictionary_is_the_page_and_far_smaller(
    pages: dict[str, bytes], dictionary: bytes, people: list[str]
) -> None:
    others = {e: page for e, page in pages.items() if e not in people[:3]}
    packed = {e: pack(page, dictionary) for e, page in others.items()}
    assert all(unpack(packed[e], dictionary) == page for e, page in others.items())
    with_dictionary = sum(map(len, packed.values()))
    plain = sum(len(zlib.compress(page, 1)) for page in others.values())  # as before
    assert with_dictionary < 0.7 * plain, (with_dictionary, plain)


def test_the_dictionary_names_no_one_and_fits_zlibs_window(
    service: Recommender, people: list[str], dictionary: bytes
) -> None:
    assert 0 < len(dictionary) <= DICTIONARY_BYTES
    assert b'"employee_id":""' in dictionary
    assert not [e for e in service.catalog.employees if e.encode() in dictionary]
    assert page_dictionary(service, reversed(people[:3]), DAY) == dictionary  # sorted first
    assert len(dictionary_of([b"x" * 30_000, b"y" * 30_000, b"z"])) == DICTIONARY_BYTES


def test_a_plain_page_prepared_before_dictionaries_unpacks_with_or_without_one(
    pages: dict[str, bytes], dictionary: bytes
) -> None:
    for page in pages.values():
        old = zlib.compress(page, 1)  # what prepared_answers held before migration 0006
        assert readable(old, None) and readable(old, dictionary)
        assert unpack(old) == unpack(old, dictionary) == page
        assert unpack(pack(page)) == page


def test_a_page_is_never_unpacked_with_a_dictionary_it_was_not_packed_with(
    pages: dict[str, bytes], dictionary: bytes
) -> None:
    page = next(iter(pages.values()))
    packed = pack(page, dictionary)
    another = dictionary[:-1] + bytes([dictionary[-1] ^ 1])
    for wrong in (None, another, b""):
        assert not readable(packed, wrong)
        with pytest.raises(UnreadablePage):
            unpack(packed, wrong)
    middle = len(packed) // 2
    damaged = packed[:middle] + bytes([packed[middle] ^ 0xFF]) + packed[middle + 1 :]
    for broken in (damaged, packed[:-4], b"", b"not zlib"):
        with pytest.raises(UnreadablePage):
            unpack(broken, dictionary)
