"""Importing an organisation's files: a folder, a workbook or an upload; snapshots or partial.

An upload is a list of parts, each a file name and its bytes. The names are metadata
only: each must be one of the org table file names (``skills.csv``, ``employees.csv``
... see ``data/COLUMNS.md``) or, alone, one ``.xlsx`` workbook; the bytes are written
into a fresh temporary directory under names chosen here, never under the name given.
Then :func:`import_org` validates the folder against what the database holds
(:func:`~recommender.ingest.tables.read_org_tables`) and saves it in one transaction
(:func:`~recommender.store.save_catalog`, idempotent), or raises
:class:`~recommender.errors.InvalidCatalog` with every problem and saves nothing.
``reskill import org``, ``reskill init`` and ``POST /v1/imports/org`` all come here.

Snapshots and partial imports
-----------------------------
An import that carries ``employees.csv`` (or an ``employees`` sheet) is a *snapshot* of
the workforce unless it is marked partial: stored employees absent from it are
removed, with every row naming them, through the erasure path
(:func:`recommender.store.erasures.forget_people`), in the import's one transaction;
their profile vectors leave the embedding cache after the commit. They get no erasure
tombstone: a later import that lists them again brings them back (a re-hire). A
*partial* import (``partial=True``), or one without employees, removes nobody.
Roles, skills and courses are always upserted: those absent from an import stay.

Whatever the mode, people whose id an erasure tombstoned are left out with all their
rows (skills, certifications, protected attributes), and the report says how many, never
who; ``reskill employees rehire ID`` lifts the tombstone.

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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from recommender.candidates.index import profile_text
from recommender.catalog import Catalog
from recommender.embeddings import CachedEncoder
from recommender.erasure import purge_profiles
from recommender.errors import InvalidCatalog, Problem
from recommender.ingest.columns import TABLE_ORDER, TABLES
from recommender.ingest.tables import FileReport, ImportReport, read_org_tables
from recommender.ingest.template import write_template
from recommender.store import (
    SaveResult,
    TableCounts,
    content_fingerprint,
    entity_counts,
    load_catalog,
    save_catalog,
)
from recommender.store.erasures import scrub_sqlite

__all__ = [
    "write_template",
    "FileReport",
    "TableCounts",
    "UploadPart",
    "ImportOutcome",
    "staged_name",
    "stage_upload",
    "import_org",
    "import_upload",
    "initial_import",
    "REHIRE_HINT",
]

#: How the import report tells an admin to bring an erased person back.
REHIRE_HINT = "re-hire with `reskill employees rehire ID`"

WORKBOOK = "workbook.xlsx"
_KNOWN = tuple(TABLES[n].filename for n in TABLE_ORDER)


@dataclass(frozen=True, slots=True)
class UploadPart:
    """One uploaded file: the name the client gave (metadata only) and its content."""

    filename: str | None
    content: BinaryIO


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the validation report, the save, the database fingerprint after it.

    Attributes
    ----------
    report : ImportReport
        What was read; its warnings include the count of people left out as erased.
    saved : SaveResult
        What the save wrote, per table.
    fingerprint : str
        :func:`~recommender.store.content_fingerprint` after the import.
    snapshot : bool
        Whether the import was a snapshot of the workforce (it carried employees and
        was not partial): stored employees absent from it were removed.
    vectors_purged : int
        Profile vectors of removed people deleted from the embedding cache.
    """

    report: ImportReport
    saved: SaveResult
    fingerprint: str
    snapshot: bool = False
    vectors_purged: int = 0

    @property
    def changed(self) -> bool:
        return self.saved.changed

    @property
    def removed(self) -> int:
        """Stored employees removed because the snapshot did not list them."""
        return self.saved.removed

    @property
    def left_out_erased(self) -> int:
        """People in the files left out (with all their rows) because they were erased."""
        return self.saved.left_out_erased


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


def import_org(
    engine: sa.Engine,
    source: Path,
    *,
    label: str,
    partial: bool = False,
    cache: CachedEncoder | None = None,
) -> ImportOutcome:
    """Validate ``source`` against the stored catalogue, then save it in one transaction.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A migrated database.
    source : Path
        A folder of CSV files or one .xlsx workbook.
    label : str
        Recorded as the import run's source.
    partial : bool
        Keep stored employees the files do not list. By default an import carrying
        employees is a snapshot: the others are removed (see the module docstring).
    cache : CachedEncoder, optional
        The service's encoder: removed people's profile vectors are deleted from its
        on-disk cache after the commit.

    Raises
    ------
    InvalidCatalog
        With every problem found; nothing is saved.
    """
    base = load_catalog(engine)
    dataset = read_org_tables(source, base=base)
    snapshot = not partial and "employees" in dataset.report.counts
    saved = save_catalog(
        engine,
        dataset.catalog,
        protected=dataset.protected,
        kind="org",
        source=label,
        replace_employees=snapshot,
    )
    purged = 0
    if saved.removed:
        scrub_sqlite(engine)
        purged = purge_profiles(cache, _removed_texts(base, saved))
    report = _with_erasure_warning(dataset.report, saved.left_out_erased)
    return ImportOutcome(report, saved, content_fingerprint(engine), snapshot, purged)


def _removed_texts(base: Catalog, saved: SaveResult) -> set[str]:
    """Every text a removed person's vector may be cached under."""
    texts = set(saved.removed_profiles)
    for employee_id in saved.removed_ids:
        employee = base.employees.get(employee_id)
        if employee is not None:
            texts.add(profile_text(base, employee))
    return texts


def _with_erasure_warning(report: ImportReport, left_out: int) -> ImportReport:
    """``report`` with one warning counting the people left out as erased (never naming them)."""
    if not left_out:
        return report
    files = [f.file for f in report.files if f.table == "employees"]
    people = "1 person was" if left_out == 1 else f"{left_out} people were"
    reason = f"{people} left out because they were erased; {REHIRE_HINT}"
    warning = Problem(files[0] if files else "employees", None, None, reason)
    return replace(report, warnings=(*report.warnings, warning))


def import_upload(
    engine: sa.Engine,
    parts: Sequence[UploadPart],
    *,
    partial: bool = False,
    cache: CachedEncoder | None = None,
) -> ImportOutcome:
    """Stage ``parts`` in a fresh temporary directory and :func:`import_org` them.

    Raises
    ------
    InvalidCatalog
        From :func:`stage_upload` or from validation; nothing is saved.
    """
    with tempfile.TemporaryDirectory(prefix="reskill-upload-") as directory:
        source = stage_upload(parts, directory)
        names = sorted(p.name for p in Path(directory).iterdir())
        return import_org(
            engine, source, label="upload: " + ", ".join(names), partial=partial, cache=cache
        )


def initial_import(
    engine: sa.Engine, source: Path, *, label: str, into_existing: bool = False
) -> ImportOutcome | None:
    """Load ``source`` into an empty database; into one holding data only when asked.

    What ``reskill init`` does after migrating: a database with no employees, roles,
    skills or courses gets ``source``; one that holds any gets nothing (``None`` is
    returned), unless ``into_existing``, and then as a *partial* import: nobody is
    removed, and erased people stay out.

    Raises
    ------
    InvalidCatalog
        With every problem found; nothing is saved.
    """
    if any(entity_counts(engine).values()) and not into_existing:
        return None
    return import_org(engine, source, label=label, partial=True)
