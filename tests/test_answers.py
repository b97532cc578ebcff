"""Remembered answers: bounded by their size in bytes whatever is asked, least recently used
dropped first, safe under concurrent use; the Recommender answers from them."""

from __future__ import annotations

import random
import sys
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.answers import (
    ENTRY_BYTES,
    LARGEST_SHARE,
    SAMPLED_ABOVE,
    AnswerCache,
    estimated_size,
)
from recommender.candidates import ShortlistFilter
from recommender.embeddings import HashingEncoder
from recommender.service import ANSWER_BYTES, Recommender
from tests.factories import small_catalog

KB = 1_000


def _payload(size: int) -> bytes:
    return b"x" * size


def _kept(cache: AnswerCache, keys: range) -> list[int]:
    return [k for k in keys if k in cache]


@dataclass(frozen=True, slots=True)
class _Row:
    name: str
    values: tuple[float, ...]


@st.composite
def _budget_and_sizes(draw: st.DrawFn) -> tuple[int, list[int]]:
    """A budget and answers of up to a quarter of it (some too large to keep)."""
    max_bytes = draw(st.integers(16 * KB, 400 * KB))
    sizes = st.lists(st.integers(0, max_bytes // 4), min_size=10, max_size=120)
    return max_bytes, draw(sizes)


@given(_budget_and_sizes())
@settings(max_examples=100, deadline=None)
def test_the_cache_never_holds_more_than_its_budget(case: tuple[int, list[int]]) -> None:
    max_bytes, sizes = case
    cache = AnswerCache(max_bytes)
    for key, size in enumerate(sizes):
        assert cache.get_or_compute(key, lambda size=size: _payload(size)) == _payload(size)
        assert cache.nbytes() <= max_bytes
        kept = _kept(cache, range(len(sizes)))
        assert sum(sizes[k] for k in kept) <= max_bytes  # what it holds, counted apart
        assert len(cache) == len(kept)


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = AnswerCache(max_bytes=LARGEST_SHARE * 10 * KB)  # eight answers of 9 kB fit
    for key in range(8):
        cache.get_or_compute(key, lambda: _payload(9 * KB))
    cache.get_or_compute(0, lambda: pytest.fail("0 is remembered"))
    cache.get_or_compute(8, lambda: _payload(9 * KB))
    assert _kept(cache, range(9)) == [0, 2, 3, 4, 5, 6, 7, 8]
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.evictions, stats.entries) == (1, 9, 1, 8)


def test_an_answer_above_an_eighth_of_the_budget_is_returned_but_not_kept() -> None:
    cache = AnswerCache(max_bytes=LARGEST_SHARE * 10 * KB)
    cache.get_or_compute("small", lambda: _payload(5 * KB))
    large = cache.get_or_compute("large", lambda: _payload(11 * KB))
    assert large == _payload(11 * KB)
    assert "large" not in cache and "small" in cache
    assert cache.stats().oversize == 1 and cache.stats().evictions == 0


def test_a_budget_of_nothing_keeps_nothing() -> None:
    cache = AnswerCache(max_bytes=0)
    assert cache.get_or_compute("a", lambda: 1) == 1
    assert len(cache) == 0 and cache.nbytes() == 0


def test_a_new_answer_for_a_key_replaces_the_old_one_and_its_size() -> None:
    cache = AnswerCache(max_bytes=1_000 * KB)
    cache.put("a", _payload(50 * KB))
    cache.put("a", _payload(1 * KB))
    assert cache.get_or_compute("a", lambda: b"") == _payload(1 * KB)
    assert len(cache) == 1 and cache.nbytes() < 10 * KB


def test_the_size_counts_every_object_reached_once() -> None:
    rows = tuple(_Row(f"row {i}", tuple(float(j) for j in range(10))) for i in range(100))
    floats = 100 * 10 * sys.getsizeof(1.0)
    assert estimated_size(rows) > floats
    assert estimated_size((rows, rows)) < estimated_size(rows) + 100  # shared, counted once
    matrix = np.zeros((100, 100))
    assert estimated_size(matrix[:50]) > matrix[:50].nbytes  # a view counts its data


def test_a_long_list_is_sized_from_a_sample_close_to_every_item() -> None:
    rows = [_Row(f"row {i}", tuple(float(j) for j in range(i % 21))) for i in range(5_000)]
    every = (
        sys.getsizeof(rows)
        + sum(sys.getsizeof(r) + sys.getsizeof(r.name) + sys.getsizeof(r.values) for r in rows)
        + sum(sys.getsizeof(v) for r in rows for v in r.values)
    )
    assert len(rows) > SAMPLED_ABOVE
    assert 0.98 * every <= estimated_size(rows) <= 1.05 * every


class _Answer:
    def __init__(self, size: int) -> None:
        self.data = _payload(size)


def test_an_evicted_answer_is_freed_outside_the_lock() -> None:
    cache = AnswerCache(max_bytes=LARGEST_SHARE * 10 * KB)
    freed: list[int] = []
    first = _Answer(9 * KB)
    weakref.finalize(first, lambda: freed.append(cache.stats().evictions))  # takes the lock
    cache.put(0, first)
    del first

    def fill() -> None:
        for key in range(1, 12):
            cache.put(key, _Answer(9 * KB))

    worker = threading.Thread(target=fill, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "freeing an evicted answer waited for the cache's lock"
    assert freed == [1]


def test_two_threads_compute_a_new_answer_at_once_and_both_get_the_one_kept() -> None:
    cache = AnswerCache(max_bytes=100 * KB)
    both = threading.Barrier(2, timeout=10)
    answers: list[bytes] = []

    def compute() -> bytes:
        both.wait()  # passes only while both threads compute: no lock is held meanwhile
        return _payload(KB)

    def ask() -> None:
        answers.append(cache.get_or_compute("a", compute))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2 and answers[0] is answers[1]
    assert cache.stats().misses == 2 and len(cache) == 1


def test_concurrent_use_stays_within_the_budget_and_counts_what_it_holds() -> None:
    cache = AnswerCache(max_bytes=100 * KB)
    errors: list[BaseException] = []

    def answer(key: int) -> bytes:
        return _payload(KB + key % 7 * KB)

    def ask(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(2_000):
                key = rng.randrange(200)
                assert cache.get_or_compute(key, lambda key=key: answer(key)) == answer(key)
                assert cache.nbytes() <= cache.max_bytes
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    stats = cache.stats()
    assert stats.hits + stats.misses == 4 * 2_000 and stats.evictions > 0
    kept = [k for k in range(200) if k in cache]
    assert stats.nbytes == sum(estimated_size((k, answer(k))) + ENTRY_BYTES for k in kept)


# -- the Recommender -------------------------------------------------------------------------


def _recommender(answer_bytes: int | None = None) -> Recommender:
    return Recommender(small_catalog(), encoder=HashingEncoder(64), answer_bytes=answer_bytes)


def test_a_recommender_answers_a_repeated_question_from_its_cache() -> None:
    service = _recommender()
    first = service.shortlist("soc-analyst", 5)
    assert service.shortlist("soc-analyst", 5) is first
    stats = service.answer_cache.stats()
    assert (stats.hits, stats.misses, stats.max_bytes) == (1, 1, ANSWER_BYTES)


def test_a_recommender_stays_within_its_budget_after_many_distinct_shortlists() -> None:
    budget = 40 * KB
    service = _recommender(budget)
    asked = 0
    for role in ("soc-analyst", "help-desk"):
        for limit in range(1, 101):
            for readiness in (0.0, 0.1):
                service.shortlist(role, limit, ShortlistFilter(min_readiness=readiness))
                asked += 1
                assert service.answer_cache.nbytes() <= budget
    stats = service.answer_cache.stats()
    assert stats.misses == asked and stats.evictions > 0
    assert len(service.answer_cache) < asked


def test_a_new_catalogue_keeps_the_budget_but_not_the_answers() -> None:
    service = _recommender(64 * KB)
    service.shortlist("soc-analyst", 5)
    renewed = service.with_catalog(small_catalog())
    assert renewed.answer_cache.max_bytes == 64 * KB and len(renewed.answer_cache) == 0
