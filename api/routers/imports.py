"""``POST /v1/imports/org``: an admin uploads the organisation's files; all or nothing.

The body is ``multipart/form-data`` with one ``files`` part per file: the CSV files
of ``data/COLUMNS.md`` under their own names (``skills.csv``, ``employees.csv`` ...),
or one ``.xlsx`` workbook, and optionally a ``partial`` field. File names are metadata only. The upload is validated as
``reskill import org`` validates a folder; any problem is a 422 listing every problem
(file, row, field, reason) and nothing is saved. Otherwise it is saved in one
transaction (bumping the data version), and when anything changed this worker reloads
and swaps its service at once (other workers follow the version). Files with
employees are a snapshot: stored employees they omit are removed, unless ``partial`` is
true. Erased people are left out and counted (see :mod:`recommender.imports`).
At most 20 MiB per request (413 beyond, see :mod:`api.limits`).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from api.auth import require
from api.deps import EngineDep, NoStore
from api.schemas import Schema
from api.state import CATALOGUE_WRITES, current_recommender, swap_recommender
from recommender.access import Action
from recommender.embeddings import CachedEncoder
from recommender.errors import Problem
from recommender.imports import (
    FileReport,
    ImportOutcome,
    TableCounts,
    UploadPart,
    import_upload,
)

router = APIRouter(prefix="/v1/imports")

Files = Annotated[
    list[UploadFile],
    File(description="The org CSV files under their own names, or one .xlsx workbook."),
]
Partial = Annotated[
    bool,
    Form(description="Keep stored employees the files omit (default: a snapshot removes them)."),
]


class TableCountsOut(Schema):
    """What the save did to one database table, in rows."""

    inserted: int
    updated: int
    deleted: int
    unchanged: int

    @classmethod
    def from_domain(cls, counts: TableCounts) -> TableCountsOut:
        return cls(
            inserted=counts.inserted,
            updated=counts.updated,
            deleted=counts.deleted,
            unchanged=counts.unchanged,
        )


class FileOut(Schema):
    """What was read from one uploaded file (or one sheet of the workbook)."""

    file: str
    table: str
    rows_read: int
    rows_loaded: int
    blank_lines: int
    duplicates_dropped: int
    ids_converted: int

    @classmethod
    def from_domain(cls, report: FileReport) -> FileOut:
        return cls(
            file=report.file,
            table=report.table,
            rows_read=report.rows_read,
            rows_loaded=report.rows_loaded,
            blank_lines=report.blank_lines,
            duplicates_dropped=report.duplicates_dropped,
            ids_converted=report.ids_converted,
        )


class ProblemOut(Schema):
    """One problem or warning: where (file, row, field) and why."""

    file: str
    row: int | None
    field: str | None
    reason: str

    @classmethod
    def from_domain(cls, problem: Problem) -> ProblemOut:
        return cls(file=problem.file, row=problem.row, field=problem.field, reason=problem.reason)


class ImportOut(Schema):
    """The import report: rows per table, whether anything changed, the data's fingerprint,
    whether it was a snapshot, how many people it removed and how many it left out as erased."""

    changed: bool
    fingerprint: str
    snapshot: bool
    removed: int
    left_out_erased: int
    counts: dict[str, int]
    tables: dict[str, TableCountsOut]
    files: list[FileOut]
    warnings: list[ProblemOut]

    @classmethod
    def from_domain(cls, outcome: ImportOutcome) -> ImportOut:
        return cls(
            changed=outcome.changed,
            fingerprint=outcome.fingerprint,
            snapshot=outcome.snapshot,
            removed=outcome.removed,
            left_out_erased=outcome.left_out_erased,
            counts=outcome.report.counts,
            tables={n: TableCountsOut.from_domain(c) for n, c in outcome.saved.tables.items()},
            files=[FileOut.from_domain(f) for f in outcome.report.files],
            warnings=[ProblemOut.from_domain(w) for w in outcome.report.warnings],
        )


@router.post(
    "/org",
    response_model=ImportOut,
    dependencies=[require(Action.IMPORTS_WRITE), NoStore],
    responses={413: {"description": "More than 20 MiB"}, 422: {"description": "Invalid data"}},
)
def import_org(
    files: Files, request: Request, engine: EngineDep, partial: Partial = False
) -> ImportOut:
    """Validate and import the uploaded org files (all or nothing; idempotent).

    Files with employees are a snapshot (stored employees they omit are removed) unless
    ``partial`` is true; erased people are left out and counted."""
    parts = [UploadPart(f.filename, f.file) for f in files]
    with CATALOGUE_WRITES:
        encoder = current_recommender(request).encoder
        cache = encoder if isinstance(encoder, CachedEncoder) else None
        outcome = import_upload(engine, parts, partial=partial, cache=cache)
        if outcome.changed:
            started = time.perf_counter()
            new = current_recommender(request).reloaded(engine)
            swap_recommender(request, new, started)
    return ImportOut.from_domain(outcome)
