"""Scoring moves between prepared roles with the shipped fusions.

Two fusions ship, both fitted on O*NET:

* ``full`` uses every signal; it scores a pair when both roles carry O*NET's detailed
  work activities, technologies and interests (every O*NET occupation does).
* ``profile`` uses only what an organisation's own roles have (skill requirements,
  tasks, title, description, SOC code, job zone); it scores every other pair. It reads
  raw signal values only, nothing relative to the other prepared roles (no z-scores,
  no centrality) and no TF-IDF, whose scale depends on the corpus: an organisation's
  few dozen roles with five tasks each are a very different population from O*NET's
  923 occupations with twenty, and population-relative features did not transfer.

Ranking is two-stage: each fusion's linear screen shortlists a source's
``shortlist`` most promising destinations, and the trees score those. A single
:meth:`PreparedTransitions.score` always runs the trees.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.catalog import Catalog
from recommender.embeddings import Encoder
from recommender.errors import InvalidInput, ModelMissing, UnknownRole
from recommender.transitions.features import (
    PreparedRoles,
    feature_tensor,
    prepare_roles,
    signal_of,
)
from recommender.transitions.model import TransitionModel
from recommender.transitions.viability import viable

__all__ = [
    "FusionSpec",
    "FUSIONS",
    "TransitionScore",
    "TransitionModelSet",
    "TransitionScorer",
    "PreparedTransitions",
    "REGENERATE_COMMAND",
]

REGENERATE_COMMAND = (
    "reskill transitions fit --onet ../shared/onet "
    '--related "../shared/onet/Related Occupations (dev split).txt" --out models/'
)

_TEXT_SIGNALS = ("task_tfidf", "description_embedding", "task_embedding")
_JOB_ZONE = ("job_zone_step", "job_zone_gap", "source_job_zone", "target_job_zone")


@dataclass(frozen=True)
class FusionSpec:
    """A named feature list, and the signals a pair needs to be scored by it."""

    name: str
    features: tuple[str, ...]
    requires: tuple[str, ...] = ()


def _spec(
    name: str, signals: Sequence[str], hubs: Sequence[str], requires: Sequence[str]
) -> FusionSpec:
    features = [*signals, *(f"{s}@src" for s in signals)]
    features += [f"{s}@hub" for s in hubs] + [f"{s}@srchub" for s in hubs]
    features += [f"{s}@rknn" for s in hubs]
    return FusionSpec(name, (*features, *_JOB_ZONE), tuple(requires))


FUSIONS: Mapping[str, FusionSpec] = {
    "full": _spec(
        "full",
        (
            "skill_coverage", "knowledge_coverage", "skill_profile", "knowledge_profile",
            "task_tfidf", "activity_coverage", "activity_tfidf", "technology_tfidf",
            "title_tfidf", "title_embedding", "description_embedding", "task_embedding",
            "task_mean_embedding", "task_coverage_embedding", "activity_mean_embedding",
            "activity_coverage_embedding", "interests", "work_styles", "soc_proximity",
        ),
        (
            *_TEXT_SIGNALS, "title_tfidf", "activity_tfidf", "task_mean_embedding",
            "task_coverage_embedding",
        ),
        ("activity_tfidf", "technology_tfidf", "interests"),
    ),
    "profile": FusionSpec(
        "profile",
        (
            "skill_coverage", "skill_profile", "title_embedding", "description_embedding",
            "task_embedding", "soc_proximity", *_JOB_ZONE,
        ),
        (),
    ),
}  # fmt: skip
"""The shipped fusions, most specific first."""


@dataclass(frozen=True)
class TransitionScore:
    """A directed transition score in [0, 1] and its explanation.

    ``components`` holds ``baseline`` (the score of an average pair) plus one additive
    term per signal; they sum to ``score`` (see :meth:`PreparedTransitions.score`).
    """

    score: float
    components: Mapping[str, float]
    fusion: str = "full"


@dataclass
class TransitionModelSet:
    """The shipped artefact: one fitted :class:`TransitionModel` per fusion, plus metadata.

    Attributes
    ----------
    models : mapping of fusion name to TransitionModel
    thresholds : mapping of fusion name to float
        Viability threshold on each fusion's score, calibrated on its own cross-validated
        scores (see :mod:`recommender.transitions.viability`).
    metadata : dict
        Free-form facts recorded at fit time (embedding model, data hash, metrics).
    """

    models: Mapping[str, TransitionModel]
    thresholds: Mapping[str, float]
    metadata: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | Path) -> None:
        """Write every fusion to one ``.npz`` file (no pickle)."""
        arrays: dict[str, npt.NDArray[Any]] = {}
        for name, model in self.models.items():
            arrays.update(model.to_arrays(prefix=f"{name}/"))
        header = {
            "fusions": list(self.models),
            "thresholds": dict(self.thresholds),
            "metadata": self.metadata,
        }
        arrays["set_header"] = np.array(json.dumps(header))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> TransitionModelSet:
        """Read a model set; a missing or foreign file raises ModelMissing with the fix."""
        path = Path(path)
        if not path.is_file():
            raise ModelMissing(
                f"no transition model at {path}; regenerate it with: {REGENERATE_COMMAND}"
            )
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = dict(data)
            header = json.loads(str(arrays["set_header"]))
            models = {
                n: TransitionModel.from_arrays(arrays, prefix=f"{n}/") for n in header["fusions"]
            }
        except (KeyError, ValueError, OSError) as exc:
            raise ModelMissing(
                f"{path} is not a reskill transition model ({exc}); regenerate it with: "
                f"{REGENERATE_COMMAND}"
            ) from exc
        for name, model in models.items():
            expected = FUSIONS[name].features if name in FUSIONS else ()
            if tuple(model.feature_names) != expected:
                raise ModelMissing(
                    f"{path}: fusion {name!r} was fitted on other features than this version "
                    f"computes; regenerate it with: {REGENERATE_COMMAND}"
                )
        thresholds = {k: float(v) for k, v in header["thresholds"].items()}
        return cls(models=models, thresholds=thresholds, metadata=header["metadata"])


class TransitionScorer:
    """Scores moves between the roles of a catalogue with a fitted model set.

    Parameters
    ----------
    models
        The fitted fusions (``TransitionModelSet.load("models/transition-model.npz")``).
    encoder
        Text encoder; wrap the real one in a cache so repeated runs encode nothing.
    shortlist
        Destinations per source and fusion that the trees re-rank.
    """

    def __init__(self, models: TransitionModelSet, encoder: Encoder, shortlist: int = 100) -> None:
        expected = models.metadata.get("embedding_model")
        if expected is not None and expected != encoder.name:
            raise ModelMissing(
                f"the transition model was fitted with embeddings of {expected!r}, not "
                f"{encoder.name!r}; regenerate it with: {REGENERATE_COMMAND}"
            )
        self.models = models
        self.encoder = encoder
        self.shortlist = shortlist

    def prepare(
        self, catalog: Catalog, role_ids: Sequence[str] | None = None
    ) -> PreparedTransitions:
        """Compute every signal for the catalogue's roles (or ``role_ids``) once."""
        prepared = prepare_roles(catalog, self.encoder, role_ids)
        return PreparedTransitions(prepared, self.models, self.shortlist)


class PreparedTransitions:
    """Transition scores among one set of prepared roles; immutable after construction."""

    def __init__(
        self,
        prepared: PreparedRoles,
        models: TransitionModelSet,
        shortlist: int = 100,
        tensors: dict[str, npt.NDArray[np.float32]] | None = None,
    ) -> None:
        if len(prepared.ids) < 2:
            raise InvalidInput("transition scores need at least two roles")
        self.roles = prepared
        self.models = models
        self.shortlist = shortlist
        self._index = {r: i for i, r in enumerate(prepared.ids)}
        self._route = _routes(prepared, list(models.models))
        self._tensors = {} if tensors is None else tensors

    def _tensor(self, fusion: str) -> npt.NDArray[np.float32]:
        if fusion not in self._tensors:
            self._tensors[fusion] = feature_tensor(self.roles, FUSIONS[fusion].features)
        return self._tensors[fusion]

    def _position(self, role_id: str) -> int:
        try:
            return self._index[role_id]
        except KeyError:
            raise UnknownRole(role_id) from None

    def fusion_of(self, a_id: str, b_id: str) -> str:
        """The fusion that scores the move ``a -> b``."""
        route = int(self._route[self._position(a_id), self._position(b_id)])
        return list(self.models.models)[route]

    def score(self, a_id: str, b_id: str) -> TransitionScore:
        """The directed score of moving from role ``a_id`` to ``b_id``, with components.

        The fusion's trees give log-odds ``z = bias + sum_f c_f`` (one additive term per
        feature). The score is ``p = sigmoid(z)``. Components: ``baseline =
        sigmoid(bias)``; each signal gets ``(sum of its features' c_f) * (p - baseline)
        / (z - bias)``, the rescale rule of DeepLIFT, so that ``baseline + sum of
        components == score`` exactly and each signal's share of the log-odds is kept.
        """
        a, b = self._position(a_id), self._position(b_id)
        if a == b:
            raise InvalidInput(f"a move needs two different roles, got {a_id!r} twice")
        fusion = self.fusion_of(a_id, b_id)
        model = self.models.models[fusion]
        x = self._tensor(fusion)[a, b][None, :].astype(np.float64)
        contributions = model.contributions(x)[0]
        z = model.bias_ + float(contributions.sum())
        p, p0 = _sigmoid(z), _sigmoid(model.bias_)
        scale = (p - p0) / (z - model.bias_) if abs(z - model.bias_) > 1e-12 else p0 * (1 - p0)
        components: dict[str, float] = {"baseline": p0}
        for name, c in zip(model.feature_names, contributions, strict=True):
            key = signal_of(name)
            components[key] = components.get(key, 0.0) + float(c) * scale
        return TransitionScore(score=p, components=components, fusion=fusion)

    def is_viable(self, a_id: str, b_id: str) -> bool:
        """Score at or above its fusion's calibrated threshold and at most one job zone up."""
        zones = self.roles.job_zones
        a, b = self._position(a_id), self._position(b_id)
        result = self.score(a_id, b_id)
        threshold = self.models.thresholds[result.fusion]
        return viable(result.score, threshold, int(zones[a]), int(zones[b]))

    def top_destinations(self, a_id: str, k: int = 20) -> list[tuple[str, float]]:
        """The ``k`` best destinations from ``a_id``, best first, as (role id, score)."""
        return self.rank([self._position(a_id)], k)[0]

    def rank(
        self, sources: Sequence[int], k: int, candidates: npt.NDArray[np.bool_] | None = None
    ) -> list[list[tuple[str, float]]]:
        """Top-``k`` destinations (id, score) of each source position, best first.

        ``candidates`` (bool, shape (n,)) limits the destinations; default all roles.
        """
        rows = np.asarray(sources, dtype=np.int64)
        allowed = np.ones(len(self.roles.ids), dtype=bool) if candidates is None else candidates
        scores = np.full((len(rows), len(self.roles.ids)), -np.inf)
        for f, fusion in enumerate(self.models.models):
            self._rank_fusion(fusion, f, rows, allowed, scores)
        return [self._top(row, scores[i], k) for i, row in enumerate(rows)]

    def _rank_fusion(
        self,
        fusion: str,
        f: int,
        rows: npt.NDArray[np.int64],
        allowed: npt.NDArray[np.bool_],
        out: npt.NDArray[np.float64],
    ) -> None:
        mask = (self._route[rows] == f) & allowed[None, :]
        mask[np.arange(len(rows)), rows] = False
        if not mask.any():
            return
        model = self.models.models[fusion]
        tensor = self._tensor(fusion)[rows]
        screen = np.full(mask.shape, -np.inf)
        screen[mask] = model.screen(tensor[mask])
        m = min(self.shortlist, mask.shape[1])
        keep = np.argpartition(-screen, m - 1, axis=1)[:, :m]
        r_idx = np.repeat(np.arange(len(rows)), m)
        c_idx = keep.ravel()
        valid = mask[r_idx, c_idx]
        r_idx, c_idx = r_idx[valid], c_idx[valid]
        out[r_idx, c_idx] = model.predict_proba(tensor[r_idx, c_idx])[:, 1]

    def _top(self, row: int, scores: npt.NDArray[np.float64], k: int) -> list[tuple[str, float]]:
        finite = np.flatnonzero(np.isfinite(scores))
        order = finite[np.lexsort((finite, -scores[finite]))][:k]
        return [(self.roles.ids[j], float(scores[j])) for j in order]


def _routes(prepared: PreparedRoles, fusions: Sequence[str]) -> npt.NDArray[np.int64]:
    """Index (into ``fusions``) of the first fusion whose required signals a pair has."""
    n = len(prepared.ids)
    route = np.full((n, n), len(fusions) - 1, dtype=np.int64)
    for f in reversed(range(len(fusions))):
        spec = FUSIONS[fusions[f]]
        ok = np.ones((n, n), dtype=bool)
        for signal in spec.requires:
            ok &= ~np.isnan(prepared.signals[signal])
        route[ok] = f
    return route


def _sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-z)))
