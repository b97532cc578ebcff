"""Everyone's first page of opportunities as the JSON the route sends, rendered ahead.

Building a page's response models from the domain answer and serialising them cost
several times more than the rest of the request (about 30 kB of plans per page). With
prepared opportunities on (``reskill serve``), :func:`render_prepared` renders each
prepared person's first page once, for today, and keeps the bytes compressed; the route
then sends them as they are. A page is rendered again (once) when asked on a later day,
since its plans are dated from today.

Rendered pages belong to one :class:`~recommender.service.Recommender`: when an import
or erasure swaps in a new one, its pages are rendered afresh and the old ones go with
the old Recommender, so a request still in flight on the old data can never leave a page
where the new data is served. Only the prepared question (``limit`` 10, viable moves) is
kept; any other is rendered per request.

The bytes are pydantic's JSON of the same :class:`OpportunitiesOut` the route declares: the
same JSON FastAPI would send, without its second validation and encoding pass (a test
compares the two). :func:`render` lives in :mod:`recommender.pages`, so that ``reskill
prepare`` renders the very same bytes into the database; a worker starting on a prepared
data version loads those instead of rendering (:mod:`api.state`).

Pages are kept packed with one zlib dictionary (:func:`recommender.pages.pack`): a worker
on a prepared version takes the version's, stored with its pages (pages it renders itself
later, on a later day, are packed with it too); :func:`render_prepared`, preparing in
memory only, makes one from the first pages (:func:`recommender.preparation.page_dictionary`).
A page packed with another dictionary is never kept, and one that cannot be read is
dropped and rendered again.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from recommender.candidates.precompute import PREPARED_LIMIT
from recommender.pages import UnreadablePage, pack, readable, render, unpack
from recommender.preparation import PageSource, page_dictionary
from recommender.service import Recommender

__all__ = ["PAGE_BYTES", "PageSource", "RenderedPages", "pages_of", "render", "render_prepared"]


#: The packed first pages a worker keeps in memory by default (``RESKILL_PAGE_CACHE_MB``) when
#: the others can be read from the database: about 17,000 pages of about 3.9 kB (bundled roles).
PAGE_BYTES = 64 * 2**20


#: Pages the source lacked that are remembered until read once more (see ``_lacked``).
_LACKED = 4096


class RenderedPages:
    """First pages by person, each with the day its plans start on, packed with
    :attr:`dictionary` (``None``: plain zlib); thread-safe.

    ``max_bytes`` (``None``: no bound) bounds the packed pages kept, least recently used
    dropped first. A bound is meant for pages that can be read again: with a ``source``
    (:meth:`read_from`, the database's prepared pages of this worker's data version), a page
    not kept here is read from it when asked and kept; one dropped is read again later.
    Without a source a dropped page is rendered again when asked."""

    def __init__(self, dictionary: bytes | None = None, max_bytes: int | None = None) -> None:
        if max_bytes is not None and max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0 or None, got {max_bytes!r}")
        self._pages: OrderedDict[str, tuple[date, bytes]] = OrderedDict()  # compressed body
        self._nbytes = 0
        self._lock = threading.Lock()
        self.dictionary = dictionary
        self.max_bytes = max_bytes
        self._source: PageSource | None = None
        self.reads = 0  # pages read from the source
        # Pages the source just lacked: the next read of each answers None without asking
        # again (a request's fetch, then its ordinary path, would read a missing page twice).
        self._lacked: OrderedDict[tuple[str, date], None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def use(self, dictionary: bytes | None) -> None:
        """Pack pages with ``dictionary`` from now on; kept pages it cannot read (packed with
        another one) are dropped."""
        with self._lock:
            self.dictionary = dictionary
            unreadable = [e for e, (_, p) in self._pages.items() if not readable(p, dictionary)]
            for employee_id in unreadable:
                self._nbytes -= len(self._pages.pop(employee_id)[1])

    def read_from(self, source: PageSource | None, max_bytes: int | None) -> None:
        """Read pages not kept here from ``source`` (``None``: none), keeping at most
        ``max_bytes`` of them (``None``: no bound); kept pages over the bound are dropped."""
        with self._lock:
            self._source = source
            self.max_bytes = max_bytes
            self._lacked.clear()
            self._make_room(0)

    def room(self) -> int | None:
        """Bytes that can still be kept before the least recently used page is dropped
        (``None``: no bound)."""
        if self.max_bytes is None:
            return None
        return max(0, self.max_bytes - self._nbytes)

    def get(self, employee_id: str, today: date) -> bytes | None:
        """The page rendered for ``today`` (kept, else read from the source and kept), or
        None (also for a page that cannot be read: it is dropped, to be rendered again)."""
        with self._lock:
            kept = self._pages.get(employee_id)
            if kept is not None:
                self._pages.move_to_end(employee_id)
        if kept is None or kept[0] != today:
            kept = self._read(employee_id, today)
            if kept is None:
                return None
        try:
            return unpack(kept[1], self.dictionary)
        except UnreadablePage:
            with self._lock:
                if self._pages.get(employee_id) is kept:
                    self._nbytes -= len(self._pages.pop(employee_id)[1])
            return None

    @property
    def reads_a_source(self) -> bool:
        """Whether a page not kept here can be read from a source (the database)."""
        return self._source is not None

    def fetch(self, employee_id: str, today: date) -> bool:
        """Make the page of ``today`` kept here, reading it from the source if need be
        (blocking: a worker thread's call); whether it is kept now."""
        if self.has(employee_id, today):
            return True
        return self._read(employee_id, today) is not None and self.has(employee_id, today)

    def _read(self, employee_id: str, today: date) -> tuple[date, bytes] | None:
        """The page read from the source, kept if it fits (served either way)."""
        source = self._source
        if source is None:
            return None
        asked = (employee_id, today)
        with self._lock:
            if asked in self._lacked:  # lacked a moment ago: planned now, not asked again
                del self._lacked[asked]
                return None
        packed = source(employee_id, today)
        if packed is None:
            with self._lock:
                self._lacked[asked] = None
                while len(self._lacked) > _LACKED:
                    self._lacked.popitem(last=False)
            return None
        if not readable(packed, self.dictionary):
            return None
        self.reads += 1
        self.put_packed(employee_id, today, packed)
        return today, packed

    def has(self, employee_id: str, today: date) -> bool:
        """Whether the page for ``today`` is kept here (:meth:`get` would find it without
        reading the source)."""
        kept = self._pages.get(employee_id)
        return kept is not None and kept[0] == today

    def put(self, employee_id: str, today: date, body: bytes) -> None:
        self.put_packed(employee_id, today, pack(body, self.dictionary))

    def put_packed(self, employee_id: str, today: date, packed: bytes) -> bool:
        """Keep a page already packed (:func:`recommender.pages.pack`): one read from the
        database's ``prepared_answers``. A page packed with a dictionary other than
        :attr:`dictionary` (one that changed meanwhile, too), or larger than the whole bound,
        is not kept; returns whether it was."""
        with self._lock:
            if not readable(packed, self.dictionary):
                return False
            if self.max_bytes is not None and len(packed) > self.max_bytes:
                return False
            earlier = self._pages.pop(employee_id, None)
            if earlier is not None:
                self._nbytes -= len(earlier[1])
            self._make_room(len(packed))
            self._pages[employee_id] = (today, packed)
            self._nbytes += len(packed)
            return True

    def _make_room(self, size: int) -> None:
        """Drop the least recently used pages until ``size`` more bytes fit (lock held)."""
        if self.max_bytes is None:
            return
        while self._pages and self._nbytes + size > self.max_bytes:
            _, (_, dropped) = self._pages.popitem(last=False)
            self._nbytes -= len(dropped)

    def nbytes(self) -> int:
        """Bytes held by the compressed pages and their dictionary."""
        with self._lock:
            return self._nbytes + len(self.dictionary or b"")


_PAGES: weakref.WeakKeyDictionary[Recommender, RenderedPages] = weakref.WeakKeyDictionary()
_PAGES_LOCK = threading.Lock()


def pages_of(service: Recommender) -> RenderedPages:
    """The rendered pages of ``service`` (empty until rendered or asked)."""
    with _PAGES_LOCK:
        pages = _PAGES.get(service)
        if pages is None:
            pages = _PAGES[service] = RenderedPages()
        return pages


def render_prepared(
    service: Recommender,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Render the first page of everyone with a prepared answer, for ``today``; returns how
    many pages were rendered. ``progress(done, total)`` is called after each page.

    Pages are packed with a dictionary made of the first pages (in memory only, like them),
    unless the pages already have one."""
    today = today or date.today()
    pages = pages_of(service)
    people = service.prepared_opportunities.people()
    if pages.dictionary is None and people:
        pages.use(page_dictionary(service, people, today))
    for done, employee_id in enumerate(people, 1):
        options = service.opportunities(employee_id, PREPARED_LIMIT, today=today)
        pages.put(employee_id, today, render(employee_id, PREPARED_LIMIT, False, options))
        if progress is not None:
            progress(done, len(people))
    return len(people)
