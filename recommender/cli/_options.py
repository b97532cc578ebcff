"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import recommender
from recommender.catalog import Catalog
from recommender.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    Encoder,
    SentenceTransformerEncoder,
)

if TYPE_CHECKING:
    import sqlalchemy as sa

DEFAULT_DATABASE_URL = "sqlite:///var/reskill.db"
BUNDLED_DATA = Path(recommender.__file__).resolve().parents[1] / "data"

DatabaseUrl = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="RESKILL_DATABASE_URL",
        help="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://... in production.",
    ),
]


@contextmanager
def migrated_engine(url: str) -> Iterator[sa.Engine]:
    """An engine on ``url``, its schema migrated to head, disposed on exit."""
    from recommender.store import make_engine, upgrade

    ensure_sqlite_parent(url)
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def ensure_sqlite_parent(url: str) -> None:
    """Create the folder of a relative or absolute SQLite file so the first run just works."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:":
        Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


MODELS_DIR = Path(recommender.__file__).resolve().parents[1] / "models"
EMBEDDING_CACHE = Path.home() / ".cache" / "reskill" / "embeddings"

CacheDir = Annotated[
    Path,
    typer.Option(
        "--cache-dir",
        envvar="RESKILL_EMBEDDING_CACHE",
        help="Persistent embedding cache, shared by every command (created if missing).",
    ),
]
DataDir = Annotated[
    Path, typer.Option("--data", help="Directory (or .xlsx) of org tables to read.")
]


def load_dataset(data: Path) -> Catalog:
    """The organisation catalogue in a folder of CSV files or an .xlsx workbook."""
    from recommender.ingest.tables import read_org_tables

    return read_org_tables(data).catalog


def cached_encoder(
    cache_dir: Path | None, model: Path | None = None, *, bf16: bool = False
) -> Encoder:
    """The sentence-transformers encoder (bundled model unless ``model``), cached on disk."""
    encoder = SentenceTransformerEncoder(None if model is None else str(model), bf16=bf16)
    return encoder if cache_dir is None else CachedEncoder(encoder, EmbeddingCache(cache_dir))
