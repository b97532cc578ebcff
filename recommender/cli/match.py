"""`reskill match`: the roles and skills a free-text description points to.

It answers from the database (``--database-url``), or from ``--data`` imported into a
temporary database (:mod:`recommender.cli._analysis`), through
:meth:`Recommender.match <recommender.service.Recommender.match>`: it reads no person, so
nothing is logged. Vectors are kept in the database (with ``--data``: on disk, in
``--cache-dir``) so roles are encoded once across runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from recommender.cli._analysis import answering, fail
from recommender.cli._app import app
from recommender.cli._options import (
    DEFAULT_DATABASE_URL,
    EMBEDDING_CACHE,
    CacheDir,
    DatabaseUrl,
    DataDir,
    cached_encoder,
)
from recommender.errors import ReskillError
from recommender.matching import MatchResult

console = Console()
err = Console(stderr=True)


@app.command("match")
def match(
    text: Annotated[
        str, typer.Option("--text", help='Profile, resume or job description; "-" reads stdin.')
    ],
    top: Annotated[int, typer.Option("--top", min=1, help="How many roles to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: DataDir = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Directory of a local sentence-transformers model."),
    ] = None,
    cache: CacheDir = EMBEDDING_CACHE,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the cache.")
    ] = False,
) -> None:
    """Print the roles TEXT fits best and the catalogue skills it evidences (inferred).

    The text is neither logged nor stored.
    """
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        err.print("[red]error:[/red] --text is empty: give a profile, resume or job description")
        raise typer.Exit(2)
    encoder = cached_encoder(None if no_cache else cache, model)
    try:
        with answering(database_url, data, encoder=encoder) as service:
            result = service.match(text, top)
    except ReskillError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _render(result)


def _render(result: MatchResult) -> None:
    roles = Table(title="Roles")
    for column in ("#", "role", "score", "embedding", "skill overlap", "shared skills"):
        roles.add_column(column)
    for rank, role in enumerate(result.roles, start=1):
        roles.add_row(
            str(rank),
            f"{role.title} ({role.role_id})",
            f"{role.score:.3f}",
            f"{role.embedding_similarity:.3f}",
            f"{role.skill_overlap:.3f}",
            ", ".join(role.matched_skills) or "-",
        )
    console.print(roles)
    skills = Table(title="Skills evidenced (inferred, not verified)")
    for column in ("skill", "confidence", "method", "evidence"):
        skills.add_column(column)
    for skill in result.skills:
        skills.add_row(
            f"{skill.name} ({skill.skill_id})",
            f"{skill.confidence:.2f}",
            str(skill.method),
            repr(skill.span.text[:60]),
        )
    console.print(skills if result.skills else "No catalogue skills evidenced.")
