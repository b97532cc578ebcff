"""The organisation file formats of ``data/COLUMNS.md`` as data: tables, columns, value kinds.

Everything that knows a raw column name of the org files lives here, so the readers
(CSV, XLSX) and the validators share one description of the format.

Header normalisation
--------------------
A header cell matches a column after this deterministic mapping, which the import
report records whenever it changes the header: Unicode NFKC, format characters
(zero-width spaces, bidi controls, BOM) removed, trimmed, lower-cased, and every
run of spaces, hyphens and dots replaced by one underscore. So ``Employee ID``,
``employee-id`` and `` EMPLOYEE_ID `` all become ``employee_id``.

Examples
--------
>>> normalise_header(" Employee ID ")
'employee_id'
>>> TABLES["employees"].filename
'employees.csv'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

__all__ = [
    "Kind",
    "Column",
    "TableSpec",
    "TABLES",
    "TABLE_ORDER",
    "normalise_header",
    "strip_format_chars",
]


class Kind(Enum):
    """How a cell is read and checked."""

    ID = "id"
    NAME = "name"  # short text, at most 200 characters, one line
    TEXT = "text"  # free text, at most 10,000 characters, tabs and line breaks allowed
    LIST = "list"  # names separated by "|"
    ENUM = "enum"
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATE = "date"
    URL = "url"


@dataclass(frozen=True, slots=True)
class Column:
    """One column; ``absent_ok``: a file may leave the whole column out (every cell blank)."""

    name: str
    kind: Kind
    blank_ok: bool = False
    absent_ok: bool = False


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One org file: its columns, the columns that identify a row, and its parent table.

    ``key`` is the tuple of columns that must be unique; ``parent`` names the table
    whose entities this table's rows belong to (a role's skills belong to roles).
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional: bool = False
    parent: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_I, _N, _T, _L, _E = Kind.ID, Kind.NAME, Kind.TEXT, Kind.LIST, Kind.ENUM
_INT, _DEC, _B, _D, _U = Kind.INT, Kind.DECIMAL, Kind.BOOL, Kind.DATE, Kind.URL

_SPECS = (
    TableSpec(
        "skills",
        (
            Column("skill_id", _I),
            Column("name", _N),
            Column("category", _E),
            Column("description", _T, blank_ok=True),
            Column("aliases", _L, blank_ok=True),
        ),
        key=("skill_id",),
    ),
    TableSpec(
        "roles",
        (
            Column("role_id", _I),
            Column("title", _N),
            Column("description", _T, blank_ok=True),
            Column("soc_code", _N),
            Column("job_family", _N),
            Column("job_zone", _INT),
            Column("open_positions", _INT),
            Column("median_days_to_fill", _INT, blank_ok=True),
            Column("hard_to_fill", _B),
            Column("pay_band", _N, blank_ok=True),
            Column("feeder_roles", _L, blank_ok=True, absent_ok=True),
        ),
        key=("role_id",),
    ),
    TableSpec(
        "role_skills",
        (
            Column("role_id", _I),
            Column("skill_id", _I),
            Column("level", _INT),
            Column("importance", _DEC),
        ),
        key=("role_id", "skill_id"),
        parent="roles",
    ),
    TableSpec(
        "role_tasks",
        (Column("role_id", _I), Column("task", _T)),
        key=("role_id", "task"),
        optional=True,
        parent="roles",
    ),
    TableSpec(
        "courses",
        (
            Column("course_id", _I),
            Column("title", _N),
            Column("provider", _N),
            Column("kind", _E),
            Column("hours", _DEC),
            Column("cost_usd", _DEC),
            Column("delivery", _E),
            Column("url", _U, blank_ok=True),
            Column("hours_estimated", _B),
            Column("cost_estimated", _B),
            Column("description", _T, blank_ok=True),
            Column("pricing", _E, blank_ok=True, absent_ok=True),
        ),
        key=("course_id",),
    ),
    TableSpec(
        "course_skills",
        (Column("course_id", _I), Column("skill_id", _I), Column("level", _INT)),
        key=("course_id", "skill_id"),
        parent="courses",
    ),
    TableSpec(
        "course_prerequisites",
        (
            Column("course_id", _I),
            Column("prerequisite_type", _E),
            Column("prerequisite_id", _I),
            Column("level", _INT, blank_ok=True),
        ),
        key=("course_id", "prerequisite_type", "prerequisite_id"),
        optional=True,
        parent="courses",
    ),
    TableSpec(
        "employees",
        (
            Column("employee_id", _I),
            Column("name", _N),
            Column("role_id", _I),
            Column("department", _N),
            Column("location", _N),
            Column("tenure_years", _DEC),
            Column("weekly_learning_hours", _DEC),
            Column("opted_out", _B),
            Column("profile", _T, blank_ok=True),
        ),
        key=("employee_id",),
    ),
    TableSpec(
        "employee_skills",
        (
            Column("employee_id", _I),
            Column("skill_id", _I),
            Column("level", _INT),
            Column("evidence", _E),
        ),
        key=("employee_id", "skill_id"),
        parent="employees",
    ),
    TableSpec(
        "employee_certifications",
        (Column("employee_id", _I), Column("course_id", _I), Column("earned_on", _D, True)),
        key=("employee_id", "course_id"),
        optional=True,
        parent="employees",
    ),
    TableSpec(
        "protected_attributes",
        (
            Column("employee_id", _I),
            Column("sex", _N, blank_ok=True),
            Column("race_ethnicity", _N, blank_ok=True),
            Column("age_band", _N, blank_ok=True),
        ),
        key=("employee_id",),
        optional=True,
    ),
)

TABLES = MappingProxyType({s.name: s for s in _SPECS})
TABLE_ORDER: tuple[str, ...] = tuple(s.name for s in _SPECS)

_SEPARATORS = re.compile(r"[\s\-.]+")


def strip_format_chars(text: str) -> str:
    """Remove Unicode format characters (category Cf: zero-width, bidi controls, BOM)."""
    if text.isascii():  # no ASCII character is in category Cf
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def normalise_header(raw: str) -> str:
    """Map a header cell to its canonical column name (see the module docstring)."""
    text = strip_format_chars(unicodedata.normalize("NFKC", raw)).strip().lower()
    return _SEPARATORS.sub("_", text)
