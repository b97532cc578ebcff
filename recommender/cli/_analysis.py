"""What the analysis commands share: the database they answer from, who asks, progress, errors.

``reskill pathway``, ``reachable``, ``candidates``, ``mobility``, ``hard-to-fill``,
``match`` and ``people`` answer from the database at ``--database-url``
(``RESKILL_DATABASE_URL``; by default the SQLite file ``var/reskill.db``, the one
``reskill serve`` serves): :func:`answering` migrates it and loads it into a
:class:`~recommender.service.Recommender`, with the encoder the command asks for, exactly as
the HTTP service loads it: its vectors are the database's (``text_vectors``, shared with
the service and ``reskill prepare``), with the on-disk cache of ``--cache-dir`` as this
machine's second tier (``--data`` runs use only that).

Who the command line is
-----------------------
Whoever runs ``reskill`` can open the database directly, so the command line is an
administrator: :func:`cli_principal` is ``Principal("cli:<os user>", Role.ADMIN)`` (the key
id cut to the 16 characters the access log keeps; API key ids have no colon, so it never
names a key). A command that returns, ranks or logs a person makes **one** call through
the gate (:func:`gate`, :func:`about_person`) on the route ``"reskill <command>"`` with a
request id of its own (one per run), so everyone it shows is written to the database's
access log exactly like a read over HTTP, and someone not stored is an
:class:`~recommender.errors.UnknownEmployee` with nothing logged. Commands that hold no
person (``pathway --from-role``, ``reachable --from-role``, ``match``, the counts of
``hard-to-fill``) ask the Recommender directly.

``--data``
----------
With ``--data DIR`` (a folder of org CSV files, or one .xlsx workbook) a command answers
from that dataset instead: it is validated and imported like ``reskill import org``
(:func:`recommender.imports.import_org`) into a fresh SQLite database in a temporary
directory, which also holds the log of the people read, and is deleted when the command
ends. The database at ``--database-url`` is not opened.
"""

from __future__ import annotations

import getpass
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from recommender.access import Action, Principal, Role
from recommender.cli._options import ensure_sqlite_parent
from recommender.errors import InvalidInput, ReskillError, UnknownEmployee
from recommender.preparation import prepared_shortlist_plans
from recommender.service import Recommender

if TYPE_CHECKING:
    import sqlalchemy as sa

    from recommender.embeddings import Encoder, FloatMatrix
    from recommender.gate import Gate

__all__ = [
    "CLI_KEY_ID",
    "KEY_ID_LENGTH",
    "cli_principal",
    "route",
    "answering",
    "gate",
    "about_person",
    "embedding_profiles",
    "fail",
]

Answer = TypeVar("Answer")

#: The key id of the command line in the access log when the OS user is unknown.
CLI_KEY_ID = "cli"
#: The most characters of a key id the access log keeps (``access_log.key_id``).
KEY_ID_LENGTH = 16

err = Console(stderr=True)


def cli_principal() -> Principal:
    """The command line as a caller: an admin, key id ``cli:<os user>`` (16 characters at most).

    Examples
    --------
    >>> me = cli_principal()
    >>> me.role, me.key_id.startswith("cli"), len(me.key_id) <= 16
    (<Role.ADMIN: 'admin'>, True, True)
    """
    try:
        user = getpass.getuser()
    except (ImportError, KeyError, OSError):  # no login name (e.g. a container's uid)
        return Principal(CLI_KEY_ID, Role.ADMIN)
    return Principal(f"{CLI_KEY_ID}:{user}"[:KEY_ID_LENGTH], Role.ADMIN)


def route(command: str) -> str:
    """The access log's route for a command: ``"reskill candidates"``."""
    return f"reskill {command}"


@contextmanager
def answering(
    database_url: str, data: Path | None, *, encoder: Encoder | None = None
) -> Iterator[Recommender]:
    """The Recommender a command answers from: the database at ``database_url`` (migrated),
    or ``data`` imported into a temporary database (see the module docstring).

    Raises
    ------
    InvalidCatalog
        ``data`` failed validation.
    InvalidInput
        The database holds no roles: nothing to answer from (it says how to load some).
    UnknownEmployee
        From the body, with a note saying which data was read.
    """
    with _database(database_url, data) as (engine, where):
        if data is None:
            encoder = _database_vectors(encoder, engine)
        counted = None if encoder is None else _Counted(encoder)
        with _step("Loading the catalogue from the database"):
            service = Recommender.from_engine(engine, encoder=counted)
        if data is None and service.data_version is not None:
            plans = prepared_shortlist_plans(engine, service.data_version)
            if plans is not None:  # hard-to-fill shortlists answer from the prepared plans
                service.adopt_shortlist_plans(plans)
        if not service.catalog.roles:
            raise InvalidInput(
                f"{where} holds no data: load the bundled dataset with `reskill init`, "
                "import yours with `reskill import org DIR`, or answer from files with --data DIR"
            )
        try:
            yield service
        except UnknownEmployee as exc:
            exc.add_note(f"(not in {where}; nothing was logged)")
            raise


def _database_vectors(encoder: Encoder | None, engine: sa.Engine) -> Encoder | None:
    """A cached encoder whose cache is the database's ``text_vectors`` (the vectors every
    worker of the service shares), with the on-disk cache it was given as second tier."""
    from recommender.database import database_vectors
    from recommender.embeddings import CachedEncoder

    if not isinstance(encoder, CachedEncoder):
        return encoder  # no cache asked for (match --no-cache), or no model at all
    return CachedEncoder(encoder.encoder, database_vectors(engine, local=encoder.cache))


@contextmanager
def _database(url: str, data: Path | None) -> Iterator[tuple[sa.Engine, str]]:
    """An engine on ``url``, or on a temporary SQLite database holding ``data``; and what
    it is, for messages (never a password)."""
    from recommender.database import migrate, open_database

    if data is None:
        ensure_sqlite_parent(url)
        engine = open_database(url)
        try:
            yield engine, f"the database {engine.url.render_as_string(hide_password=True)}"
        finally:
            engine.dispose()
        return
    from recommender.imports import import_org

    with tempfile.TemporaryDirectory(prefix="reskill-data-") as folder:
        engine = open_database(f"sqlite:///{Path(folder) / 'reskill.db'}")
        try:
            with _step(f"Importing {data} into a temporary database"):
                migrate(engine)
                import_org(engine, data, label=str(data))
            yield engine, f"the dataset {data}"
        finally:
            engine.dispose()


@contextmanager
def _step(description: str) -> Iterator[None]:
    """A spinner with the time taken, on stderr, while a long step runs."""
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        progress.add_task(description, total=None)
        yield


def gate(service: Recommender, command: str) -> Gate:
    """The gate through which ``reskill <command>`` reads people: the CLI's principal and
    route, and a new request id (call it once per run)."""
    return service.for_principal(cli_principal(), route=route(command), request_id=uuid.uuid4().hex)


def about_person(
    service: Recommender,
    command: str,
    employee_id: str | None,
    answer: Callable[[], Answer],
    action: Action = Action.PATHWAYS_READ,
) -> Answer:
    """``answer()``: through the gate as a logged read of ``employee_id`` when there is one
    (:meth:`~recommender.gate.Gate.read_person`), else directly (a role's typical profile
    holds no person).

    Raises
    ------
    UnknownEmployee
        ``employee_id`` is not stored; ``answer`` is not called and nothing is logged.
    """
    if employee_id is None:
        return answer()
    return gate(service, command).read_person(action, employee_id, answer)


class _Counted:
    """An :class:`~recommender.embeddings.Encoder` that reports how many texts it embeds
    (cached vectors included) to whoever :func:`embedding_profiles` put in ``report``."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.report: Callable[[int], None] | None = None

    @property
    def name(self) -> str:
        return self.encoder.name

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        vectors = self.encoder.encode(texts)
        if self.report is not None:
            self.report(len(texts))
        return vectors


@contextmanager
def embedding_profiles(service: Recommender) -> Iterator[None]:
    """A progress bar of profiles embedded while the body runs (the first ranking embeds
    everyone who has not opted out; the cache makes later runs quick)."""
    from recommender.candidates import CandidateIndex

    encoder = service.encoder
    if not isinstance(encoder, _Counted):
        yield
        return
    total = len(CandidateIndex.eligible_ids(service.catalog))
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("Embedding profiles", total=total)

        def advance(texts: int) -> None:  # role and query texts follow the profiles
            done = progress.tasks[0].completed + texts
            progress.update(task, completed=min(done, total))

        encoder.report = advance
        try:
            yield
        finally:
            encoder.report = None


def fail(exc: ReskillError) -> NoReturn:
    """Print ``exc`` (and its notes) on stderr and exit with status 1."""
    err.print(f"[red]error:[/red] {exc}", highlight=False)
    for note in getattr(exc, "__notes__", ()):
        err.print(f"  {note}", highlight=False)
    raise typer.Exit(1) from None
