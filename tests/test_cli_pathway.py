"""`reskill pathway` on a small org dataset given as CSV files with ``--data`` (answers known
by construction); `reskill reachable` and the model judge on a database that `reskill init`
loaded with the bundled data. tests/cli/test_analysis_commands.py checks what they log.

Help desk (zone 2) -> security analyst (3) -> security engineer (4); the direct jump spans
two job zones. The cheapest plan in hours for E1 (networking 1) to the analyst role is
net-basics (10 h), sec-plus (40 h), siem-course (20 h).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recommender.cli import app

runner = CliRunner()

TABLES = {
    "skills.csv": """skill_id,name,category,description,aliases
ticketing,Ticketing,it_operations,Working a ticket queue.,
networking,Networking,it_operations,TCP/IP and switching.,
security,Security fundamentals,security,Core security concepts.,
siem,SIEM,security,Security monitoring tools.,
forensics,Digital forensics,security,Collecting evidence.,
""",
    "roles.csv": """role_id,title,description,soc_code,job_family,job_zone,open_positions,\
median_days_to_fill,hard_to_fill,pay_band
help-desk,Help desk technician,Answers calls.,15-1232.00,IT Support,2,1,30,false,B3
analyst,Security analyst,Watches alerts.,15-1212.00,Security,3,2,90,true,B5
engineer,Security engineer,Builds defences.,15-1299.05,Security,4,1,140,true,B8
dfir,Forensic analyst,Investigates breaches.,15-1299.06,Security,3,1,120,true,B7
""",
    "role_skills.csv": """role_id,skill_id,level,importance
help-desk,ticketing,3,1
help-desk,networking,2,0.5
help-desk,security,1,0.5
analyst,ticketing,2,0.2
analyst,networking,2,0.6
analyst,security,3,1
analyst,siem,3,0.8
engineer,networking,3,0.6
engineer,security,4,1
engineer,siem,3,0.8
dfir,forensics,4,1
""",
    "courses.csv": """course_id,title,provider,kind,hours,cost_usd,delivery,url,hours_estimated,\
cost_estimated,description
net-basics,Networking basics,Internal,course,10,100,online,,false,false,
net-plus,Network+,CompTIA,certification,60,390,online,,false,false,
sec-plus,Security+,CompTIA,certification,40,400,online,,false,false,
siem-course,SIEM operations,Internal,course,20,50,online,,false,false,
cissp,CISSP,ISC2,certification,100,750,online,,false,false,
forensics-mentor,Forensics shadowing,Internal,mentorship,25,0,on_the_job,,false,false,
""",
    "course_skills.csv": """course_id,skill_id,level
net-basics,networking,2
net-plus,networking,3
sec-plus,security,3
siem-course,siem,3
cissp,security,4
forensics-mentor,forensics,2
""",
    "course_prerequisites.csv": """course_id,prerequisite_type,prerequisite_id,level
sec-plus,skill,networking,2
siem-course,course,sec-plus,
cissp,skill,security,3
""",
    "employees.csv": """employee_id,name,role_id,department,location,tenure_years,\
weekly_learning_hours,opted_out,profile
E1,Ada Example,help-desk,IT,Main,2,5,false,
""",
    "employee_skills.csv": """employee_id,skill_id,level,evidence
E1,ticketing,3,declared
E1,networking,1,declared
""",
}


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``--database-url`` of a database that `reskill init` loaded with the bundled data."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'reskill.db'}"
    result = runner.invoke(app, ["init", "--database-url", url])
    assert result.exit_code == 0, result.output
    return ["--database-url", url]


@pytest.fixture
def org(tmp_path: Path) -> Path:
    for name, text in TABLES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["pathway", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_employee_plan_as_json_lists_courses_in_order_with_totals(org: Path) -> None:
    out = _json(
        "--employee", "E1", "--target", "analyst", "--data", str(org), "--start", "2025-01-06"
    )
    plan = out["plan"]
    assert [s["course_id"] for s in plan["steps"]] == ["net-basics", "sec-plus", "siem-course"]
    assert (plan["total_hours"], plan["total_cost"], plan["finish"]) == (70, 550, "2025-04-14")
    assert out["direct_move_viable"] is True and out["stepping_stones"] == []


def test_objective_cost_is_passed_to_the_planner(org: Path) -> None:
    out = _json(
        "--from-role",
        "help-desk",
        "--target",
        "engineer",
        "--objective",
        "cost",
        "--data",
        str(org),
    )
    assert out["plan"]["objective"] == "cost"
    assert set(s["course_id"] for s in out["plan"]["steps"]) >= {"net-plus", "cissp"}


def test_from_role_to_a_far_role_adds_a_stepping_stone_path(org: Path) -> None:
    out = _json("--from-role", "help-desk", "--target", "engineer", "--data", str(org))
    assert out["direct_move_viable"] is False
    (path,) = out["stepping_stones"]
    assert path["roles"] == ["help-desk", "analyst", "engineer"]
    assert [h["to_role"] for h in path["hops"]] == ["analyst", "engineer"]


def test_readable_output_shows_gaps_plan_and_reasons(org: Path) -> None:
    result = runner.invoke(
        app,
        ["pathway", "--employee", "E1", "--target", "analyst", "--data", str(org)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    for text in ("Skill gaps", "Security+", "SIEM operations", "70 h", "Transfers: Ticketing"):
        assert text in result.output


def test_unclosable_gap_is_listed_and_strict_fails_naming_the_skill(org: Path) -> None:
    out = _json("--from-role", "help-desk", "--target", "dfir", "--data", str(org))
    (gap,) = out["plan"]["unclosable"]
    assert gap["skill_id"] == "forensics" and gap["alternatives"] == ["forensics-mentor"]
    assert out["stepping_stones"] == [] and "no path" in out["stepping_stones_note"]
    strict = runner.invoke(
        app,
        ["pathway", "--from-role", "help-desk", "--target", "dfir", "--data", str(org), "--strict"],
    )
    assert strict.exit_code == 1 and "Digital forensics" in strict.output


def test_exactly_one_source_is_required(org: Path) -> None:
    both = runner.invoke(
        app,
        [
            "pathway",
            "--employee",
            "E1",
            "--from-role",
            "analyst",
            "--target",
            "engineer",
            "--data",
            str(org),
        ],
    )
    neither = runner.invoke(app, ["pathway", "--target", "engineer", "--data", str(org)])
    assert both.exit_code == 2 and neither.exit_code == 2
    assert "exactly one of --employee or --from-role" in both.output


def test_unknown_ids_fail_with_the_bad_value(org: Path) -> None:
    result = runner.invoke(
        app, ["pathway", "--employee", "E404", "--target", "analyst", "--data", str(org)]
    )
    assert result.exit_code == 1 and "E404" in result.output
    result = runner.invoke(
        app, ["pathway", "--employee", "E1", "--target", "astronaut", "--data", str(org)]
    )
    assert result.exit_code == 1 and "astronaut" in result.output


def test_invalid_data_directory_is_reported_not_crashed(org: Path) -> None:
    (org / "course_skills.csv").write_text(
        "course_id,skill_id,level\nnet-basics,networking,9\n", encoding="utf-8"
    )
    result = runner.invoke(
        app, ["pathway", "--employee", "E1", "--target", "analyst", "--data", str(org)]
    )
    assert result.exit_code == 1 and "course_skills.csv" in result.output


@pytest.mark.slow
def test_pathway_judges_moves_with_the_organisation_judge_by_default(bundled: list[str]) -> None:
    from recommender.cli._options import BUNDLED_DATA, EMBEDDING_CACHE, cached_encoder
    from recommender.ingest.tables import read_org_tables
    from recommender.service import Recommender
    from recommender.transitions.organisation import OrganisationJudge

    args = ["pathway", "--from-role", "registered-nurse", "--target", "nurse-informaticist"]
    result = CliRunner().invoke(app, [*args, "--json", *bundled])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    same = CliRunner().invoke(app, [*args, "--judge", "model", "--json", *bundled])
    assert json.loads(same.stdout) == body  # --judge model names the default
    catalog = read_org_tables(BUNDLED_DATA).catalog
    judge = Recommender(catalog, encoder=cached_encoder(EMBEDDING_CACHE)).judge
    assert isinstance(judge, OrganisationJudge)
    assert body["direct_move_viable"] == judge.is_viable("registered-nurse", "nurse-informaticist")
    assert body["plan"]["steps"]


def test_reachable_lists_roles_within_the_hours_cheapest_first(bundled: list[str]) -> None:
    result = CliRunner().invoke(
        app, ["reachable", "--employee", "E000270", "--hours", "250", "--json", *bundled]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    hours = [item["hours"] for item in found]
    assert found and hours == sorted(hours) and max(hours) <= 250
    assert "soc-analyst-1" in {item["role_id"] for item in found}
    wider = CliRunner().invoke(
        app, ["reachable", "--employee", "E000270", "--hours", "600", "--json", *bundled]
    )
    assert {i["role_id"] for i in found} < {i["role_id"] for i in json.loads(wider.stdout)}


def test_reachable_needs_exactly_one_starting_point() -> None:
    result = CliRunner().invoke(app, ["reachable", "--hours", "100"])
    assert result.exit_code != 0
