"""``GET /v1/health``'s answer: is the database reachable from this worker?

A load balancer asks every second or so; the answer costs at most one ``SELECT 1`` per
second per worker (:class:`DatabaseProbe` remembers it for :data:`PROBE_TTL` seconds) and
never waits longer than :data:`PROBE_TIMEOUT` seconds: the probe runs on a thread of its
own (never on the event loop, never in the routes' thread pool), and a probe still
running when the time is up counts as "unreachable". Only status and version are said.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from recommender.database import reachable

__all__ = ["PROBE_TTL", "PROBE_TIMEOUT", "DatabaseProbe"]

#: Seconds a probe's answer is reused.
PROBE_TTL = 1.0
#: The longest health waits for the database.
PROBE_TIMEOUT = 1.0

_PROBES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reskill-health")


class DatabaseProbe:
    """Whether ``engine``'s database answers, asked at most once per :data:`PROBE_TTL`."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._answer = True
        self._asked_at = -PROBE_TTL
        self._pending: asyncio.Future[bool] | None = None

    async def reachable(self) -> bool:
        """The remembered answer if fresh; else a new probe's (``False`` if it is slow)."""
        if time.monotonic() - self._asked_at < PROBE_TTL:
            return self._answer
        if self._pending is None or self._pending.done():
            loop = asyncio.get_running_loop()
            self._pending = loop.run_in_executor(_PROBES, reachable, self.engine)
        try:
            answer = await asyncio.wait_for(asyncio.shield(self._pending), PROBE_TIMEOUT)
        except TimeoutError:
            answer = False
        self._answer, self._asked_at = answer, time.monotonic()
        return answer
