"""Remembered answers, bounded by their size in bytes.

A :class:`~recommender.service.Recommender` remembers the answers it computed
(shortlists, opportunity lists, catalogue pages) under the question that asked for
them. The questions are chosen by callers, and one answer can be a hundred times
larger than another (a shortlist of everyone holds a candidate per employee), so a
bound on the *number* of answers bounds nothing: :class:`AnswerCache` bounds their
estimated size instead, dropping the least recently used answers first.

An answer's size is estimated once, when it is stored, by :func:`estimated_size`: the
``sys.getsizeof`` of every object it reaches, each counted once (the items of a long list
from a sample of them). That counts objects the answer shares with the catalogue (an
employee's id, a course) as if the answer owned them, so the estimate is above what the
answer really adds to the process: safe for a bound. Measured on the bundled data (500
employees), memory allocated while computing an answer (tracemalloc) / this estimate /
the length of ``pickle.dumps``: a shortlist of 10, 56 / 60 / 19 kB; a shortlist of
everyone, 1,049 / 1,124 / 549 kB; ten opportunities, 38 / 46 / 19 kB; a page of 100
courses, 486 / 584 / 68 kB. Pickling, the obvious alternative, costs about as much,
under-counts two to seven times and fails on some answers (a parametrised pydantic page
made outside a module's top level).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from enum import Enum
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import TypeVar

import numpy as np

__all__ = ["AnswerCache", "AnswerCacheStats", "estimated_size"]

Answer = TypeVar("Answer")

#: An answer larger than this share of the budget is returned but not kept: one question
#: must not push out everything else.
LARGEST_SHARE = 8

#: Bytes each kept answer costs beyond its own objects (the ordered dict's entry and
#: node, the stored size).
ENTRY_BYTES = 200

#: A list or tuple longer than this is sized from an even sample of :data:`SAMPLE` of its
#: items, scaled to its length. Walking every candidate of a fairness report's shortlist
#: of everyone cost 25-40% of computing it (10,000 employees); the sample costs under 5%
#: and came out 0-4% above the full walk on every answer the benchmark asked (items whose
#: sizes vary in a pattern can come out a little below: 1% in the tests).
SAMPLED_ABOVE = 512
SAMPLE = 128

# Definitions, not data: shared by every answer that refers to them, never owned.
_SHARED = (type, Enum, ModuleType, FunctionType, BuiltinFunctionType)
_SEQUENCES = frozenset({tuple, list})


def estimated_size(answer: object) -> int:
    """The bytes of every object ``answer`` reaches, each counted once.

    Classes, functions, modules and enum members are definitions the answer shares,
    not data it holds: they are not counted. Everything else is, including objects the
    answer shares with others (the estimate is then above what the answer adds). The
    items of a list or tuple longer than :data:`SAMPLED_ABOVE` are estimated from an even
    sample, scaled (what the sampled items share is then counted once per share of the
    sample: above again). References are followed by :func:`gc.get_referents` (C code):
    about twice as fast as reading containers, slots and ``__dict__`` in Python.

    Examples
    --------
    >>> one, other = "a" * 1000, "b" * 1000
    >>> estimated_size((one, other)) > 2000
    True
    >>> estimated_size((one, one)) < 1200  # one object, counted once
    True
    """
    return _reached([answer], set())


def _reached(todo: list[object], seen: set[int]) -> int:
    """The size of the objects reachable from ``todo`` and not in ``seen`` (which grows)."""
    total = 0
    while todo:
        fresh = []
        for item in todo:
            if id(item) in seen or isinstance(item, _SHARED):
                continue
            seen.add(id(item))
            total += sys.getsizeof(item)
            if type(item) in _SEQUENCES and len(item) > SAMPLED_ABOVE:  # type: ignore[arg-type]
                total += _sampled(item, seen)  # type: ignore[arg-type]
            else:
                fresh.append(item)
        todo = gc.get_referents(*fresh)
        # An array view holds its base array, which no referent leads to.
        todo += [a.base for a in fresh if type(a) is np.ndarray and a.base is not None]
    return total


def _sampled(items: Sequence[object], seen: set[int]) -> int:
    """The size of what ``items`` hold, from :data:`SAMPLE` of them evenly spaced."""
    step = len(items) / SAMPLE
    sample = [items[int(k * step)] for k in range(SAMPLE)]
    return round(_reached(sample, seen) * len(items) / SAMPLE)


@dataclass(frozen=True, slots=True)
class AnswerCacheStats:
    """How an :class:`AnswerCache` has fared: questions answered from memory (``hits``)
    or computed (``misses``), answers dropped to stay within the budget (``evictions``)
    and answers too large to keep (``oversize``), with what it holds now."""

    hits: int
    misses: int
    evictions: int
    oversize: int
    entries: int
    nbytes: int
    max_bytes: int


class AnswerCache:
    """A thread-safe memory of answers by question, least recently used dropped first,
    holding at most ``max_bytes`` (estimated, see :func:`estimated_size`).

    An answer larger than ``max_bytes / LARGEST_SHARE`` is returned but not kept. The
    lock is never held while an answer is computed or measured: two threads asking the
    same new question may both compute it (answers must be equal), and the first one
    stored is the one kept.

    Parameters
    ----------
    max_bytes : int
        The budget; 0 keeps nothing.

    Examples
    --------
    >>> answers = AnswerCache(max_bytes=1_000_000)
    >>> answers.get_or_compute(("square", 12), lambda: 12 * 12)
    144
    >>> answers.get_or_compute(("square", 12), lambda: 0)  # remembered: not computed again
    144
    >>> stats = answers.stats()
    >>> stats.hits, stats.misses, len(answers), 0 < answers.nbytes() <= 1_000_000
    (1, 1, 1, True)
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes!r}")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()  # answer, size
        self._nbytes = 0
        self._hits = self._misses = self._evictions = self._oversize = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def nbytes(self) -> int:
        """The estimated size of the answers kept (never above ``max_bytes``)."""
        return self._nbytes

    def stats(self) -> AnswerCacheStats:
        """Hits, misses, evictions and oversize answers so far, and what is kept now."""
        with self._lock:
            return AnswerCacheStats(
                self._hits,
                self._misses,
                self._evictions,
                self._oversize,
                len(self._entries),
                self._nbytes,
                self.max_bytes,
            )

    def get_or_compute(self, key: Hashable, compute: Callable[[], Answer]) -> Answer:
        """The answer kept for ``key`` (now the most recently used), else ``compute()``,
        kept if it fits."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                self._hits += 1
                self._entries.move_to_end(key)
                return kept[0]  # type: ignore[return-value]
            self._misses += 1
        answer = compute()
        return self._keep(key, answer, replace=False)  # type: ignore[return-value]

    def put(self, key: Hashable, answer: object) -> None:
        """Keep ``answer`` for ``key`` in place of any earlier one, if it fits."""
        self._keep(key, answer, replace=True)

    def _keep(self, key: Hashable, answer: object, *, replace: bool) -> object:
        """Store ``answer`` (unless it is oversize, or ``key`` is taken and not to be
        replaced); returns the answer kept for ``key``, else ``answer``."""
        size = estimated_size((key, answer)) + ENTRY_BYTES
        with self._lock:
            earlier = self._entries.pop(key, None)
            dropped = [] if earlier is None else [earlier]
            if earlier is not None:
                self._nbytes -= earlier[1]
                if not replace:
                    answer, size = earlier  # another thread stored it first
            if size > self.max_bytes // LARGEST_SHARE:
                self._oversize += 1
                return answer
            dropped += self._evict(self.max_bytes - size)  # room first: never above budget
            self._nbytes += size
            self._entries[key] = (answer, size)
        return answer  # what was dropped is freed now, outside the lock (milliseconds)

    def _evict(self, room: int) -> list[tuple[object, int]]:
        """Drop the least recently used answers until at most ``room`` bytes are kept
        (lock held); returns them, to be freed once the lock is released."""
        dropped = []
        while self._nbytes > room:
            _, entry = self._entries.popitem(last=False)
            dropped.append(entry)
            self._nbytes -= entry[1]
            self._evictions += 1
        return dropped
