"""`reskill transitions` and `reskill evaluate transitions` end to end on a slice of O*NET."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from recommender.cli import app
from recommender.evaluation import in_dev_half
from tests.cli.test_output import assert_csv_matches_json

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "models" / "transition-model.npz"
PREFIXES = ("15-12", "29-1", "29-20", "29-9", "43-6", "11-91")

_opened: list[str] = []
_recording = False


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _recording and event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        _opened.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.fixture(scope="module")
def mini_onet(onet_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every O*NET file cut down to ~100 occupations, related-occupation files included."""
    out = tmp_path_factory.mktemp("onet")
    for source in onet_dir.glob("*.txt"):
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
        if not lines[0].startswith("O*NET-SOC Code"):
            (out / source.name).write_text("".join(lines), encoding="utf-8")
            continue
        keep = [line for line in lines[1:] if line.startswith(PREFIXES)]
        (out / source.name).write_text(lines[0] + "".join(keep), encoding="utf-8")
    return out


@pytest.mark.slow
def test_transitions_writes_top_k_per_occupation_without_reading_related_rows(
    mini_onet: Path, tmp_path: Path
) -> None:
    global _recording
    out = tmp_path / "top.tsv"
    _opened.clear()
    _recording = True
    try:
        result = CliRunner().invoke(
            app,
            [
                "transitions",
                "--onet",
                str(mini_onet),
                "--top",
                "5",
                "--out",
                str(out),
                "--cache-dir",
                str(tmp_path / "cache"),
            ],
        )
    finally:
        _recording = False
    assert result.exit_code == 0, result.output
    assert not [p for p in _opened if Path(p).name.startswith("Related Occupations")]
    assert any(Path(p).name == "Skills.txt" for p in _opened)  # the hook does see O*NET reads
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    assert rows[0] == ["source_code", "target_code", "rank", "score"]
    by_source: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        by_source.setdefault(row[0], []).append(row)
    zones = (mini_onet / "Job Zones.txt").read_text(encoding="utf-8").splitlines()[1:]
    assert set(by_source) == {line.split("\t")[0] for line in zones}
    for source, top in by_source.items():
        assert [int(r[2]) for r in top] == [1, 2, 3, 4, 5]
        scores = [float(r[3]) for r in top]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        assert source not in {r[1] for r in top}


def test_transitions_without_a_model_says_how_to_make_one(mini_onet: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "transitions",
            "--onet",
            str(mini_onet),
            "--out",
            str(tmp_path / "x.tsv"),
            "--model",
            str(tmp_path / "missing.npz"),
        ],
    )
    assert result.exit_code == 1
    assert "reskill transitions fit" in result.output


@pytest.mark.slow
def test_evaluate_prints_metrics_of_the_shipped_model_on_a_full_related_file(
    mini_onet: Path, tmp_path: Path
) -> None:
    related = tmp_path / "Related Occupations.txt"
    codes = [c for c in ("15-1212.00", "15-1211.01", "29-1141.00", "29-2072.00", "15-1232.00")]
    assert not all(in_dev_half(c) for c in codes)  # so the shipped model, not CV, is evaluated
    related.write_text(
        "O*NET-SOC Code\tTitle\tRelated O*NET-SOC Code\tRelated Title\tRelatedness Tier\tIndex\n"
        "15-1232.00\tx\t15-1212.00\tx\tPrimary-Short\t1\n"
        "29-1141.00\tx\t15-1211.01\tx\tPrimary-Long\t1\n"
        "29-2072.00\tx\t15-1211.01\tx\tSupplemental\t1\n",
        encoding="utf-8",
    )
    result = _evaluate(mini_onet, related, tmp_path)
    assert result.exit_code == 0, result.output
    assert "precision@10" in result.output and "nDCG@20" in result.output
    assert "shipped model" in result.output


@pytest.mark.slow
def test_evaluate_ranks_a_held_out_half_file_within_that_half(
    mini_onet: Path, tmp_path: Path
) -> None:
    # A file of the other half's rows says nothing about moves into the dev half: ranking a
    # source whose related list is every other occupation of its half must score 1.0, which
    # it cannot if dev-half occupations (unjudged, so counted as misses) are ranked too.
    zones = (mini_onet / "Job Zones.txt").read_text(encoding="utf-8").splitlines()[1:]
    held_out = sorted({line.split("\t")[0] for line in zones} - {"", *_dev_codes(zones)})
    assert len(held_out) > 11
    source, others = held_out[0], held_out[1:]
    related = tmp_path / "Related Occupations (held out).txt"
    related.write_text(
        "O*NET-SOC Code\tTitle\tRelated O*NET-SOC Code\tRelated Title\tRelatedness Tier\tIndex\n"
        + "".join(f"{source}\tx\t{c}\tx\tSupplemental\t{i}\n" for i, c in enumerate(others, 1)),
        encoding="utf-8",
    )
    result = _evaluate(mini_onet, related, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"shipped model over the other half's {len(held_out)} occupations" in result.output
    row = next(line for line in result.output.splitlines() if "full" in line)
    assert row.split("|")[2].strip() == "1.000"  # precision@10 (a pipe's table: "|" between)

    # --json holds both tables' figures unrounded, --csv the same rows.
    arguments = ["evaluate", "transitions", "--onet", mini_onet, "--related", related]
    sections = ["judged.rankings", "completed.rankings"]
    body, frame = assert_csv_matches_json([*arguments, "--cache-dir", tmp_path / "cache"], sections)
    assert body["judged"]["rankings"][0]["precision@10"] == 1.0
    flat = " ".join(result.output.split())  # a long title wraps to its table's width
    assert body["judged"]["title"] in flat and body["completed"]["title"] in flat
    tail = result.output[result.output.rindex("precision@10") :]  # the second table
    for ranking in body["completed"]["rankings"]:
        name = ranking["ranking"]
        cells = next(line for line in tail.splitlines() if line.startswith(f"{name} "))
        assert [c.strip() for c in cells.split("|")] == [
            name,
            str(ranking["sources"]),
            *(_figure(ranking[key]) for key in FIGURES),
        ]
    assert frame[frame.section == "completed.rankings"].ranking.tolist() == [
        "full",
        "task_tfidf",
        "description_embedding",
        "skill_profile",
    ]
    assert f"full: {body['completed']['unseen_judged@10']} judged top-10" in result.output


FIGURES = ("precision@10", "capped_precision@10", "recall@20", "ndcg@20")


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _evaluate(onet: Path, related: Path, tmp_path: Path) -> Result:
    """`reskill evaluate transitions` on ``related``, wide enough for every column."""
    arguments = ["evaluate", "transitions", "--onet", str(onet), "--related", str(related)]
    cache = ["--cache-dir", str(tmp_path / "cache")]
    return CliRunner().invoke(app, [*arguments, *cache], terminal_width=200)


def _dev_codes(zones: list[str]) -> set[str]:
    return {line.split("\t")[0] for line in zones if in_dev_half(line.split("\t")[0])}


@pytest.mark.slow
def test_evaluate_on_the_dev_split_also_estimates_figures_over_every_occupation(
    mini_onet: Path, tmp_path: Path
) -> None:
    related = mini_onet / "Related Occupations (dev split).txt"
    result = _evaluate(mini_onet, related, tmp_path)
    assert result.exit_code == 0, result.output
    zones = (mini_onet / "Job Zones.txt").read_text(encoding="utf-8").splitlines()[1:]
    everyone, dev = len(zones), len(_dev_codes(zones))
    assert f"grouped 5-fold CV over {dev} dev-half occupations" in result.output
    completed = f"grouped 5-fold CV over all {everyone} occupations, related lists of 20"
    assert completed in result.output
    tail = result.output[result.output.index(completed) :]
    for name in ("full", "task_tfidf", "description_embedding", "skill_profile"):
        row = next(line for line in tail.splitlines() if line.startswith(f"{name} "))
        assert 0 <= float(row.split("|")[2]) <= 1  # precision@10
    assert "judged top-10 destinations its model never trained on" in result.output


@pytest.mark.slow
def test_occupation_scores_read_no_related_rows_and_cover_every_pair(
    mini_onet: Path, tmp_path: Path
) -> None:
    from recommender.transitions.occupations import OccupationScores

    global _recording
    out = tmp_path / "occupation-transitions.npz"
    _opened.clear()
    _recording = True
    try:
        result = CliRunner().invoke(
            app,
            [
                "transitions",
                "scores",
                "--onet",
                str(mini_onet),
                "--out",
                str(out),
                "--cache-dir",
                str(tmp_path / "cache"),
            ],
        )
    finally:
        _recording = False
    assert result.exit_code == 0, result.output
    assert not [p for p in _opened if Path(p).name.startswith("Related Occupations")]
    assert any(Path(p).name == "Skills.txt" for p in _opened)
    scores = OccupationScores.load(out)
    zones = (mini_onet / "Job Zones.txt").read_text(encoding="utf-8").splitlines()[1:]
    assert set(scores.codes) == {line.split("\t")[0] for line in zones}
    off = scores.scores[~np.eye(len(scores.codes), dtype=bool)].astype(np.float64)
    assert np.isnan(np.diag(scores.scores.astype(np.float64))).all()
    assert ((off >= 0) & (off <= 1)).all()
    assert scores.metadata["fusion"] == "full" and "CC BY 4.0" in scores.metadata["attribution"]
    assert out.with_suffix(".manifest.json").is_file()
