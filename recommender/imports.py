"""Importing an organisation's files that arrive as an upload, the way ``reskill import org`` does.

An upload is a list of parts, each a file name and its bytes. The names are metadata
only: each must be one of the org table file names (``skills.csv``, ``employees.csv``
... see ``data/COLUMNS.md``) or, alone, one ``.xlsx`` workbook; the bytes are written
into a fresh temporary directory under names chosen here, never under the name given.
Then :func:`import_org` validates the folder against what the database holds
(:func:`~recommender.ingest.tables.read_org_tables`, as the CLI does) and saves it in
one transaction (:func:`~recommender.store.save_catalog`, idempotent), or raises
:class:`~recommender.errors.InvalidCatalog` with every problem and saves nothing.

Examples
--------
>>> staged_name("employees.csv"), staged_name("Riverside.XLSX"), staged_name("../x.csv")
('employees.csv', 'workbook.xlsx', None)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from recommender.errors import InvalidCatalog, Problem
from recommender.ingest.columns import TABLE_ORDER, TABLES
from recommender.ingest.tables import FileReport, ImportReport, read_org_tables
from recommender.store import (
    SaveResult,
    TableCounts,
    content_fingerprint,
    load_catalog,
    save_catalog,
)

__all__ = [
    "FileReport",
    "TableCounts",
    "UploadPart",
    "ImportOutcome",
    "staged_name",
    "stage_upload",
    "import_org",
    "import_upload",
]

WORKBOOK = "workbook.xlsx"
_KNOWN = tuple(TABLES[n].filename for n in TABLE_ORDER)


@dataclass(frozen=True, slots=True)
class UploadPart:
    """One uploaded file: the name the client gave (metadata only) and its content."""

    filename: str | None
    content: BinaryIO


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the validation report, the save, the database fingerprint after it."""

    report: ImportReport
    saved: SaveResult
    fingerprint: str

    @property
    def changed(self) -> bool:
        return self.saved.changed


def staged_name(filename: str | None) -> str | None:
    """The name a part is stored under, or ``None`` when its name is not an org file."""
    if filename in _KNOWN:
        return filename
    if filename and filename.lower().endswith(".xlsx") and _plain(filename):
        return WORKBOOK
    return None


def _plain(filename: str) -> bool:
    """A bare file name: no directory, no control characters, not absurdly long."""
    return (
        len(filename) <= 255
        and not any(c in filename for c in "/\\:")
        and filename.isprintable()
        and filename not in {".", ".."}
    )


def _part_problems(parts: Sequence[UploadPart]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    expected = ", ".join(_KNOWN)
    for number, part in enumerate(parts, start=1):
        name = staged_name(part.filename)
        where = f"upload part {number}"
        if name is None:
            reason = f"file name is not an org table: expected one of {expected}, or one .xlsx"
            problems.append(Problem(where, None, "filename", reason))
        elif name in seen:
            reason = f"the same table as upload part {seen[name]} ({name})"
            problems.append(Problem(where, None, "filename", reason))
        else:
            seen[name] = number
    if WORKBOOK in seen and len(parts) > 1:
        reason = "a workbook must be uploaded alone (it holds every table as a sheet)"
        problems.append(Problem(f"upload part {seen[WORKBOOK]}", None, "filename", reason))
    if not parts:
        problems.append(Problem("upload", None, "files", "no files: upload CSV files or one .xlsx"))
    return problems


def stage_upload(parts: Sequence[UploadPart], directory: str | os.PathLike[str]) -> Path:
    """Write ``parts`` into ``directory`` under the names of :func:`staged_name`.

    Returns
    -------
    Path
        What to import: ``directory`` itself (CSV files) or the workbook in it.

    Raises
    ------
    InvalidCatalog
        A part has no org-table name, two parts are the same table, a workbook comes
        with other files, or there are no parts; nothing is written then.
    """
    problems = _part_problems(parts)
    if problems:
        raise InvalidCatalog(problems)
    folder = Path(directory)
    for part in parts:
        name = staged_name(part.filename)
        assert name is not None
        with (folder / name).open("xb") as out:
            shutil.copyfileobj(part.content, out)
    return folder / WORKBOOK if (folder / WORKBOOK).exists() else folder


def import_org(engine: sa.Engine, source: Path, *, label: str) -> ImportOutcome:
    """Validate ``source`` against the stored catalogue, then save it in one transaction.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A migrated database.
    source : Path
        A folder of CSV files or one .xlsx workbook.
    label : str
        Recorded as the import run's source.

    Raises
    ------
    InvalidCatalog
        With every problem found; nothing is saved.
    """
    dataset = read_org_tables(source, base=load_catalog(engine))
    saved = save_catalog(
        engine, dataset.catalog, protected=dataset.protected, kind="org", source=label
    )
    return ImportOutcome(dataset.report, saved, content_fingerprint(engine))


def import_upload(engine: sa.Engine, parts: Sequence[UploadPart]) -> ImportOutcome:
    """Stage ``parts`` in a fresh temporary directory and :func:`import_org` them.

    Raises
    ------
    InvalidCatalog
        From :func:`stage_upload` or from validation; nothing is saved.
    """
    with tempfile.TemporaryDirectory(prefix="reskill-upload-") as directory:
        source = stage_upload(parts, directory)
        names = sorted(p.name for p in Path(directory).iterdir())
        return import_org(engine, source, label="upload: " + ", ".join(names))
