"""Serving settings that shape latency under load: the thread pool and the frozen heap."""

from __future__ import annotations

import gc
from pathlib import Path

import anyio.to_thread
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings


def test_serving_settings_bound_the_thread_pool_and_freeze_the_loaded_heap(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'reskill.db'}",
        embeddings=False,
        warm_up=False,
        worker_threads=3,
        freeze_gc=True,
    )
    before = gc.get_freeze_count()
    try:
        with TestClient(create_app(settings)) as client:
            assert client.get("/v1/health").status_code == 200
            limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
            assert limiter.total_tokens == 3
            assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_the_heap_is_left_alone_by_default(tmp_path: Path) -> None:
    gc.unfreeze()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'reskill.db'}", embeddings=False, warm_up=False
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/health").status_code == 200
    assert gc.get_freeze_count() == 0
