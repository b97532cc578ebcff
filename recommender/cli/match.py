"""`reskill match`: the roles and skills a free-text description points to.

For now the catalogue is read from org CSV files (the bundled ``data/`` by default)
through :func:`recommender.ingest.tables.read_org_tables`; this moves behind the
database-backed service facade once it lands. Vectors are cached on disk (``--cache``)
so roles are encoded once across runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from recommender.cli._app import app
from recommender.cli._options import (
    BUNDLED_DATA,
    EMBEDDING_CACHE,
    CacheDir,
    DataDir,
    cached_encoder,
    load_dataset,
)
from recommender.errors import ReskillError
from recommender.matching import MatchResult, RoleIndex, match_text
from recommender.skills_extraction import SkillExtractor

console = Console()
err = Console(stderr=True)


@app.command("match")
def match(
    text: Annotated[
        str, typer.Option("--text", help='Profile, resume or job description; "-" reads stdin.')
    ],
    top: Annotated[int, typer.Option("--top", min=1, help="How many roles to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    data: DataDir = BUNDLED_DATA,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Directory of a local sentence-transformers model."),
    ] = None,
    cache: CacheDir = EMBEDDING_CACHE,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the cache.")
    ] = False,
) -> None:
    """Print the roles TEXT fits best and the catalogue skills it evidences (inferred)."""
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        err.print("[red]error:[/red] --text is empty: give a profile, resume or job description")
        raise typer.Exit(2)
    try:
        catalog = load_dataset(data)
        encoder = cached_encoder(None if no_cache else cache, model)
        extractor = SkillExtractor(encoder).fit(catalog)
        result = match_text(
            text, catalog, encoder, extractor, top, index=RoleIndex(encoder).fit(catalog)
        )
    except ReskillError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
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
