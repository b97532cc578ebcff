"""Serving settings that shape latency under load: the thread pool, the frozen heap and
where SQLite's WAL checkpoints run."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.store.engine import BACKGROUND_AUTOCHECKPOINT_PAGES


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


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "reskill-wal-checkpoint"]


def test_sqlite_wal_checkpoints_run_off_the_request_path_unless_turned_off(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'reskill.db'}"
    base = {"database_url": url, "embeddings": False, "warm_up": False}
    with TestClient(create_app(Settings(**base))) as client:  # type: ignore[arg-type]
        assert client.get("/v1/health").status_code == 200
        assert len(_checkpoint_threads()) == 1
        engine = client.app.state.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert pages == BACKGROUND_AUTOCHECKPOINT_PAGES
    assert _checkpoint_threads() == []  # stopped with the app
    inline = Settings(**base, wal_checkpoint_interval=0)  # type: ignore[arg-type]
    with TestClient(create_app(inline)) as client:
        assert client.get("/v1/health").status_code == 200
        assert _checkpoint_threads() == []


def test_the_answer_cache_budget_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESKILL_ANSWER_CACHE_MB", "3")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'reskill.db'}", embeddings=False, warm_up=False
    )
    with TestClient(create_app(settings)) as client:
        service = client.app.state.recommender  # type: ignore[attr-defined]
        assert service.answer_cache.max_bytes == 3 * 2**20
    assert Settings().answer_bytes == 3 * 2**20
    monkeypatch.delenv("RESKILL_ANSWER_CACHE_MB")
    assert Settings().answer_bytes is None  # the Recommender's own default


@pytest.mark.parametrize("off", ["off", "none", ""])
def test_the_disk_copy_of_vectors_can_be_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, off: str
) -> None:
    """Replicas that should keep nothing on their own disks: the database's text_vectors
    are then the only store of vectors, and encoding writes no file."""
    from api.main import service_encoder
    from recommender.database import open_database

    monkeypatch.setenv("RESKILL_EMBEDDING_CACHE", off)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'reskill.db'}")
    assert settings.embedding_cache is None
    engine = open_database(settings.database_url)
    try:
        encoder = service_encoder(settings, engine)
        assert encoder.cache.local is None  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    monkeypatch.setenv("RESKILL_EMBEDDING_CACHE", str(tmp_path / "vectors"))
    assert Settings().embedding_cache == tmp_path / "vectors"
