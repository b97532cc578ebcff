"""What the title-normaliser experiments in bench/ share: per-fold candidate features, cached.

The protocol extends :mod:`recommender.titles.holdout` (five folds of O*NET's alternate
titles by a salted hash of the case-folded title; fold 0 is the test fold):

* for each fold ``k`` of 1-4, the index is built without folds 0 and ``k`` and the
  titles of fold ``k`` are queried (each title one query; its gold codes every code
  O*NET lists for it). Folds 1-4 pooled are the development queries (about 29,000);
  leaving one of them out at a time is a 4-fold cross-validation **grouped by title**
  (a title and its every listing are in one fold, and never in the index it is queried
  against);
* fold 0 is queried against the index without fold 0 alone, exactly as
  ``reskill evaluate titles`` does: the completed estimate of a model fitted on folds 1-4.

For each query the harness keeps the ``K`` best occupations under a fixed first stage
(the weights shipped before this work, fitted on fold 1 alone: 19 numbers, so its
candidate lists hardly depend on which fold it saw), with every feature of
:mod:`recommender.titles.features`, the ``rank_`` of each, its gap to the query's best,
and extra candidate features the experiments try:

``knn_emb`` / ``knn_char``
    Share of a soft vote of the query's 20 nearest indexed titles (embedding / character
    TF-IDF cosine, ``exp((cos - best) / 0.05)``) that goes to the occupation.
``first``
    The first stage's fused score.

Arrays are cached under ``~/.cache/reskill/title-cv`` (the embeddings under the usual
embedding cache), so each experiment script reruns in seconds. Nothing here reads a
``Related Occupations`` file, and no fold-0 title reaches an index a development query
is scored against.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import numpy.typing as npt

from recommender.cli._options import EMBEDDING_CACHE, cached_encoder
from recommender.ingest.onet import load_onet, load_onet_titles
from recommender.titles import FusionWeights, TitleNormaliser
from recommender.titles.abbreviations import clean_title
from recommender.titles.features import FEATURES, TitleIndex, reciprocal_rank
from recommender.titles.holdout import TEST_FOLD, holdout_split, title_fold

REPO = Path(__file__).resolve().parents[1]
ONET = REPO.parent.parent / "shared" / "onet"
if not ONET.is_dir():
    ONET = Path("/work/shared/onet")
CACHE = Path.home() / ".cache" / "reskill" / "title-cv"
FIRST_STAGE = REPO / "bench" / "title-first-stage.json"
K = 100
DEV_FOLDS = (1, 2, 3, 4)
KNN = 20
KNN_T = 0.05
EXTRA = ("knn_emb", "knn_char")
BASE = (*FEATURES, *EXTRA)
NAMES: tuple[str, ...] = (
    *BASE,
    *(f"rank_{f}" for f in BASE),
    *(f"gap_{f}" for f in BASE),
    "first",
)


@dataclass(frozen=True)
class Fold:
    """The queries of one fold and their top-``K`` candidates.

    ``x``: (n, K, len(NAMES)) features; ``gold``: (n, K) right answers among the
    candidates; ``cand``: (n, K) occupation positions; ``reachable``: (n,) whether a gold
    code is indexed at all; ``titles``: the queries as written.
    """

    x: npt.NDArray[np.float32]
    gold: npt.NDArray[np.bool_]
    cand: npt.NDArray[np.int32]
    reachable: npt.NDArray[np.bool_]
    titles: tuple[str, ...]


def _knn_vote(sims: npt.NDArray[np.float32], owner: npt.NDArray[np.intp], n: int) -> npt.NDArray:
    top = np.argpartition(-sims, KNN, axis=1)[:, :KNN]
    vals = np.take_along_axis(sims, top, axis=1)
    w = np.exp((vals - vals.max(axis=1, keepdims=True)) / KNN_T)
    w /= w.sum(axis=1, keepdims=True)
    out = np.zeros((sims.shape[0], n), dtype=np.float32)
    rows = np.repeat(np.arange(sims.shape[0]), KNN)
    np.add.at(out, (rows, owner[top.ravel()]), w.ravel())
    return out


def _features(index: TitleIndex, cleaned: list[str], vectors: npt.NDArray) -> dict:
    feats, _ = index.features(cleaned, vectors)
    out = {k: np.asarray(v) for k, v in feats.items()}
    emb = vectors @ index.vectors.T
    char = np.asarray((index.char.transform(cleaned) @ index.char_matrix).toarray(), np.float32)
    out["knn_emb"] = _knn_vote(emb, index.owner, len(index.ids))
    out["knn_char"] = _knn_vote(char, index.owner, len(index.ids))
    return out


def _first_stage() -> FusionWeights:
    return FusionWeights.load(FIRST_STAGE)


def build_fold(fold: int, log: bool = True) -> Fold:
    """Compute (or read from the cache) the candidates of ``fold``'s titles."""
    first = _first_stage()
    key = hashlib.sha256(
        (FIRST_STAGE.read_text() + repr((K, NAMES, KNN, KNN_T))).encode()
    ).hexdigest()[:12]
    path = CACHE / f"fold{fold}-{key}.npz"
    if path.is_file():
        z = np.load(path, allow_pickle=False)
        return Fold(z["x"], z["gold"], z["cand"], z["reachable"], tuple(z["titles"].tolist()))
    started = time.perf_counter()
    catalog, extras = load_onet(ONET), load_onet_titles(ONET)
    held = (TEST_FOLD,) if fold == TEST_FOLD else (TEST_FOLD, fold)
    split = holdout_split(catalog, ONET, held, extras)
    encoder = cached_encoder(EMBEDDING_CACHE, None)
    model = TitleNormaliser(encoder, FusionWeights.plain()).fit(
        split.catalog, extra_occupations=split.extra_occupations
    )
    index = model.onet_index_
    assert index is not None
    codes = np.asarray(model.onet_codes_)
    titles = [t for t, _ in split.held_out.items() if title_fold(t) == fold and clean_title(t)]
    xs, golds, cands, reach = [], [], [], []
    for start in range(0, len(titles), 256):
        chunk = titles[start : start + 256]
        cleaned = [clean_title(t) for t in chunk]
        feats = _features(index, cleaned, model.encode_queries(cleaned))
        gold = np.stack([np.isin(codes, sorted(split.held_out[t])) for t in chunk])
        score = first.score({k: feats[k] for k in FEATURES}).astype(np.float32)
        top = np.argsort(-score, axis=1, kind="stable")[:, :K]
        cols = []
        for name in BASE:
            cols.append(feats[name])
        for name in BASE:
            cols.append(reciprocal_rank(feats[name]))
        for name in BASE:
            cols.append(feats[name] - feats[name].max(axis=1, keepdims=True))
        cols.append(score)
        x = np.stack([np.take_along_axis(c, top, axis=1) for c in cols], axis=2)
        xs.append(x.astype(np.float32))
        golds.append(np.take_along_axis(gold, top, axis=1))
        cands.append(top.astype(np.int32))
        reach.append(gold.any(axis=1))
        if log:
            print(f"  fold {fold}: {start + len(chunk)}/{len(titles)}", file=sys.stderr, flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    out = Fold(
        np.concatenate(xs),
        np.concatenate(golds),
        np.concatenate(cands),
        np.concatenate(reach),
        tuple(titles),
    )
    np.savez(
        path,
        x=out.x,
        gold=out.gold,
        cand=out.cand,
        reachable=out.reachable,
        titles=np.asarray(titles),
    )
    if log:
        print(
            f"fold {fold}: {len(titles)} titles in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    return out


def column(name: str) -> int:
    return NAMES.index(name)


def hits(scores: npt.NDArray, fold: Fold) -> tuple[float, float]:
    """Top-1 and top-5 accuracy over all the fold's queries (unreachable ones are misses)."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    right = np.take_along_axis(fold.gold, order, axis=1)
    return float(right[:, 0].mean()), float(right.any(axis=1).mean())


if __name__ == "__main__":
    for f in (int(a) for a in sys.argv[1:]):
        build_fold(f)
