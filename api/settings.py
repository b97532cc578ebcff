"""Service settings, read from the environment with the prefix ``RESKILL_``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBEDDING_CACHE = Path.home() / ".cache" / "reskill" / "embeddings"


class Settings(BaseSettings):
    """``RESKILL_DATABASE_URL``, ``RESKILL_EMBEDDING_CACHE``, ``RESKILL_MODEL``, ...

    ``onet_dir`` is the user's own download of the O*NET database: when set, title
    normalisation also ranks the O*NET occupations known there by title. ``warm_up``
    builds the candidate index (embedding every profile, cached on disk) before the
    first request instead of during it. Vectors of the service's texts are kept in the
    database (``text_vectors``, shared by every worker); ``embedding_cache`` is the
    on-disk cache of an app built without a database engine. ``embeddings`` off serves everything that
    needs no model (catalogue, records, pathways, opportunities) and answers 503 for
    the rest. ``request_threads`` caps torch's threads once warm (``reskill serve`` sets 1:
    one short text encodes several times faster on one thread when requests overlap).
    ``worker_threads`` bounds the thread pool that runs the routes doing real work
    (shortlists, plans, reads that write the access log); FastAPI's default is 40.
    ``freeze_gc`` hides the loaded catalogue from the cycle collector (see
    :func:`api.state.freeze_heap`); ``reskill serve`` turns it on.
    ``prepare_opportunities`` answers every employee's first page of opportunities at
    start-up and after each data change, in ``prepare_processes`` worker processes (default
    one per core; see :mod:`recommender.candidates.precompute`); ``reskill serve`` turns it on.
    For data loaded from a database they are prepared once per data version into the
    database (by ``reskill prepare`` or by the first worker to take the version's lock) and
    every other worker loads them (:func:`api.state.make_ready`); a worker waits at most
    ``prepare_wait_seconds`` (``RESKILL_PREPARE_WAIT_SECONDS``, default 600) for another's
    preparation before serving without it.
    ``answer_cache_mb`` (``RESKILL_ANSWER_CACHE_MB``) bounds the answers (shortlists,
    opportunity lists, catalogue pages) each worker remembers, in MiB of their estimated
    size (default: the Recommender's :data:`~recommender.service.ANSWER_BYTES`, 256 MiB;
    0 remembers nothing). Each worker process holds its own: budget it per worker.
    ``page_cache_mb`` (``RESKILL_PAGE_CACHE_MB``, default 64): the packed first pages of
    opportunities each worker keeps in memory when they were prepared into the database;
    the others are read from the database when asked (a 100,000-employee organisation has
    about 370 MB of them). ``all`` keeps every one.
    ``version_poll_seconds`` (``RESKILL_VERSION_POLL_SECONDS``): how often each worker reads
    the database's data version to follow changes made elsewhere (default 1 s; on
    PostgreSQL a notification usually wakes it sooner; 0 never follows, see
    :mod:`api.watch`).
    ``judge`` (``RESKILL_JUDGE``): which moves are viable, ``model`` (the organisation
    judge, default; skill coverage where embeddings are off) or ``coverage``.
    ``quick_reads`` (``RESKILL_QUICK_READS``, default on): a person's record and first
    page of opportunities are answered before FastAPI routes them when they can be
    answered quickly (:mod:`api.quick_reads`); off, every request takes its route.
    """

    # ``wal_checkpoint_interval``: SQLite only, seconds between the background WAL
    # checkpoints (:class:`recommender.store.engine.WalCheckpointer`); 0 leaves them to
    # SQLite, inside whichever commit crosses its threshold.

    model_config = SettingsConfigDict(env_prefix="RESKILL_", extra="ignore")

    database_url: str = "sqlite:///var/reskill.db"
    max_page_size: int = 100
    embeddings: bool = True
    judge: Literal["model", "coverage"] = "model"
    embedding_cache: Path | None = DEFAULT_EMBEDDING_CACHE
    model: Path | None = None
    onet_dir: Path | None = None
    warm_up: bool = True
    request_threads: int | None = None
    worker_threads: int = 4
    freeze_gc: bool = False
    prepare_opportunities: bool = False
    prepare_processes: int | None = None
    prepare_wait_seconds: float = Field(default=600.0, ge=0)
    wal_checkpoint_interval: float = 1.0
    answer_cache_mb: float | None = Field(default=None, ge=0)
    page_cache_mb: float | None = Field(default=64.0, ge=0)
    version_poll_seconds: float = Field(default=1.0, ge=0)
    quick_reads: bool = True

    @field_validator("embedding_cache", mode="before")
    @classmethod
    def _cache_off(cls, value: object) -> object:
        """``RESKILL_EMBEDDING_CACHE=off`` (or ``none``, or empty): no copy on disk; the
        database's ``text_vectors`` are the only store of vectors (replicas that should
        keep nothing on their own disks)."""
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none", "false"):
            return None
        return value

    @field_validator("page_cache_mb", mode="before")
    @classmethod
    def _all_pages(cls, value: object) -> object:
        """``RESKILL_PAGE_CACHE_MB=all``: keep every prepared page in memory."""
        if isinstance(value, str) and value.strip().lower() == "all":
            return None
        return value

    @property
    def page_bytes(self) -> int | None:
        """``page_cache_mb`` in bytes (None: keep every prepared page in memory)."""
        mb = self.page_cache_mb
        return None if mb is None else int(mb * 2**20)

    @property
    def answer_bytes(self) -> int | None:
        """``answer_cache_mb`` in bytes (None: the Recommender's default)."""
        mb = self.answer_cache_mb
        return None if mb is None else int(mb * 2**20)
