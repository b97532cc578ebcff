"""`reskill match`: the roles and skills a free-text description points to.

It answers from the database (``--database-url``), or from ``--data`` imported into a
temporary database (:mod:`recommender.cli._analysis`), through
:meth:`Recommender.match <recommender.service.Recommender.match>`: it reads no person, so
nothing is logged. Vectors are kept in the database (with ``--data``: on disk, in
``--cache-dir``) so roles are encoded once across runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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
from recommender.cli._output import AsCsv, AsJson, Grid, output_format, print_answer, stdout
from recommender.errors import ReskillError
from recommender.matching import MatchResult

err = Console(stderr=True)


@app.command("match")
def match(
    text: Annotated[
        str, typer.Option("--text", help='Profile, resume or job description; "-" reads stdin.')
    ],
    top: Annotated[int, typer.Option("--top", min=1, help="How many roles to show.")] = 5,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
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
    fmt = output_format(as_json, as_csv)
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
    print_answer(fmt, result.to_dict, lambda: _render(result), sections=["roles", "skills"])


def _render(result: MatchResult) -> None:
    out = stdout()
    roles = Grid(
        "#",
        "role",
        "score",
        "embedding",
        "skill overlap",
        "skill coverage",
        "shared skills",
        title="Roles",
    )
    for rank, role in enumerate(result.roles, start=1):
        roles.add_row(
            str(rank),
            f"{role.title} ({role.role_id})",
            f"{role.score:.3f}",
            f"{role.embedding_similarity:.3f}",
            f"{role.skill_overlap:.3f}",
            f"{role.skill_coverage:.3f}",
            ", ".join(role.matched_skills) or "-",
        )
    roles.print(out)
    skills = Grid(
        "skill",
        "confidence",
        "method",
        "evidence",
        title="Skills evidenced (inferred, not verified)",
    )
    for skill in result.skills:
        skills.add_row(
            f"{skill.name} ({skill.skill_id})",
            f"{skill.confidence:.2f}",
            str(skill.method),
            repr(skill.span.text[:60]),
        )
    if result.skills:
        skills.print(out)
    else:
        out.print("No catalogue skills evidenced.")
