"""`TitleNormaliser`: a free-text job title to ranked O*NET occupations and org roles.

How a title is ranked
---------------------
1. The title is cleaned (:func:`~recommender.titles.abbreviations.clean_title`):
   abbreviations expanded, shift and grade words dropped.
2. It is compared with every title of every occupation (official, alternate, short and
   reported, cleaned the same way) by character n-grams, words and sentence embeddings,
   and with each occupation's description by embeddings
   (:mod:`recommender.titles.features`).
3. The similarities are fused by weights fitted on titles the index did not contain
   (:mod:`recommender.titles.fusion`); the score is a softmax probability over all
   occupations.
4. With a re-ranker (the shipped model has one), boosted trees re-score the fusion's
   30 best occupations from their features (:mod:`recommender.titles.rerank`) before
   the softmax; the others keep their order below them.

O*NET occupations and the organisation's roles
-----------------------------------------------
:meth:`TitleNormaliser.normalise` ranks O*NET occupations (``code`` is the O*NET-SOC
code): the catalogue's O*NET roles, and the ``extra_occupations`` given to
:meth:`TitleNormaliser.fit` that no role stands for (O*NET's unrated "All Other"
occupations; :mod:`recommender.titles.occupations`). An answer from the latter has
``in_catalog`` False: it names an occupation, not a role of the catalogue.

:meth:`TitleNormaliser.match_roles` ranks the organisation's roles (the roles of the
fitted catalogue whose ``source`` is ``org``): each role is scored as
``(1 - org_weight) * direct + org_weight * onet``, where ``direct`` is the fused softmax
over org roles of the query against the role's own title and description, and ``onet``
is the probability :meth:`normalise` gives the role's ``soc_code``. O*NET's thousands of
alternate titles thus reach org roles through their SOC code ("RN - Med/Surg nights"
finds the org's "Registered nurse" role), while the org's own titles separate roles that
share a code.

Without O*NET
-------------
A catalogue of org roles alone (no O*NET roles and no ``extra_occupations``, as with the
bundled dataset when no O*NET download is configured) can still be fitted: there is no
O*NET index (``onet_index_`` is ``None``), :meth:`TitleNormaliser.normalise` returns an
empty list per title, and :meth:`TitleNormaliser.match_roles` ranks org roles by
``direct`` alone (``org_weight`` is taken as 0, since there is no O*NET score to share).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

import recommender
from recommender.catalog import Catalog, Role, RoleSource
from recommender.embeddings import Encoder
from recommender.errors import InvalidInput, ModelMissing
from recommender.titles.abbreviations import clean_title
from recommender.titles.features import Progress, Target, TitleIndex, encode_in_chunks
from recommender.titles.fusion import FusionWeights, softmax_scores
from recommender.titles.occupations import TitledOccupation, title_only
from recommender.titles.rerank import Reranker, candidate_rows, rerank, reranker_path

__all__ = [
    "DEFAULT_MODEL_PATH",
    "DEFAULT_RERANKER_PATH",
    "TitleMatch",
    "TitleNormaliser",
    "occupation_target",
    "role_target",
]

DEFAULT_MODEL_PATH = (
    Path(recommender.__file__).resolve().parents[1] / "models" / "title-normaliser.json"
)
DEFAULT_RERANKER_PATH = reranker_path(DEFAULT_MODEL_PATH)
FloatMatrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """One ranked answer for a title.

    Attributes
    ----------
    role_id : str
        The catalogue role: the O*NET-SOC code for an O*NET occupation, the org's own
        id for an org role. For an occupation with ``in_catalog`` False, its code.
    code : str
        The O*NET-SOC code (an org role's ``soc_code``; may be empty for an org role
        without one).
    title : str
        The role's official title.
    score : float
        In [0, 1], higher is better; for O*NET occupations a probability over all
        occupations.
    matched_title : str
        The cleaned title of the role that the query was closest to.
    source : RoleSource
        ``onet`` or ``org``.
    in_catalog : bool
        False for an O*NET occupation indexed from ``extra_occupations`` (titles only,
        no ratings): ``role_id`` is then no role of the catalogue.
    """

    role_id: str
    code: str
    title: str
    score: float
    matched_title: str
    source: RoleSource
    in_catalog: bool = True


def role_target(role: Role) -> Target:
    """What the normaliser indexes for a role: its titles and "title: description"."""
    return Target(
        role.id, (role.title, *role.alternate_titles), f"{role.title}: {role.description}"
    )


def occupation_target(occupation: TitledOccupation) -> Target:
    """What the normaliser indexes for a title-only occupation, as for a role."""
    return Target(
        occupation.code,
        (occupation.title, *occupation.alternate_titles),
        f"{occupation.title}: {occupation.description}",
    )


def _answer(role: Role) -> TitleMatch:
    """A role as an answer, before it is scored."""
    return TitleMatch(role.id, role.soc_code, role.title, 0.0, "", role.source)


def _title_only_answer(occupation: TitledOccupation) -> TitleMatch:
    """A title-only occupation as an answer, before it is scored."""
    code = occupation.code
    return TitleMatch(code, code, occupation.title, 0.0, "", RoleSource.ONET, in_catalog=False)


class TitleNormaliser:
    """Rank O*NET occupations and org roles for free-text job titles.

    Parameters
    ----------
    encoder : Encoder
        Turns cleaned titles and descriptions into vectors (wrap it in a
        :class:`~recommender.embeddings.CachedEncoder` to encode each text once).
    fusion : FusionWeights, optional
        How the similarities are weighted. ``None`` loads :data:`DEFAULT_MODEL_PATH`
        and the re-ranker at :data:`DEFAULT_RERANKER_PATH` at :meth:`fit` (raising
        :class:`~recommender.errors.ModelMissing` if either is absent or was fitted
        with another encoder).
    reranker : Reranker, optional
        Trees that re-score the fusion's best occupations; with ``fusion`` given and
        no ``reranker``, the fusion alone ranks.
    org_weight : float
        Share of an org role's score that comes from its SOC code's O*NET score.
    batch_size : int
        Queries scored together (memory grows with it: about 1 MB per query).

    Examples
    --------
    >>> from recommender.embeddings import HashingEncoder
    >>> from recommender.catalog import Catalog, Role, RoleSource
    >>> roles = [
    ...     Role("29-1141.00", "Registered Nurses", "Care for patients.", "29-1141.00",
    ...          "Healthcare", 3, source=RoleSource.ONET, alternate_titles=("Staff Nurse",)),
    ...     Role("29-2072.00", "Medical Records Specialists", "Code records.", "29-2072.00",
    ...          "Healthcare", 3, source=RoleSource.ONET, alternate_titles=("Medical Coder",)),
    ... ]
    >>> model = TitleNormaliser(HashingEncoder(), FusionWeights.plain())
    >>> model = model.fit(Catalog.from_items(roles=roles))
    >>> [m.code for m in model.normalise(["RN nights"], top=2)[0]]
    ['29-1141.00', '29-2072.00']
    """

    def __init__(
        self,
        encoder: Encoder,
        fusion: FusionWeights | None = None,
        org_weight: float = 0.5,
        batch_size: int = 256,
        reranker: Reranker | None = None,
    ) -> None:
        self.encoder = encoder
        self.fusion = fusion
        self.reranker = reranker
        self.org_weight = org_weight
        self.batch_size = batch_size

    # Fitting ---------------------------------------------------------------------------------

    def fit(
        self,
        catalog: Catalog,
        *,
        extra_occupations: Iterable[TitledOccupation] = (),
        progress: Progress | None = None,
    ) -> TitleNormaliser:
        """Index the titles of the catalogue's O*NET occupations and org roles.

        Parameters
        ----------
        catalog : Catalog
            Roles of either source.
        extra_occupations : iterable of TitledOccupation
            O*NET occupations known by their titles alone (for example
            ``recommender.ingest.onet.load_onet_titles(dir)``), ranked with the
            catalogue's O*NET roles. Those whose code a catalogue role already has are
            skipped: the role's titles and description are indexed instead.
        progress : callable, optional
            ``progress(done, total)`` while the titles are encoded.

        Returns
        -------
        TitleNormaliser
            ``self``, with ``fusion_``, ``onet_roles_``, ``extra_occupations_`` (the
            title-only occupations indexed after the roles), ``onet_codes_`` (the code
            of each occupation ranked, roles first), ``onet_index_`` (``None`` without
            O*NET occupations), ``org_roles_``, ``org_index_`` (``None`` without org
            roles) set.

        Raises
        ------
        InvalidInput
            When there is nothing at all to rank: no O*NET occupation and no org role.
        """
        if not 0.0 <= self.org_weight <= 1.0:
            raise InvalidInput(f"org_weight must be within [0, 1], got {self.org_weight}")
        self.fusion_ = self._resolve_fusion()
        self.reranker_ = self._resolve_reranker()
        by_source = {s: [r for r in catalog.roles.values() if r.source == s] for s in RoleSource}
        self.onet_roles_ = tuple(by_source[RoleSource.ONET])
        self.org_roles_ = tuple(by_source[RoleSource.ORG])
        self.extra_occupations_ = title_only(self.onet_roles_, extra_occupations)
        if not self.onet_roles_ and not self.extra_occupations_ and not self.org_roles_:
            raise InvalidInput(
                "the catalogue has no O*NET occupations and no org roles to normalise "
                "titles to, and no extra occupations were given"
            )
        self._onet_answers = (
            *(_answer(r) for r in self.onet_roles_),
            *(_title_only_answer(o) for o in self.extra_occupations_),
        )
        self._org_answers = tuple(_answer(r) for r in self.org_roles_)
        self.onet_codes_ = tuple(a.code for a in self._onet_answers)
        onet = [
            *(role_target(r) for r in self.onet_roles_),
            *(occupation_target(o) for o in self.extra_occupations_),
        ]
        org = [role_target(r) for r in self.org_roles_]
        self.onet_index_ = TitleIndex.build(onet, self.encoder, progress) if onet else None
        self.org_index_ = TitleIndex.build(org, self.encoder) if org else None
        self._code_position: dict[str, int] = {}
        for position, code in enumerate(self.onet_codes_):
            self._code_position.setdefault(code, position)
        return self

    def _resolve_fusion(self) -> FusionWeights:
        fusion = self.fusion if self.fusion is not None else FusionWeights.load(DEFAULT_MODEL_PATH)
        if fusion.encoder is not None and fusion.encoder != self.encoder.name:
            raise ModelMissing(
                f"the title-normaliser weights were fitted with encoder {fusion.encoder!r}, "
                f"not {self.encoder.name!r}; refit them with "
                "`reskill evaluate titles --onet DIR --refit --save PATH`"
            )
        return fusion

    def _resolve_reranker(self) -> Reranker | None:
        if self.reranker is None and self.fusion is not None:
            return None
        reranker = self.reranker or Reranker.load(DEFAULT_RERANKER_PATH)
        if reranker.encoder is not None and reranker.encoder != self.encoder.name:
            raise ModelMissing(
                f"the title re-ranker was fitted with encoder {reranker.encoder!r}, "
                f"not {self.encoder.name!r}; refit it with "
                "`reskill evaluate titles --onet DIR --refit --save PATH`"
            )
        return reranker

    # Ranking ---------------------------------------------------------------------------------

    def normalise(self, titles: Sequence[str], top: int = 5) -> list[list[TitleMatch]]:
        """Rank O*NET occupations for each title.

        Parameters
        ----------
        titles : sequence of str
            Free-text job titles, encoded together in batches.
        top : int
            How many occupations to return per title (at least 1).

        Returns
        -------
        list of list of TitleMatch
            One list per title, best first; empty for a title with nothing to match
            once cleaned (blank, punctuation, only shift or grade words), and for
            every title when no O*NET occupation was fitted.
        """
        self._check_top(top)
        if self.onet_index_ is None:
            return [[] for _ in titles]
        out: list[list[TitleMatch]] = []
        for start in range(0, len(titles), self.batch_size):
            out.extend(self._normalise_batch(titles[start : start + self.batch_size], top))
        return out

    def match_roles(self, titles: Sequence[str], top: int = 5) -> list[list[TitleMatch]]:
        """Rank the organisation's roles for each title (see the module notes).

        Returns an empty list per title when the fitted catalogue had no org roles or
        the title has nothing to match.
        """
        self._check_top(top)
        out: list[list[TitleMatch]] = []
        for start in range(0, len(titles), self.batch_size):
            out.extend(self._match_roles_batch(titles[start : start + self.batch_size], top))
        return out

    def onet_probabilities(
        self, titles: Sequence[str]
    ) -> tuple[FloatMatrix, FloatMatrix, list[str]]:
        """Probabilities over :attr:`onet_codes_`, shape ``(len(titles), n_occupations)``.

        Also returns the per-title similarities (for
        :meth:`~recommender.titles.features.TitleIndex.matched_title`) and the cleaned
        titles. Rows of titles with nothing to match are all zero; without O*NET
        occupations both matrices have no columns.
        """
        cleaned = [clean_title(t) for t in titles]
        probs, title_sims = self._onet_scores(cleaned, self.encode_queries(cleaned))
        return probs, title_sims, cleaned

    def _onet_scores(
        self, cleaned: Sequence[str], queries: FloatMatrix
    ) -> tuple[FloatMatrix, FloatMatrix]:
        """Probabilities over the O*NET occupations and title similarities, see above."""
        if self.onet_index_ is None:
            empty = np.zeros((len(cleaned), 0), dtype=np.float32)
            return empty, empty.copy()
        features, title_sims = self.onet_index_.features(cleaned, queries)
        probs = softmax_scores(self.ranked_scores(features, cleaned))
        probs[[not c for c in cleaned]] = 0.0
        return probs, title_sims

    def ranked_scores(
        self, features: Mapping[str, FloatMatrix], cleaned: Sequence[str]
    ) -> FloatMatrix:
        """Scores over the O*NET occupations before the softmax: fused, then re-ranked."""
        fused = self.fusion_.score(features)
        if self.reranker_ is None:
            return fused
        words = [len(text.split()) for text in cleaned]
        order, rows = candidate_rows(features, fused, words)
        return rerank(self.reranker_, rows, order, fused)

    def encode_queries(self, cleaned: Sequence[str]) -> FloatMatrix:
        """Embed cleaned titles, each distinct one once; an empty title gets zeros."""
        present = sorted({c for c in cleaned if c})
        vectors = encode_in_chunks(self.encoder, present)
        rows = {text: i for i, text in enumerate(present)}
        out = np.zeros((len(cleaned), self.encoder.dimension), dtype=np.float32)
        for i, text in enumerate(cleaned):
            if text:
                out[i] = vectors[rows[text]]
        return out

    def _normalise_batch(self, titles: Sequence[str], top: int) -> list[list[TitleMatch]]:
        index = self.onet_index_
        assert index is not None  # normalise() answers before batching without O*NET
        probs, sims, cleaned = self.onet_probabilities(titles)
        return [
            self._matches(self._onet_answers, index, probs[q], sims[q], top) if cleaned[q] else []
            for q in range(len(titles))
        ]

    def _match_roles_batch(self, titles: Sequence[str], top: int) -> list[list[TitleMatch]]:
        index = self.org_index_
        if index is None:
            return [[] for _ in titles]
        cleaned = [clean_title(t) for t in titles]
        queries = self.encode_queries(cleaned)
        features, sims = index.features(cleaned, queries)
        scores = softmax_scores(self.fusion_.score(features))
        if self.onet_index_ is not None:
            onet, _ = self._onet_scores(cleaned, queries)
            scores = (1 - self.org_weight) * scores + self.org_weight * self._via_code(onet)
        return [
            self._matches(self._org_answers, index, scores[q], sims[q], top) if cleaned[q] else []
            for q in range(len(titles))
        ]

    def _via_code(self, onet: FloatMatrix) -> FloatMatrix:
        """The O*NET probability of each org role's SOC code (0 for an unknown code)."""
        columns = [self._code_position.get(r.soc_code, -1) for r in self.org_roles_]
        out = onet[:, columns]
        out[:, [c < 0 for c in columns]] = 0.0
        return np.asarray(out, dtype=np.float32)

    @staticmethod
    def _matches(
        answers: Sequence[TitleMatch],
        index: TitleIndex,
        scores: FloatMatrix,
        sims: FloatMatrix,
        top: int,
    ) -> list[TitleMatch]:
        return [
            replace(answers[j], score=float(scores[j]), matched_title=index.matched_title(sims, j))
            for j in _top(scores, top)
        ]

    @staticmethod
    def _check_top(top: int) -> None:
        if top < 1:
            raise InvalidInput(f"top must be at least 1, got {top}")


def _top(row: FloatMatrix, k: int) -> list[int]:
    """Indices of the ``k`` largest values, largest first (ties by position)."""
    k = min(k, row.shape[0])
    picked = np.argpartition(-row, k - 1)[:k]
    return [int(i) for i in picked[np.lexsort((picked, -row[picked]))]]
