"""Seeded synthetic employees of a fictional hospital system, and the CSV files that hold them.

Examples
--------
>>> from recommender.catalog import Catalog, Role
>>> catalog = Catalog.from_items(
...     roles=[Role("rn", "Registered Nurse", "", "29-1141.00", "Nursing", 3)])
>>> generate_employees(catalog, 2, seed=1) == generate_employees(catalog, 2, seed=1)
True
"""

from __future__ import annotations

from recommender.generator.population import (
    OPT_OUT_SHARE,
    REFERENCE_DATE,
    GeneratedPopulation,
    generate_employees,
)
from recommender.generator.tables import EMPLOYEE_TABLES, write_employee_tables

__all__ = [
    "EMPLOYEE_TABLES",
    "OPT_OUT_SHARE",
    "REFERENCE_DATE",
    "GeneratedPopulation",
    "generate_employees",
    "write_employee_tables",
]
