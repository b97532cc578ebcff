"""`reskill init`, `import org` and `import onet` against real databases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recommender.catalog import RoleSource
from recommender.cli import app
from recommender.store import content_fingerprint, counts, load_catalog, make_engine
from tests.conftest import DATA_DIR, REPO

MINI = REPO / "tests" / "fixtures" / "org_mini"

runner = CliRunner()


def _fingerprint(url: str) -> str:
    engine = make_engine(url)
    try:
        return content_fingerprint(engine)
    finally:
        engine.dispose()


def _runs(url: str) -> int:
    engine = make_engine(url)
    try:
        return counts(engine)["import_runs"]
    finally:
        engine.dispose()


def test_init_loads_the_bundled_dataset_into_an_empty_database(database_url: str) -> None:
    first = runner.invoke(app, ["init", "--database-url", database_url])
    assert first.exit_code == 0, first.output
    engine = make_engine(database_url)
    catalog = load_catalog(engine)
    engine.dispose()
    assert len(catalog.roles) >= 40 and len(catalog.employees) >= 500


def test_init_on_a_database_with_data_loads_nothing_and_says_how_to_import(
    database_url: str,
) -> None:
    """`make serve` runs `reskill init` on every start: it must never write over data."""
    mini = runner.invoke(app, ["init", "--database-url", database_url, "--data", str(MINI)])
    assert mini.exit_code == 0, mini.output
    before, runs = _fingerprint(database_url), _runs(database_url)
    for extra in ([], ["--data", str(DATA_DIR)]):
        again = runner.invoke(app, ["init", "--database-url", database_url, *extra])
        assert again.exit_code == 0, again.output
        lines = again.output.strip().splitlines()
        assert len(lines) == 1, again.output
        assert "nothing was loaded" in lines[0] and "reskill import org" in lines[0]
        assert _fingerprint(database_url) == before and _runs(database_url) == runs
    engine = make_engine(database_url)
    assert set(load_catalog(engine).employees) == {"E001", "E002", "E003"}
    engine.dispose()


def test_init_load_data_adds_a_dataset_as_a_partial_import(database_url: str) -> None:
    assert (
        runner.invoke(app, ["init", "--database-url", database_url, "--data", str(MINI)]).exit_code
        == 0
    )
    result = runner.invoke(app, ["init", "--database-url", database_url, "--load-data"])
    assert result.exit_code == 0, result.output
    assert "partial import: nobody was removed" in result.output
    engine = make_engine(database_url)
    employees = set(load_catalog(engine).employees)
    engine.dispose()
    assert {"E001", "E002", "E003"} <= employees and len(employees) == 503


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


def _break(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one cell of a bundled CSV (line 1 is the header) in a copy of the data."""
    import csv
    import io

    text = (folder / file).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (folder / file).write_text(out.getvalue(), encoding="utf-8")


BROKEN = [
    # (file, line, column, bad value, words the message must contain)
    ("role_skills.csv", 3, "skill_id", "no-such-skill", "unknown skill"),
    ("employees.csv", 4, "employee_id", "E000001", "duplicate"),
    ("employee_skills.csv", 2, "level", "6", "1-5"),
    ("courses.csv", 2, "hours", "-5", "hours"),
    ("course_prerequisites.csv", 2, "prerequisite_type", "colour", "prerequisite_type"),
    ("roles.csv", 2, "soc_code", "15-12", "soc_code"),
    ("employees.csv", 2, "role_id", "astronaut", "unknown role"),
]


def test_each_broken_file_is_rejected_with_its_location_and_nothing_changes(
    database_url: str, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["init", "--database-url", database_url]).exit_code == 0
    before = _fingerprint(database_url)
    for i, (file, line, column, value, words) in enumerate(BROKEN):
        broken = tmp_path / f"org{i}"
        shutil.copytree(DATA_DIR, broken)
        _break(broken, file, line, column, value)
        result = runner.invoke(app, ["import", "org", str(broken), "--database-url", database_url])
        assert result.exit_code == 2, (file, result.output)
        flat = " ".join(result.output.split())
        assert file in flat and f"row {line}" in flat and f"'{column}'" in flat, (file, flat)
        assert words in flat, (file, flat)
        assert _fingerprint(database_url) == before


def test_a_latin1_file_is_rejected_without_loading(database_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "org"
    shutil.copytree(DATA_DIR, broken)
    text = (broken / "skills.csv").read_text(encoding="utf-8")
    (broken / "skills.csv").write_bytes(text.replace("analysis", "analyse é", 1).encode("latin-1"))
    result = runner.invoke(app, ["import", "org", str(broken), "--database-url", database_url])
    assert result.exit_code == 2
    assert "skills.csv" in result.output and "UTF-8" in result.output
    engine = make_engine(database_url)
    assert len(load_catalog(engine).roles) == 0
    engine.dispose()


def test_graph_export_writes_cytoscape_json(tmp_path: Path) -> None:
    import json

    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert runner.invoke(app, ["init", "--database-url", url]).exit_code == 0
    out = tmp_path / "graph.json"
    result = runner.invoke(
        app, ["graph", "export", "--format", "cytoscape", "--out", str(out), "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    nodes = json.loads(out.read_text())["elements"]["nodes"]
    kinds = {n["data"]["kind"] for n in nodes}
    assert kinds == {"role", "skill", "course"}
    assert any(n["data"]["id"] == "role:soc-analyst-1" for n in nodes)


def test_graph_export_holds_the_role_to_role_moves_with_hours_and_scores(tmp_path: Path) -> None:
    """The pathways graph can be drawn from the export: every viable move the stepping-stone
    search uses is an edge between two roles, with its training hours and score."""
    import json

    from recommender.service import Recommender
    from recommender.store import load_catalog

    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert runner.invoke(app, ["init", "--database-url", url]).exit_code == 0
    out = tmp_path / "graph.json"
    result = runner.invoke(app, ["graph", "export", "--out", str(out), "--database-url", url])
    assert result.exit_code == 0, result.output
    edges = json.loads(out.read_text())["edges"]
    moves = {(e["source"], e["target"]): e for e in edges if e["relation"] == "moves_to"}
    engine = make_engine(url)
    catalog = load_catalog(engine, include_employees=False)
    engine.dispose()
    expected = Recommender(catalog).stepping_stones.graph
    assert len(moves) == expected.number_of_edges() > 0
    for a, b, data in expected.edges(data=True):
        move = moves[(f"role:{a}", f"role:{b}")]
        assert move["hours"] == data["weight"] and 0.0 <= move["score"] <= 1.0
    assert ("role:service-desk-technician-1", "role:soc-analyst-1") in moves or any(
        a == "role:service-desk-technician-1" for a, _ in moves
    )

    bare = tmp_path / "bare.json"
    runner.invoke(app, ["graph", "export", "--no-moves", "--out", str(bare), "--database-url", url])
    assert not [e for e in json.loads(bare.read_text())["edges"] if e["relation"] == "moves_to"]


def test_a_prerequisite_cycle_is_rejected_with_its_path_and_nothing_changes(
    database_url: str, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["init", "--database-url", database_url]).exit_code == 0
    before = _fingerprint(database_url)
    broken = tmp_path / "org"
    shutil.copytree(DATA_DIR, broken)
    # The bundled data has epic-caboodle-cogito after epic-clarity-data-model; close the loop.
    with (broken / "course_prerequisites.csv").open("a", encoding="utf-8") as handle:
        handle.write("epic-clarity-data-model,course,epic-caboodle-cogito,\n")
    result = runner.invoke(app, ["import", "org", str(broken), "--database-url", database_url])
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "course_prerequisites.csv" in flat and "cycle" in flat
    assert "epic-clarity-data-model" in flat and "epic-caboodle-cogito" in flat
    assert _fingerprint(database_url) == before


# -- the import template ------------------------------------------------------------------


def test_the_template_has_a_sheet_per_file_with_the_columns_data_columns_md_documents(
    tmp_path: Path,
) -> None:
    import openpyxl

    from tests.test_generator import _documented_headers

    out = tmp_path / "template.xlsx"
    result = runner.invoke(app, ["import", "template", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    documented = {name.removesuffix(".csv"): cols for name, cols in _documented_headers().items()}
    assert set(book.sheetnames) == set(documented)
    for sheet in book.worksheets:
        header = [cell.value for cell in sheet[1]]
        assert header == documented[sheet.title], sheet.title
        assert all(cell.comment is not None and cell.comment.text for cell in sheet[1])
        assert sheet.max_row == 1  # headers only, to fill in
    assert "required" in book["employees"]["A1"].comment.text


def test_a_filled_in_template_imports_like_the_csv_folder_and_an_empty_sheet_is_named(
    tmp_path: Path,
) -> None:
    """What a hospital's team does: fill in the template (here with the bundled files),
    import it, and get the same data as from the CSV folder."""
    import csv

    import openpyxl

    out = tmp_path / "template.xlsx"
    assert runner.invoke(app, ["import", "template", str(out)]).exit_code == 0
    book = openpyxl.load_workbook(out)
    empty = book["employee_certifications"]
    for sheet in book.worksheets:
        with (DATA_DIR / f"{sheet.title}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        header = [cell.value for cell in sheet[1]]
        if sheet is not empty:
            for row in rows:
                sheet.append([row[column] for column in header])
    book.save(out)

    url = f"sqlite:///{tmp_path / 'xlsx.db'}"
    refused = runner.invoke(app, ["import", "org", str(out), "--database-url", url])
    assert refused.exit_code == 2
    assert "template.xlsx[employee_certifications]" in refused.output
    assert "no rows" in refused.output

    book.remove(empty)  # the template says: delete a sheet you do not fill
    book.save(out)
    loaded = runner.invoke(app, ["import", "org", str(out), "--database-url", url])
    assert loaded.exit_code == 0, loaded.output
    folder = tmp_path / "csv"
    shutil.copytree(DATA_DIR, folder)
    (folder / "employee_certifications.csv").unlink()
    csv_url = f"sqlite:///{tmp_path / 'csv.db'}"
    assert (
        runner.invoke(app, ["import", "org", str(folder), "--database-url", csv_url]).exit_code == 0
    )
    from_xlsx, from_csv = make_engine(url), make_engine(csv_url)
    try:
        assert content_fingerprint(from_xlsx) == content_fingerprint(from_csv)
        assert len(load_catalog(from_xlsx).employees) == 500
    finally:
        from_xlsx.dispose()
        from_csv.dispose()
