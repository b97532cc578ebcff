"""`reskill candidates`, `reskill mobility` and `reskill hard-to-fill` from the command line.

Shortlists run the real embedding model on a small org dataset given as CSV files with
``--data`` (Ada and Ben hold the same skills; only Ben's profile describes security work);
mobility and the hard-to-fill view need no model and read a database loaded with the bundled
data by `reskill init`. tests/cli/test_analysis_commands.py checks what they log.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recommender.cli import app
from recommender.embeddings import EmbeddingCache

runner = CliRunner()

TABLES = {
    "skills.csv": """skill_id,name,category,description,aliases
ticketing,Ticketing,it_operations,Working a ticket queue.,
networking,Networking,it_operations,TCP/IP and switching.,
siem,SIEM,security,Security monitoring tools.,
""",
    "roles.csv": """role_id,title,description,soc_code,job_family,job_zone,open_positions,\
median_days_to_fill,hard_to_fill,pay_band
help-desk,Help desk technician,Answers calls and fixes laptops.,15-1232.00,IT Support,2,0,30,false,B3
analyst,Security analyst,Watches security alerts in the SIEM and triages incidents.,\
15-1212.00,Security,3,2,90,true,B5
""",
    "role_skills.csv": """role_id,skill_id,level,importance
help-desk,ticketing,3,1
help-desk,networking,2,0.5
analyst,networking,2,0.6
analyst,siem,3,1
""",
    "courses.csv": """course_id,title,provider,kind,hours,cost_usd,delivery,url,hours_estimated,\
cost_estimated,description
siem-course,SIEM operations,Internal,course,20,50,online,,false,false,
""",
    "course_skills.csv": """course_id,skill_id,level
siem-course,siem,3
""",
    "employees.csv": """employee_id,name,role_id,department,location,tenure_years,\
weekly_learning_hours,opted_out,profile
E1,Ada Example,help-desk,IT,Main,2,5,false,Cares for patients and keeps the ward supplied.
E2,Ben Example,help-desk,IT,Remote,3,4,false,"Reviews SIEM alerts, triages phishing and \
escalates security incidents."
E3,Cy Example,help-desk,IT,Main,1,4,true,Security operations enthusiast.
""",
    "employee_skills.csv": """employee_id,skill_id,level,evidence
E1,ticketing,3,declared
E1,networking,2,declared
E2,ticketing,3,declared
E2,networking,2,declared
E3,networking,2,declared
E3,siem,3,declared
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
    folder = tmp_path / "org"
    folder.mkdir()
    for name, text in TABLES.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.slow
def test_candidates_ranks_with_the_real_model_and_caches_vectors(org: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ["candidates", "--role", "analyst", "--data", str(org), "--cache-dir", str(cache)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    ranked = [c["employee_id"] for c in body["candidates"]]
    assert ranked == ["E2", "E1"]  # E3 opted out; same skills, Ben's profile fits
    ben = body["candidates"][0]
    assert ben["hours_to_ready"] == 20 and ben["hours_exact"] and ben["weeks_to_ready"] == 5
    assert [g["skill_id"] for g in ben["missing"]] == ["siem"]
    assert [g["skill_id"] for g in ben["matched"]] == ["networking"]
    assert body["certified"]
    assert sum(ben["contributions"].values()) == pytest.approx(ben["score"], abs=1e-3)
    cached = len(EmbeddingCache(cache / "fp32"))
    assert cached == 2 + 2  # two profiles (the opted-out one is never embedded), two roles

    table = runner.invoke(app, [*args, "--location", "main"])
    assert table.exit_code == 0, table.output
    assert "Ada Example (E1)" in table.stdout and "Ben Example" not in table.stdout
    assert "20 hours of training (cheapest valid plan)" in table.stdout
    assert len(EmbeddingCache(cache / "fp32")) == cached  # nothing encoded twice

    estimated = runner.invoke(app, [*args, "--estimate", "--json"])
    assert estimated.exit_code == 0, estimated.output
    assert json.loads(estimated.stdout)["exact_hours"] is False


def test_candidates_rejects_an_unknown_role_before_loading_the_model(
    org: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["candidates", "--role", "wizard", "--data", str(org), "--cache-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "unknown role 'wizard'" in result.stderr


def test_mobility_prints_roles_with_their_training_plans(bundled: list[str]) -> None:
    # E000001 is a registered nurse: the hospital's declared career paths (feeder_roles) make
    # moves up from nursing viable, so she sees them without asking for unviable moves.
    result = runner.invoke(
        app, ["mobility", "--employee", "E000001", "--limit", "3", "--json", *bundled]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    options = answer["items"]
    assert answer["employee_id"] == "E000001" and 1 <= len(options) <= 3
    assert all(o["role_id"] != "registered-nurse" and o["judged_viable"] for o in options)
    assert all(o["plan"]["total_hours"] == o["hours"] for o in options)
    assert all(o["kind"] != "step_down" and o["why"] == o["reasons"][0] for o in options)
    informaticist = [o for o in options if o["role_id"] == "nurse-informaticist"]
    assert informaticist and "a declared career path" in informaticist[0]["why"]
    goal = answer["goal"]  # her profile states a goal in clinical informatics
    assert (goal["source"], goal["job_family"]) == ("profile", "Informatics") and goal["routes"]

    table = runner.invoke(app, ["mobility", "--employee", "E000001", "--limit", "2", *bundled])
    assert table.exit_code == 0 and "could go" in table.stdout
    assert "Toward the goal 'clinical informatics'" in table.stdout

    down = runner.invoke(
        app,
        ["mobility", "--employee", "E000001", "--limit", "60", "--include-step-down", "--json"]
        + bundled,
    )
    kinds = [o["kind"] for o in json.loads(down.stdout)["items"]]
    assert "step_down" in kinds and kinds == sorted(kinds, key=lambda k: k == "step_down")


def test_mobility_reports_an_unknown_employee(bundled: list[str]) -> None:
    result = runner.invoke(app, ["mobility", "--employee", "E999999", *bundled])
    assert result.exit_code == 1
    assert "unknown employee 'E999999'" in result.stderr


def test_hard_to_fill_lists_roles_with_openings_and_reach(bundled: list[str]) -> None:
    result = runner.invoke(app, ["hard-to-fill", "--within-hours", "150", "--json", *bundled])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all(r["hard_to_fill"] for r in rows)  # registered nurse is not
    assert all(r["within_hours"] == 150 for r in rows)
    everything = runner.invoke(app, ["hard-to-fill", "--all", "--json", *bundled])
    assert json.loads(everything.stdout)[0]["role_id"] == "registered-nurse"  # most openings
    table = runner.invoke(app, ["hard-to-fill", *bundled], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "SOC analyst (tier 1) (soc-analyst-1)" in table.stdout
