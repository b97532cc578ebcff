"""Process pools that end cleanly: what :mod:`multiprocessing` leaves to the caller."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from multiprocessing.pool import Pool
from typing import TypeVar

__all__ = ["drained"]

T = TypeVar("T")


def drained(pool: Pool, results: Iterable[T]) -> Iterator[T]:
    """Yield ``results`` (an iterator over ``pool``'s work), then let the processes end by
    themselves (``close`` and ``join``); terminate them when the caller stops early or on an
    error. A terminated process leaves behind what its imports registered (a "leaked
    semaphore" warning at exit), so only an early stop terminates."""
    try:
        yield from results
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
