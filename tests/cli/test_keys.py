"""`reskill keys create | list | revoke` against real databases."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from recommender.access import Principal, Role
from recommender.cli import app
from recommender.cli.keys import parse_expires, parse_expires_in
from recommender.errors import InvalidInput
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import KeyRecord, api_keys, find_principal, list_keys
from tests.factories import small_catalog

runner = CliRunner()


@pytest.fixture
def url(database_url: str) -> Iterator[str]:
    engine = make_engine(database_url)
    upgrade(engine)
    save_catalog(engine, small_catalog(), kind="org", source="tests")
    engine.dispose()
    yield database_url


def _principal(url: str, token: str) -> Principal | None:
    engine = make_engine(url)
    try:
        return find_principal(engine, token)
    finally:
        engine.dispose()


def _create(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["keys", "create", *args, "--database-url", url])
    return result.exit_code, result.stdout.strip(), result.output


def test_create_prints_a_working_key_once_on_stdout(url: str) -> None:
    code, token, output = _create(url, "--role", "talent", "--label", "talent team")
    assert code == 0, output
    assert token.startswith("rk_") and "\n" not in token
    principal = _principal(url, token)
    assert principal is not None and principal.role == Role.TALENT
    listing = runner.invoke(app, ["keys", "list", "--database-url", url])
    assert principal.key_id in listing.stdout and "talent team" in listing.stdout
    assert token.split("_", 2)[2] not in listing.stdout


def test_an_employee_key_needs_a_known_employee(url: str) -> None:
    code, _, output = _create(url, "--role", "employee")
    assert code == 2 and "--employee" in output
    code, _, output = _create(url, "--role", "employee", "--employee", "E404")
    assert code == 2 and "'E404'" in output
    code, token, output = _create(url, "--role", "employee", "--employee", "E1")
    assert code == 0, output
    assert _principal(url, token) == Principal(token.split("_")[1], Role.EMPLOYEE, "E1")


def test_a_manager_key_is_bound_to_the_department_it_names(url: str) -> None:
    code, _, output = _create(url, "--role", "manager")
    assert code == 2 and "--department" in output
    code, token, output = _create(url, "--role", "manager", "--department", "Pharmacy")
    assert code == 0, output
    key_id = token.split("_")[1]
    assert _principal(url, token) == Principal(key_id, Role.MANAGER, None, "Pharmacy")
    assert "Pharmacy" in _listing_rows(url)[key_id]  # the listing says which department
    listed = runner.invoke(app, ["keys", "list", "--database-url", url, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["key_id"]: row for row in json.loads(listed.stdout)}
    assert rows[key_id]["department"] == "Pharmacy"


def test_an_unknown_role_is_refused(url: str) -> None:
    code, token, output = _create(url, "--role", "root")
    assert code != 0 and token == "" and "root" in output


def test_revoke_disables_the_key_and_list_shows_it(url: str) -> None:
    _, token, _ = _create(url, "--role", "admin")
    key_id = token.split("_")[1]
    result = runner.invoke(app, ["keys", "revoke", key_id, "--database-url", url])
    assert result.exit_code == 0, result.output
    assert _principal(url, token) is None
    assert "revoked" in runner.invoke(app, ["keys", "list", "--database-url", url]).stdout
    again = runner.invoke(app, ["keys", "revoke", key_id, "--database-url", url])
    assert again.exit_code == 1 and key_id in again.output


def _records(url: str) -> dict[str, KeyRecord]:
    engine = make_engine(url)
    try:
        return {r.key_id: r for r in list_keys(engine)}
    finally:
        engine.dispose()


def _listing_rows(url: str) -> dict[str, list[str]]:
    """``reskill keys list`` as {key id: its row's cells}."""
    result = runner.invoke(app, ["keys", "list", "--database-url", url])
    assert result.exit_code == 0, result.output
    rows = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.split("|")]  # a pipe's table: "|" between columns
        if cells and re.fullmatch(r"[a-z0-9]{8}", cells[0]):
            rows[cells[0]] = cells
    return rows


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90d", timedelta(days=90)), ("12h", timedelta(hours=12)), ("4w", timedelta(weeks=4))],
)
def test_expires_in_takes_hours_days_or_weeks(text: str, expected: timedelta) -> None:
    assert parse_expires_in(text) == expected


@pytest.mark.parametrize("text", ["90", "d", "0d", "-3d", "1.5d", "3m", "90 days", "1y", ""])
def test_expires_in_refuses_anything_else_saying_what_it_takes(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"--expires-in takes .* h, d or w"):
        parse_expires_in(text)


def test_expires_is_the_end_of_that_day_in_utc() -> None:
    assert parse_expires("2027-03-31") == datetime(2027, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2027-02-30", "31/03/2027", "2027-3-31", "20270331", "soon"])
def test_expires_refuses_anything_but_a_calendar_date(text: str) -> None:
    with pytest.raises(InvalidInput, match="--expires takes a date YYYY-MM-DD"):
        parse_expires(text)


def test_create_with_an_expiry_makes_a_key_that_lasts_that_long(url: str) -> None:
    before = datetime.now(UTC)
    code, in_90_days, output = _create(url, "--role", "talent", "--expires-in", "90d")
    assert code == 0, output
    code, until_march, output = _create(url, "--role", "admin", "--expires", "2999-03-31")
    assert code == 0, output
    assert "expires 2999-03-31 23:59 UTC" in output
    records = _records(url)
    short = records[in_90_days.split("_")[1]].expires_at
    assert short is not None
    assert before + timedelta(days=90) <= short <= datetime.now(UTC) + timedelta(days=90)
    long = records[until_march.split("_")[1]].expires_at
    assert long == datetime(2999, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert _principal(url, in_90_days) is not None and _principal(url, until_march) is not None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--expires-in", "90"], "--expires-in takes a positive whole number and a unit h, d or w"),
        (["--expires-in", "0w"], "--expires-in takes a positive whole number"),
        (["--expires-in", "99999999d"], "--expires-in takes"),
        (["--expires-in", "999999w"], "ends after the year 9999"),
        (["--expires", "tomorrow"], "--expires takes a date YYYY-MM-DD"),
        (["--expires", "2020-01-31"], "must be in the future"),
        (["--expires-in", "9d", "--expires", "2999-01-01"], "not both"),
    ],
)
def test_create_refuses_a_nonsense_expiry_and_creates_nothing(
    url: str, args: list[str], says: str
) -> None:
    code, token, output = _create(url, "--role", "talent", *args)
    assert code == 2 and token == ""
    assert "No key was created" in output and says in " ".join(output.split())
    assert _records(url) == {}


def test_list_shows_created_expires_last_used_and_status(url: str) -> None:
    _, active, _ = _create(url, "--role", "talent", "--label", "talent team")
    _, lapsing, _ = _create(url, "--role", "talent", "--expires", "2999-12-31")
    _, revoked, _ = _create(url, "--role", "admin")
    active_id, lapsing_id, revoked_id = (t.split("_")[1] for t in (active, lapsing, revoked))
    runner.invoke(app, ["keys", "revoke", revoked_id, "--database-url", url])
    assert _principal(url, active) is not None  # records its use
    engine = make_engine(url)
    with engine.begin() as conn:  # time passes for the lapsing key
        past = datetime.now(UTC) - timedelta(days=1)
        conn.execute(sa.update(api_keys).where(api_keys.c.id == lapsing_id).values(expires_at=past))
    engine.dispose()

    rows = _listing_rows(url)
    header = runner.invoke(app, ["keys", "list", "--database-url", url]).stdout
    for column in ("created", "expires", "last used", "status"):
        assert column in header
    today = f"{datetime.now(UTC):%Y-%m-%d}"
    assert "active" in rows[active_id] and "talent team" in rows[active_id]
    assert "expired" in rows[lapsing_id] and "revoked" in rows[revoked_id]
    created, expires, last_used = rows[active_id][-3:]
    assert created.startswith(today) and expires == "never" and last_used.startswith(today)
    assert rows[lapsing_id][-1] == "never"  # never used
