"""The analysis commands answer from the database, through the gate, and log every person shown.

A database is loaded by `reskill init` (the bundled data) and then `reskill import org` of an
extract with one more person: Quentin Zephyrine (E900001), a copy of Mateo Odhiambo (E000270,
the top SOC analyst candidate) under another id and name, so she ranks beside him, reads
like him, and exists only in the imported data. Every test runs on SQLite and PostgreSQL.
The real embedding model answers through the persistent cache (warm for the bundled
profiles, and Quentin's profile is Mateo's text).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from typer.testing import CliRunner

from recommender.access import Role
from recommender.cli import app
from recommender.cli._analysis import cli_principal
from recommender.store import content_fingerprint, make_engine
from recommender.store.access import AccessRecord, read_access_log
from tests.conftest import DATA_DIR

runner = CliRunner()

TWIN_OF, TWIN, TWIN_NAME = "E000270", "E900001", "Quentin Zephyrine"
NOBODY = "E999999"
#: The org files with rows about a person; the person's id is the first column.
PERSON_FILES = (
    "employees.csv",
    "employee_skills.csv",
    "employee_certifications.csv",
    "protected_attributes.csv",
)


def with_twin(folder: Path) -> Path:
    """A copy of the bundled data plus :data:`TWIN`, who has every row :data:`TWIN_OF` has."""
    shutil.copytree(DATA_DIR, folder)
    for name in PERSON_FILES:
        rows = list(csv.reader(io.StringIO((folder / name).read_text(encoding="utf-8"))))
        for row in [r for r in rows[1:] if r[0] == TWIN_OF]:
            twin = [TWIN, *row[1:]]
            if name == "employees.csv":
                twin[rows[0].index("name")] = TWIN_NAME
            rows.append(twin)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (folder / name).write_text(out.getvalue(), encoding="utf-8")
    return folder


def reskill(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    return with_twin(tmp_path / "extract")


@pytest.fixture
def loaded(database_url: str, extract: Path) -> str:
    """A database holding the bundled data and then the extract (with the twin)."""
    ok(reskill("init", "--database-url", database_url))
    ok(reskill("import", "org", extract, "--database-url", database_url))
    return database_url


@pytest.fixture
def engine(loaded: str) -> Iterator[sa.Engine]:
    engine = make_engine(loaded)
    yield engine
    engine.dispose()


def reads(engine: sa.Engine, command: str) -> list[AccessRecord]:
    """The access-log rows `reskill <command>` wrote, oldest first."""
    return [
        r for r in reversed(read_access_log(engine, limit=1000)) if r.route == f"reskill {command}"
    ]


def assert_logged_once_each(engine: sa.Engine, command: str, shown: list[str], action: str) -> str:
    """Everyone ``shown`` was logged once by ``command``, as the CLI admin, in one request."""
    rows = reads(engine, command)
    assert sorted(r.employee_id or "" for r in rows) == sorted(shown), command
    assert {(r.key_id, r.role, r.action) for r in rows} == {
        (cli_principal().key_id, "admin", action)
    }, command
    (request_id,) = {r.request_id for r in rows}
    return request_id


def test_the_cli_is_an_admin_named_after_the_os_user_within_sixteen_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "nurse-informatics-admin")
    assert cli_principal().key_id == "cli:nurse-inform" and cli_principal().role == Role.ADMIN

    def nameless() -> str:
        raise OSError("no user name for this uid")

    monkeypatch.setattr(getpass, "getuser", nameless)
    assert cli_principal().key_id == "cli"


def test_person_commands_answer_from_the_database_and_log_everyone_they_show(
    loaded: str, engine: sa.Engine
) -> None:
    db = ("--database-url", loaded)
    requests = set()

    listed = json.loads(
        ok(reskill("candidates", "--role", "soc-analyst-1", "--limit", "3", "--json", *db)).stdout
    )["candidates"]
    names = {c["employee_id"]: c["name"] for c in listed}
    assert names[TWIN] == TWIN_NAME and TWIN_OF in names
    requests.add(assert_logged_once_each(engine, "candidates", list(names), "candidates.read"))

    moves = ok(reskill("mobility", "--employee", TWIN, "--limit", "2", *db))
    assert f"Where {TWIN_NAME} ({TWIN}" in moves.stdout
    requests.add(assert_logged_once_each(engine, "mobility", [TWIN], "pathways.read"))

    profile = next(
        row["profile"]
        for row in csv.DictReader(io.StringIO((DATA_DIR / "employees.csv").read_text("utf-8")))
        if row["employee_id"] == TWIN_OF
    )
    found = json.loads(
        ok(reskill("people", "--text", profile, "--limit", "3", "--json", *db)).stdout
    )["matches"]
    alike = {m["employee_id"]: m["name"] for m in found}
    assert alike[TWIN] == TWIN_NAME and TWIN_OF in alike
    requests.add(assert_logged_once_each(engine, "people", list(alike), "candidates.read"))

    plan = ok(reskill("pathway", "--employee", TWIN, "--target", "soc-analyst-1", "--json", *db))
    assert json.loads(plan.stdout)["employee_id"] == TWIN
    requests.add(assert_logged_once_each(engine, "pathway", [TWIN], "pathways.read"))

    within = ok(reskill("reachable", "--employee", TWIN, "--hours", "250", "--json", *db))
    assert "soc-analyst-1" in {r["role_id"] for r in json.loads(within.stdout)}
    requests.add(assert_logged_once_each(engine, "reachable", [TWIN], "pathways.read"))

    assert len(requests) == 5  # one request id per run

    # Questions about roles hold no person and log nothing.
    ok(
        reskill(
            "pathway", "--from-role", "service-desk-technician-2", "--target", "soc-analyst-1", *db
        )
    )
    ok(reskill("reachable", "--from-role", "service-desk-technician-2", "--hours", "250", *db))
    ok(reskill("hard-to-fill", "--json", *db))
    assert len(read_access_log(engine, limit=1000)) == 3 + 1 + 3 + 1 + 1


def test_an_employee_not_in_the_database_is_an_error_and_nothing_is_logged(
    loaded: str, engine: sa.Engine
) -> None:
    before = content_fingerprint(engine)
    for args in (
        ["mobility", "--employee", NOBODY],
        ["pathway", "--employee", NOBODY, "--target", "soc-analyst-1"],
        ["reachable", "--employee", NOBODY, "--hours", "100"],
    ):
        result = reskill(*args, "--database-url", loaded)
        assert result.exit_code == 1, result.output
        message = " ".join(result.stderr.split())
        assert f"unknown employee '{NOBODY}'" in message, message
        assert "nothing was logged" in message, message
    assert read_access_log(engine, limit=1000) == []
    assert content_fingerprint(engine) == before


def test_an_empty_database_says_how_to_load_data(database_url: str) -> None:
    result = reskill("mobility", "--employee", TWIN_OF, "--database-url", database_url)
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "holds no data" in message and "reskill init" in message and "--data" in message


def test_data_answers_from_the_files_and_leaves_the_databases_alone(
    loaded: str, engine: sa.Engine, extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--data wins over --database-url, whose database is neither read nor written; without
    --database-url the default database is not even created."""
    before = content_fingerprint(engine)
    plan = ok(
        reskill(
            "pathway",
            "--employee",
            TWIN,
            "--target",
            "soc-analyst-1",
            "--json",
            "--data",
            extract,
            "--database-url",
            loaded,
        )
    )
    assert json.loads(plan.stdout)["employee_id"] == TWIN
    assert read_access_log(engine, limit=1000) == [] and content_fingerprint(engine) == before

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RESKILL_DATABASE_URL", raising=False)
    moves = ok(reskill("mobility", "--employee", TWIN, "--data", extract, "--json"))
    assert json.loads(moves.stdout)
    assert not (tmp_path / "var").exists()
