"""`reskill generate employees`: seeded synthetic employees for an org dataset."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from recommender.catalog import Catalog
from recommender.cli._app import generate_app
from recommender.cli._options import BUNDLED_DATA
from recommender.errors import ReskillError

console = Console()
err = Console(stderr=True)

PROGRESS_FROM = 10_000
"""Show progress bars from this many employees up."""


@generate_app.command("employees")
def employees(
    n: Annotated[int, typer.Option("--n", "-n", min=0, help="Number of employees.")] = 500,
    seed: Annotated[int, typer.Option(min=0, help="Random seed; same seed, same files.")] = 2026,
    data: Annotated[
        Path,
        typer.Option(
            exists=True,
            file_okay=False,
            help="Directory of org CSV files with the roles, skills and courses.",
        ),
    ] = BUNDLED_DATA,
    out: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            help="Where to write the employee files (default: the --data directory).",
        ),
    ] = None,
    start_id: Annotated[int, typer.Option(min=1, help="Number of the first employee id.")] = 1,
) -> None:
    """Write employees.csv, employee_skills.csv, employee_certifications.csv and
    protected_attributes.csv for N synthetic employees of the roles in DATA."""
    from recommender.generator import EMPLOYEE_TABLES, generate_employees, write_employee_tables

    target = out or data
    try:
        catalog = _read_catalogue(data, exclude=EMPLOYEE_TABLES)
        with _bars(n) as (generated, written):
            population = generate_employees(catalog, n, seed, start_id=start_id, progress=generated)
            counts = write_employee_tables(target, population, progress=written)
    except ReskillError as exc:
        err.print(f"[red]Nothing was generated.[/red] {exc}")
        raise typer.Exit(code=2) from None
    for name, rows in counts.items():
        console.print(f"wrote {rows:>9,} rows to {target / name}")


def _read_catalogue(data: Path, exclude: tuple[str, ...]) -> Catalog:
    """The roles, skills and courses of ``data``, ignoring any employee files in it.

    Old employee files are left out so that regenerating after a change to roles.csv
    never trips over employees of a role that no longer exists; the empty ``base``
    tells the reader that the employee files are not required.
    """
    from recommender.ingest.columns import TABLE_ORDER, TABLES
    from recommender.ingest.tables import read_org_tables

    with tempfile.TemporaryDirectory(prefix="reskill-generate-") as tmp:
        for name in TABLE_ORDER:
            source = data / TABLES[name].filename
            if name not in exclude and source.is_file():
                shutil.copyfile(source, Path(tmp) / source.name)
        return read_org_tables(tmp, base=Catalog()).catalog


Step = Callable[[int], None]


@contextmanager
def _bars(n: int) -> Iterator[tuple[Step | None, Step | None]]:
    """Progress callbacks for generating and writing; none below :data:`PROGRESS_FROM`."""
    if n < PROGRESS_FROM:
        yield None, None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as progress:
        generating = progress.add_task("generating", total=n)
        writing = progress.add_task("writing", total=n)
        yield (
            lambda done: progress.update(generating, completed=done),
            lambda done: progress.update(writing, completed=done),
        )
