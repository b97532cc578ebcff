"""Free-text matching: the roles and skills a description of a person or job points to.

A :class:`RoleIndex` encodes each role's title, description and tasks once per
catalogue (``fit``). :func:`match_text` then scores every role for a text as

``score = w * embedding_similarity + (1 - w) * skill_fit``

* ``embedding_similarity``: cosine (clipped at 0) between the text and the role's
  title + description + tasks. A long text is encoded in chunks of sentences and the
  chunk vectors averaged, so nothing past the model's 256-token window is lost.
* ``skill_overlap``: the importance-weighted share of the role's requirements that the
  text evidences, each inferred skill counted at its confidence:
  ``sum(importance * confidence) / sum(importance)``.
* ``skill_coverage``: the confidence-weighted share of the text's skills that the role
  requires: ``sum(confidence of required ones) / sum(confidence)``. A short text ("triage
  SIEM alerts, investigate phishing") evidences few skills, so it can cover only a small
  share of any role's requirements; coverage says whether what it describes is this
  role's work at all.
* ``skill_fit``: the harmonic mean of overlap and coverage (0 when either is 0), so a
  role must both require what the text describes and be described by it.

A text that evidences no catalogue skill is scored by its embedding similarity alone
(``w = 1``): the skill part is unknown there, not zero.

The same scores, for every role at once (:meth:`RoleIndex.score_all`), tell a people
search whether a person's current role is the work a text describes
(:mod:`recommender.candidates.people`).

Skills come from a fitted :class:`~recommender.skills_extraction.SkillExtractor`; they
are inferred, never verified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.catalog import Catalog, Role
from recommender.embeddings import Encoder, normalise_rows
from recommender.errors import InvalidInput
from recommender.skills_extraction import InferredSkill, SkillExtractor

__all__ = ["RoleMatch", "MatchResult", "RoleIndex", "role_text", "match_text", "text_vector"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CHUNK_WORDS = 150


@dataclass(frozen=True, slots=True)
class RoleMatch:
    """One role's score for a text, with its components and the skills it shares.

    ``matched_skills``: the text's skills the role requires, in id order;
    ``evidenced``: how many skills the text evidences in all.
    """

    role_id: str
    title: str
    score: float
    embedding_similarity: float
    skill_overlap: float
    matched_skills: tuple[str, ...] = ()
    skill_coverage: float = 0.0
    evidenced: int = 0

    @property
    def skill_fit(self) -> float:
        """Harmonic mean of :attr:`skill_overlap` and :attr:`skill_coverage`."""
        return _harmonic(self.skill_overlap, self.skill_coverage)

    @property
    def components(self) -> dict[str, float]:
        return {
            "embedding_similarity": self.embedding_similarity,
            "skill_overlap": self.skill_overlap,
            "skill_coverage": self.skill_coverage,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "role_id": self.role_id,
            "title": self.title,
            "score": round(self.score, 4),
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "matched_skills": list(self.matched_skills),
        }


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The best roles for a text, best first, and the skills inferred from it."""

    roles: tuple[RoleMatch, ...]
    skills: tuple[InferredSkill, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "roles": [r.to_dict() for r in self.roles],
            "skills": [s.to_dict() for s in self.skills],
        }


def role_text(role: Role) -> str:
    """The text a role is embedded from: title, description and tasks.

    Examples
    --------
    >>> from recommender.catalog import Role
    >>> role_text(Role("r", "Coder", "Assigns codes.", "29-2072.00", "HIM", 3, tasks=("Code charts.",)))
    'Coder. Assigns codes. Code charts.'
    """
    parts = [role.title, role.description, *role.tasks]
    return " ".join(p.strip().rstrip(".") + "." for p in parts if p.strip())


def _chunks(text: str) -> list[str]:
    chunks: list[list[str]] = [[]]
    for sentence in filter(None, (s.strip() for s in _SENTENCE.split(text))):
        if (
            chunks[-1]
            and sum(len(s.split()) for s in chunks[-1]) + len(sentence.split()) > _CHUNK_WORDS
        ):
            chunks.append([])
        chunks[-1].append(sentence)
    return [" ".join(c) for c in chunks if c]


def text_vector(encoder: Encoder, text: str) -> npt.NDArray[np.float32]:
    """Unit vector of ``text``: the normalised mean of its chunk vectors, shape ``(dim,)``."""
    vectors = encoder.encode(_chunks(text))
    mean: npt.NDArray[np.float32] = normalise_rows(vectors.mean(axis=0, keepdims=True))[0]
    return mean


class RoleIndex:
    """Role vectors and requirement weights for one catalogue (fit once, query many times).

    Parameters
    ----------
    encoder
        Encodes role texts at ``fit`` and query texts at :meth:`rank`.
    embedding_weight
        ``w`` in ``w * embedding_similarity + (1 - w) * skill_fit``, in [0, 1].
    """

    def __init__(self, encoder: Encoder, embedding_weight: float = 0.6) -> None:
        self.encoder = encoder
        self.embedding_weight = embedding_weight

    def fit(self, catalog: Catalog) -> RoleIndex:
        """Encode every role of ``catalog``; returns ``self``."""
        if not 0.0 <= self.embedding_weight <= 1.0:
            raise InvalidInput(f"embedding_weight {self.embedding_weight} must lie in [0, 1]")
        roles = list(catalog.roles.values())
        self.role_ids_ = [r.id for r in roles]
        self.titles_ = [r.title for r in roles]
        self.requirements_ = [{q.skill_id: q.importance for q in r.requirements} for r in roles]
        self.vectors_ = self.encoder.encode([role_text(r) for r in roles])
        return self

    def rank(self, text: str, skills: Sequence[InferredSkill], top: int = 5) -> list[RoleMatch]:
        """The ``top`` roles for ``text`` given the ``skills`` inferred from it, best first."""
        self._check_fitted()
        if top < 1:
            raise InvalidInput(f"top must be at least 1, got {top}")
        matches = self.score_all(text_vector(self.encoder, text), skills)
        return sorted(matches, key=lambda m: (-m.score, m.role_id))[:top]

    def score_all(self, vector: npt.ArrayLike, skills: Sequence[InferredSkill]) -> list[RoleMatch]:
        """Every role's match for a text, in catalogue order.

        Parameters
        ----------
        vector : array-like, shape (dimension,)
            The text's unit vector (:func:`text_vector`).
        skills : sequence of InferredSkill
            The skills inferred from the text.
        """
        self._check_fitted()
        query = np.asarray(vector, dtype=np.float32)
        similarity = np.clip(self.vectors_ @ query, 0.0, 1.0)
        confidence = {s.skill_id: s.confidence for s in skills}
        return [
            self._match(i, float(similarity[i]), confidence) for i in range(len(self.role_ids_))
        ]

    def _check_fitted(self) -> None:
        if not hasattr(self, "vectors_"):
            raise InvalidInput("RoleIndex is not fitted: call fit(catalog) first")

    def _match(self, i: int, similarity: float, confidence: dict[str, float]) -> RoleMatch:
        weights = self.requirements_[i]
        total = sum(weights.values())
        shared = tuple(sorted(s for s in weights if s in confidence))
        overlap = sum(weights[s] * confidence[s] for s in shared) / total if total > 0 else 0.0
        evidenced = sum(confidence.values())
        coverage = sum(confidence[s] for s in shared) / evidenced if evidenced > 0 else 0.0
        # A text that evidences no skill says nothing about skills: its embedding decides.
        w = self.embedding_weight if confidence else 1.0
        score = w * similarity + (1.0 - w) * _harmonic(overlap, coverage)
        return RoleMatch(
            self.role_ids_[i],
            self.titles_[i],
            score,
            similarity,
            overlap,
            shared,
            coverage,
            len(confidence),
        )


def _harmonic(a: float, b: float) -> float:
    return 2.0 * a * b / (a + b) if a + b > 0 else 0.0


def match_text(
    text: str,
    catalog: Catalog,
    encoder: Encoder,
    extractor: SkillExtractor,
    top: int = 5,
    *,
    index: RoleIndex | None = None,
) -> MatchResult:
    """The ``top`` roles and the inferred skills for a free-text description.

    Parameters
    ----------
    text
        A profile, resume or job description (non-blank).
    catalog
        The roles to rank.
    encoder
        Sentence encoder; used to build ``index`` when none is given.
    extractor
        A :class:`SkillExtractor` fitted on ``catalog``.
    top
        How many roles to return.
    index
        A :class:`RoleIndex` already fitted on ``catalog``; pass one to avoid encoding
        the roles again on every call.

    Raises
    ------
    InvalidInput
        For blank text, ``top < 1`` or an unfitted extractor.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text to match is empty: give a profile, resume or job description")
    skills = extractor.extract(text)
    index = index if index is not None else RoleIndex(encoder).fit(catalog)
    return MatchResult(tuple(index.rank(text, skills, top)), tuple(skills))
