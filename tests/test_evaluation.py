"""Ranking metrics and the related-occupations reader."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from recommender.errors import InvalidCatalog
from recommender.evaluation import (
    FULL_LIST_GRADES,
    TIER_GRADES,
    completed_metrics,
    in_dev_half,
    mean_metrics,
    ndcg_at_k,
    precision_at_k,
    read_related,
    recall_at_k,
)

HEADER = "O*NET-SOC Code\tTitle\tRelated O*NET-SOC Code\tRelated Title\tRelatedness Tier\tIndex\n"


def test_precision_counts_relevant_items_in_the_top_k_over_k() -> None:
    assert precision_at_k(["a", "x", "b", "y"], {"a": 1, "b": 3}, 4) == 0.5
    assert precision_at_k(["a"], {"a": 1}, 10) == 0.1


def test_recall_is_share_of_all_relevant_items_found() -> None:
    assert recall_at_k(["a", "x"], {"a": 1, "b": 2, "c": 3}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(["a"], {}, 5) == 0.0


def test_ndcg_is_one_for_the_ideal_order_and_rewards_higher_grades_first() -> None:
    relevant = {"a": 3, "b": 2, "c": 1}
    assert ndcg_at_k(["a", "b", "c"], relevant, 20) == pytest.approx(1.0)
    swapped = ndcg_at_k(["c", "b", "a"], relevant, 20)
    assert 0 < swapped < 1
    assert ndcg_at_k(["x", "a"], relevant, 20) < ndcg_at_k(["a", "x"], relevant, 20)


def test_ndcg_uses_linear_gains_and_log2_discounts() -> None:
    # DCG = 1/log2(2) + 3/log2(3); ideal = 3 + 1/log2(3)
    expected = (1 + 3 / 1.584962500721156) / (3 + 1 / 1.584962500721156)
    assert ndcg_at_k(["b", "a"], {"a": 3, "b": 1}, 2) == pytest.approx(expected)


def test_metrics_reject_k_below_one() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        precision_at_k(["a"], {"a": 1}, 0)


def test_mean_metrics_scores_a_missing_ranking_as_zero() -> None:
    judgements = {"s1": {"a": 3}, "s2": {"b": 1}}
    out = mean_metrics({"s1": ["a"]}, judgements, ["s1", "s2"])
    assert out["recall@20"] == 0.5 and out["sources"] == 2


def test_read_related_maps_tiers_to_grades(tmp_path: Path) -> None:
    path = tmp_path / "Related Occupations.txt"
    path.write_text(
        HEADER
        + "15-1232.00\tHelp\t15-1212.00\tSec\tPrimary-Short\t1\n"
        + "15-1232.00\tHelp\t15-1244.00\tNet\tPrimary-Long\t2\n"
        + "15-1232.00\tHelp\t43-9011.00\tOps\tSupplemental\t3\n",
        encoding="utf-8",
    )
    assert read_related(path) == {"15-1232.00": {"15-1212.00": 3, "15-1244.00": 2, "43-9011.00": 1}}
    assert TIER_GRADES["Primary-Short"] == 3


def test_read_related_names_the_line_and_column_of_an_unknown_tier(tmp_path: Path) -> None:
    path = tmp_path / "rel.txt"
    path.write_text(HEADER + "15-1232.00\tH\t15-1212.00\tS\tPrimary-Medium\t1\n", encoding="utf-8")
    with pytest.raises(
        InvalidCatalog, match=r"rel.txt, row 2, field 'Relatedness Tier'.*Primary-Medium"
    ):
        read_related(path)


def test_read_related_reports_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "rel.txt"
    path.write_text("O*NET-SOC Code\tRelated O*NET-SOC Code\n", encoding="utf-8")
    with pytest.raises(InvalidCatalog, match="Relatedness Tier"):
        read_related(path)


def test_dev_half_follows_the_parity_of_the_code_hash() -> None:
    import hashlib

    for code in ("15-1212.00", "29-1141.00", "15-1232.00"):
        assert in_dev_half(code) == (int(hashlib.sha256(code.encode()).hexdigest(), 16) % 2 == 0)


def test_completed_metrics_count_unjudged_items_at_the_never_seen_judged_rate() -> None:
    # Top 10 of "a": four judged items its model never saw (3 related), two judged items it
    # trained on (1 related) and four unjudged items; ranks 11-20 hold judged never-seen
    # items, one related of ten.
    top10 = ["u1", "s1", "x1", "u2", "s2", "x2", "u3", "x3", "u4", "x4"]
    tail = [f"t{i}" for i in range(10)]
    judged = {"u1", "u2", "u3", "u4", "s1", "s2", *tail}
    grades = {"u1": 3, "u2": 2, "u3": 1, "s1": 1, "t0": 2}
    m = completed_metrics(
        {"a": top10 + tail}, {"a": grades}, ["a"], judged, {"a": {*judged} - {"s1", "s2"}}
    )
    assert m["unseen_rate@10"] == pytest.approx(0.75)
    assert m["unseen_judged@10"] == 4 and m["unseen_judged@20"] == 10
    assert m["precision@10"] == pytest.approx((3 + 1 + 4 * 0.75) / 10)
    assert m["recall@20"] == pytest.approx((3 + 1 + 4 * 0.75 + 1) / 20)
    mean_gain = (3 + 2 + 1 + 0) / 4
    gains = [3, 1, mean_gain, 2, 0, mean_gain, 1, mean_gain, 0, mean_gain, 2] + [0] * 9
    discounts = [1 / math.log2(i + 2) for i in range(20)]
    ideal = sum(g * d for g, d in zip(FULL_LIST_GRADES, discounts, strict=True))
    dcg = sum(g * d for g, d in zip(gains, discounts, strict=True))
    assert m["ndcg@20"] == pytest.approx(dcg / ideal)


def test_completed_metrics_recover_full_list_precision_from_half_the_judgements() -> None:
    # A world whose complete related lists are known: 20 related per source, a noisy
    # ranking. Judge only a random half of the destinations, as the O*NET split does; the
    # completed estimate must land on the true figure, where scoring unjudged items as
    # misses roughly halves it.
    rng = np.random.default_rng(7)
    n = 600
    ids = [f"o{i}" for i in range(n)]
    judged = {r for r in ids if rng.random() < 0.5}
    rankings, complete, half = {}, {}, {}
    for s in ids[:300]:
        related = rng.choice([r for r in ids if r != s], 20, replace=False)
        grades = dict(zip(related, FULL_LIST_GRADES, strict=True))
        score = {r: rng.normal() for r in ids if r != s}
        for r, g in grades.items():
            score[r] += 1.0 + 0.5 * g
        rankings[s] = sorted(score, key=score.__getitem__, reverse=True)[:20]
        complete[s] = grades
        half[s] = {r: g for r, g in grades.items() if r in judged}
    truth = mean_metrics(rankings, complete, complete)
    unseen = dict.fromkeys(half, judged)
    estimate = completed_metrics(rankings, half, half, judged, unseen)
    assert estimate["precision@10"] == pytest.approx(truth["precision@10"], abs=0.03)
    assert estimate["ndcg@20"] == pytest.approx(truth["ndcg@20"], abs=0.03)
    assert estimate["recall@20"] == pytest.approx(truth["recall@20"], abs=0.03)
    assert mean_metrics(rankings, half, half)["precision@10"] < 0.7 * truth["precision@10"]
