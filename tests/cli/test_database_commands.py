"""`reskill init`, `import org` and `import onet` against real databases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recommender.catalog import RoleSource
from recommender.cli import app
from recommender.store import content_fingerprint, load_catalog, make_engine
from tests.conftest import DATA_DIR

runner = CliRunner()


def _fingerprint(url: str) -> str:
    engine = make_engine(url)
    try:
        return content_fingerprint(engine)
    finally:
        engine.dispose()


def test_init_loads_the_bundled_dataset_and_is_idempotent(database_url: str) -> None:
    first = runner.invoke(app, ["init", "--database-url", database_url])
    assert first.exit_code == 0, first.output
    before = _fingerprint(database_url)
    second = runner.invoke(app, ["init", "--database-url", database_url])
    assert second.exit_code == 0, second.output
    assert "unchanged" in second.output
    assert _fingerprint(database_url) == before
    engine = make_engine(database_url)
    catalog = load_catalog(engine)
    engine.dispose()
    assert len(catalog.roles) >= 40 and len(catalog.employees) >= 500


def test_broken_import_names_file_row_field_and_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["init", "--database-url", database_url]).exit_code == 0
    before = _fingerprint(database_url)
    broken = tmp_path / "org"
    shutil.copytree(DATA_DIR, broken)
    lines = (broken / "role_skills.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("level")] = "9"
    lines[1] = ",".join(row)
    (broken / "role_skills.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "org", str(broken), "--database-url", database_url])
    assert result.exit_code == 2
    assert "role_skills.csv" in result.output and "row 2" in result.output
    assert "'level'" in result.output
    assert _fingerprint(database_url) == before


@pytest.mark.slow
def test_import_onet_loads_every_occupation(onet_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'onet.db'}"
    result = runner.invoke(app, ["import", "onet", str(onet_dir), "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "CC BY 4.0" in result.output
    engine = make_engine(url)
    catalog = load_catalog(engine, role_sources=[RoleSource.ONET])
    engine.dispose()
    assert len(catalog.roles) == 923
    security = catalog.role("15-1212.00")
    computers = next(r for r in security.requirements if r.skill_id == "onet:2.C.3.a")
    assert computers.level > 1 + 4 * 4 / 7
