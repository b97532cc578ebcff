"""Write a generated population as the org files of ``data/COLUMNS.md``.

The four files are written in one streaming pass over the employees, in population
order (an employee's skills in the order the employee holds them). Rows are built in
the column order of :data:`_COLUMNS`, which is checked against the format's single
description, :data:`recommender.ingest.columns.TABLES`, before anything is written.
Each file is written under a temporary name and renamed into place only when all four
are complete, so a failed run never leaves a half-written table beside complete ones.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from recommender.catalog import Employee, ProtectedAttributes
from recommender.errors import InvalidInput
from recommender.generator.population import GeneratedPopulation
from recommender.ingest.columns import TABLES

__all__ = ["EMPLOYEE_TABLES", "write_employee_tables"]

EMPLOYEE_TABLES: tuple[str, ...] = (
    "employees",
    "employee_skills",
    "employee_certifications",
    "protected_attributes",
)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "employees": (
        "employee_id",
        "name",
        "role_id",
        "department",
        "location",
        "tenure_years",
        "weekly_learning_hours",
        "opted_out",
        "profile",
    ),
    "employee_skills": ("employee_id", "skill_id", "level", "evidence"),
    "employee_certifications": ("employee_id", "course_id", "earned_on"),
    "protected_attributes": ("employee_id", "sex", "race_ethnicity", "age_band"),
}
_PROGRESS_EVERY = 1000


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...

    def writerows(self, rows: Iterable[Iterable[Any]], /) -> None: ...


def write_employee_tables(
    directory: str | os.PathLike[str],
    population: GeneratedPopulation,
    *,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write the four employee files of ``population`` into ``directory``.

    The files are employees.csv, employee_skills.csv, employee_certifications.csv and
    protected_attributes.csv, UTF-8, in the columns of ``data/COLUMNS.md``.

    Parameters
    ----------
    directory : path
        Created if missing; existing files of the same names are replaced.
    population : GeneratedPopulation
        ``protected`` is either empty or one entry per employee, in the same order.
    progress : callable, optional
        Called with the number of employees written, every 1,000 and at the end.

    Returns
    -------
    dict
        File name -> number of data rows written (the header not counted).

    Raises
    ------
    InvalidInput
        ``protected`` or ``earned_on`` does not line up with ``employees``.
    """
    _check_format()
    _check_alignment(population)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    temporary = {t: out / f"{TABLES[t].filename}.tmp" for t in EMPLOYEE_TABLES}
    try:
        with ExitStack() as stack:
            writers = {t: _open(stack, path, t) for t, path in temporary.items()}
            _write_rows(writers, population, progress)
        for table, path in temporary.items():
            os.replace(path, out / TABLES[table].filename)
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
    if progress is not None:
        progress(len(population.employees))
    return _counts(population)


def _check_format() -> None:
    for table, columns in _COLUMNS.items():
        if TABLES[table].column_names != columns:
            raise RuntimeError(
                f"the columns of {TABLES[table].filename} changed in recommender.ingest.columns; "
                "update recommender.generator.tables to match"
            )


def _check_alignment(population: GeneratedPopulation) -> None:
    protected, employees = population.protected, population.employees
    if protected and [p.employee_id for p in protected] != [e.id for e in employees]:
        raise InvalidInput(
            "population.protected must hold one entry per employee, in employee order"
        )
    if population.earned_on and [len(d) for d in population.earned_on] != [
        len(e.certifications) for e in employees
    ]:
        raise InvalidInput("population.earned_on must hold one date per certification")


def _open(stack: ExitStack, path: Path, table: str) -> _Writer:
    handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(_COLUMNS[table])
    return writer


def _write_rows(
    writers: dict[str, _Writer],
    population: GeneratedPopulation,
    progress: Callable[[int], None] | None,
) -> None:
    employees_, skills, certifications, protected = (writers[t] for t in EMPLOYEE_TABLES)
    for i, e in enumerate(population.employees):
        employees_.writerow(_employee_row(e))
        skills.writerows([(e.id, s.skill_id, s.level, s.evidence.value) for s in e.skills])
        dates = population.earned_on[i] if population.earned_on else ()
        certifications.writerows(
            (e.id, course_id, _iso(dates, j)) for j, course_id in enumerate(e.certifications)
        )
        if population.protected:
            protected.writerow(_protected_row(population.protected[i]))
        if progress is not None and (i + 1) % _PROGRESS_EVERY == 0:
            progress(i + 1)


def _counts(population: GeneratedPopulation) -> dict[str, int]:
    employees = population.employees
    return {
        "employees.csv": len(employees),
        "employee_skills.csv": sum(len(e.skills) for e in employees),
        "employee_certifications.csv": sum(len(e.certifications) for e in employees),
        "protected_attributes.csv": len(population.protected),
    }


def _employee_row(e: Employee) -> tuple[str, ...]:
    return (
        e.id,
        e.name,
        e.role_id,
        e.department,
        e.location,
        _number(e.tenure_years),
        _number(e.weekly_learning_hours),
        "true" if e.opted_out else "false",
        e.profile,
    )


def _number(x: float) -> str:
    """Shortest exact text: ``3`` for 3.0, ``12.3`` for 12.3."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _iso(dates: tuple[date, ...], j: int) -> str:
    return dates[j].isoformat() if j < len(dates) else ""


def _protected_row(p: ProtectedAttributes) -> tuple[str, ...]:
    return (p.employee_id, p.sex or "", p.race_ethnicity or "", p.age_band or "")
