"""The shipped occupation-to-occupation scores: the fitted model's ``full`` fusion for every
ordered pair of O*NET occupations, so that an organisation role inherits what the model
knows about its O*NET-SOC code without the O*NET files at run time.

``reskill transitions scores --onet DIR --out models/occupation-transitions.npz`` writes
them from the O*NET text database (read through :func:`recommender.ingest.onet.load_onet`,
which never opens a Related Occupations file) and the fitted model
(``models/transition-model.npz``, fitted on the dev split). Scores are stored as float16
(about 1.2 MB compressed for 923 occupations; float16 keeps three significant digits, far finer than
any threshold) with a JSON header: the codes in order, the model's SHA-256, the O*NET
release and its attribution.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.errors import ModelMissing
from recommender.transitions.features import PreparedRoles, feature_matrix
from recommender.transitions.scorer import FUSIONS, TransitionModelSet

__all__ = [
    "OCCUPATION_SCORES_FILE",
    "SCORES_COMMAND",
    "OccupationScores",
    "score_every_pair",
]

OCCUPATION_SCORES_FILE = "occupation-transitions.npz"
SCORES_COMMAND = (
    "reskill transitions scores --onet ../shared/onet --out models/occupation-transitions.npz"
)
_FORMAT = "reskill-occupation-transitions/1"
_ROWS = 32  # source occupations scored per block (about 30,000 pairs)


@dataclass(frozen=True)
class OccupationScores:
    """Directed transition scores between O*NET occupations, by O*NET-SOC code.

    Attributes
    ----------
    codes : tuple of str
        Row and column ``i`` of ``scores`` is ``codes[i]``.
    scores : ndarray of float16, shape (n, n)
        ``scores[a, b]``: the ``full`` fusion's probability for the move ``a -> b``; the
        diagonal is NaN (an occupation is not a move from itself).
    metadata : dict
        Model hash, O*NET release, attribution, how the scores were made.

    Examples
    --------
    >>> s = OccupationScores(("a", "b"), np.array([[np.nan, 0.5], [0.25, np.nan]], np.float16))
    >>> s.score("a", "b"), s.score("b", "c")
    (0.5, None)
    """

    codes: tuple[str, ...]
    scores: npt.NDArray[np.float16]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.scores.shape != (len(self.codes), len(self.codes)):
            raise ValueError(f"scores of shape {self.scores.shape} for {len(self.codes)} codes")
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.codes)})

    def position(self, code: str) -> int | None:
        """Row of ``code``, or ``None`` when the scores do not cover it."""
        index: dict[str, int] = self.__dict__["_index"]
        return index.get(code)

    def score(self, a: str, b: str) -> float | None:
        """The score of ``a -> b``; ``None`` when either code is not covered or ``a == b``."""
        i, j = self.position(a), self.position(b)
        if i is None or j is None or i == j:
            return None
        return float(self.scores[i, j])

    def save(self, path: str | Path) -> None:
        """Write an ``.npz`` (no pickle): the scores and a JSON header."""
        header = {"format": _FORMAT, "codes": list(self.codes), "metadata": dict(self.metadata)}
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, scores=self.scores.astype(np.float16), header=np.array(json.dumps(header))
        )
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> OccupationScores:
        """Read scores written by :meth:`save`; a missing or foreign file raises
        :class:`~recommender.errors.ModelMissing` naming the command that writes it."""
        path = Path(path)
        if not path.is_file():
            raise ModelMissing(f"no occupation scores at {path}; write them with: {SCORES_COMMAND}")
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                scores = np.asarray(data["scores"], dtype=np.float16)
            if header.get("format") != _FORMAT:
                raise ValueError(f"format {header.get('format')!r}")
            return cls(tuple(header["codes"]), scores, header.get("metadata", {}))
        except (KeyError, ValueError, OSError) as exc:
            raise ModelMissing(
                f"{path} is not a reskill occupation-score file ({exc}); write it with: "
                f"{SCORES_COMMAND}"
            ) from exc


def score_every_pair(
    prepared: PreparedRoles,
    models: TransitionModelSet,
    fusion: str = "full",
    progress: Callable[[int, int], None] | None = None,
    sources: Sequence[int] | None = None,
) -> npt.NDArray[np.float32]:
    """The ``fusion``'s score of every ordered pair of ``prepared``, shape (n, n), NaN on the
    diagonal; only the rows of ``sources`` (positions) when given, shape (len(sources), n),
    NaN for each source's own column. Every pair runs the trees (no screen);
    ``progress(done, total)`` after each block of source rows.
    """
    model = models.models[fusion]
    names = FUSIONS[fusion].features
    n = len(prepared.ids)
    todo = np.arange(n) if sources is None else np.asarray(sources, dtype=np.int64)
    columns = [feature_matrix(prepared, name) for name in names]
    out = np.full((len(todo), n), np.nan, dtype=np.float32)
    for start in range(0, len(todo), _ROWS):
        rows = todo[start : start + _ROWS]
        block = np.stack([c[rows] for c in columns], axis=-1).reshape(-1, len(names))
        out[start : start + len(rows)] = model.predict_proba(block)[:, 1].reshape(-1, n)
        if progress is not None:
            progress(start + len(rows), len(todo))
    out[np.arange(len(todo)), todo] = np.nan
    return out
