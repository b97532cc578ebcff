"""What the commands print: tables that keep every name whole at 80 columns and in a pipe,
plain text in a pipe, and ``--csv`` that holds the rows and values of ``--json``.

Pathway, reachable, mobility and the hard-to-fill view read a database that `reskill init`
loaded with the bundled data (no model). The shortlist, the people search and match run the
real embedding model on a small org whose names are long (a 40-character surname, a
35-character course id); titles are tested in tests/test_cli_titles.py. `init` and `import
org` print their imports of tests/fixtures/org_mini, `import onet` that of a slice of
O*NET; `evaluate transitions` is tested in tests/test_cli_transitions.py.

CliRunner's output is no terminal, so it is the pipe's layout; ``COLUMNS=80`` gives it a
width. ``TTY_COMPATIBLE=1`` makes rich treat it as a terminal (the coloured layout).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import Result
from rich.console import Console
from typer.testing import CliRunner

from recommender.cli import app
from recommender.cli._output import Grid
from tests.conftest import REPO

runner = CliRunner()
MINI = REPO / "tests" / "fixtures" / "org_mini"

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOX_DRAWING = re.compile("[\u2500-\u257f]")
#: A pipe (no width), a pipe 80 columns wide, and an 80-column terminal.
LAYOUTS = {
    "pipe": {"COLUMNS": None},
    "pipe-80": {"COLUMNS": "80"},
    "terminal-80": {"COLUMNS": "80", "TTY_COMPATIBLE": "1", "NO_COLOR": "1"},
}


def reskill(*args: str | Path, env: Mapping[str, str | None] | None = None) -> Result:
    result = runner.invoke(app, [str(a) for a in args], env=dict(env or {"COLUMNS": None}))
    assert result.exit_code == 0, result.output
    return result


def text_of(result: Result) -> str:
    return ANSI.sub("", result.stdout)


def assert_reads_well(text: str, names: Sequence[str], layout: str) -> None:
    """No ellipsis, every word of every name whole, within the width; plain in a pipe."""
    assert "…" not in text and "..." not in text
    for name in names:
        for word in str(name).split():
            pattern = rf"(?<![\w-]){re.escape(word)}(?![\w-])"
            assert re.search(pattern, text), f"{word!r} of {name!r} is not whole:\n{text}"
    if layout.endswith("80"):
        assert max(map(len, text.splitlines())) <= 80, text
    if layout.startswith("pipe"):
        assert not BOX_DRAWING.search(text) and "\x1b" not in text, text


def expected_rows(data: Any, sections: Sequence[str] = ()) -> list[dict[str, str]]:
    """The CSV rows the docs promise for a JSON answer (written here independently)."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, list):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return str(value)

    def flat(record: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in record.items():
            if isinstance(value, dict):
                out |= flat(value, f"{prefix}{key}.")
            else:
                out[f"{prefix}{key}"] = cell(value)
        return out

    if isinstance(data, list):
        return [flat(r) for r in data]
    summary = json.loads(json.dumps(data))
    rows = []
    for section in sections:
        *parents, last = section.split(".")
        holder, records = summary, data
        for key in parents:
            holder, records = holder[key], records[key]
        del holder[last]
        rows += [{"section": section, **flat(r)} for r in records[last]]
    return [{"section": "summary", **flat(summary)}, *rows]


def assert_csv_matches_json(
    args: Sequence[str | Path], sections: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> tuple[Any, pd.DataFrame]:
    """``--csv`` parses with pandas and holds exactly the rows and values of ``--json``."""
    body = json.loads(reskill(*args, "--json", env=env).stdout)
    return body, assert_csv_holds(reskill(*args, "--csv", env=env).stdout, body, sections)


def assert_csv_holds(table: str, body: Any, sections: Sequence[str] = ()) -> pd.DataFrame:
    """``table`` (a ``--csv``) parses with pandas and holds exactly the rows and values of
    ``body`` (the ``--json`` of the same answer)."""
    frame = pd.read_csv(io.StringIO(table), dtype=str, keep_default_na=False)
    rows = [{k: v for k, v in r.items() if v != ""} for r in frame.to_dict("records")]
    wanted = [{k: v for k, v in r.items() if v != ""} for r in expected_rows(body, sections)]
    assert rows == wanted
    assert len(frame) == len(wanted) and frame.columns.size >= 1
    return pd.read_csv(io.StringIO(table))


def table_rows(text: str) -> list[dict[str, str]]:
    """The rows of the one table in a pipe's ``text`` (``|`` between columns, an ASCII rule
    under the header), as ``{header: cell}``."""
    lines = [line for line in text.splitlines() if "|" in line]
    header, *rows = ([cell.strip() for cell in line.split("|")] for line in lines)
    return [dict(zip(header, row, strict=True)) for row in rows if set(row[0]) - set("-+")]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'reskill.db'}"
    reskill("init", "--database-url", url)
    return ["--database-url", url]


# The shared table ------------------------------------------------------------------------


def _grid() -> Grid:
    grid = Grid("#", "employee", "course", "hours", title="A table")
    grid.add_row("1", "Maximiliana Wolfeschlegelsteinhausenberger (E000001)", "x", "12")
    grid.add_row("2", "Ada Example (E2)", "google-advanced-data-analytics-certificate", "100")
    return grid


@pytest.mark.parametrize("width", [84, 100, 120])
def test_a_grid_wraps_its_columns_at_word_boundaries_never_cutting_a_word(width: int) -> None:
    out = Console(file=io.StringIO(), width=width, color_system=None)
    _grid().print(out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "…" not in text and max(map(len, text.splitlines())) <= width
    assert re.search(r"^#[\s|]+employee[\s|]+course[\s|]+hours\s*$", text, re.M), text
    for word in (
        "Wolfeschlegelsteinhausenberger",
        "(E000001)",
        "google-advanced-data-analytics-certificate",
    ):
        assert word in text, text


def test_a_grid_too_wide_for_its_longest_words_prints_each_row_as_a_block() -> None:
    out = Console(file=io.StringIO(), width=60, color_system=None)
    _grid().print(out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert re.search(r"^course\s+google-advanced-data-analytics-certificate\s*$", text, re.M)
    assert "Wolfeschlegelsteinhausenberger" in text and max(map(len, text.splitlines())) <= 60


def test_a_pipe_has_no_width_so_nothing_wraps(monkeypatch: pytest.MonkeyPatch) -> None:
    long_name = " ".join(f"word{i}" for i in range(60))
    grid = Grid("name", "id")
    grid.add_row(long_name, "E1")
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    grid.print()
    text = sys.stdout.getvalue()
    assert any(long_name in line and line.rstrip().endswith("E1") for line in text.splitlines())
    assert not BOX_DRAWING.search(text) and "\x1b" not in text


# Tables at 80 columns and in pipes -------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_pathway_keeps_every_course_skill_and_role_name_whole(
    bundled: list[str], layout: str
) -> None:
    args = ["pathway", "--employee", "E000001", "--target", "soc-analyst-1", *bundled]
    body = json.loads(reskill(*args, "--json").stdout)
    steps = body["plan"]["steps"]
    assert steps
    names = [s["title"] for s in steps] + [s["course_id"] for s in steps]
    names += ["Registered nurse", "SOC analyst (tier 1)", "E000001", "Security alert triage"]
    assert_reads_well(text_of(reskill(*args, env=LAYOUTS[layout])), names, layout)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_hard_to_fill_keeps_every_role_title_and_id_whole(bundled: list[str], layout: str) -> None:
    args = ["hard-to-fill", "--all", *bundled]
    rows = json.loads(reskill(*args, "--json").stdout)
    names = [r["title"] for r in rows] + [r["role_id"] for r in rows]
    assert "medical-device-security-specialist" in names  # the longest id, 34 characters
    assert_reads_well(text_of(reskill(*args, env=LAYOUTS[layout])), names, layout)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_mobility_and_reachable_keep_role_titles_whole(bundled: list[str], layout: str) -> None:
    mobility = ["mobility", "--employee", "E000001", "--limit", "5", *bundled]
    options = json.loads(reskill(*mobility, "--json").stdout)["items"]
    names = [o["title"] for o in options] + ["Ayesha Becker"]
    assert_reads_well(text_of(reskill(*mobility, env=LAYOUTS[layout])), names, layout)
    reachable = ["reachable", "--employee", "E000001", "--hours", "600", *bundled]
    roles = json.loads(reskill(*reachable, "--json").stdout)
    names = [r["title"] for r in roles] + [r["role_id"] for r in roles]
    assert_reads_well(text_of(reskill(*reachable, env=LAYOUTS[layout])), names, layout)


def test_a_terminal_gets_colour_and_ruled_headers_a_pipe_plain_text(bundled: list[str]) -> None:
    args = ["hard-to-fill", *bundled]
    terminal = reskill(*args, env={"COLUMNS": "100", "TTY_COMPATIBLE": "1"}).stdout
    assert "\x1b[" in terminal and "\u2500" in terminal
    pipe = reskill(*args).stdout
    assert "\x1b" not in pipe and not BOX_DRAWING.search(pipe)
    assert re.search(r"^-+\+-+", pipe, re.M)  # an ASCII rule under the header


# --csv is --json as one table ------------------------------------------------------------


def test_pathway_csv_holds_the_summary_gaps_steps_and_stepping_stones(bundled: list[str]) -> None:
    args = ["pathway", "--employee", "E000001", "--target", "soc-analyst-1", *bundled]
    sections = ("plan.gaps", "plan.steps", "plan.unclosable", "stepping_stones")
    body, frame = assert_csv_matches_json(args, sections)
    assert list(frame.columns[:2]) == ["section", "employee_id"]
    steps = frame[frame.section == "plan.steps"]
    assert steps.title.tolist() == [s["title"] for s in body["plan"]["steps"]]
    assert steps.hours.tolist() == [s["hours"] for s in body["plan"]["steps"]]
    summary = frame[frame.section == "summary"].iloc[0]
    assert summary["plan.total_hours"] == body["plan"]["total_hours"]
    assert len(frame[frame.section == "stepping_stones"]) == len(body["stepping_stones"]) > 0


def test_hard_to_fill_mobility_and_reachable_csv_match_their_json(bundled: list[str]) -> None:
    body, frame = assert_csv_matches_json(["hard-to-fill", *bundled])
    assert frame.open_positions.tolist() == [r["open_positions"] for r in body]
    assert frame.title.tolist() == [r["title"] for r in body]
    body, frame = assert_csv_matches_json(
        ["mobility", "--employee", "E000001", *bundled], ["items", "goal.routes"]
    )
    items = frame[frame.section == "items"]
    assert items["plan.total_hours"].tolist() == [o["plan"]["total_hours"] for o in body["items"]]
    routes = frame[frame.section == "goal.routes"]
    assert routes.role_id.tolist() == [r["role_id"] for r in body["goal"]["routes"]]
    body, frame = assert_csv_matches_json(
        ["reachable", "--from-role", "registered-nurse", "--hours", "600", *bundled]
    )
    assert list(frame.columns) == ["role_id", "title", "hours"] and len(frame) == len(body) > 0


def test_a_list_with_no_rows_is_a_csv_header(bundled: list[str]) -> None:
    args = ["reachable", "--employee", "E000001", "--hours", "0", *bundled]
    assert reskill(*args, "--csv").stdout == "role_id,title,hours\n"
    assert json.loads(reskill(*args, "--json").stdout) == []


def test_keys_list_prints_json_and_csv(tmp_path: Path) -> None:
    url = ["--database-url", f"sqlite:///{tmp_path / 'keys.db'}"]
    reskill("keys", "create", "--role", "talent", "--label", "talent team, [night] shift", *url)
    reskill("keys", "create", "--role", "admin", "--expires", "2999-12-31", *url)
    body, frame = assert_csv_matches_json(["keys", "list", *url])
    assert [k["label"] for k in body] == ["talent team, [night] shift", None]
    assert body[1]["expires_at"].startswith("2999-12-31T23:59:59")
    assert frame.role.tolist() == ["talent", "admin"]
    table = text_of(reskill("keys", "list", *url))
    assert "talent team, [night] shift" in table  # markup-like text is printed as it is


@pytest.mark.parametrize(
    "command",
    [
        ["pathway", "--employee", "E1", "--target", "r"],
        ["reachable", "--employee", "E1", "--hours", "1"],
        ["candidates", "--role", "r"],
        ["people", "--text", "nurse"],
        ["mobility", "--employee", "E1"],
        ["hard-to-fill"],
        ["match", "--text", "nurse"],
        ["keys", "list"],
        ["init"],
        ["import", "org", "some-folder"],
        ["import", "onet", "some-folder"],
    ],
)
def test_csv_and_json_together_are_a_usage_error(command: list[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    result = runner.invoke(app, [*command, "--json", "--csv", "--database-url", url])
    assert result.exit_code == 2
    assert "give --json or --csv, not both" in " ".join(result.output.split())
    assert not (tmp_path / "never.db").exists()  # refused before anything was opened


def test_evaluate_transitions_with_csv_and_json_is_a_usage_error(tmp_path: Path) -> None:
    related = tmp_path / "Related Occupations.txt"
    related.write_text("", encoding="utf-8")
    args = ["--onet", str(tmp_path), "--related", str(related), "--json", "--csv"]
    result = runner.invoke(app, ["evaluate", "transitions", *args])
    assert result.exit_code == 2
    assert "give --json or --csv, not both" in " ".join(result.output.split())


# init and the imports: --json and --csv hold the rows of their table -----------------------

COUNTS = ("inserted", "updated", "deleted", "unchanged")


def assert_counts_are_the_tables(body: Mapping[str, Any], table: str) -> None:
    """The JSON's per-table counts are the rows the table shows, in its order."""
    rows = [{"table": t["table"], **{c: str(t[c]) for c in COUNTS}} for t in body["tables"]]
    assert rows == table_rows(table) and rows


def _fresh(tmp_path: Path, name: str) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / name}.db"]


def test_init_prints_its_import_or_that_it_loaded_nothing_as_json_and_csv(
    tmp_path: Path,
) -> None:
    data = ["--data", str(MINI)]
    body = json.loads(reskill("init", *_fresh(tmp_path, "a"), *data, "--json").stdout)
    csv_text = reskill("init", *_fresh(tmp_path, "b"), *data, "--csv").stdout
    frame = assert_csv_holds(csv_text, body, ["tables"])
    table = reskill("init", *_fresh(tmp_path, "c"), *data).stdout
    assert_counts_are_the_tables(body, table)
    assert {k: body[k] for k in ("kind", "source", "outcome", "snapshot", "removed")} == {
        "kind": "org",
        "source": str(MINI),
        "outcome": "imported",
        "snapshot": False,  # init loads as a partial import
        "removed": 0,
    }
    employees = next(t for t in body["tables"] if t["table"] == "employees")
    assert employees["inserted"] == 3 and frame.section.tolist()[0] == "summary"

    again = runner.invoke(app, ["init", *_fresh(tmp_path, "a"), "--json"])
    assert again.exit_code == 0, again.output
    skipped = json.loads(again.stdout)  # the hint is on stderr
    assert "nothing was loaded" in again.stderr
    assert skipped["outcome"] == "skipped" and skipped["tables"] == []
    assert skipped["held"]["employees"] == 3
    csv_text = reskill("init", *_fresh(tmp_path, "a"), "--csv").stdout
    assert_csv_holds(csv_text, skipped, ["tables"])


def test_import_org_prints_the_snapshot_and_its_counts_as_json_and_csv(tmp_path: Path) -> None:
    """A snapshot without E002: the JSON says one person was removed, as the table does."""
    without = tmp_path / "org"
    shutil.copytree(MINI, without)
    for path in without.glob("*.csv"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(x for x in lines if not x.startswith("E002,")), encoding="utf-8")
    for name in "abc":
        reskill("init", *_fresh(tmp_path, name), "--data", str(MINI))
    body = json.loads(reskill("import", "org", without, *_fresh(tmp_path, "a"), "--json").stdout)
    csv_text = reskill("import", "org", without, *_fresh(tmp_path, "b"), "--csv").stdout
    assert_csv_holds(csv_text, body, ["tables"])
    table = reskill("import", "org", without, *_fresh(tmp_path, "c")).stdout
    assert_counts_are_the_tables(body, table)
    assert "snapshot: 1 person not in these files was removed" in table
    assert body["outcome"] == "imported" and body["snapshot"] is True
    assert body["removed"] == 1 and body["left_out_erased"] == 0
    employees = next(t for t in body["tables"] if t["table"] == "employees")
    assert employees["deleted"] == 1 and employees["unchanged"] == 2

    unchanged = json.loads(
        reskill("import", "org", without, *_fresh(tmp_path, "a"), "--partial", "--json").stdout
    )
    assert unchanged["outcome"] == "unchanged" and unchanged["snapshot"] is False
    assert all(t["inserted"] == t["updated"] == t["deleted"] == 0 for t in unchanged["tables"])


@pytest.fixture(scope="module")
def onet_slice(onet_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every O*NET file cut down to the computer occupations (15-12...)."""
    out = tmp_path_factory.mktemp("onet")
    for source in onet_dir.glob("*.txt"):
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
        if lines[0].startswith("O*NET-SOC Code"):
            lines = lines[:1] + [line for line in lines[1:] if line.startswith("15-12")]
        (out / source.name).write_text("".join(lines), encoding="utf-8")
    return out


def test_import_onet_prints_its_counts_and_the_attribution_as_json_and_csv(
    onet_slice: Path, tmp_path: Path
) -> None:
    args = ["import", "onet", onet_slice]
    body = json.loads(reskill(*args, *_fresh(tmp_path, "a"), "--json").stdout)
    assert_csv_holds(reskill(*args, *_fresh(tmp_path, "b"), "--csv").stdout, body, ["tables"])
    table = reskill(*args, *_fresh(tmp_path, "c")).stdout
    assert_counts_are_the_tables(body, table)
    assert body["kind"] == "onet" and body["outcome"] == "imported"
    assert "CC BY 4.0" in body["attribution"] and "CC BY 4.0" in table
    assert {"roles", "skills"} <= {t["table"] for t in body["tables"]}


# The shortlist, the people search and match (the real model) ------------------------------

LONG_NAME = "Maximiliana Wolfeschlegelsteinhausenbergerdorff"
LONG_COURSE = "security-operations-analyst-bootcamp"
ORG = {
    "skills.csv": """skill_id,name,category,description,aliases
networking,Networking,it_operations,TCP/IP and switching.,
siem,SIEM,security,Security monitoring tools.,
""",
    "roles.csv": """role_id,title,description,soc_code,job_family,job_zone,open_positions,\
median_days_to_fill,hard_to_fill,pay_band
help-desk,Help desk technician,Answers calls and fixes laptops.,15-1232.00,IT Support,2,0,30,false,B3
security-operations-centre-analyst,Security operations centre analyst,Watches security \
alerts in the SIEM and triages incidents.,15-1212.00,Security,3,2,90,true,B5
""",
    "role_skills.csv": """role_id,skill_id,level,importance
help-desk,networking,2,1
security-operations-centre-analyst,networking,2,0.6
security-operations-centre-analyst,siem,3,1
""",
    "courses.csv": f"""course_id,title,provider,kind,hours,cost_usd,delivery,url,hours_estimated,\
cost_estimated,description
{LONG_COURSE},Security operations analyst bootcamp,Internal,certification,20,50,online,,\
false,false,
""",
    "course_skills.csv": f"""course_id,skill_id,level
{LONG_COURSE},siem,3
""",
    "employees.csv": f"""employee_id,name,role_id,department,location,tenure_years,\
weekly_learning_hours,opted_out,profile
E1,{LONG_NAME},help-desk,Information technology services,Riverside campus,2,5,false,\
Reviews SIEM alerts and triages phishing incidents.
E2,Ben Example,help-desk,IT,Remote,3,4,false,Keeps the network running.
""",
    "employee_skills.csv": """employee_id,skill_id,level,evidence
E1,networking,2,declared
E2,networking,2,declared
""",
}
ROLE = "security-operations-centre-analyst"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("org")
    for name, text in ORG.items():
        (folder / name).write_text(text, encoding="utf-8")
    cache = tmp_path_factory.mktemp("cache")
    return ["--data", str(folder), "--cache-dir", str(cache)]


@pytest.mark.slow
@pytest.mark.parametrize("layout", LAYOUTS)
def test_candidates_keep_long_names_and_ids_whole(org: list[str], layout: str) -> None:
    args = ["candidates", "--role", ROLE, *org]
    body = json.loads(reskill(*args, "--json").stdout)
    names = [c["name"] for c in body["candidates"]] + [c["employee_id"] for c in body["candidates"]]
    names += ["Information technology services", "Riverside campus", "Help desk technician"]
    assert LONG_NAME in names
    assert_reads_well(text_of(reskill(*args, env=LAYOUTS[layout])), names, layout)


@pytest.mark.slow
def test_candidates_people_and_match_csv_match_their_json(org: list[str]) -> None:
    body, frame = assert_csv_matches_json(["candidates", "--role", ROLE, *org], ["candidates"])
    rows = frame[frame.section == "candidates"]
    assert rows.name.tolist() == [c["name"] for c in body["candidates"]]
    assert rows["components.readiness"].tolist() == [
        c["components"]["readiness"] for c in body["candidates"]
    ]
    assert frame[frame.section == "summary"].iloc[0]["role_id"] == ROLE
    text = "Triages SIEM alerts and phishing incidents"
    body, frame = assert_csv_matches_json(["people", "--text", text, *org], ["matches", "skills"])
    assert frame[frame.section == "matches"].name.tolist() == [m["name"] for m in body["matches"]]
    body, frame = assert_csv_matches_json(["match", "--text", text, *org], ["roles", "skills"])
    assert frame[frame.section == "roles"].title.tolist() == [r["title"] for r in body["roles"]]
