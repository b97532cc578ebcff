"""Ranking metrics, and the one reader of O*NET's related-occupation labels.

Metrics take a ranking (destination ids, best first) and graded relevance judgements
(``{destination id: grade}``, grades > 0 relevant). Related-occupation tiers map to
grades as Primary-Short 3, Primary-Long 2, Supplemental 1 (:data:`TIER_GRADES`).

Definitions (per source; :func:`mean_metrics` averages over sources)
--------------------------------------------------------------------
* ``precision@k`` = relevant destinations in the top ``k`` / ``k``.
* ``recall@k`` = relevant destinations in the top ``k`` / all relevant destinations.
* ``capped precision@k`` = relevant in the top ``k`` / ``min(k, all relevant)``: reaches 1
  for a perfect ranking even when a source has fewer than ``k`` relevant destinations
  (on the dev split, plain precision@10 cannot exceed 0.887 for that reason).
* ``nDCG@k`` = DCG@k / ideal DCG@k with linear gains, ``DCG = sum grade_i / log2(i + 1)``
  over ranks ``i = 1..k`` (the same convention as scikit-learn's ``ndcg_score``).
* :func:`completed_metrics` estimates precision@10, recall@20 and nDCG@20 over every
  occupation against complete related lists of 20, when only one half's rows are known.

:func:`read_related` is the only function in reskill that opens a file whose name
starts with ``Related Occupations``; only evaluation and model fitting call it.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidCatalog, Problem

__all__ = [
    "TIER_GRADES",
    "Judgements",
    "precision_at_k",
    "capped_precision_at_k",
    "recall_at_k",
    "ndcg_at_k",
    "mean_metrics",
    "FULL_LIST_GRADES",
    "completed_metrics",
    "read_related",
    "in_dev_half",
    "file_sha256",
]

TIER_GRADES: Mapping[str, int] = {"Primary-Short": 3, "Primary-Long": 2, "Supplemental": 1}

Judgements = Mapping[str, Mapping[str, int]]
"""``{source id: {relevant destination id: grade}}``."""


def precision_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Share of the top ``k`` that is relevant.

    Examples
    --------
    >>> precision_at_k(["a", "x", "b"], {"a": 3, "b": 1}, 2)
    0.5
    """
    _check_k(k)
    return sum(1 for r in ranking[:k] if relevant.get(r, 0) > 0) / k


def capped_precision_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Relevant items in the top ``k`` over ``min(k, number relevant)`` (0 when none exist).

    Examples
    --------
    >>> capped_precision_at_k(["a", "x", "b"], {"a": 3}, 3)
    1.0
    """
    _check_k(k)
    total = sum(1 for g in relevant.values() if g > 0)
    if total == 0:
        return 0.0
    return sum(1 for r in ranking[:k] if relevant.get(r, 0) > 0) / min(k, total)


def recall_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Share of the relevant destinations found in the top ``k`` (0 when none exist).

    Examples
    --------
    >>> recall_at_k(["a", "x", "b"], {"a": 3, "b": 1}, 2)
    0.5
    """
    _check_k(k)
    total = sum(1 for g in relevant.values() if g > 0)
    if total == 0:
        return 0.0
    return sum(1 for r in ranking[:k] if relevant.get(r, 0) > 0) / total


def ndcg_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Graded nDCG@k with linear gains (0 when nothing is relevant).

    Examples
    --------
    >>> ndcg_at_k(["a", "b"], {"a": 3, "b": 1}, 2)
    1.0
    >>> round(ndcg_at_k(["b", "a"], {"a": 3, "b": 1}, 2), 4)
    0.7967
    """
    _check_k(k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gains = [float(relevant.get(r, 0)) for r in ranking[:k]]
    ideal = sorted((float(g) for g in relevant.values() if g > 0), reverse=True)[:k]
    if not ideal:
        return 0.0
    dcg = float(np.dot(gains, discounts[: len(gains)]))
    return dcg / float(np.dot(ideal, discounts[: len(ideal)]))


def mean_metrics(
    rankings: Mapping[str, Sequence[str]], judgements: Judgements, sources: Iterable[str]
) -> dict[str, float]:
    """precision@10, capped precision@10, recall@20 and nDCG@20 averaged over ``sources``.

    A source without a ranking counts as an empty ranking (scores 0).
    """
    chosen = list(sources)
    if not chosen:
        raise ValueError("no source occupations to evaluate")
    rows = [
        (
            precision_at_k(rankings.get(s, ()), judgements[s], 10),
            capped_precision_at_k(rankings.get(s, ()), judgements[s], 10),
            recall_at_k(rankings.get(s, ()), judgements[s], 20),
            ndcg_at_k(rankings.get(s, ()), judgements[s], 20),
        )
        for s in chosen
    ]
    p10, c10, r20, n20 = (float(np.mean(col)) for col in zip(*rows, strict=True))
    return {
        "precision@10": p10,
        "capped_precision@10": c10,
        "recall@20": r20,
        "ndcg@20": n20,
        "sources": float(len(chosen)),
    }


FULL_LIST_GRADES: tuple[int, ...] = (3,) * 5 + (2,) * 5 + (1,) * 10
"""Grades of an occupation's complete O*NET related list: 20 rows, Index 1-5 Primary-Short,
6-10 Primary-Long, 11-20 Supplemental. A half's file holds the rows whose both ends fall in
that half (about 9.7 a source on the dev split, with indices anywhere in 1-20)."""

_BLOCKS = ((0, 10), (10, 20))


def completed_metrics(
    rankings: Mapping[str, Sequence[str]],
    judgements: Judgements,
    sources: Iterable[str],
    judged: Collection[str],
    unseen: Mapping[str, Collection[str]],
) -> dict[str, float]:
    """precision@10, recall@20 and nDCG@20 over every occupation, estimated from one half's rows.

    The rankings cover every occupation, but only destinations in ``judged`` (the dev half)
    have known relations to the sources. O*NET splits its halves by a hash of the code, so
    whether a destination is judged is independent of whether it is related: an unjudged
    destination in a source's top 20 is as likely to be related as a judged one the model
    never saw in training at the same depth. So each unjudged item counts with the
    relevance rate and mean grade of the judged, never-seen items (``unseen[source]``:
    judged destinations the source's fold model did not train on) at the same rank,
    pooled over sources (at a rank with none, those of its block of ranks, 1-10 or
    11-20); judged items count as judged. Recall and the ideal DCG use the complete list
    of 20 (:data:`FULL_LIST_GRADES`).

    Returns the mean metrics, ``sources``, and per block the never-seen judged items
    (``unseen_judged@10``, ``unseen_judged@20``) with their relevance rate and its
    binomial standard error (``unseen_rate@10``, ``unseen_rate_se@10``, ...).
    """
    chosen = list(sources)
    if not chosen:
        raise ValueError("no source occupations to evaluate")
    tops = {s: [r for r in rankings.get(s, ()) if r != s][:20] for s in chosen}
    hits = np.zeros(20)
    gains = np.zeros(20)
    counts = np.zeros(20)
    for s, top in tops.items():
        for i, r in enumerate(top):
            if r in unseen[s]:
                seen_grade = judgements[s].get(r, 0)
                hits[i] += seen_grade > 0
                gains[i] += seen_grade
                counts[i] += 1
    # The rate at each rank; a rank without never-seen judged items takes its block's.
    block_of = np.repeat(np.arange(len(_BLOCKS)), [hi - lo for lo, hi in _BLOCKS])
    block_counts = np.bincount(block_of, counts)
    block_rate = _ratio(np.bincount(block_of, hits), block_counts)
    rate = np.where(counts > 0, _ratio(hits, counts), block_rate[block_of])
    mean_gain = np.where(
        counts > 0,
        _ratio(gains, counts),
        _ratio(np.bincount(block_of, gains), block_counts)[block_of],
    )
    discounts = 1.0 / np.log2(np.arange(2, 22))
    ideal = float(np.dot(FULL_LIST_GRADES, discounts))
    rows = []
    for s, top in tops.items():
        relevance = np.zeros(20)
        grade = np.zeros(20)
        for i, r in enumerate(top):
            if r in judged:
                grade[i] = judgements[s].get(r, 0)
                relevance[i] = grade[i] > 0
            else:
                relevance[i], grade[i] = rate[i], mean_gain[i]
        rows.append(
            (relevance[:10].sum() / 10, relevance.sum() / 20, float(grade @ discounts) / ideal)
        )
    p10, r20, n20 = (float(np.mean(col)) for col in zip(*rows, strict=True))
    out = {"precision@10": p10, "recall@20": r20, "ndcg@20": n20, "sources": float(len(chosen))}
    for b, (_, hi) in enumerate(_BLOCKS):
        r, c = block_rate[b], block_counts[b]
        out[f"unseen_judged@{hi}"] = float(c)
        out[f"unseen_rate@{hi}"] = float(r)
        out[f"unseen_rate_se@{hi}"] = float(np.sqrt(r * (1 - r) / c)) if c else float("nan")
    return out


def _ratio(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.float64]:
    top, bottom = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    out = np.zeros_like(top)
    np.divide(top, bottom, out=out, where=bottom > 0)
    return out


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


_COLUMNS = ("O*NET-SOC Code", "Related O*NET-SOC Code", "Relatedness Tier")


def read_related(path: str | Path) -> dict[str, dict[str, int]]:
    """Read an O*NET ``Related Occupations`` file into graded judgements.

    Raises :class:`~recommender.errors.InvalidCatalog` naming the file, line and
    column of every bad row (an unknown tier, a missing column).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "rel.txt")
    >>> _ = open(p, "w").write(
    ...     "O*NET-SOC Code\\tRelated O*NET-SOC Code\\tRelatedness Tier\\n"
    ...     "15-1212.00\\t15-1299.05\\tPrimary-Short\\n")
    >>> read_related(p)
    {'15-1212.00': {'15-1299.05': 3}}
    """
    path = Path(path)
    name = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = [h.strip() for h in reader.fieldnames or ()]
            missing = [c for c in _COLUMNS if c not in header]
            if missing:
                raise InvalidCatalog(
                    [Problem(name, 1, c, "required column is missing") for c in missing]
                )
            return _judgements(reader, name)
    except OSError as exc:
        raise InvalidCatalog([Problem(name, None, None, f"cannot be read: {exc}")]) from exc


def _judgements(reader: csv.DictReader[str], name: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    problems: list[Problem] = []
    for line, row in enumerate(reader, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in row.items()}
        tier = row["Relatedness Tier"]
        if tier not in TIER_GRADES:
            problems.append(Problem(name, line, "Relatedness Tier", f"unknown tier {tier!r}"))
            continue
        source, target = row["O*NET-SOC Code"], row["Related O*NET-SOC Code"]
        grades = out.setdefault(source, {})
        grades[target] = max(grades.get(target, 0), TIER_GRADES[tier])
    if problems:
        raise InvalidCatalog(problems)
    return out


def in_dev_half(code: str) -> bool:
    """Whether an occupation code is in the published dev half of the labels.

    Examples
    --------
    >>> in_dev_half("15-1212.00") in (True, False)
    True
    """
    return int(hashlib.sha256(code.encode()).hexdigest(), 16) % 2 == 0


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes (recorded in model manifests)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
