"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import recommender

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


def ensure_sqlite_parent(url: str) -> None:
    """Create the folder of a relative or absolute SQLite file so the first run just works."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:":
        Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)

MODELS_DIR = Path(recommender.__file__).resolve().parents[1] / "models"
EMBEDDING_CACHE = Path.home() / ".cache" / "reskill" / "embeddings"
