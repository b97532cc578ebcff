"""The Typer application and its command groups; commands live in sibling modules."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="reskill",
    help="Reskilling pathways into hard-to-fill healthcare cybersecurity and AI/data roles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import data into the reskill database.", no_args_is_help=True)
generate_app = typer.Typer(help="Generate synthetic data.", no_args_is_help=True)
graph_app = typer.Typer(help="Export the role/skill/course graph.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Evaluate models against O*NET yardsticks.", no_args_is_help=True)

app.add_typer(import_app, name="import")
app.add_typer(generate_app, name="generate")
app.add_typer(graph_app, name="graph")
app.add_typer(evaluate_app, name="evaluate")
