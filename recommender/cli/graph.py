"""`reskill graph export`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from recommender.cli._app import graph_app
from recommender.cli._options import DEFAULT_DATABASE_URL, DatabaseUrl, migrated_engine
from recommender.graph import add_moves, build_graph, to_cytoscape, to_node_link


class GraphFormat(StrEnum):
    NODE_LINK = "node-link"
    CYTOSCAPE = "cytoscape"


@graph_app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="File to write (JSON).")],
    fmt: Annotated[GraphFormat, typer.Option("--format")] = GraphFormat.NODE_LINK,
    moves: Annotated[
        bool,
        typer.Option(
            "--moves/--no-moves",
            help="Include role-to-role moves (edges 'moves_to' with training hours and the "
            "transition model's score).",
        ),
    ] = True,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Export the role/skill/course graph (no personal data) as node-link or Cytoscape JSON,
    with the viable role-to-role moves, so the pathways graph can be drawn from it."""
    from recommender.service import Recommender
    from recommender.store import load_catalog

    with migrated_engine(database_url) as engine:
        catalog = load_catalog(engine, include_employees=False)
    graph = build_graph(catalog)
    if moves:
        add_moves(graph, Recommender(catalog).stepping_stones.graph)
    data = to_cytoscape(graph) if fmt is GraphFormat.CYTOSCAPE else to_node_link(graph)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    typer.echo(
        f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges to {out}"
    )
