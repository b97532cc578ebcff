"""Would a learned relatedness over whole occupation profiles help the fused model?

Usage::

    .venv/bin/python bench/eval_transition_learned_metric.py   # about 5 minutes on two cores

The shipped trees see each signal as one number per pair (a cosine, a coverage). This
experiment learns a relatedness over the vectors themselves: each occupation becomes one
standardised vector (skill and knowledge importance and level, interests, work styles, job
zone, SOC major and minor group, and seven mean embeddings: title, description, leading
tasks, each task, each work activity, each technology, each alternate title), and a
symmetric low-rank bilinear score ``(P x_a) . (P x_b)`` is fitted in torch with a listwise
loss (softmax over a source's candidates, targets its graded relations). Grouped 5-fold CV
by source as ``reskill evaluate transitions``; the score is then stacked into the ``full``
fusion (raw and ``@src``) with inner out-of-fold values for the training pairs, so the trees
never see a score fitted on their own test rows. Session 6 (this script, about 3 minutes):
the learned score alone 0.646 precision@10 / 0.819 nDCG@20; shipped fusion 0.709 / 0.889;
+ learned score 0.717 / 0.895; + learned score and the alternate-title item signals 0.722 /
0.900. Not shipped (see the model card).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch
from _dev_split import dev_split
from sklearn.model_selection import GroupKFold

from recommender.catalog import SkillCategory
from recommender.evaluation import mean_metrics
from recommender.transitions import scorer, training
from recommender.transitions.features import _item_embedding_signals, embedding_texts
from recommender.transitions.model import DEFAULT_TREE_PARAMS
from recommender.transitions.scorer import PreparedTransitions, TransitionModelSet

torch.set_num_threads(2)


def _z(a: np.ndarray) -> np.ndarray:
    a = np.where(np.isnan(a), np.nanmean(a, axis=0), a)
    sd = a.std(axis=0)
    return (a - a.mean(axis=0)) / np.where(sd > 1e-9, sd, 1.0)


def _one_hot(labels: list[str]) -> np.ndarray:
    _, inverse = np.unique(labels, return_inverse=True)
    return np.eye(inverse.max() + 1)[inverse]


def role_vectors(split) -> np.ndarray:  # type: ignore[no-untyped-def]
    """One standardised vector per prepared role (rows in ``prepared.ids`` order)."""
    catalog, encoder = split.catalog, split.encoder
    roles = [catalog.role(i) for i in split.prepared.ids]
    skills = sorted({q.skill_id for r in roles for q in r.requirements})
    col = {s: j for j, s in enumerate(skills)}
    level = np.zeros((len(roles), len(skills)))
    weight = np.zeros_like(level)
    for i, r in enumerate(roles):
        for q in r.requirements:
            level[i, col[q.skill_id]], weight[i, col[q.skill_id]] = q.level, q.importance

    def profile(attr: str) -> np.ndarray:
        names = sorted({k for r in roles for k, _ in getattr(r, attr)})
        return np.array([[dict(getattr(r, attr)).get(k, np.nan) for k in names] for r in roles])

    def embedded(texts: list[str]) -> np.ndarray:
        return np.asarray(encoder.encode(texts), dtype=np.float64)

    def mean_of(items) -> np.ndarray:  # type: ignore[no-untyped-def]
        out = np.zeros((len(roles), encoder.dimension))
        for i, r in enumerate(roles):
            texts = [t for t in items(r) if t.strip()]
            if texts:
                v = embedded(texts)
                out[i] = (v / np.linalg.norm(v, axis=1, keepdims=True)).mean(axis=0)
        return out

    texts = [embedding_texts(r) for r in roles]
    blocks = [
        *(embedded([t[k] or " " for t in texts]) for k in ("title", "description", "tasks")),
        mean_of(lambda r: r.tasks),
        mean_of(lambda r: r.work_activities),
        mean_of(lambda r: [t.name for t in r.technologies]),
        mean_of(lambda r: (r.title, *r.alternate_titles)),
    ]
    scaled = []
    for e in blocks:
        e = e - e.mean(axis=0)
        norms = np.linalg.norm(e, axis=1, keepdims=True).clip(1e-9)
        scaled.append(e / norms * np.sqrt(e.shape[1]) / 4)
    knowledge = {s for s, k in catalog.skills.items() if k.category == SkillCategory.ONET_KNOWLEDGE}
    assert any(s in knowledge for s in skills)
    parts = [
        _z(weight),
        _z(level),
        _z(profile("interests")),
        _z(profile("work_styles")),
        np.eye(5)[np.array([r.job_zone for r in roles]) - 1],
        _one_hot([r.soc_code[:2] for r in roles]),
        _one_hot([r.soc_code[:4] for r in roles]),
        *scaled,
    ]
    return np.concatenate(parts, axis=1).astype(np.float32)


def fit_metric(
    x: np.ndarray, grades: np.ndarray, rows: np.ndarray, candidates: np.ndarray, rank: int = 64
) -> np.ndarray:
    """Fit ``P`` on ``rows`` x ``candidates``; return the score of every pair."""
    torch.manual_seed(0)
    xt = torch.tensor(x)
    p = torch.nn.Parameter(torch.randn(x.shape[1], rank) * 0.01)
    optimiser = torch.optim.AdamW([p], lr=3e-3, weight_decay=0.3)
    cols = np.flatnonzero(candidates)
    target = torch.tensor(grades[np.ix_(rows, cols)], dtype=torch.float32)
    target = target / target.sum(dim=1, keepdim=True).clamp(min=1e-9)
    self_pair = torch.tensor(rows[:, None] == cols[None, :])
    a, b = xt[torch.tensor(rows)], xt[torch.tensor(cols)]
    for _ in range(300):
        optimiser.zero_grad()
        scores = ((a @ p) @ (b @ p).T).masked_fill(self_pair, -1e9)
        loss = -(target * torch.log_softmax(scores, dim=1)).sum(dim=1).mean()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        return ((xt @ p) @ (xt @ p).T).numpy()


def main() -> None:
    started = time.time()
    split = dev_split()
    prepared, judgements = split.prepared, split.judgements
    x = role_vectors(split)
    grades = training.label_matrix(prepared, judgements)
    sources = training._sources(prepared, judgements)
    n = len(prepared.ids)
    roles = [split.catalog.role(i) for i in prepared.ids]
    alt = _item_embedding_signals(
        roles, split.encoder, "alttitle", lambda r: (r.title, *r.alternate_titles)
    )
    shipped = scorer.FUSIONS["full"]
    folds = list(GroupKFold(5).split(sources, groups=sources))

    alone = np.full((n, n), np.nan)
    for train, test in folds:
        candidates = np.ones(n, dtype=bool)
        candidates[sources[test]] = False
        alone[sources[test]] = fit_metric(x, grades, sources[train], candidates)[sources[test]]
    signals = {**prepared.signals, "learned": alone.astype(np.float32)}
    m = training.signal_metrics(replace(prepared, signals=signals), judgements, names=["learned"])
    _print("learned score alone", m["learned"], started)

    for label, extra in (
        ("+ learned score", []),
        ("+ learned score + alternate titles", list(alt)),
    ):
        features = (
            *shipped.features,
            "learned",
            "learned@src",
            *(f"{e}{d}" for e in extra for d in ("", "@src")),
        )
        spec = replace(shipped, features=features)
        scorer.FUSIONS = training.FUSIONS = {**scorer.FUSIONS, "full": spec}  # type: ignore[attr-defined]
        rankings = {}
        for train, test in folds:
            candidates = np.ones(n, dtype=bool)
            candidates[sources[test]] = False
            learned = np.full((n, n), np.nan, dtype=np.float32)
            inner_rows = sources[train]
            for inner_train, inner_test in GroupKFold(5).split(inner_rows, groups=inner_rows):
                inner = candidates.copy()
                inner[inner_rows[inner_test]] = False
                fitted = fit_metric(x, grades, inner_rows[inner_train], inner)
                learned[inner_rows[inner_test]] = fitted[inner_rows[inner_test]]
            learned[sources[test]] = fit_metric(x, grades, inner_rows, candidates)[sources[test]]
            signals = {**prepared.signals, **(alt if extra else {}), "learned": learned}
            view = PreparedTransitions(
                replace(prepared, signals=signals),
                TransitionModelSet({"full": training._placeholder()}, {}),
            )
            model = training._fit_pairs(
                view._tensor("full"), grades, inner_rows, candidates, features, DEFAULT_TREE_PARAMS
            )
            view.models = TransitionModelSet({"full": model}, {})
            for row, top in zip(sources[test], view.rank(sources[test], 20), strict=True):
                rankings[prepared.ids[row]] = [r for r, _ in top]
        _print(
            label, mean_metrics(rankings, judgements, [prepared.ids[s] for s in sources]), started
        )


def _print(label: str, m: dict[str, float], started: float) -> None:
    print(
        f"{label:<36} p@10={m['precision@10']:.3f} ndcg@20={m['ndcg@20']:.3f} "
        f"({time.time() - started:.0f} s)",
        flush=True,
    )


if __name__ == "__main__":
    main()
