"""Signals: how similar role B is to role A, one matrix per kind of evidence.

Every signal is computed from :class:`~recommender.catalog.Role` objects and text vectors
only, never from raw O*NET files, so the same code scores O*NET occupations and an
organisation's own roles. ``signals[name][a, b]`` describes the move from role ``a`` to
role ``b``; it is ``NaN`` where either role lacks the data the signal needs (an org
role has no detailed work activities; 44 O*NET occupations have no skill ratings).

Directed signals (``*_coverage``) measure how much of B's requirements A already
meets; the others are symmetric similarities. :func:`feature_matrix` turns the raw
matrices into the model's inputs: each similarity as it is, standardised among the
source's candidates (how unusual is B for A), and how central the destination is
among all roles (its mean similarity, and how many roles count it a near neighbour).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.catalog import Catalog, Role, SkillCategory
from recommender.embeddings import Encoder

__all__ = [
    "SIGNALS",
    "EMBEDDED_TEXTS",
    "PreparedRoles",
    "prepare_roles",
    "JOB_ZONE_FEATURES",
    "feature_matrix",
    "feature_tensor",
    "signal_of",
    "embedding_texts",
]

Matrix = npt.NDArray[np.float32]

SIGNALS: Mapping[str, str] = {
    "skill_coverage": "share of B's skill needs (importance-weighted, level-capped) A meets",
    "knowledge_coverage": "the same for O*NET knowledge areas",
    "skill_profile": "cosine of importance x level skill vectors",
    "knowledge_profile": "cosine of importance x level knowledge vectors",
    "task_tfidf": "cosine of TF-IDF vectors of the task statements",
    "activity_coverage": "IDF-weighted share of B's detailed work activities A performs",
    "activity_tfidf": "cosine of TF-IDF vectors over detailed work activities",
    "technology_tfidf": "cosine of TF-IDF vectors over technology commodity classes",
    "title_tfidf": "cosine of word TF-IDF of the title and alternate titles",
    "title_embedding": "cosine of title embeddings",
    "description_embedding": "cosine of title + description embeddings",
    "task_embedding": "cosine of embeddings of the leading task statements",
    "task_mean_embedding": "cosine of the mean of each task statement's embedding",
    "task_coverage_embedding": "mean over B's tasks of the closest of A's (embedding cosine)",
    "activity_mean_embedding": "cosine of the mean of each work activity's embedding",
    "activity_coverage_embedding": "mean over B's work activities of the closest of A's",
    "interests": "correlation of RIASEC interest profiles",
    "work_styles": "correlation of work-style importance profiles",
    "soc_proximity": "depth of the shared SOC code prefix, 0 (none) to 1 (same detailed code)",
    "job_zone_step": "job zone of B minus job zone of A (preparation step)",
}
"""Every signal, with what it measures."""

EMBEDDED_TEXTS = ("title", "description", "tasks")
"""The texts embedded per role (see :func:`embedding_texts`)."""

_EMBEDDING_SIGNAL = {
    "title": "title_embedding",
    "description": "description_embedding",
    "tasks": "task_embedding",
}
_TASK_TEXT_CHARS = 700
_SOC_PREFIXES = (2, 4, 6, 7)


@dataclass(frozen=True)
class PreparedRoles:
    """Roles in a fixed order with every signal matrix computed once.

    Attributes
    ----------
    ids : tuple of str
        Role ids; row and column ``i`` of every matrix is ``ids[i]``.
    job_zones : ndarray of int, shape (n,)
    signals : mapping of str to ndarray, shape (n, n)
        ``signals[name][a, b]`` for the move ``a -> b``; ``NaN`` where absent.
    """

    ids: tuple[str, ...]
    job_zones: npt.NDArray[np.int64]
    signals: Mapping[str, Matrix]

    def index(self, role_id: str) -> int:
        """Row of ``role_id``; raises ``KeyError`` if it was not prepared."""
        return self.ids.index(role_id)

    def subset(self, positions: Sequence[int]) -> PreparedRoles:
        """The same roles restricted to ``positions`` (rows and columns)."""
        pos = np.asarray(positions)
        return PreparedRoles(
            ids=tuple(self.ids[i] for i in pos),
            job_zones=self.job_zones[pos],
            signals={k: v[np.ix_(pos, pos)] for k, v in self.signals.items()},
        )


def embedding_texts(role: Role) -> dict[str, str]:
    """The three texts of a role that get embedded.

    Examples
    --------
    >>> from recommender.catalog import Role
    >>> r = Role("r", "Nurse", "Cares for patients.", "29-1141.00", "Nursing", 3,
    ...          tasks=("Give medication.", "Record vitals."))
    >>> embedding_texts(r)["tasks"]
    'Nurse: Give medication. Record vitals.'
    """
    tasks = " ".join(role.tasks)[:_TASK_TEXT_CHARS]
    return {
        "title": role.title,
        "description": f"{role.title}. {role.description}".strip(),
        "tasks": f"{role.title}: {tasks}" if tasks else "",
    }


def prepare_roles(
    catalog: Catalog, encoder: Encoder, role_ids: Sequence[str] | None = None
) -> PreparedRoles:
    """Compute every signal matrix for the roles of ``catalog``.

    Parameters
    ----------
    catalog
        Source of roles and skill categories.
    encoder
        Text encoder for the embedding signals (wrap it in a cache for speed).
    role_ids
        The roles to prepare, in this order; default all roles of the catalogue.
    """
    ids = tuple(catalog.roles) if role_ids is None else tuple(role_ids)
    roles = [catalog.role(i) for i in ids]
    knowledge = {s for s, k in catalog.skills.items() if k.category == SkillCategory.ONET_KNOWLEDGE}
    signals: dict[str, Matrix] = {}
    signals.update(_profile_signals(roles, lambda s: s not in knowledge, "skill"))
    signals.update(_profile_signals(roles, lambda s: s in knowledge, "knowledge"))
    signals["task_tfidf"] = _tfidf_cosine([" ".join(r.tasks) for r in roles], word=True)
    signals.update(_activity_signals(roles))
    signals["technology_tfidf"] = _tfidf_cosine(
        ["\t".join(t.commodity_code or t.name for t in r.technologies) for r in roles], word=False
    )
    signals["title_tfidf"] = _tfidf_cosine(
        [" ".join((r.title, *r.alternate_titles)) for r in roles], word=True
    )
    signals.update(_embedding_signals(roles, encoder))
    signals.update(_item_embedding_signals(roles, encoder, "task", lambda r: r.tasks))
    signals.update(_item_embedding_signals(roles, encoder, "activity", lambda r: r.work_activities))
    signals["interests"] = _correlation([dict(r.interests) for r in roles])
    signals["work_styles"] = _correlation([dict(r.work_styles) for r in roles])
    signals["soc_proximity"] = _soc_proximity([r.soc_code for r in roles])
    zones = np.array([r.job_zone for r in roles], dtype=np.int64)
    signals["job_zone_step"] = (zones[None, :] - zones[:, None]).astype(np.float32)
    return PreparedRoles(ids=ids, job_zones=zones, signals=signals)


# Skill and knowledge profiles -----------------------------------------------------------------


def _profile_matrices(
    roles: Sequence[Role], keep: Callable[[str], bool]
) -> tuple[Matrix, Matrix, npt.NDArray[np.bool_]]:
    columns = sorted({q.skill_id for r in roles for q in r.requirements if keep(q.skill_id)})
    col = {s: j for j, s in enumerate(columns)}
    level = np.zeros((len(roles), len(columns)), dtype=np.float32)
    weight = np.zeros_like(level)
    for i, role in enumerate(roles):
        for q in role.requirements:
            if q.skill_id in col:
                level[i, col[q.skill_id]] = q.level
                weight[i, col[q.skill_id]] = q.importance
    has = weight.sum(axis=1) > 0
    return level, weight, has


def _profile_signals(
    roles: Sequence[Role], keep: Callable[[str], bool], prefix: str
) -> dict[str, Matrix]:
    level, weight, has = _profile_matrices(roles, keep)
    coverage = np.zeros((len(roles), len(roles)), dtype=np.float32)
    for j in range(level.shape[1]):
        need = level[:, j]
        ratio = np.minimum(1.0, level[:, j][:, None] / np.where(need > 0, need, 1.0)[None, :])
        coverage += ratio * weight[:, j][None, :]
    coverage /= np.maximum(weight.sum(axis=1), 1e-9)[None, :]
    profile = _cosine(level * weight)
    mask = ~(has[:, None] & has[None, :])
    coverage[mask] = np.nan
    profile[mask] = np.nan
    return {f"{prefix}_coverage": coverage, f"{prefix}_profile": profile}


# Text-based signals ----------------------------------------------------------------------------


def _cosine(vectors: npt.ArrayLike | sparse.spmatrix) -> Matrix:
    if sparse.issparse(vectors):
        m = sparse.csr_matrix(vectors, dtype=np.float64)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1))).ravel()
        m = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ m
        out = np.asarray((m @ m.T).todense(), dtype=np.float32)
    else:
        dense = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        dense = (dense / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        out = dense @ dense.T
        norms = norms.ravel()
    empty = norms == 0
    out[empty, :] = np.nan
    out[:, empty] = np.nan
    return out


def _tfidf_cosine(documents: Sequence[str], *, word: bool) -> Matrix:
    if not any(d.strip() for d in documents):
        return np.full((len(documents), len(documents)), np.nan, dtype=np.float32)
    if word:
        vectoriser = TfidfVectorizer(
            stop_words="english", ngram_range=(1, 2), min_df=1, sublinear_tf=True
        )
    else:
        vectoriser = TfidfVectorizer(
            tokenizer=lambda d: [t for t in d.split("\t") if t],
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
        )
    return _cosine(vectoriser.fit_transform(documents))


def _activity_signals(roles: Sequence[Role]) -> dict[str, Matrix]:
    docs = [sorted(set(r.work_activities)) for r in roles]
    vocab = {a: j for j, a in enumerate(sorted({a for d in docs for a in d}))}
    n = len(roles)
    if not vocab:
        nan = np.full((n, n), np.nan, dtype=np.float32)
        return {"activity_coverage": nan, "activity_tfidf": nan.copy()}
    rows = [i for i, d in enumerate(docs) for _ in d]
    cols = [vocab[a] for d in docs for a in d]
    presence = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(vocab)))
    df = np.asarray(presence.sum(axis=0)).ravel()
    idf = np.log((1 + n) / (1 + df)) + 1.0
    weighted = presence @ sparse.diags(idf)
    shared = np.asarray((presence @ weighted.T).todense(), dtype=np.float32)
    total = np.asarray(weighted.sum(axis=1)).ravel()
    coverage = (shared / np.where(total > 0, total, 1.0)[None, :]).astype(np.float32)
    coverage[:, total == 0] = np.nan
    coverage[total == 0, :] = np.nan
    return {"activity_coverage": coverage, "activity_tfidf": _cosine(weighted)}


def _embedding_signals(roles: Sequence[Role], encoder: Encoder) -> dict[str, Matrix]:
    texts = [embedding_texts(r) for r in roles]
    flat = [t[kind] for t in texts for kind in EMBEDDED_TEXTS]
    wanted = sorted({t for t in flat if t})
    vectors = dict(zip(wanted, encoder.encode(wanted), strict=True))
    out: dict[str, Matrix] = {}
    for kind in EMBEDDED_TEXTS:
        rows = [vectors.get(t[kind]) for t in texts]
        dense = np.stack(
            [np.zeros(encoder.dimension, np.float32) if v is None else v for v in rows]
        )
        out[_EMBEDDING_SIGNAL[kind]] = _cosine(dense)
    return out


def _item_embedding_signals(
    roles: Sequence[Role], encoder: Encoder, kind: str, items: Callable[[Role], Sequence[str]]
) -> dict[str, Matrix]:
    """Signals from each item (task statement, work activity) embedded on its own.

    A role's joined task text is longer than the encoder reads (it stops after 256 word
    pieces), so ``task_embedding`` sees only the leading tasks. Here every item counts:
    ``{kind}_mean_embedding`` is the cosine of the roles' mean item vectors, and the
    directed ``{kind}_coverage_embedding[a, b]`` averages, over b's items, the cosine of
    the closest of a's items. ``NaN`` where either role has no items.
    """
    lists = [tuple(dict.fromkeys(t for t in items(r) if t.strip())) for r in roles]
    n = len(roles)
    nan = np.full((n, n), np.nan, dtype=np.float32)
    names = (f"{kind}_mean_embedding", f"{kind}_coverage_embedding")
    texts = sorted({t for lst in lists for t in lst})
    if not texts:
        return {names[0]: nan, names[1]: nan.copy()}
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    position = {t: i for i, t in enumerate(texts)}
    rows = [np.array([position[t] for t in lst], dtype=np.int64) for lst in lists]
    counts = np.array([len(r) for r in rows])
    has = counts > 0
    means = np.zeros((n, vectors.shape[1]), dtype=np.float32)
    for i in np.flatnonzero(has):
        means[i] = vectors[rows[i]].mean(axis=0)
    mean_cosine = _cosine(means)
    # Every role's items in one block, so one product per source covers all destinations.
    stacked = vectors[np.concatenate([rows[i] for i in np.flatnonzero(has)])]
    starts = np.concatenate([[0], np.cumsum(counts[has])[:-1]])
    coverage = nan.copy()
    for a in np.flatnonzero(has):
        best = (vectors[rows[a]] @ stacked.T).max(axis=0)
        coverage[a, has] = np.add.reduceat(best, starts) / counts[has]
    return {names[0]: mean_cosine, names[1]: coverage}


# Interests, work styles, SOC -----------------------------------------------------------------


def _correlation(profiles: Sequence[Mapping[str, float]]) -> Matrix:
    names = sorted({k for p in profiles for k in p})
    dense = np.array([[p.get(k, np.nan) for k in names] for p in profiles], dtype=np.float32)
    if dense.size == 0:
        return np.full((len(profiles), len(profiles)), np.nan, dtype=np.float32)
    complete = ~np.isnan(dense).any(axis=1)
    centred = np.zeros_like(dense)
    centred[complete] = dense[complete] - dense[complete].mean(axis=1, keepdims=True)
    centred[~complete] = 0.0
    return _cosine(centred)


def _soc_proximity(codes: Sequence[str]) -> Matrix:
    """Shared prefix depth of SOC codes: major, minor, broad, detailed group, over 4."""
    n = len(codes)
    out = np.zeros((n, n), dtype=np.float32)
    for length in _SOC_PREFIXES:
        _, groups = np.unique(
            [c[:length] if len(c) >= length else f"?{i}" for i, c in enumerate(codes)],
            return_inverse=True,
        )
        out += (groups[:, None] == groups[None, :]).astype(np.float32) / len(_SOC_PREFIXES)
    valid = np.array([len(c) >= 7 for c in codes])
    out[~valid, :] = np.nan
    out[:, ~valid] = np.nan
    return out


# Pair features ---------------------------------------------------------------------------------

_RKNN_SHARE = 0.045
"""Reverse-kNN neighbourhood: each role's top 4.5% of destinations (20 of 446)."""


def _off_diagonal(matrix: Matrix) -> npt.NDArray[np.float64]:
    off = matrix.astype(np.float64)
    np.fill_diagonal(off, np.nan)
    return off


def _nan_stat(
    fn: Callable[..., npt.NDArray[np.float64]], m: npt.NDArray[np.float64], axis: int
) -> npt.NDArray[np.float64]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(m, axis=axis, keepdims=True)


def _row_z(matrix: Matrix) -> Matrix:
    off = _off_diagonal(matrix)
    mean, std = _nan_stat(np.nanmean, off, 1), _nan_stat(np.nanstd, off, 1)
    return ((matrix - mean) / np.where(std > 1e-9, std, 1.0)).astype(np.float32)


def _target_hub(matrix: Matrix) -> Matrix:
    column = _nan_stat(np.nanmean, _off_diagonal(matrix), 0)
    return np.broadcast_to(column, matrix.shape).astype(np.float32)


def _source_hub(matrix: Matrix) -> Matrix:
    row = _nan_stat(np.nanmean, _off_diagonal(matrix), 1)
    return np.broadcast_to(row, matrix.shape).astype(np.float32)


def _reverse_knn(matrix: Matrix) -> Matrix:
    n = matrix.shape[0]
    k = max(1, math.ceil(_RKNN_SHARE * n))
    off = np.nan_to_num(_off_diagonal(matrix), nan=-np.inf)
    np.fill_diagonal(off, -np.inf)
    top = np.argpartition(-off, min(k, n - 1) - 1, axis=1)[:, :k]
    counts = np.bincount(top.ravel(), minlength=n).astype(np.float32) / k
    counts[np.isnan(_off_diagonal(matrix)).all(axis=0)] = np.nan
    return np.broadcast_to(counts[None, :], matrix.shape).astype(np.float32)


_DERIVED: Mapping[str, Callable[[Matrix], Matrix]] = {
    "src": _row_z,
    "hub": _target_hub,
    "srchub": _source_hub,
    "rknn": _reverse_knn,
}

JOB_ZONE_FEATURES = ("job_zone_step", "job_zone_gap", "source_job_zone", "target_job_zone")


def feature_matrix(prepared: PreparedRoles, name: str) -> Matrix:
    """One feature for every ordered pair, shape (n, n).

    ``name`` is a signal name, a job-zone feature (:data:`JOB_ZONE_FEATURES`), or
    ``signal@derivation`` where the derivation is computed over the prepared roles
    (the diagonal excluded):

    * ``@src``: the signal standardised over the source's row (how unusual B is for A);
    * ``@hub``: the destination's mean signal to every other role (how central B is);
    * ``@srchub``: the same for the source;
    * ``@rknn``: the share of roles that rank B in their top 4.5% by the signal.
    """
    zones = prepared.job_zones.astype(np.float32)
    n = len(zones)
    job_zone: dict[str, Callable[[], npt.NDArray[np.float32]]] = {
        "job_zone_step": lambda: zones[None, :] - zones[:, None],
        "job_zone_gap": lambda: np.abs(zones[None, :] - zones[:, None]),
        "source_job_zone": lambda: np.broadcast_to(zones[:, None], (n, n)),
        "target_job_zone": lambda: np.broadcast_to(zones[None, :], (n, n)),
    }
    if name in job_zone:
        return np.ascontiguousarray(job_zone[name](), dtype=np.float32)
    base, _, derivation = name.partition("@")
    if base not in prepared.signals:
        raise KeyError(f"unknown signal {base!r} in feature {name!r}")
    raw = prepared.signals[base]
    if not derivation:
        return raw
    if derivation not in _DERIVED:
        raise KeyError(f"unknown derivation {derivation!r} in feature {name!r}")
    return _DERIVED[derivation](raw)


def feature_tensor(prepared: PreparedRoles, names: Sequence[str]) -> Matrix:
    """Every feature for every ordered pair, shape (n, n, len(names)), float32."""
    n = len(prepared.ids)
    out = np.empty((n, n, len(names)), dtype=np.float32)
    for j, name in enumerate(names):
        out[:, :, j] = feature_matrix(prepared, name)
    return out


def signal_of(feature: str) -> str:
    """The signal a feature explains (job-zone features explain ``job_zone_step``).

    Examples
    --------
    >>> signal_of("task_tfidf@src"), signal_of("target_job_zone")
    ('task_tfidf', 'job_zone_step')
    """
    return "job_zone_step" if feature in JOB_ZONE_FEATURES else feature.partition("@")[0]
