"""`reskill import org` of a full extract is a snapshot; erased people stay out until re-hired.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from typer.testing import CliRunner

from recommender.access import Principal, Role
from recommender.cli import app
from recommender.erasure import erase_employee
from recommender.store import (
    content_fingerprint,
    counts,
    load_catalog,
    load_protected_attributes,
    make_engine,
    schema,
    write_transaction,
)
from recommender.store.access import access_log, api_keys, create_key, log_access
from tests.conftest import DATA_DIR

runner = CliRunner()
LEAVER = "E000002"
#: The org files that carry rows about a person, and the column naming them.
PERSON_FILES = (
    "employees.csv",
    "employee_skills.csv",
    "employee_certifications.csv",
    "protected_attributes.csv",
)
ADMIN = Principal("admin001", Role.ADMIN)


def extract(
    folder: Path, *, without: Iterable[str] = (), rename: dict[str, str] | None = None
) -> Path:
    """A copy of the bundled data without some people (and all their rows), ids renamed."""
    shutil.copytree(DATA_DIR, folder)
    dropped, renamed = set(without), rename or {}
    for name in PERSON_FILES:
        rows = list(csv.reader(io.StringIO((folder / name).read_text(encoding="utf-8"))))
        kept = [rows[0]] + [
            [renamed.get(row[0], row[0]), *row[1:]] for row in rows[1:] if row[0] not in dropped
        ]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(kept)
        (folder / name).write_text(out.getvalue(), encoding="utf-8")
    return folder


def reskill(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def flat(result: Result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """A database loaded by `reskill init` with the bundled data."""
    result = reskill("init", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def url_of(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def stored(engine: sa.Engine) -> set[str]:
    return set(load_catalog(engine).employees)


def rows_naming(engine: sa.Engine, employee_id: str) -> int:
    columns = [
        schema.employees.c.id,
        schema.employee_skills.c.employee_id,
        schema.employee_certifications.c.employee_id,
        schema.protected_attributes.c.employee_id,
        api_keys.c.employee_id,
        access_log.c.employee_id,
        schema.shortlist_entries.c.employee_id,
        schema.published_report_members.c.employee_id,
    ]
    with engine.connect() as conn:
        return sum(
            int(conn.execute(sa.select(sa.func.count()).where(c == employee_id)).scalar_one())
            for c in columns
        )


def erased_rows(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(schema.erased_employees)
        return int(conn.execute(query).scalar_one())


def test_a_snapshot_removes_the_people_it_omits_and_partial_keeps_them(
    engine: sa.Engine, tmp_path: Path
) -> None:
    url = url_of(engine)
    create_key(engine, Role.EMPLOYEE, employee_id=LEAVER)
    with write_transaction(engine) as conn:
        log_access(
            conn, ADMIN, action="employees.read", route="GET", employee_id=LEAVER, request_id="r"
        )
    snapshot = extract(tmp_path / "snapshot", without=[LEAVER])

    partial = reskill("import", "org", snapshot, "--partial", "--database-url", url)
    assert partial.exit_code == 0, partial.output
    assert "partial import: nobody was removed" in flat(partial)
    assert LEAVER in stored(engine) and len(stored(engine)) == 500

    first = reskill("import", "org", snapshot, "--database-url", url)
    assert first.exit_code == 0, first.output
    assert "snapshot: 1 person not in these files was removed" in flat(first)
    assert "roles, skills and courses not in them stay" in flat(first)
    assert LEAVER not in stored(engine) and len(stored(engine)) == 499
    assert LEAVER not in load_protected_attributes(engine)
    assert rows_naming(engine, LEAVER) == 0  # keys, access log (tombstoned), skills ...
    assert erased_rows(engine) == 0  # a leaver is not an erasure
    fingerprint, runs = content_fingerprint(engine), counts(engine)["import_runs"]

    again = reskill("import", "org", snapshot, "--database-url", url)
    assert again.exit_code == 0, again.output
    assert "unchanged" in flat(again) and "snapshot: 0 people" in flat(again)
    assert content_fingerprint(engine) == fingerprint and counts(engine)["import_runs"] == runs

    # Files without employees are no snapshot of the workforce: nobody is removed.
    courses = tmp_path / "courses"
    courses.mkdir()
    shutil.copy(DATA_DIR / "courses.csv", courses)
    shutil.copy(DATA_DIR / "course_skills.csv", courses)
    shutil.copy(DATA_DIR / "course_prerequisites.csv", courses)
    only_courses = reskill("import", "org", courses, "--database-url", url)
    assert only_courses.exit_code == 0, only_courses.output
    assert "nobody was removed" in flat(only_courses) and len(stored(engine)) == 499

    # A later extract that lists the leaver again brings them back (a re-hire by import).
    back = reskill("import", "org", DATA_DIR, "--database-url", url)
    assert back.exit_code == 0, back.output
    assert LEAVER in stored(engine) and len(stored(engine)) == 500


def test_an_erased_person_is_left_out_of_every_import_until_rehired(
    engine: sa.Engine, tmp_path: Path
) -> None:
    url = url_of(engine)
    erase_employee(engine, load_catalog(engine), LEAVER, ADMIN, route="test", request_id="t")
    assert erased_rows(engine) == 1
    after_erasure = content_fingerprint(engine)
    # The same person under an id that imports normalise alike (case, full width).
    lower = extract(tmp_path / "lower", rename={LEAVER: LEAVER.lower()})
    wide = extract(tmp_path / "wide", rename={LEAVER: "\uff25000002\u200b"})

    for command in (
        ("import", "org", DATA_DIR),
        ("import", "org", DATA_DIR, "--partial"),
        ("init", "--load-data"),
        ("import", "org", lower),
        ("import", "org", wide),
    ):
        result = reskill(*command, "--database-url", url)
        assert result.exit_code == 0, (command, result.output)
        text = flat(result)
        assert "1 person was left out because they were erased" in text, (command, text)
        assert "reskill employees rehire ID" in text and "left out because erased: 1" in text
        assert LEAVER not in text and LEAVER.lower() not in text
        assert content_fingerprint(engine) == after_erasure, command
        assert rows_naming(engine, LEAVER) == 0 and rows_naming(engine, LEAVER.lower()) == 0
        assert len(stored(engine)) == 499

    rehired = reskill("employees", "rehire", f" {LEAVER.lower()} ", "--database-url", url)
    assert rehired.exit_code == 0, rehired.output
    assert LEAVER.lower() not in rehired.output and erased_rows(engine) == 0
    assert len(stored(engine)) == 499  # nothing comes back before an import
    back = reskill("import", "org", DATA_DIR, "--database-url", url)
    assert back.exit_code == 0, back.output
    assert "left out because erased: 0" in flat(back)
    assert LEAVER in stored(engine) and LEAVER in load_protected_attributes(engine)

    unknown = reskill("employees", "rehire", LEAVER, "--database-url", url)
    assert unknown.exit_code == 1 and "nothing changed" in unknown.output
