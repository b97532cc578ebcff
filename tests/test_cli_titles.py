"""`reskill titles` and `reskill evaluate titles` on a small slice of the real O*NET files.

The slice keeps a dozen nursing, records, security and support occupations, and
"Computer Occupations, All Other" (15-1299.00, which O*NET titles but does not rate), with
all their rows in each file the importer reads, written to a temporary folder; the real
all-MiniLM-L6-v2 model encodes their few hundred titles once per module.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from recommender.cli import app

runner = CliRunner()

CODES = (
    "29-1141.00",
    "29-1141.01",
    "29-1141.03",
    "29-2061.00",
    "31-1131.00",
    "29-2072.00",
    "43-6013.00",
    "15-1212.00",
    "15-1299.05",
    "15-1232.00",
    "15-1244.00",
    "29-2052.00",
    "15-1299.00",
)
FILES = (
    "Occupation Data.txt",
    "Job Zones.txt",
    "Skills.txt",
    "Knowledge.txt",
    "Alternate Titles.txt",
    "Sample of Reported Titles.txt",
)


@pytest.fixture(scope="module")
def small_onet(onet_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("onet")
    for name in FILES:
        header, *rows = (onet_dir / name).read_text(encoding="utf-8-sig").splitlines()
        kept = [row for row in rows if row.split("\t", 1)[0] in CODES]
        (out / name).write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embeddings")


def run_titles(onet: Path, cache: Path, lines: str, out: Path, *extra: str) -> object:
    source = out.parent / "titles.txt"
    source.write_text(lines, encoding="utf-8")
    args = ["titles", "--onet", str(onet), "--in", str(source), "--out", str(out)]
    return runner.invoke(app, [*args, "--cache-dir", str(cache), *extra])


def read_tsv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t"))


@pytest.mark.slow
def test_titles_writes_a_ranked_tsv_with_a_header(
    small_onet: Path, cache_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.tsv"
    result = run_titles(
        small_onet, cache_dir, "RN - Med/Surg nights\n\nMedical Coder\n", out, "--top", "3"
    )
    assert result.exit_code == 0, result.output
    header, *rows = read_tsv(out)
    assert header == ["title", "rank", "code", "occupation", "score"]
    assert [(r[0], r[1]) for r in rows] == [
        ("RN - Med/Surg nights", "1"),
        ("RN - Med/Surg nights", "2"),
        ("RN - Med/Surg nights", "3"),
        ("Medical Coder", "1"),
        ("Medical Coder", "2"),
        ("Medical Coder", "3"),
    ]
    assert rows[0][2] == "29-1141.00"
    assert rows[3][2] == "29-2072.00"
    assert rows[0][3] == "Registered Nurses" and rows[3][3] == "Medical Records Specialists"
    assert all(re.fullmatch(r"\d{2}-\d{4}\.\d{2}", r[2]) for r in rows)
    scores = [float(r[4]) for r in rows[:3]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1
    assert "Wrote 6 rows for 2 titles" in result.output


@pytest.mark.slow
def test_titles_prints_each_code_with_its_occupation_as_a_table_json_or_csv(
    small_onet: Path, cache_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "titles.txt"
    source.write_text("RN - Med/Surg nights\nMedical Coder\n", encoding="utf-8")
    args = ["titles", "--onet", str(small_onet), "--in", str(source), "--top", "3"]
    args += ["--cache-dir", str(cache_dir)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [(r["title"], r["rank"]) for r in body][::3] == [
        ("RN - Med/Surg nights", 1),
        ("Medical Coder", 1),
    ]
    assert (body[0]["code"], body[0]["occupation"]) == ("29-1141.00", "Registered Nurses")
    assert (body[3]["code"], body[3]["occupation"]) == ("29-2072.00", "Medical Records Specialists")

    csv_out = runner.invoke(app, [*args, "--csv"])
    assert csv_out.exit_code == 0, csv_out.output
    frame = pd.read_csv(io.StringIO(csv_out.stdout), dtype={"code": str})
    assert list(frame.columns) == ["title", "rank", "code", "occupation", "score"]
    assert frame.to_dict("records") == body

    table = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert table.exit_code == 0, table.output
    assert "…" not in table.stdout and max(map(len, table.stdout.splitlines())) <= 80
    for row in body:
        assert row["code"] in table.stdout
        for word in row["occupation"].split():
            assert re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", table.stdout), word

    both = runner.invoke(app, [*args, "--json", "--out", str(tmp_path / "o.tsv")])
    assert both.exit_code == 2 and not (tmp_path / "o.tsv").exists()


@pytest.mark.slow
def test_titles_reach_occupations_that_onet_titles_but_does_not_rate(
    small_onet: Path, cache_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.tsv"
    titles = "Data Centre Technician\nComputer Lab Tech\nComputer Occupations, All Other\n"
    # O*NET lists "IT Specialist" for 15-1232.00 and 15-1244.00, not for 15-1299.00.
    result = run_titles(small_onet, cache_dir, titles + "IT Specialist\n", out, "--top", "1")
    assert result.exit_code == 0, result.output
    best = {row[0]: row[2] for row in read_tsv(out)[1:]}
    assert best["Data Centre Technician"] == "15-1299.00"
    assert best["Computer Lab Tech"] == "15-1299.00"
    assert best["Computer Occupations, All Other"] == "15-1299.00"
    assert best["IT Specialist"] in {"15-1232.00", "15-1244.00"}
    assert (small_onet / "Occupation Data.txt").read_text().count("15-1299.00") == 1
    assert "15-1299.00" not in (small_onet / "Job Zones.txt").read_text()


@pytest.mark.slow
def test_a_title_with_nothing_to_match_warns_with_its_line_and_writes_no_rows(
    small_onet: Path, cache_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.tsv"
    result = run_titles(small_onet, cache_dir, "Staff Nurse\n---\n", out, "--top", "1")
    assert result.exit_code == 0, result.output
    assert "line 2: nothing to match in '---'" in result.output
    assert [r[0] for r in read_tsv(out)[1:]] == ["Staff Nurse"]


@pytest.mark.slow
def test_evaluate_titles_prints_top1_and_top5_on_held_out_titles(
    small_onet: Path, cache_dir: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "evaluate",
            "titles",
            "--onet",
            str(small_onet),
            "--cache-dir",
            str(cache_dir),
            "--baselines",
        ],
    )
    assert result.exit_code == 0, result.output
    counts = re.search(
        r"Held-out O\*NET alternate titles: (\d+) evaluated, (\d+) reachable .*?(\d+) rated",
        " ".join(result.output.split()),
    )
    assert counts is not None, result.output
    evaluated, reachable, rated = (int(x) for x in counts.groups())
    # Every held-out title of the slice is indexed, also those of 15-1299.00 (unrated).
    assert evaluated == reachable > rated > 0
    fitted = next(line for line in result.output.splitlines() if "fitted fusion" in line)
    top1, top5 = (float(x) for x in re.findall(r"\d\.\d{3}", fitted)[:2])
    assert 0.3 < top1 <= top5 <= 1.0
    assert "char TF-IDF nearest title" in result.output
    assert "plain sum: char+emb+desc" in result.output


def test_titles_rejects_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    source = tmp_path / "titles.txt"
    source.write_bytes(b"Staff Nurse\nEnfermera \xf1\n")
    result = runner.invoke(
        app,
        ["titles", "--onet", str(tmp_path), "--in", str(source), "--out", str(tmp_path / "o.tsv")],
    )
    assert result.exit_code == 1
    assert "titles.txt, line 2: not UTF-8 text" in result.output


def test_titles_rejects_a_file_without_titles(tmp_path: Path) -> None:
    source = tmp_path / "titles.txt"
    source.write_text("\n   \n")
    result = runner.invoke(
        app,
        ["titles", "--onet", str(tmp_path), "--in", str(source), "--out", str(tmp_path / "o.tsv")],
    )
    assert result.exit_code == 1
    assert "no titles (one job title per line expected)" in result.output


def test_titles_with_missing_weights_explains_how_to_fit_them(tmp_path: Path) -> None:
    source = tmp_path / "titles.txt"
    source.write_text("Staff Nurse\n")
    args = ["titles", "--onet", str(tmp_path), "--in", str(source), "--out", str(tmp_path / "o")]
    result = runner.invoke(app, [*args, "--model", str(tmp_path / "none.json")])
    assert result.exit_code == 1
    assert "none.json" in result.output and "--refit --save" in result.output
    assert not (tmp_path / "o").exists()


def test_evaluate_save_without_refit_is_refused(tmp_path: Path) -> None:
    args = ["evaluate", "titles", "--onet", str(tmp_path), "--save", str(tmp_path / "w.json")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--save needs --refit" in result.output
