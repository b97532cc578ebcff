"""The bundled employees are exactly what the seeded generator makes from the bundled catalogue."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from recommender.cli import app
from tests.conftest import DATA_DIR

FILES = (
    "employees.csv",
    "employee_skills.csv",
    "employee_certifications.csv",
    "protected_attributes.csv",
)


def test_bundled_employees_regenerate_byte_for_byte(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "employees",
            "--n",
            "500",
            "--seed",
            "2026",
            "--data",
            str(DATA_DIR),
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name
