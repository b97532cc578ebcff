"""`reskill academy plan` on the bundled data: a stored, logged plan as tables, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from recommender.cli import app
from recommender.store import make_engine
from recommender.store.access import read_access_log

runner = CliRunner()
ROLES = "soc-analyst-1,data-analyst,ehr-reporting-analyst"
ASK = ["academy", "plan", "--roles", ROLES, "--budget", "2000", "--weeks", "52"]
ASK += ["--max-per-role", "2", "--start", "2027-01-04"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'reskill.db'}"
    result = runner.invoke(app, ["init", "--database-url", url])
    assert result.exit_code == 0, result.output
    return ["--database-url", url]


def test_the_json_plan_stays_within_the_budget_and_everyone_in_it_is_logged(
    bundled: list[str],
) -> None:
    result = runner.invoke(app, [*ASK, "--json", *bundled])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    people = {a["employee_id"] for a in plan["assignments"]}
    assert people and plan["total_cost"] <= 2000
    assert plan["filled"] + len(plan["open"]) == sum(plan["needs"].values())
    log = read_access_log(make_engine(bundled[1]), limit=1000)
    assert {r.employee_id for r in log if r.route == "reskill academy plan"} >= people


def test_the_csv_lists_one_row_per_person_and_the_table_names_the_reasons(
    bundled: list[str],
) -> None:
    as_csv = runner.invoke(app, [*ASK, "--csv", *bundled])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    people = [r for r in rows if r["section"] == "assignments"]
    assert people and all(r["employee_id"] for r in people), rows[-1]
    table = runner.invoke(app, [*ASK, *bundled], env={"COLUMNS": "160"})
    assert table.exit_code == 0 and "Open vacancy" in table.stdout and "Backfill" in table.stdout


def test_an_unknown_role_fails_with_its_name(bundled: list[str]) -> None:
    result = runner.invoke(app, ["academy", "plan", "--roles", "nope", *bundled])
    assert result.exit_code != 0 and "nope" in result.output
