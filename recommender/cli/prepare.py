"""`reskill prepare`: compute once, for every worker, what each would otherwise compute itself.

For the database's current data version it encodes every profile whose vector is not in
the database yet, then answers and renders everyone's first page of opportunities and
stores them (``prepared_answers``), in batches, and marks the version prepared. A worker
starting on a prepared version loads all of it instead of computing it. See
:mod:`recommender.preparation`.

Killed, it continues where it stopped when run again. Only one preparer works on a data
version at a time: a second one waits for the first (or, with ``--no-wait``, leaves it to
it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from recommender.cli._app import app
from recommender.cli._options import DEFAULT_DATABASE_URL, DatabaseUrl, migrated_engine
from recommender.preparation import BATCH_SIZE, Prepared
from recommender.preparation import Progress as PhaseProgress

if TYPE_CHECKING:
    import sqlalchemy as sa

console = Console()
err = Console(stderr=True)

#: Tries when the data version moves on while preparing (each try prepares the newer one).
ATTEMPTS = 5
_PHASES = {
    "vectors": "profile vectors",
    "shortlists": "hard-to-fill shortlists",
    "pages": "opportunity pages",
}


@app.command("prepare")
def prepare_command(
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            envvar="RESKILL_MODEL",
            help="The service's sentence-transformers model, if not the bundled one (vectors "
            "are stored under its name: use the model the service uses).",
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            help="Processes encoding profiles (from 1,000 to encode) and answering "
            "opportunities (default: one per core).",
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size", min=1, help="Profiles encoded, and pages stored, per transaction."
        ),
    ] = BATCH_SIZE,
    bf16: Annotated[
        bool | None,
        typer.Option(
            "--bf16/--fp32",
            help="Encode profiles under bfloat16 autocast or in fp32. Default: bf16 where the "
            "CPU computes it natively (AVX512-BF16, AMX; 1.5x faster there, each person's 10 "
            "nearest neighbours 99.5% the same as in fp32: bench/eval_bf16_neighbours.py), "
            "else fp32 (emulated bf16 is 3x slower).",
            show_default=False,
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="When another process is preparing this data version, wait for it (default) "
            "or exit at once.",
        ),
    ] = True,
) -> None:
    """Prepare the current data version for every worker: vectors and first pages, stored.

    Encodes every profile not yet in the database, answers and renders everyone's first
    page of opportunities, stores them in batches, and marks the version prepared; workers
    (reskill serve) starting on it then load them instead of computing them. Run it after
    an import (and daily: pages are dated). Resumable: killed and run again, it continues
    where it stopped.
    """
    with migrated_engine(database_url) as engine:
        for _ in range(ATTEMPTS):
            outcome = _prepare_once(engine, model, processes, batch_size, wait, bf16)
            if outcome is None:
                return
            if not outcome.superseded:
                _print(outcome)
                return
            err.print(
                f"The data version moved on while version {outcome.version} was prepared; "
                "preparing the new one."
            )
    err.print("[red]The data version kept moving; nothing finished. Run it again later.[/red]")
    raise typer.Exit(1)


def _prepare_once(
    engine: sa.Engine,
    model: Path | None,
    processes: int | None,
    batch_size: int,
    wait: bool,
    bf16: bool | None = None,
) -> Prepared | None:
    """Load the current data version and prepare it; ``None`` when another process holds
    it and ``wait`` is off."""
    from recommender.database import database_vectors
    from recommender.embeddings import CachedEncoder, SentenceTransformerEncoder
    from recommender.preparation import prepare
    from recommender.service import Recommender

    encoder = CachedEncoder(
        SentenceTransformerEncoder(None if model is None else str(model), bf16=bf16),
        database_vectors(engine),
    )
    service = Recommender.from_engine(engine, encoder=encoder)
    if not service.catalog.roles:
        err.print("[red]The database holds no data:[/red] load some with `reskill init`.")
        raise typer.Exit(1)
    version = service.data_version
    assert version is not None
    with _turn(engine, version, wait) as mine:
        if not mine:
            err.print(f"Another process is preparing data version {version}; leaving it to it.")
            return None
        with _progress() as progress:
            return prepare(
                engine, service, batch_size=batch_size, processes=processes, progress=progress
            )


@contextmanager
def _turn(engine: sa.Engine, version: int, wait: bool) -> Iterator[bool]:
    """Hold the preparation lock of ``version`` (waiting for it if ``wait``)."""
    from recommender.preparation import claim

    told = False
    while True:
        with claim(engine, version) as mine:
            if mine or not wait:
                yield mine
                return
        if not told:
            err.print(f"Another process is preparing data version {version}; waiting for it.")
            told = True
        time.sleep(1.0)


@contextmanager
def _progress() -> Iterator[PhaseProgress]:
    """Progress bars on a terminal; elsewhere one line per stored batch, on stderr."""
    if not err.is_terminal:

        def line(phase: str, done: int, total: int) -> None:
            err.print(f"{_PHASES[phase]}: {done} of {total}", highlight=False, soft_wrap=True)

        yield line
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err) as bars:
        tasks: dict[str, TaskID] = {}

        def bar(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(_PHASES[phase], total=total)
            bars.update(tasks[phase], completed=done, total=total)

        yield bar


def _print(outcome: Prepared) -> None:
    if outcome.pages_rendered == 0 and outcome.vectors_encoded == 0:
        console.print(
            f"Data version {outcome.version} was already prepared "
            f"({outcome.people} people); nothing to do."
        )
        return
    console.print(
        f"Data version {outcome.version} prepared: {outcome.people} people "
        f"({outcome.pages_rendered} pages rendered and {outcome.vectors_encoded} profiles "
        "encoded by this run)."
    )
