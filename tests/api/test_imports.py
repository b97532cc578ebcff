"""POST /v1/imports/org: an admin uploads the org files; all or nothing, idempotent, bounded."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.ingest.tables import read_org_tables
from recommender.service import Recommender
from recommender.store import content_fingerprint, make_engine, save_catalog, schema, upgrade
from recommender.store.access import create_key
from tests.cli.test_snapshot_imports import extract
from tests.conftest import DATA_DIR

URL = "/v1/imports/org"
MiB = 1024 * 1024
BUNDLED = sorted(DATA_DIR.glob("*.csv"))
Part = tuple[str, tuple[str, bytes, str]]


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine

    def key(self, role: Role = Role.ADMIN) -> dict[str, str]:
        employee = "E000001" if role == Role.EMPLOYEE else None
        return {"X-API-Key": create_key(self.engine, role, employee_id=employee).token}

    def upload(self, parts: list[Part], role: Role = Role.ADMIN, *, partial: bool = False) -> Any:
        data = {"partial": "true"} if partial else None
        return self.client.post(URL, files=parts, data=data, headers=self.key(role))

    def runs(self) -> int:
        with self.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(schema.import_runs)
            return int(conn.execute(query).scalar_one())

    def served_employees(self) -> int:
        """How many people the service answers about (its current Recommender's catalogue)."""
        service: Recommender = self.client.app.state.recommender  # type: ignore[attr-defined]
        return len(service.catalog.employees)


@contextmanager
def serve(url: str, *, bundled: bool = False, embeddings: bool = False) -> Iterator[Api]:
    """The app on a migrated database, empty or holding the bundled dataset."""
    engine = make_engine(url)
    upgrade(engine)
    if bundled:
        dataset = read_org_tables(DATA_DIR)
        save_catalog(engine, dataset.catalog, protected=dataset.protected, kind="org", source="t")
    settings = Settings(database_url=url, embeddings=embeddings, warm_up=embeddings)
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, engine)
    finally:
        engine.dispose()


@pytest.fixture
def loaded(tmp_path: Path) -> Iterator[Api]:
    """SQLite holding the bundled dataset; embeddings off (imports need no model)."""
    with serve(f"sqlite:///{tmp_path / 'reskill.db'}", bundled=True) as api:
        yield api


def csv_parts(folder: Path = DATA_DIR, names: list[str] | None = None) -> list[Part]:
    paths = sorted(folder.glob("*.csv")) if names is None else [folder / n for n in names]
    return [("files", (p.name, p.read_bytes(), "text/csv")) for p in paths]


def workbook_part(folder: Path = DATA_DIR, name: str = "Riverside export.xlsx") -> Part:
    """The CSV files as the sheets of one workbook, every cell as text."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for path in sorted(folder.glob("*.csv")):
        sheet = book.create_sheet(path.stem)
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return ("files", (name, out.getvalue(), mime))


def broken_copy(tmp_path: Path, *cells: tuple[str, int, str, str]) -> Path:
    """A copy of the bundled data with cells (file, line, column, value) set; line 1 = header."""
    folder = tmp_path / f"org-{uuid.uuid4().hex[:6]}"
    shutil.copytree(DATA_DIR, folder)
    for file, line, column, value in cells:
        rows = list(csv.reader(io.StringIO((folder / file).read_text(encoding="utf-8"))))
        rows[line - 1][rows[0].index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (folder / file).write_text(out.getvalue(), encoding="utf-8")
    return folder


def _is_problem(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    return body


@pytest.mark.slow  # warms the real model over 500 profiles (cached on disk after once)
def test_the_bundled_csvs_load_and_are_served_at_once_and_a_second_upload_changes_nothing(
    database_url: str,
) -> None:
    with serve(database_url, embeddings=True) as api:
        assert api.served_employees() == 0
        first = api.upload(csv_parts())
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "no-store"
        body = first.json()
        assert body["changed"] is True
        assert (body["snapshot"], body["removed"], body["left_out_erased"]) == (True, 0, 0)
        assert body["counts"]["employees"] == 500 and body["counts"]["roles"] == 65
        assert body["tables"]["employees"]["inserted"] == 500
        assert {f["file"] for f in body["files"]} == {p.name for p in BUNDLED}
        assert body["fingerprint"] == content_fingerprint(api.engine)
        # The service swapped in the new data: no restart needed.
        assert api.served_employees() == 500
        person = api.client.get("/v1/employees/E000001", headers=api.key(Role.TALENT))
        assert person.status_code == 200 and person.json()["name"] == "Ayesha Becker"
        assert api.runs() == 1

        again = api.upload(csv_parts())
        assert again.status_code == 200
        assert again.json()["changed"] is False
        assert again.json()["fingerprint"] == body["fingerprint"]
        assert all(
            (t["inserted"], t["updated"], t["deleted"]) == (0, 0, 0)
            for t in again.json()["tables"].values()
        )
        assert api.runs() == 1  # an import that changes nothing records no run


def test_an_xlsx_workbook_loads_the_same_data_as_the_csvs(tmp_path: Path) -> None:
    with serve(f"sqlite:///{tmp_path / 'reskill.db'}") as api:
        response = api.upload([workbook_part()])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["changed"] is True and body["counts"]["employee_skills"] > 7000
        assert {f["table"] for f in body["files"]} == {p.stem for p in BUNDLED}
        assert api.served_employees() == 500
        same_as_csv = api.upload(csv_parts())
        assert same_as_csv.status_code == 200
        assert same_as_csv.json()["changed"] is False


def test_a_broken_cell_is_a_422_naming_file_row_and_field_and_nothing_changes(
    database_url: str, tmp_path: Path
) -> None:
    folder = broken_copy(
        tmp_path,
        ("role_skills.csv", 2, "level", "9"),
        ("employees.csv", 3, "role_id", "astronaut"),
    )
    with serve(database_url, bundled=True) as api:
        before, runs = content_fingerprint(api.engine), api.runs()
        response = api.upload(csv_parts(folder))
        assert response.status_code == 422
        body = _is_problem(response)
        where = {(p["file"], p["row"], p["field"]) for p in body["problems"]}
        assert ("role_skills.csv", 2, "level") in where
        assert ("employees.csv", 3, "role_id") in where
        assert all(p["reason"] for p in body["problems"])
        assert "2 problem(s)" in str(body["detail"])
        assert content_fingerprint(api.engine) == before and api.runs() == runs
        assert api.served_employees() == 500


def test_a_partial_upload_replaces_the_people_it_names(loaded: Api, tmp_path: Path) -> None:
    folder = broken_copy(tmp_path, ("employees.csv", 2, "name", "Ayesha Renamed"))
    names = ["employees.csv", "employee_skills.csv", "employee_certifications.csv"]
    response = loaded.upload(csv_parts(folder, names))
    assert response.status_code == 200, response.text
    assert response.json()["tables"]["employees"] == {
        "inserted": 0,
        "updated": 1,
        "deleted": 0,
        "unchanged": 499,
    }
    person = loaded.client.get("/v1/employees/E000001", headers=loaded.key(Role.TALENT))
    assert person.json()["name"] == "Ayesha Renamed"


OUTSIDE = Path(tempfile.gettempdir())
HOSTILE_NAMES = [
    f"../{uuid.uuid4().hex}.csv",
    f"../../{uuid.uuid4().hex}.csv",
    str(OUTSIDE / f"{uuid.uuid4().hex}.csv"),
    "../employees.csv",
    "..\\employees.csv",
    "CON",
    "employees.csv\x00.txt",
    "employees.csv ",
    "../evil.xlsx",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_a_file_name_is_never_a_path_and_an_unknown_one_is_a_422(loaded: Api, name: str) -> None:
    before = content_fingerprint(loaded.engine)
    parts = csv_parts(names=["skills.csv"]) + [("files", (name, b"employee_id\nE1\n", "text/csv"))]
    response = loaded.upload(parts)
    assert response.status_code == 422
    body = _is_problem(response)
    problems = body["problems"]
    assert problems == [  # only the bad part, named by position, never by its name
        {
            "file": "upload part 2",
            "row": None,
            "field": "filename",
            "reason": problems[0]["reason"],
        }
    ]
    assert "employees.csv, " in problems[0]["reason"]
    assert name not in response.text
    for candidate in (OUTSIDE / Path(name).name, Path(name)):
        if name.endswith(".csv") and len(name) < 200 and "\x00" not in name:
            assert not candidate.exists() or candidate.name == "employees.csv"
    assert content_fingerprint(loaded.engine) == before


@pytest.mark.parametrize("name", ["x" * 10_000, ""], ids=["10 000 characters", "empty"])
def test_a_file_name_the_multipart_layer_refuses_is_a_4xx_without_echo(
    loaded: Api, name: str
) -> None:
    before = content_fingerprint(loaded.engine)
    response = loaded.upload([("files", (name, b"skill_id\n", "text/csv"))])
    assert response.status_code in (400, 422)
    _is_problem(response)
    assert name not in response.text or not name
    assert content_fingerprint(loaded.engine) == before


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        (csv_parts(names=["skills.csv", "skills.csv"]), "the same table"),
        (csv_parts(names=["skills.csv"]) + [workbook_part()], "alone"),
    ],
    ids=["same table twice", "workbook with csv"],
)
def test_an_upload_that_is_not_one_dataset_is_a_422(
    loaded: Api, parts: list[Part], reason: str
) -> None:
    response = loaded.upload(parts)
    assert response.status_code == 422
    assert any(reason in p["reason"] for p in _is_problem(response)["problems"])


def test_no_files_is_a_422(loaded: Api) -> None:
    response = loaded.client.post(
        URL, files=[("other", ("skills.csv", b"x", "text/csv"))], headers=loaded.key()
    )
    assert response.status_code == 422
    assert _is_problem(response)["errors"][0]["loc"] == ["body", "files"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_upload_over_20_mib_is_a_413_and_loads_nothing(loaded: Api, chunked: bool) -> None:
    before = content_fingerprint(loaded.engine)
    boundary = "reskill-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="employees.csv"'
        "\r\nContent-Type: text/csv\r\n\r\n"
    ).encode()
    body = head + b"x" * (21 * MiB) + f"\r\n--{boundary}--\r\n".encode()
    headers = {**loaded.key(), "content-type": f"multipart/form-data; boundary={boundary}"}
    content: Iterable[bytes] | bytes = (
        iter([body[: 10 * MiB], body[10 * MiB :]]) if chunked else body
    )
    response = loaded.client.post(URL, content=content, headers=headers)
    assert response.status_code == 413
    assert "20 MiB" in _is_problem(response)["detail"]
    assert content_fingerprint(loaded.engine) == before


def test_an_upload_just_under_the_limit_is_read(loaded: Api) -> None:
    """The limit is 20 MiB, not less: a 19 MiB file reaches validation (and fails there)."""
    big = b"skill_id,name,category,description,aliases\n" + b"x,y,z,w,v\n" * (19 * MiB // 10)
    response = loaded.upload([("files", ("skills.csv", big, "text/csv"))])
    assert response.status_code == 422
    assert _is_problem(response)["title"] == "Invalid dataset"


@pytest.mark.parametrize("role", [Role.TALENT, Role.RECRUITER, Role.EMPLOYEE])
def test_only_admins_may_import(loaded: Api, role: Role) -> None:
    before = content_fingerprint(loaded.engine)
    folder = DATA_DIR
    response = loaded.upload(csv_parts(folder, ["skills.csv"]), role=role)
    assert response.status_code == 403
    assert "imports.write" in _is_problem(response)["detail"]
    assert loaded.client.post(URL, files=csv_parts(names=["skills.csv"])).status_code == 401
    assert content_fingerprint(loaded.engine) == before


def test_a_body_that_is_not_multipart_is_refused_cleanly(loaded: Api) -> None:
    as_json = loaded.client.post(URL, json={"files": ["skills.csv"]}, headers=loaded.key())
    assert as_json.status_code == 415
    no_boundary = loaded.client.post(
        URL, content=b"--x\r\n", headers={**loaded.key(), "content-type": "multipart/form-data"}
    )
    assert no_boundary.status_code == 400
    assert _is_problem(no_boundary)["detail"] == "Missing boundary in multipart."


def test_a_full_extract_is_a_snapshot_unless_partial_and_says_whom_it_removed(
    database_url: str, tmp_path: Path
) -> None:
    without = extract(tmp_path / "without", without=["E000001"])
    with serve(database_url, bundled=True) as api:
        kept = api.upload(csv_parts(without), partial=True)
        assert kept.status_code == 200, kept.text
        body = kept.json()
        assert (body["snapshot"], body["removed"], body["changed"]) == (False, 0, False)
        assert api.served_employees() == 500

        removed = api.upload(csv_parts(without))
        assert removed.status_code == 200, removed.text
        body = removed.json()
        assert (body["snapshot"], body["removed"], body["changed"]) == (True, 1, True)
        assert body["tables"]["employees"]["deleted"] == 1
        assert body["tables"]["protected_attributes"]["deleted"] == 1
        assert "E000001" not in removed.text
        assert api.served_employees() == 499
        gone = api.client.get("/v1/employees/E000001", headers=api.key(Role.TALENT))
        assert gone.status_code == 404

        again = api.upload(csv_parts(without))
        assert again.status_code == 200
        assert (again.json()["changed"], again.json()["removed"]) == (False, 0)
        assert again.json()["fingerprint"] == body["fingerprint"]


def test_an_upload_leaves_out_an_erased_person_and_counts_them(
    database_url: str,
) -> None:
    with serve(database_url, bundled=True) as api:
        erased = api.client.delete("/v1/employees/E000002", headers=api.key(Role.ADMIN))
        assert erased.status_code == 204
        before = content_fingerprint(api.engine)
        for partial in (False, True):
            response = api.upload(csv_parts(), partial=partial)
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["left_out_erased"], body["removed"], body["changed"]) == (1, 0, False)
            reasons = [w["reason"] for w in body["warnings"]]
            assert any(
                "1 person was left out because they were erased" in r
                and "reskill employees rehire ID" in r
                for r in reasons
            ), reasons
            assert "E000002" not in response.text
            assert content_fingerprint(api.engine) == before
            assert api.served_employees() == 499
