"""Similarity features between cleaned query titles and the occupations of an index.

A :class:`TitleIndex` holds, for a set of "targets" (O*NET occupations or org roles),
every title they are known by (official, alternate, short, reported; each also split
at its parentheses) and one descriptive text each. :meth:`TitleIndex.features` scores
queries against every target and returns one matrix per feature, shape
``(n_queries, n_targets)``:

``char``
    Best cosine, over the target's titles, of character 2-4-gram TF-IDF (word-bounded,
    sublinear tf): catches spelling variants and shared word pieces.
``word``
    Best cosine of word uni- and bigram TF-IDF: rewards rare, exact words.
``emb``
    Best cosine of sentence embeddings of the titles: catches synonyms.
``emb_soft``
    A soft maximum, ``t * log(sum(exp(cos / t)))`` with ``t = 0.05``, of the same cosines:
    high when many of a target's titles are close, not only one.
``desc``
    Cosine between the query embedding and the embedding of "title: description".
``char_doc``
    Cosine of character TF-IDF between the query and all of a target's titles joined:
    the words an occupation is usually called by.
``size``
    ``log(1 + number of titles)``: a prior for broad occupations, same for every query.
``head``
    1 when the query's last word (its head noun: "analyst", "nurse"; a final "s"
    dropped) is the last word of one of the target's titles, else 0.
``word_doc``
    Cosine of word uni- and bigram TF-IDF between the query and all of a target's
    titles joined.
``emb_top3``
    Mean of the three best embedding cosines to the target's titles (of all of them
    when it has fewer).
``emb_cent``
    Cosine between the query embedding and the normalised mean of the embeddings of
    the target's titles.
``qcov``
    Query coverage: the share of the query's words (each counted once, weighted by its
    inverse document frequency among the indexed titles) that occur in one of the
    target's titles. Words no indexed title holds are left out; a query made only of
    them scores 0 everywhere.
``qcov_desc``
    The same share, over the words of the target's titles and its description.
``qall``
    1 when ``qcov`` is 1 (every known word of the query is among the target's
    titles), else 0.
``knn_emb``
    The target's share of a soft vote of the query's 20 nearest indexed titles by
    embedding cosine (each title votes ``exp((cos - best) / 0.05)`` for its target,
    votes normalised to sum to 1): the targets compete for the query's neighbours,
    where ``emb_soft`` scores each target alone.
``knn_char``
    The same vote over character TF-IDF cosines.

:func:`reciprocal_rank` turns any of these into a rank feature, ``1 / (1 + rank)`` of
each target among all targets for the query (rank 0 is the best; ties go to the earlier
target); the fusion names those ``rank_<feature>``.

Only arrays leave this module: the ranker that fuses them lives in
:mod:`recommender.titles.normaliser`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.embeddings import Encoder
from recommender.titles.abbreviations import clean_title

__all__ = [
    "FEATURES",
    "Target",
    "TitleIndex",
    "encode_in_chunks",
    "reciprocal_rank",
    "title_variants",
]

FEATURES: tuple[str, ...] = (
    "char",
    "word",
    "emb",
    "emb_soft",
    "desc",
    "char_doc",
    "size",
    "head",
    "word_doc",
    "emb_top3",
    "emb_cent",
    "qcov",
    "qcov_desc",
    "qall",
    "knn_emb",
    "knn_char",
)

FloatMatrix = npt.NDArray[np.float32]
Progress = Callable[[int, int], None]
"""``progress(done, total)`` texts encoded so far."""

_SOFT_TEMPERATURE = 0.05
_NEIGHBOURS = 20
_CHUNK = 512
_PARENS = re.compile(r"\(([^)]*)\)")
_TOP = 3
_WORD = r"(?u)\b\w+\b"


@dataclass(frozen=True, slots=True)
class Target:
    """Something a title can normalise to: its id, its titles and its descriptive text."""

    id: str
    titles: tuple[str, ...]
    description: str


def title_variants(title: str) -> list[str]:
    """The cleaned forms of a title: whole, without its parentheses, and what they hold.

    Examples
    --------
    >>> title_variants("Business Development Executive (BD Executive)")
    ['business development executive bd executive', 'business development executive', 'bd executive']
    """
    inside = [clean_title(part) for part in _PARENS.findall(title)]
    forms = [clean_title(title), clean_title(_PARENS.sub(" ", title)), *inside]
    return list(dict.fromkeys(form for form in forms if form))


def encode_in_chunks(
    encoder: Encoder, texts: Sequence[str], progress: Progress | None = None
) -> FloatMatrix:
    """Encode ``texts`` in chunks, reporting progress; shape ``(len(texts), dimension)``."""
    parts = [np.zeros((0, encoder.dimension), dtype=np.float32)]
    for start in range(0, len(texts), _CHUNK):
        parts.append(encoder.encode(texts[start : start + _CHUNK]))
        if progress is not None:
            progress(min(start + _CHUNK, len(texts)), len(texts))
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


class TitleIndex:
    """Titles and texts of a set of targets, vectorised for scoring queries.

    Build with :meth:`build`; immutable afterwards.
    """

    def __init__(
        self,
        ids: tuple[str, ...],
        texts: tuple[str, ...],
        owner: npt.NDArray[np.intp],
        char: TfidfVectorizer,
        word: TfidfVectorizer,
        vectors: FloatMatrix,
        descriptions: FloatMatrix,
        description_texts: Sequence[str] = (),
    ) -> None:
        self.ids = ids
        self.texts = texts
        self.owner = owner
        self.char = char
        self.word = word
        self.vectors = vectors
        self.descriptions = descriptions
        self.starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        self.char_matrix = char.transform(texts).T.tocsr()
        self.word_matrix = word.transform(texts).T.tocsr()
        stops = [*self.starts[1:], len(texts)]
        docs = [" ".join(texts[a:b]) for a, b in zip(self.starts, stops, strict=True)]
        self.doc_matrix = char.transform(docs).T.tocsr()
        self.size = np.log1p(np.diff(np.r_[self.starts, len(texts)])).astype(np.float32)
        self.heads, self.head_matrix = _heads(texts, owner, len(ids))
        self.word_doc_matrix = word.transform(docs).T.tocsr()
        self.stops = np.asarray(stops, dtype=np.intp)
        self.centroids = _centroids(vectors, self.starts)
        self.unigrams = TfidfVectorizer(analyzer="word", token_pattern=_WORD).fit(texts)
        self.vocabulary = _presence(self.unigrams, docs)
        self.vocabulary_desc = _presence(self.unigrams, _described(docs, description_texts))

    @classmethod
    def build(
        cls,
        targets: Sequence[Target],
        encoder: Encoder,
        progress: Progress | None = None,
    ) -> TitleIndex:
        """Clean, vectorise and embed the titles of ``targets`` (each needs one title)."""
        ids: list[str] = []
        texts: list[str] = []
        owner: list[int] = []
        for position, target in enumerate(targets):
            forms = dict.fromkeys(v for t in target.titles for v in title_variants(t))
            if not forms:  # every title cleaned away: keep the first as written
                forms = {" ".join(target.titles[0].casefold().split()) or target.id: None}
            ids.append(target.id)
            texts.extend(forms)
            owner.extend([position] * len(forms))
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
        char.fit(texts)
        word.fit(texts)
        described = [t.description for t in targets]
        embedded = encode_in_chunks(encoder, [*texts, *described], progress)
        return cls(
            tuple(ids),
            tuple(texts),
            np.asarray(owner, dtype=np.intp),
            char,
            word,
            embedded[: len(texts)],
            embedded[len(texts) :],
            described,
        )

    def features(
        self, cleaned: Sequence[str], vectors: FloatMatrix
    ) -> tuple[Mapping[str, FloatMatrix], FloatMatrix]:
        """Score cleaned queries (and their embeddings) against every target.

        Parameters
        ----------
        cleaned : sequence of str
            Cleaned query titles.
        vectors : ndarray, shape (n_queries, dimension)
            Their unit-length embeddings.

        Returns
        -------
        features : mapping of str to ndarray
            One ``(n_queries, n_targets)`` float32 matrix per name in :data:`FEATURES`.
        title_sims : ndarray, shape (n_queries, n_titles)
            Embedding plus character cosine of each query to each indexed title, for
            :meth:`matched_title`.
        """
        char_sims = self._sparse_sims(self.char, self.char_matrix, cleaned)
        word_sims = self._sparse_sims(self.word, self.word_matrix, cleaned)
        emb_sims = vectors @ self.vectors.T
        n_queries = len(cleaned)
        out = {
            "char": np.maximum.reduceat(char_sims, self.starts, axis=1),
            "word": np.maximum.reduceat(word_sims, self.starts, axis=1),
            "emb": np.maximum.reduceat(emb_sims, self.starts, axis=1),
            "emb_soft": self._soft_max(emb_sims),
            "desc": vectors @ self.descriptions.T,
            "char_doc": self._sparse_sims(self.char, self.doc_matrix, cleaned),
            "size": np.broadcast_to(self.size, (n_queries, len(self.ids))),
            "head": self._head_feature(cleaned),
            "word_doc": self._sparse_sims(self.word, self.word_doc_matrix, cleaned),
            "emb_top3": self._top_mean(emb_sims),
            "emb_cent": vectors @ self.centroids.T,
            **self._coverage(cleaned),
            "knn_emb": self._neighbour_vote(emb_sims),
            "knn_char": self._neighbour_vote(char_sims),
        }
        features = {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}
        return features, emb_sims + char_sims

    def _head_feature(self, cleaned: Sequence[str]) -> FloatMatrix:
        rows = [self.heads.get(_head(text), -1) for text in cleaned]
        out = np.zeros((len(cleaned), len(self.ids)), dtype=np.float32)
        known = [i for i, row in enumerate(rows) if row >= 0]
        if known:
            out[known] = self.head_matrix[[rows[i] for i in known]].toarray()
        return out

    def matched_title(self, title_sims: FloatMatrix, target: int) -> str:
        """The title of ``target`` closest to the query whose ``title_sims`` row is given."""
        start = int(self.starts[target])
        stop = int(self.starts[target + 1]) if target + 1 < len(self.starts) else len(self.texts)
        return self.texts[start + int(np.argmax(title_sims[start:stop]))]

    @staticmethod
    def _sparse_sims(
        vectoriser: TfidfVectorizer, matrix: sparse.csr_matrix, cleaned: Sequence[str]
    ) -> FloatMatrix:
        product = vectoriser.transform(cleaned) @ matrix
        return np.asarray(product.toarray(), dtype=np.float32)

    def _top_mean(self, sims: FloatMatrix) -> FloatMatrix:
        """Mean of the ``_TOP`` best cosines of each target's titles."""
        out = np.empty((sims.shape[0], len(self.ids)), dtype=np.float32)
        for target, (start, stop) in enumerate(zip(self.starts, self.stops, strict=True)):
            block = sims[:, start:stop]
            if block.shape[1] > _TOP:
                block = -np.partition(-block, _TOP - 1, axis=1)[:, :_TOP]
            out[:, target] = block.mean(axis=1)
        return out

    def _coverage(self, cleaned: Sequence[str]) -> dict[str, FloatMatrix]:
        """``qcov``, ``qcov_desc`` and ``qall`` (see the module notes)."""
        words = self.unigrams.transform(cleaned)
        words.data[:] = 1.0
        weighted = sparse.csr_matrix(words.multiply(self.unigrams.idf_[None, :]))
        total = np.asarray(weighted.sum(axis=1), dtype=np.float32)
        total[total == 0] = 1.0
        qcov = np.asarray((weighted @ self.vocabulary).toarray(), dtype=np.float32) / total
        desc = np.asarray((weighted @ self.vocabulary_desc).toarray(), dtype=np.float32) / total
        return {"qcov": qcov, "qcov_desc": desc, "qall": (qcov > 0.999).astype(np.float32)}

    def _neighbour_vote(self, sims: FloatMatrix) -> FloatMatrix:
        """Each target's share of the soft vote of the query's nearest titles."""
        n_queries, n_titles = sims.shape
        out = np.zeros((n_queries, len(self.ids)), dtype=np.float32)
        if n_titles == 0:
            return out
        k = min(_NEIGHBOURS, n_titles)
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(sims, nearest, axis=1)
        votes = np.exp((values - values.max(axis=1, keepdims=True)) / _SOFT_TEMPERATURE)
        votes /= votes.sum(axis=1, keepdims=True)
        rows = np.repeat(np.arange(n_queries), k)
        np.add.at(out, (rows, self.owner[nearest.ravel()]), votes.ravel())
        return out

    def _soft_max(self, sims: FloatMatrix) -> FloatMatrix:
        peak = sims.max(axis=1, keepdims=True)
        summed = np.add.reduceat(np.exp((sims - peak) / _SOFT_TEMPERATURE), self.starts, axis=1)
        return np.asarray(peak + _SOFT_TEMPERATURE * np.log(summed), dtype=np.float32)


def reciprocal_rank(values: FloatMatrix) -> FloatMatrix:
    """``1 / (1 + rank)`` of each column within its row, rank 0 the largest value.

    Ties are ranked by position, the earlier column first.

    Examples
    --------
    >>> reciprocal_rank(np.array([[0.2, 0.9, 0.2]], dtype=np.float32)).tolist()
    [[0.5, 1.0, 0.3333333432674408]]
    """
    order = np.argsort(-values, axis=1, kind="stable")
    ranks = np.empty(values.shape, dtype=np.float32)
    positions = np.broadcast_to(np.arange(values.shape[1], dtype=np.float32), values.shape)
    np.put_along_axis(ranks, order, positions, axis=1)
    return np.asarray(1.0 / (1.0 + ranks), dtype=np.float32)


def _centroids(vectors: FloatMatrix, starts: npt.NDArray[np.intp]) -> FloatMatrix:
    """The unit-length mean of each target's title embeddings (zeros stay zeros)."""
    summed = np.add.reduceat(vectors, starts, axis=0) if len(vectors) else vectors
    norms = np.linalg.norm(summed, axis=1, keepdims=True)
    return np.asarray(summed / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _described(docs: Sequence[str], descriptions: Sequence[str]) -> list[str]:
    """Each target's description (when known) and its titles joined, as one text."""
    if len(descriptions) != len(docs):
        return list(docs)
    return [f"{text} {doc}" for text, doc in zip(descriptions, docs, strict=True)]


def _presence(vectoriser: TfidfVectorizer, docs: Sequence[str]) -> sparse.csr_matrix:
    """``(n_words, n_docs)``: 1 where the word occurs in the doc."""
    matrix = sparse.csr_matrix(vectoriser.transform(docs).T, dtype=np.float32)
    matrix.data[:] = 1.0
    return matrix


def _head(text: str) -> str:
    """The last word of a cleaned title, without a plural "s".

    Examples
    --------
    >>> _head("security analysts"), _head("nurse"), _head("")
    ('analyst', 'nurse', '')
    """
    words = text.split()
    if not words:
        return ""
    last = words[-1]
    return last[:-1] if len(last) > 3 and last.endswith("s") and not last.endswith("ss") else last


def _heads(
    texts: Sequence[str], owner: npt.NDArray[np.intp], n_targets: int
) -> tuple[dict[str, int], sparse.csr_matrix]:
    """Head words of the titles, and which targets have a title with each head."""
    heads: dict[str, int] = {}
    rows = [heads.setdefault(_head(text), len(heads)) for text in texts]
    ones = np.ones(len(rows), dtype=np.float32)
    matrix = sparse.csr_matrix((ones, (rows, owner)), shape=(len(heads), n_targets))
    matrix.data[:] = 1.0  # duplicates summed; presence is what counts
    return heads, matrix
