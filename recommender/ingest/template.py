"""The import template: an XLSX workbook with one sheet per org file, ready to fill in.

Each sheet is named after its file (``employees``, ``employee_skills``...) and holds the
header row the importer reads, built from the importer's own table specifications
(:data:`recommender.ingest.columns.TABLES`), so the template cannot drift from what an import
accepts. Each header cell carries a note: the column's kind, whether it may be blank, and
whether it is part of the row's unique key. ``data/COLUMNS.md`` documents the same columns
in prose (a test checks the two agree).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from recommender.ingest.columns import TABLE_ORDER, TABLES, Column, TableSpec

__all__ = ["write_template"]

_KINDS = {
    "id": "an id (letters, digits, - _ . :)",
    "name": "a name, one line, at most 200 characters",
    "text": "free text, at most 10,000 characters",
    "list": "names separated by |",
    "enum": "one of the values data/COLUMNS.md lists",
    "int": "a whole number",
    "decimal": "a number",
    "bool": "true or false",
    "date": "a date, YYYY-MM-DD",
    "url": "a web address (https://...)",
}


def _note(spec: TableSpec, column: Column) -> str:
    parts = [_KINDS.get(column.kind.value, column.kind.value)]
    parts.append("may be blank" if column.blank_ok else "required")
    if column.name in spec.key:
        parts.append("unique" if len(spec.key) == 1 else f"unique with {', '.join(spec.key)}")
    return "; ".join(parts) + "."


def write_template(path: Path) -> list[str]:
    """Write the template workbook to ``path``; returns the sheet names, in import order.

    Optional files (``employee_certifications``, ``protected_attributes``...) get a sheet
    too; delete a sheet you do not fill, since an import refuses a sheet with no rows.
    """
    book = openpyxl.Workbook()
    if book.active is not None:
        book.remove(book.active)
    names = []
    for name in TABLE_ORDER:
        spec = TABLES[name]
        sheet = book.create_sheet(spec.name)
        for number, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(row=1, column=number, value=column.name)
            cell.font = Font(bold=True)
            cell.comment = Comment(_note(spec, column), "reskill")
            sheet.column_dimensions[get_column_letter(number)].width = max(14, len(column.name) + 4)
        sheet.freeze_panes = "A2"
        names.append(spec.name)
    book.save(path)
    return names
