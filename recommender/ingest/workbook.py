"""Read the org tables from the sheets of one XLSX workbook (sheet name = file name minus ``.csv``).

Cells are turned into the text a CSV export would hold, with Excel's typing undone
where it is safe and rejected where it is not: a numeric cell in an id column is
accepted only when integral (``123.0`` -> ``'123'``, counted and warned about, since
leading zeros may already be lost); dates become ``YYYY-MM-DD`` in date columns and
are rejected elsewhere; formulas are read as their cached values; error cells
(``#N/A``) reach validation as text and are rejected there.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

import openpyxl

from recommender.errors import Problem
from recommender.ingest.columns import TABLES, Kind, TableSpec, normalise_header
from recommender.ingest.rawtable import ImportLimits, RawTable, TableBuilder

__all__ = ["read_workbook"]


class _BadCell(ValueError):
    pass


def read_workbook(
    path: Path, limits: ImportLimits
) -> tuple[dict[str, RawTable], list[Problem], list[Problem]]:
    """Read every known sheet; return the tables, workbook-level problems and warnings."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        reason = f"cannot be read as an XLSX workbook ({exc.__class__.__name__}): save it as .xlsx"
        return {}, [Problem(path.name, None, None, reason)], []
    try:
        return _read_sheets(path.name, book, limits)
    finally:
        book.close()


def _read_sheets(
    name: str, book: openpyxl.Workbook, limits: ImportLimits
) -> tuple[dict[str, RawTable], list[Problem], list[Problem]]:
    tables: dict[str, RawTable] = {}
    warnings: list[Problem] = []
    for title in book.sheetnames:
        table = normalise_header(title).removesuffix(".csv")
        if table not in TABLES:
            warnings.append(
                Problem(name, None, None, f"sheet {title!r} is not an org table; ignored")
            )
        elif table in tables:
            return {}, [Problem(name, None, None, f"two sheets for table {table!r}")], warnings
        else:
            sheet = book[title]
            tables[table] = _read_sheet(
                f"{name}[{title}]", sheet.iter_rows(values_only=True), TABLES[table], limits
            )
    return tables, [], warnings


def _read_sheet(
    file: str, rows: Iterable[tuple[object, ...]], spec: TableSpec, limits: ImportLimits
) -> RawTable:
    builder = TableBuilder(file, spec, limits, encoding="xlsx")
    kinds: dict[int, tuple[str, Kind]] = {}
    for number, values in enumerate(rows, start=1):
        if builder.stopped:
            break
        cells = list(values)
        while cells and cells[-1] is None:
            cells.pop()  # read-only sheets pad rows to the sheet's widest row
        if builder.header is None:
            if cells:
                builder.set_header(number, [_header_text(v) for v in cells])
                kinds = _column_kinds(builder)
            else:
                builder.blank_lines += 1
            continue
        builder.add_record(number, _row_text(builder, number, cells, kinds))
    return builder.finish()


def _header_text(value: object) -> str:
    return "" if value is None else str(value)


def _column_kinds(builder: TableBuilder) -> dict[int, tuple[str, Kind]]:
    """Each header position's column name and kind (empty when the header was rejected)."""
    if builder.header is None:
        return {}
    return {i: (n, builder.spec.column(n).kind) for n, i in builder.header.positions.items()}


def _row_text(
    builder: TableBuilder, number: int, cells: list[object], kinds: Mapping[int, tuple[str, Kind]]
) -> list[str]:
    assert builder.header is not None
    if len(cells) < builder.header.width:
        cells = cells + [None] * (builder.header.width - len(cells))
    out: list[str] = []
    for index, value in enumerate(cells):
        column, kind = kinds.get(index, ("", Kind.NAME))
        out.append(_cell(builder, number, column, kind, value))
    return out


def _cell(builder: TableBuilder, number: int, column: str, kind: Kind, value: object) -> str:
    try:
        text, converted = _cell_text(value, kind)
    except _BadCell as exc:
        builder.problem(number, column or None, str(exc))
        return ""
    if converted:
        builder.converted_ids += 1
        if builder.converted_ids == 1:
            builder.warn(
                number,
                column,
                f"numeric id cells read as text (first: {value!r} -> "
                f"{text!r}; the report counts them all): check that no leading zeros "
                "were lost, and format id columns as Text",
            )
    return text


def _cell_text(value: object, kind: Kind) -> tuple[str, bool]:
    """The cell as text, and whether a numeric id was converted to text."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        if kind is Kind.ID:
            raise _BadCell(f"id cell holds the boolean {value}: format the column as Text")
        return ("true" if value else "false"), False
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return _date_text(value, kind), False
    if isinstance(value, (int, float)):
        return _number_text(value, kind)
    return str(value), False


def _date_text(value: dt.datetime | dt.date | dt.time, kind: Kind) -> str:
    if kind is not Kind.DATE:
        raise _BadCell(
            f"cell holds a date ({value}): Excel converted the value; format the "
            "column as Text and re-enter it"
        )
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        raise _BadCell(f"cell holds a date and time ({value}); enter the date only")
    if isinstance(value, dt.time):
        raise _BadCell(f"cell holds a time ({value}), not a date")
    return value.strftime("%Y-%m-%d")


def _number_text(value: int | float, kind: Kind) -> tuple[str, bool]:
    if isinstance(value, float) and not value.is_integer():
        if kind is Kind.ID:
            raise _BadCell(
                f"id cell holds the number {value!r}: ids are text; format the column as Text"
            )
        return format(Decimal(repr(value)), "f"), False
    text = str(int(value))
    return text, kind is Kind.ID
