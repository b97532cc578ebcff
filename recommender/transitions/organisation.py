"""The organisation judge: O*NET's occupation scores combined with what an organisation knows
about its own roles.

An organisation role with an O*NET-SOC code inherits the shipped occupation score of its
code (:mod:`recommender.transitions.occupations`); its own profile tells two roles of one
occupation apart. For a move A -> B the judge reads:

* ``occupation``: the log-odds of the shipped score of ``soc(A) -> soc(B)``; for two roles
  of one occupation, the score of A's code to its nearest other occupation (as related as
  O*NET's closest move, never more); missing where a code is not in the scores;
* ``description``: cosine of the embeddings of "title. description";
* ``tasks``: cosine of the embeddings of "title: tasks" (missing where a role lists none);
* ``coverage``: the importance-weighted share of B's required levels that A's requirements
  meet, level ratio capped at 1 (the :class:`~recommender.pathways.CoverageJudge` score);
* ``job_zone_step`` and ``job_zone_gap``: B's job zone minus A's, and its size;
* ``same_family``: 1 when both roles are of one job family.

A logistic regression combines them (standardised; a missing value counts as the training
mean). It is fitted, and its viability threshold calibrated, on organisation roles
*simulated* from O*NET occupations with only the fields an organisation has (title,
description, five tasks, the twelve most important skill and knowledge requirements with
their levels, job zone, the SOC broad group as the family), labelled by the dev split's
related occupations, with the occupation score taken out of fold (see
:func:`simulated_roles` and ``reskill transitions fit-organisation``). A move is viable when
its score clears the threshold and B is at most one job zone up; a step down in job zone or
pay band is allowed.

A career path the organisation declares (A is one of B's ``feeder_roles``: it recruits or
promotes into B from A) scores at least the threshold, so it is viable within the job-zone
rule. Declared paths are organisation data, like requirements: they never lower a score and
are no input to the fitted model or its evaluation (simulated roles declare none).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.catalog import Catalog, Role
from recommender.embeddings import Encoder
from recommender.errors import ModelMissing, UnknownRole
from recommender.transitions.features import embedding_texts
from recommender.transitions.occupations import OccupationScores
from recommender.transitions.viability import MAX_JOB_ZONE_STEP

__all__ = [
    "ORGANISATION_FEATURES",
    "ORGANISATION_JUDGE_FILE",
    "FIT_COMMAND",
    "OrganisationModel",
    "OrganisationJudge",
    "declared_paths",
    "organisation_signals",
    "occupation_logits",
    "coverage_matrix",
    "simulated_roles",
    "stack",
    "load_judge_files",
    "judge_files_digest",
    "DEFAULT_MODELS_DIR",
]

ORGANISATION_FEATURES = (
    "occupation",
    "description",
    "tasks",
    "coverage",
    "job_zone_step",
    "job_zone_gap",
    "same_family",
)
ORGANISATION_JUDGE_FILE = "organisation-judge.npz"
FIT_COMMAND = (
    "reskill transitions fit-organisation --onet ../shared/onet "
    '--related "../shared/onet/Related Occupations (dev split).txt" --out models/'
)
_FORMAT = "reskill-organisation-judge/1"
_CLIP = 1e-4
#: What a simulated organisation role keeps of an O*NET occupation.
SIMULATED_TASKS = 5
SIMULATED_REQUIREMENTS = 12

Matrix = npt.NDArray[np.float32]


# -- signals ------------------------------------------------------------------------------------


def _logit(p: npt.NDArray[np.floating[Any]]) -> Matrix:
    q = np.clip(p.astype(np.float64), _CLIP, 1 - _CLIP)
    return np.log(q / (1 - q)).astype(np.float32)


def occupation_logits(codes: Sequence[str], scores: OccupationScores) -> Matrix:
    """``occupation`` for every ordered pair of roles with these SOC ``codes``, shape (n, n).

    Examples
    --------
    >>> s = OccupationScores(("a", "b"), np.array([[np.nan, 0.5], [0.25, np.nan]], np.float16))
    >>> occupation_logits(["a", "a", "b", "x"], s).round(2).tolist()[0]
    [nan, 0.0, 0.0, nan]
    """
    pos = [scores.position(c) for c in codes]
    known = np.array([p is not None for p in pos], dtype=bool)
    idx = np.array([p if p is not None else 0 for p in pos], dtype=np.int64)
    full = scores.scores.astype(np.float32)
    nearest = np.nanmax(np.where(np.isnan(full), -np.inf, full), axis=1)
    pairs = full[np.ix_(idx, idx)]
    same = idx[:, None] == idx[None, :]
    pairs = np.where(same, nearest[idx][:, None], pairs)
    out = _logit(pairs)
    out[~known, :] = np.nan
    out[:, ~known] = np.nan
    np.fill_diagonal(out, np.nan)
    return out


def coverage_matrix(roles: Sequence[Role]) -> Matrix:
    """``coverage[a, b]``: the share of ``b``'s importance whose level ``a`` meets (partial
    credit ``min(1, level_a / level_b)``), as :class:`~recommender.pathways.CoverageJudge`
    scores it; 1 where ``b`` requires nothing.

    Examples
    --------
    >>> from recommender.catalog import Requirement
    >>> a = Role("a", "A", "", "", "IT", 2, (Requirement("net", 2, 1.0),))
    >>> b = Role("b", "B", "", "", "IT", 3, (Requirement("net", 4, 1.0),))
    >>> coverage_matrix([a, b]).tolist()
    [[1.0, 0.5], [1.0, 1.0]]
    """
    skills = sorted({q.skill_id for r in roles for q in r.requirements})
    col = {s: j for j, s in enumerate(skills)}
    level = np.zeros((len(roles), len(skills)), dtype=np.float64)
    weight = np.zeros_like(level)
    for i, role in enumerate(roles):
        for q in role.requirements:
            level[i, col[q.skill_id]] = q.level
            weight[i, col[q.skill_id]] += q.importance
    covered = np.zeros((len(roles), len(roles)), dtype=np.float64)
    for j in range(len(skills)):
        need = level[:, j]
        ratio = np.minimum(1.0, level[:, j][:, None] / np.where(need > 0, need, 1.0)[None, :])
        covered += ratio * np.where(need > 0, weight[:, j], 0.0)[None, :]
    total = weight.sum(axis=1)
    out = np.where(total[None, :] > 0, covered / np.where(total > 0, total, 1.0)[None, :], 1.0)
    return out.astype(np.float32)


def _cosines(texts: Sequence[str], encoder: Encoder) -> Matrix:
    present = [i for i, t in enumerate(texts) if t]
    out = np.full((len(texts), len(texts)), np.nan, dtype=np.float32)
    if not present:
        return out
    # Through float16, as every embedding cache stores vectors: a text freshly encoded and
    # one read back from a cache then give the same score (and the same stored answers).
    vectors = np.asarray(encoder.encode([texts[i] for i in present]), dtype=np.float16)
    vectors = vectors.astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    out[np.ix_(present, present)] = vectors @ vectors.T
    return out


def organisation_signals(
    roles: Sequence[Role], encoder: Encoder, occupation: Matrix
) -> dict[str, Matrix]:
    """Every feature of :data:`ORGANISATION_FEATURES` for every ordered pair of ``roles``.

    ``occupation`` is the ``occupation`` feature, shape (n, n) (:func:`occupation_logits`,
    or out-of-fold log-odds when fitting). NaN marks a missing value.
    """
    texts = [embedding_texts(r) for r in roles]
    zones = np.array([r.job_zone for r in roles], dtype=np.float32)
    families = [r.job_family.casefold() for r in roles]
    step = zones[None, :] - zones[:, None]
    same = np.array([[a == b for b in families] for a in families], dtype=np.float32)
    return {
        "occupation": occupation.astype(np.float32),
        "description": _cosines([t["description"] for t in texts], encoder),
        "tasks": _cosines([t["tasks"] for t in texts], encoder),
        "coverage": coverage_matrix(roles),
        "job_zone_step": step,
        "job_zone_gap": np.abs(step),
        "same_family": same,
    }


def declared_paths(roles: Sequence[Role]) -> npt.NDArray[np.bool_]:
    """``declared[a, b]``: ``roles[a]`` is one of ``roles[b]``'s feeder roles, shape (n, n).

    Examples
    --------
    >>> rn = Role("rn", "RN", "", "", "Nursing", 3)
    >>> ni = Role("ni", "NI", "", "", "Informatics", 4, feeder_roles=("rn", "gone"))
    >>> declared_paths([rn, ni]).tolist()
    [[False, True], [False, False]]
    """
    index = {r.id: i for i, r in enumerate(roles)}
    out = np.zeros((len(roles), len(roles)), dtype=bool)
    for b, role in enumerate(roles):
        for feeder in role.feeder_roles:
            a = index.get(feeder)
            if a is not None and a != b:
                out[a, b] = True
    return out


def simulated_roles(catalog: Catalog, ids: Sequence[str]) -> list[Role]:
    """O*NET occupations as an organisation would describe them: title, description, the
    first :data:`SIMULATED_TASKS` tasks, the :data:`SIMULATED_REQUIREMENTS` most important
    skill and knowledge requirements with their levels, job zone, and the SOC broad group
    (``15-121``) as the job family; no activities, technologies, interests, work styles or
    alternate titles."""
    out = []
    for code in ids:
        role = catalog.role(code)
        ranked = sorted(role.requirements, key=lambda q: (-q.importance, q.skill_id))
        out.append(
            replace(
                role,
                job_family=role.soc_code[:6],
                requirements=tuple(ranked[:SIMULATED_REQUIREMENTS]),
                tasks=role.tasks[:SIMULATED_TASKS],
                work_activities=(),
                technologies=(),
                alternate_titles=(),
                interests=(),
                work_styles=(),
                feeder_roles=(),
            )
        )
    return out


def stack(signals: Mapping[str, Matrix], mask: npt.NDArray[np.bool_] | None = None) -> Matrix:
    """The features of the pairs ``mask`` marks (default all), shape (pairs, features)."""
    columns = [signals[name] for name in ORGANISATION_FEATURES]
    if mask is None:
        return np.stack([c.reshape(-1) for c in columns], axis=1)
    return np.stack([c[mask] for c in columns], axis=1)


# -- the fitted combination ---------------------------------------------------------------------


@dataclass
class OrganisationModel:
    """A logistic regression over :data:`ORGANISATION_FEATURES`, and its viability threshold.

    ``mean`` and ``scale`` standardise each feature (a missing value becomes the mean);
    ``score = sigmoid(intercept + coef . (x - mean) / scale)``.

    Examples
    --------
    >>> m = OrganisationModel(np.ones(7), 0.0, np.zeros(7), np.ones(7), 0.5)
    >>> m.predict(np.zeros((1, 7), np.float32)).tolist()
    [0.5]
    """

    coef: npt.NDArray[np.float64]
    intercept: float
    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    threshold: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(cls, X: npt.ArrayLike, y: npt.ArrayLike, c: float = 1.0) -> OrganisationModel:
        """Fit on pair features ``X`` (pairs, 7) and related labels ``y``; threshold 0.5
        until calibrated (:func:`~recommender.transitions.viability.calibrate_threshold`)."""
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(X, dtype=np.float64)
        mean = np.nanmean(x, axis=0)
        filled = np.where(np.isnan(x), mean, x)
        scale = filled.std(axis=0)
        scale = np.where(scale > 1e-9, scale, 1.0)
        lr = LogisticRegression(C=c, max_iter=1000).fit((filled - mean) / scale, np.asarray(y))
        return cls(lr.coef_[0].astype(np.float64), float(lr.intercept_[0]), mean, scale, 0.5)

    def predict(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Scores in [0, 1] of pair features ``X``, shape (pairs, features)."""
        x = np.asarray(X, dtype=np.float64)
        filled = np.where(np.isnan(x), self.mean, x)
        z = self.intercept + ((filled - self.mean) / self.scale) @ self.coef
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, path: str | Path) -> None:
        """Write an ``.npz`` of numbers and a JSON header (no pickle)."""
        header = {
            "format": _FORMAT,
            "features": list(ORGANISATION_FEATURES),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "metadata": self.metadata,
        }
        buffer = io.BytesIO()
        np.savez(
            buffer,
            coef=self.coef,
            mean=self.mean,
            scale=self.scale,
            header=np.array(json.dumps(header)),
        )
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> OrganisationModel:
        """Read a model written by :meth:`save`; a missing or foreign file, or one fitted on
        other features, raises :class:`~recommender.errors.ModelMissing` with the fix."""
        path = Path(path)
        if not path.is_file():
            raise ModelMissing(f"no organisation judge at {path}; fit it with: {FIT_COMMAND}")
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                arrays = {
                    k: np.asarray(data[k], dtype=np.float64) for k in ("coef", "mean", "scale")
                }
            if header.get("format") != _FORMAT:
                raise ValueError(f"format {header.get('format')!r}")
        except (KeyError, ValueError, OSError) as exc:
            raise ModelMissing(
                f"{path} is not a reskill organisation judge ({exc}); fit it with: {FIT_COMMAND}"
            ) from exc
        if tuple(header["features"]) != ORGANISATION_FEATURES:
            raise ModelMissing(
                f"{path} was fitted on other features than this version computes; fit it "
                f"with: {FIT_COMMAND}"
            )
        return cls(
            arrays["coef"],
            float(header["intercept"]),
            arrays["mean"],
            arrays["scale"],
            float(header["threshold"]),
            header.get("metadata", {}),
        )


# -- the judge ----------------------------------------------------------------------------------


class OrganisationJudge:
    """Judges moves between a catalogue's roles with an :class:`OrganisationModel`.

    Every pair is scored once, at construction (a few dozen roles: milliseconds after their
    texts are embedded). A career path the catalogue declares (:func:`declared_paths`) scores
    ``max(model score, threshold)``; :attr:`model_scores_` keeps the model's own scores. It
    follows the pathways' ``TransitionJudge`` protocol.

    Parameters
    ----------
    catalog
        The roles judged (organisation roles, and O*NET roles if imported).
    encoder
        Embeds each role's description and tasks (wrap it in a cache).
    occupations
        The shipped occupation scores (``models/occupation-transitions.npz``).
    model
        The fitted combination (``models/organisation-judge.npz``).
    """

    name = "model"

    def __init__(
        self,
        catalog: Catalog,
        encoder: Encoder,
        occupations: OccupationScores,
        model: OrganisationModel,
    ) -> None:
        self.catalog = catalog
        self.model = model
        self.threshold = model.threshold
        self.ids = tuple(sorted(catalog.roles))
        self._index = {r: i for i, r in enumerate(self.ids)}
        roles = [catalog.roles[r] for r in self.ids]
        codes = [r.soc_code for r in roles]
        signals = organisation_signals(roles, encoder, occupation_logits(codes, occupations))
        n = len(roles)
        self.model_scores_ = model.predict(stack(signals)).reshape(n, n).astype(np.float64)
        np.fill_diagonal(self.model_scores_, 1.0)
        self.declared_ = declared_paths(roles)
        self.scores_ = np.where(
            self.declared_, np.maximum(self.model_scores_, self.threshold), self.model_scores_
        )
        self.zones_ = np.array([r.job_zone for r in roles], dtype=np.int64)

    def _position(self, role_id: str) -> int:
        try:
            return self._index[role_id]
        except KeyError:
            raise UnknownRole(role_id) from None

    def score(self, a_id: str, b_id: str) -> float:
        """The probability-scale score of the move ``a_id -> b_id`` (1 for staying put); at
        least the threshold for a declared career path."""
        return float(self.scores_[self._position(a_id), self._position(b_id)])

    def is_viable(self, a_id: str, b_id: str) -> bool:
        """Score at or above the threshold and at most one job zone up (down is allowed)."""
        a, b = self._position(a_id), self._position(b_id)
        if a == b:
            return False
        step = int(self.zones_[b] - self.zones_[a])
        return step <= MAX_JOB_ZONE_STEP and bool(self.scores_[a, b] >= self.threshold)

    def viable_matrix(self) -> npt.NDArray[np.bool_]:
        """``viable[a, b]`` for every ordered pair of :attr:`ids`, shape (n, n)."""
        step = self.zones_[None, :] - self.zones_[:, None]
        out = (self.scores_ >= self.threshold) & (step <= MAX_JOB_ZONE_STEP)
        np.fill_diagonal(out, False)
        return out


#: The checkout's ``models/`` folder, where the organisation judge's files ship.
DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def _judge_paths(models_dir: Path | None) -> tuple[Path, Path]:
    from recommender.transitions.occupations import OCCUPATION_SCORES_FILE

    folder = DEFAULT_MODELS_DIR if models_dir is None else Path(models_dir)
    return folder / OCCUPATION_SCORES_FILE, folder / ORGANISATION_JUDGE_FILE


def load_judge_files(models_dir: Path | None = None) -> tuple[OccupationScores, OrganisationModel]:
    """The shipped occupation scores and organisation judge (from ``models_dir``, default
    the checkout's ``models/``); raises :class:`~recommender.errors.ModelMissing` with the
    command that writes a missing one."""
    scores, judge = _judge_paths(models_dir)
    return OccupationScores.load(scores), OrganisationModel.load(judge)


def judge_files_digest(models_dir: Path | None = None) -> str:
    """The first 16 hex digits of a SHA-256 over both judge files' bytes ("missing" for an
    absent one): what prepared answers are keyed by."""
    import hashlib

    digest = hashlib.sha256()
    for path in _judge_paths(models_dir):
        digest.update(path.read_bytes() if path.is_file() else b"missing")
    return digest.hexdigest()[:16]
