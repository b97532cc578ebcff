"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import recommender
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
    from recommender.database import migrate, open_database

    ensure_sqlite_parent(url)
    engine = open_database(url)
    try:
        migrate(engine)
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
        help="On-disk embedding cache (created if missing), for commands that read no "
        "database (--data, O*NET files); a command reading the database uses the vectors "
        "stored in it, shared with the service.",
    ),
]
DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Answer from this folder of org CSV files (or .xlsx) instead of the database: it "
        "is validated like `reskill import org` and imported into a temporary SQLite database, "
        "discarded on exit (with the log of the people read from it).",
    ),
]


def cached_encoder(
    cache_dir: Path | None, model: Path | None = None, *, bf16: bool | None = False
) -> Encoder:
    """The sentence-transformers encoder (bundled model unless ``model``), cached on disk.

    Each precision has a folder of its own (``cache_dir/fp32``, ``cache_dir/bf16``): bf16
    vectors are within a hair of fp32's, not equal, and a model artefact made in one
    precision (the shipped occupation scores: bf16) is reproduced only from that
    precision's vectors, whatever ran first on the machine."""
    encoder = SentenceTransformerEncoder(None if model is None else str(model), bf16=bf16)
    if cache_dir is None:
        return encoder
    return CachedEncoder(encoder, EmbeddingCache(cache_dir / ("bf16" if encoder.bf16 else "fp32")))
