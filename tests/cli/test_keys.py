"""`reskill keys create | list | revoke` against real databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from recommender.access import Principal, Role
from recommender.cli import app
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import find_principal
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
