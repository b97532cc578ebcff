"""Skill inference: the catalogue skills a profile, resume or job description evidences.

Tuned for precision. Every skill returned carries :attr:`Evidence.INFERRED` (never a
verified kind), the span of text that evidences it and a confidence in [0, 1].

How a skill is found
--------------------
1. **Lexicon** (``method="name"`` or ``"alias"``): the skill's name and aliases from the
   catalogue, matched on whole words, case-insensitively, tolerant of plurals
   ("firewall"/"firewalls", "policy"/"policies"), hyphens and spacing ("ICD-10", "ICD10",
   "ICD 10"; "Wi-Fi", "WiFi"), versions glued on ("Python3") and British/American
   spelling ("visualisation"/"visualization", "modelling"/"modeling"). The longest
   term wins where two overlap ("Disaster recovery planning" beats "Disaster
   recovery"). Acronyms of up to four letters ("SIEM", "PAM") and product names that are also
   ordinary words ("Epic", "Excel", "Lean") match only in their own capitalisation.
   Acronyms that appear in exactly one skill's name ("SIEM operations" -> "SIEM",
   "HL7 and FHIR interoperability" -> "HL7", "FHIR") are added as aliases, plus the few
   common abbreviations in :data:`EXTRA_ALIASES`.
2. **Patterns** (``method="pattern"``): the same names and aliases of two or more words
   reworded: their words reduced to a common root ("triage", "triaged", "triaging" ->
   "triag"; "registration", "registers" -> "regist"; "analysis", "analysed" -> "analyz")
   and found in any order, in one clause, with at most :data:`PATTERN_GAP` other words
   (function words aside) among them ("triage SIEM alerts" -> "Alert triage"; "administered medications" ->
   "Medication administration"; "managed the project" -> "Project management"), plus the
   common rewordings of :data:`PARAPHRASES`. Acronyms, ambiguous terms and product names
   are left to the exact lexicon; a pattern never spans a comma ("patient safety,
   registered nursing" is a list, not "patient registration"), and "and"/"or" count among
   the words between ("radiology and cardiology reports" is not "radiology reporting").
   A reordered term can mean something else ("models on local data" is not data
   modelling), so a pattern out of the term's order counts only when an encoder is given
   and the clause is also close to the skill (the corroboration threshold, as for
   ambiguous terms below). Confidence 0.75, below an exact alias.
3. **Ambiguous terms** (two-letter acronyms such as "AD" or "IR", and words such as
   "Leadership", "Strategy", "Charts" or "Admissions" that often mean something else)
   and **misspellings** (one edit or swap away from a distinctive single-word term of
   six letters or more, e.g. "Powershel", "Pyhton") count only when an encoder is given
   and the clause around them is also semantically close to the skill (the
   corroboration threshold).
4. **Embedding** (``method="embedding"``): each sentence and clause is compared with the
   skill's name and description; a skill is inferred only above a high cosine
   threshold, and only as that clause's best skill. Confidence here is at most 0.8,
   below any exact match.

What is not evidence
--------------------
Within one clause (clauses end at ``. ; : ! ?``, line breaks, bullets, dashes and at
"but", "however", "although", "though", "whereas", "except", "while" and "and I/she/
he/they/we"):

* a **negation** before the mention: "no", "not", "never", "without", "lack",
  "unfamiliar", "none", "cannot" and any "n't" ("no experience with Linux", "I have
  never written SQL", "not yet certified in ...", "neither Docker nor Kubernetes");
* a **goal** before the mention: "want(s) to", "would/'d like to", "hope to", "plan to",
  "aim to", "aspire", "interested in", "looking to", "keen/eager to", "goal", "learn",
  "learning", "studying", "study for", "taking a/an/my", "enrolled", "working towards",
  "get/move/transition into", "eventually", "someday", "next year". A stated goal
  ("I want to learn Python") is never evidence.

Clauses holding a negation or goal cue are also skipped by the embedding step. Not
handled: negations after the mention ("Python: none"), negations that span a clause
boundary ("Although not a nurse, I chart in Epic" keeps the negation in scope and
drops Epic), and irony.

Free text cannot add skills or change anything but this result: only catalogue skills
are returned, confidence is bounded (repeating a term adds at most 0.04), and the text
is never interpreted as instructions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from recommender.catalog import Catalog, Evidence, Skill
from recommender.embeddings import Encoder
from recommender.errors import InvalidInput

__all__ = [
    "EXTRA_ALIASES",
    "PARAPHRASES",
    "PATTERN_GAP",
    "AMBIGUOUS_TERMS",
    "MAX_TEXT_LENGTH",
    "Method",
    "MentionStatus",
    "Span",
    "Mention",
    "InferredSkill",
    "SkillExtractor",
    "clauses",
]

MAX_TEXT_LENGTH = 100_000

#: Common abbreviations missing from the bundled catalogue's aliases; used only for
#: skill ids the catalogue holds. Candidates for data/skills.csv.
EXTRA_ALIASES: Mapping[str, tuple[str, ...]] = {
    "ehr-use": ("EHR", "EHRs"),
    "epic-clarity-reporting": ("Epic Clarity", "Epic Caboodle"),
    "os-windows": ("Windows",),
    "registered-nursing-practice": ("Registered nurse",),
    "threat-intelligence": ("Threat intel",),
    "anatomy-physiology": ("Anatomy",),
}

#: Common rewordings of skills that are neither a name nor an alias, matched as patterns
#: (their words' roots in any order, see :data:`PATTERN_GAP`); used only for skill ids the
#: catalogue holds. Written from the errors on the development texts
#: (``tests/fixtures/skill_inference/dev.json``), never from the sealed test part.
PARAPHRASES: Mapping[str, tuple[str, ...]] = {
    "incident-response": ("Phishing investigation", "Security incident handling"),
    "identity-access-management": ("Account provisioning", "User provisioning"),
    "third-party-risk": ("Supplier security review", "Vendor security review"),
    "incident-ticket-triage": ("Ticket prioritisation",),
    "hardware-troubleshooting": ("Hardware repair", "Laptop repair", "Printer repair"),
    "backup-recovery": ("Restore testing",),
    "telehealth-technology": ("Telehealth equipment", "Telehealth carts"),
    "ehr-use": ("Electronic record", "Electronic patient record"),
    "data-quality": ("Data cleaning",),
    "etl-pipelines": ("Data pipelines",),
    "statistics": ("Hypothesis testing", "Survival analysis", "Regression analysis"),
    "responsible-ai": ("Model fairness", "Fairness audit"),
    "computer-vision": ("Image classification",),
    "clinical-documentation-integrity": ("Physician queries", "Doctor queries"),
    "ehr-build-configuration": ("Flowsheet build",),
    "ehr-testing": ("Upgrade testing", "Test scripts"),
    "phlebotomy": ("Blood draws", "Blood samples", "Drawing blood"),
    "medication-administration": ("Drug round", "Medication round"),
    "medication-reconciliation": ("Medication history", "Medication lists"),
    "care-coordination": ("Discharge planning",),
    "telehealth-delivery": ("Video consultations", "Video visits"),
    "project-management": ("Project lead",),
    "agile-delivery": ("Sprint planning", "Daily stand-ups"),
    "process-improvement": ("Value stream mapping", "Waste reduction"),
    "requirements-analysis": ("Requirements gathering",),
    "people-management": ("Team management",),
    "teaching-and-training": ("Staff training",),
    "vendor-management": ("Contract management", "Supplier performance"),
}

#: Most other words allowed among a pattern's words, not counting function words such as
#: "the" or "to" ("triage SIEM alerts", "responded to security incidents": one).
PATTERN_GAP = 1

#: Terms (lower case) that often mean something other than the skill; they need the
#: clause around them to be close to the skill as well.
AMBIGUOUS_TERMS: frozenset[str] = frozenset(
    {
        "accuracy", "strategy", "hunt", "charts", "medications", "admissions",
        "terminology", "collaboration", "leadership", "prioritisation", "super user",
        "integrated testing", "application testing", "exchange", "roi", "transcription",
        "windows",
    }
)  # fmt: skip

#: Product names that are also ordinary words: matched only as capitalised.
_PROPER_NAMES: frozenset[str] = frozenset(
    {"epic", "clarity", "lean", "cadence", "prelude", "remedy", "cogito", "excel", "windows",
     "exchange", "hunt", "caboodle"}
)  # fmt: skip

_CONFIDENCE = {"name": 0.95, "alias": 0.9, "acronym": 0.85, "derived": 0.8, "pattern": 0.75}
_AMBIGUOUS_CONFIDENCE = 0.65
_FUZZY_CONFIDENCE = 0.6
_EMBEDDING_MIN, _EMBEDDING_MAX = 0.5, 0.8
_REPEAT_BONUS, _REPEAT_CAP = 0.02, 0.04

_TOKEN = re.compile(r"[A-Za-z]+|[0-9]+")
_JOINER = re.compile(r"[ \t]*[-/&+][ \t]*|[ \t]+|")
_CLAUSE_END = re.compile(
    r"[;!?\n\u2022|()]|\.(?=\s|$)|\s[-\u2013\u2014]\s"
    r"|\b(?:but|however|although|though|whereas|except|while)\b"
    r"|\band\s+(?:I|i|she|he|they|we)\b"
)
_UNIT_END = re.compile(r",|\band\s+(?=\w+(?:s|ed|ing)\b)")
_NEGATION = re.compile(
    r"\b(?:no|not(?!\s+only)|never|without|lacks?|lacking|unfamiliar|none|neither|nor|"
    r"zero|cannot|dont|doesnt|didnt|havent|hasnt|hadnt|cant|wont|isnt)\b|n['\u2019]t\b",
    re.IGNORECASE,
)
_GOAL = re.compile(
    r"\b(?:wants?\s+to|wanted\s+to|would\s+(?:like|love)\s+to|'d\s+(?:like|love)\s+to|"
    r"hop(?:e|es|ing)\s+to|plan(?:s|ning)?\s+to|aim(?:s|ing)?\s+to|aspir\w*|"
    r"interested\s+in|looking\s+to|keen\s+to|eager\s+to|goals?|learn|learning|studying|"
    r"study\s+for|taking\s+(?:a|an|my)|enrolled|working\s+towards?|get\s+into|"
    r"move\s+into|moving\s+into|transition(?:ing)?\s+into|eventually|someday|"
    r"next\s+year)\b",
    re.IGNORECASE,
)
_SPELLING = (
    (re.compile(r"is(ation|ations|e|ed|es|ing|er|ers)$"), r"iz\1"),
    (re.compile(r"yse$"), "yze"),
    (re.compile(r"our$"), "or"),
    (re.compile(r"elling$"), "eling"),
    (re.compile(r"elled$"), "eled"),
    (re.compile(r"^judgement"), "judgment"),
    (re.compile(r"^paed"), "ped"),
    (re.compile(r"tre$"), "ter"),
)


class Method(StrEnum):
    """How a skill was found in the text."""

    NAME = "name"
    ALIAS = "alias"
    PATTERN = "pattern"
    FUZZY = "fuzzy"
    EMBEDDING = "embedding"


class MentionStatus(StrEnum):
    """Whether a mention is evidence, or was set aside and why."""

    EVIDENCE = "evidence"
    NEGATED = "negated"
    GOAL = "goal"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]`` of the input, with the text itself."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Mention:
    """One place in the text that points at a skill, whether or not it counts."""

    skill_id: str
    span: Span
    method: Method
    confidence: float
    status: MentionStatus


@dataclass(frozen=True, slots=True)
class InferredSkill:
    """A catalogue skill the text evidences; always :attr:`Evidence.INFERRED`.

    ``span`` is the strongest mention; ``mentions`` counts every counted mention.
    """

    skill_id: str
    name: str
    confidence: float
    method: Method
    span: Span
    mentions: int = 1
    evidence: Evidence = field(default=Evidence.INFERRED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "skill_id": self.skill_id,
            "name": self.name,
            "confidence": round(self.confidence, 3),
            "method": str(self.method),
            "evidence": str(self.evidence),
            "span": {"start": self.span.start, "end": self.span.end, "text": self.span.text},
            "mentions": self.mentions,
        }


@dataclass(frozen=True, slots=True)
class _Term:
    skill_id: str
    method: Method
    confidence: float
    raw: tuple[str, ...]
    case_sensitive: bool
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A text after the lexicon pass: its lexical mentions and the units to embed."""

    text: str
    lexical: list[Mention]
    spans: list[Span]
    units: list[Span]


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    raw: str
    norm: str


def _normalise(word: str) -> str:
    """Lower-case, singular, American-spelt form of one token (consistent, not a stemmer)."""
    word = word.lower()
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


def _tokens(text: str, offset: int = 0) -> list[_Token]:
    return [
        _Token(m.start() + offset, m.end() + offset, m.group(), _normalise(m.group()))
        for m in _TOKEN.finditer(text)
    ]


_STOPWORDS = frozenset(
    {"a", "an", "at", "by", "for", "from", "in", "into", "of", "on", "onto", "the", "to",
     "with", "that", "which", "our", "their", "its", "my", "his", "her", "every", "each",
     "all"}
)  # fmt: skip
# Not part of a pattern, but counted among the words between: "X and Y reports" is not
# "X reporting".
_CONNECTIVES = frozenset({"and", "or"})
_COMMA = re.compile(",")
_INFLECTIONS = (("ing", 4), ("ed", 4), ("e", 4))
# (suffix, shortest root left): "document" keeps its "ment", "management" loses it.
_DERIVATIONS = (("ation", 4), ("ition", 4), ("ment", 5), ("ion", 4), ("iv", 4), ("er", 4))
_IRREGULAR_ROOTS = {
    "respons": "respond", "coding": "code", "coded": "code", "coder": "code", "led": "lead",
    "drew": "draw",
}  # fmt: skip
_MIN_ROOT = 4


def _root(norm: str) -> str:
    """The root a pattern compares: ``norm`` (a :func:`_normalise`d word) without its
    inflection and derivation, so that a verb and its noun meet (not a stemmer: enough to
    be consistent over the catalogue's terms and their rewordings).

    Examples
    --------
    >>> [_root(w) for w in ("triage", "triaging", "registration", "register", "analysis")]
    ['triag', 'triag', 'regist', 'regist', 'analyz']
    >>> [_root(w) for w in ("response", "responded", "medication", "medical", "scanning")]
    ['respond', 'respond', 'medic', 'medical', 'scan']
    >>> [_root(w) for w in ("document", "documented", "documentation", "management")]
    ['document', 'document', 'document', 'manag']
    """
    if norm in _IRREGULAR_ROOTS:
        return _IRREGULAR_ROOTS[norm]
    if not norm.isalpha() or len(norm) <= _MIN_ROOT:
        return norm
    if norm.endswith("ysis"):
        return norm[:-4] + "yz"
    word = _strip(norm, _INFLECTIONS)
    inflected = word != norm
    word = _strip(_strip(word, _DERIVATIONS), (("e", 4),))
    if len(word) > _MIN_ROOT and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # scann(ing) -> scan
    if (inflected or word != norm) and len(word) > 5 and word.endswith("at"):
        word = word[:-2]  # validat(ed) -> valid, as validation
    if len(word) > _MIN_ROOT and word[-1] in "ri" and word[-2] not in "aeiou":
        word = word[:-1]  # registr(ation) -> regist, as regist(er)
    return _IRREGULAR_ROOTS.get(word, word)


def _strip(word: str, suffixes: Sequence[tuple[str, int]]) -> str:
    for suffix, shortest in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            return word[: -len(suffix)]
    return word


def _is_acronym(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return " " not in term and len(letters) >= 2 and all(c.isupper() for c in letters)


def _term_variants(term: str) -> Iterator[str]:
    yield term
    if "-" in term:
        yield term.replace("-", "")


def _make_terms(skill_id: str, term: str, kind: str) -> Iterator[tuple[tuple[str, ...], _Term]]:
    acronym = _is_acronym(term)
    lowered = term.lower()
    ambiguous = lowered in AMBIGUOUS_TERMS or (acronym and len(term) <= 2)
    short_acronym = acronym and len(term) <= 4 and not any(c.isdigit() for c in term)
    case_sensitive = short_acronym or lowered in _PROPER_NAMES
    method = Method.NAME if kind == "name" else Method.ALIAS
    confidence = _CONFIDENCE["acronym" if acronym and kind != "name" else kind]
    for variant in _term_variants(term):
        tokens = _tokens(variant)
        if tokens:
            key = tuple(t.norm for t in tokens)
            raw = tuple(t.raw for t in tokens)
            yield key, _Term(skill_id, method, confidence, raw, case_sensitive, ambiguous)


def _derived_acronyms(skills: Iterable[Skill]) -> dict[str, str]:
    """Acronyms in exactly one skill's name, e.g. "SIEM" from "SIEM operations"."""
    owners: dict[str, set[str]] = {}
    for skill in skills:
        for word in skill.name.split():
            if _is_acronym(word) and word != skill.name:
                owners.setdefault(word, set()).add(skill.id)
    return {word: next(iter(ids)) for word, ids in owners.items() if len(ids) == 1}


def _skill_terms(skill: Skill, derived: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    yield skill.name, "name"
    for alias in skill.aliases:
        yield alias, "alias"
    for alias in EXTRA_ALIASES.get(skill.id, ()):
        yield alias, "alias"
    for word, owner in derived.items():
        if owner == skill.id:
            yield word, "derived"


def _lexicon(catalog: Catalog) -> dict[tuple[str, ...], list[_Term]]:
    derived = _derived_acronyms(catalog.skills.values())
    lexicon: dict[tuple[str, ...], list[_Term]] = {}
    for skill in catalog.skills.values():
        for term, kind in _skill_terms(skill, derived):
            for key, entry in _make_terms(skill.id, term, kind):
                entries = lexicon.setdefault(key, [])
                if all(e.skill_id != entry.skill_id for e in entries):
                    entries.append(entry)
    return lexicon


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A multi-word term's content-word roots, found in any order (see :func:`_root`)."""

    skill_id: str
    roots: tuple[str, ...]


def _pattern_roots(term: str) -> tuple[str, ...] | None:
    """The distinct content-word roots of ``term``, or None when it is not a pattern: one
    content word, or an acronym, number, ambiguous term or product name among its words."""
    if term.lower() in AMBIGUOUS_TERMS:
        return None
    roots: list[str] = []
    for token in _tokens(term):
        if _is_acronym(token.raw) or not token.raw.isalpha() or token.norm in _PROPER_NAMES:
            return None
        root = _root(token.norm)
        if token.norm not in _STOPWORDS | _CONNECTIVES and root not in roots:
            roots.append(root)
    return tuple(roots) if len(roots) >= 2 else None


def _patterns(catalog: Catalog) -> dict[str, list[_Pattern]]:
    """Patterns by their first root; a set of roots two skills share is dropped."""
    owners: dict[frozenset[str], set[str]] = {}
    found: dict[frozenset[str], tuple[str, ...]] = {}
    for skill in catalog.skills.values():
        terms = [skill.name, *skill.aliases, *EXTRA_ALIASES.get(skill.id, ()),
                 *PARAPHRASES.get(skill.id, ())]  # fmt: skip
        for term in terms:
            roots = _pattern_roots(term)
            if roots is not None:
                owners.setdefault(frozenset(roots), set()).add(skill.id)
                found.setdefault(frozenset(roots), roots)
    out: dict[str, list[_Pattern]] = {}
    for key, ids in owners.items():
        if len(ids) == 1:
            roots = found[key]
            out.setdefault(roots[0], []).append(_Pattern(next(iter(ids)), roots))
    return out


def _placed(
    roots: Sequence[str], at: Mapping[str, Sequence[int]], gap: int
) -> tuple[int, int, bool] | None:
    """First and last token of the tightest placement of ``roots`` (distinct tokens, at
    most ``gap`` other words among them) and whether it keeps their order, or None."""
    best: tuple[int, int, bool] | None = None
    for first in at[roots[0]]:
        chosen = [first]
        for root in roots[1:]:
            near = [i for i in at.get(root, ()) if i not in chosen]
            if not near:
                return None
            chosen.append(min(near, key=lambda i: abs(i - first)))
        low, high = min(chosen), max(chosen)
        if high - low + 1 <= len(roots) + gap and (best is None or high - low < best[1] - best[0]):
            best = (low, high, chosen == sorted(chosen))
    return best


def _covered(span: Span, skill_id: str, exact: Span, exact_skill: str) -> bool:
    """Whether an exact mention makes a pattern's placement redundant or wrong: the same
    skill where they overlap, or any skill whose longer term holds the placement ("clinical
    documentation" inside "Clinical documentation integrity")."""
    if exact.start <= span.start and span.end <= exact.end:
        return True
    return exact_skill == skill_id and exact.start < span.end and span.start < exact.end


def _split(text: str, boundary: re.Pattern[str], start: int, end: int) -> Iterator[Span]:
    cursor = start
    for match in boundary.finditer(text, start, end):
        if match.start() > cursor:
            yield _trimmed(text, cursor, match.start())
        cursor = max(cursor, match.end())
    if end > cursor:
        yield _trimmed(text, cursor, end)


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end])


def clauses(text: str) -> list[Span]:
    """Split ``text`` into the clauses that bound negation and goal cues.

    Examples
    --------
    >>> [c.text for c in clauses("No Linux yet, but strong SQL. I want to learn R")]
    ['No Linux yet,', 'strong SQL', 'I want to learn R']
    """
    return [s for s in _split(text, _CLAUSE_END, 0, len(text)) if s.text]


def _units(text: str, clause_spans: Sequence[Span]) -> list[Span]:
    """Clauses and their comma-separated parts: what the embedding step compares."""
    out: dict[str, Span] = {}
    for clause in clause_spans:
        parts = [clause, *_split(text, _UNIT_END, clause.start, clause.end)]
        for part in parts:
            words = len(part.text.split())
            if 2 <= words <= 80 and part.text not in out:
                out[part.text] = part
    return list(out.values())


def _cue_before(
    pattern: re.Pattern[str], text: str, start: int, end: int, mask: Sequence[Span]
) -> bool:
    return any(
        not any(m.start() < s.end and s.start < m.end() for s in mask)
        for m in pattern.finditer(text, start, end)
    )


class SkillExtractor:
    """Infer catalogue skills from free text (scikit-learn style: ``fit`` then use).

    Parameters
    ----------
    encoder
        Sentence encoder for the embedding step and for confirming ambiguous terms and
        misspellings; ``None`` runs the lexicon alone (exact terms only).
    threshold
        Cosine between a clause and a skill's name and description above which the
        skill is inferred from meaning alone. Chosen on the tuning half of
        ``tests/fixtures/profiles`` (see ``bench/bench_skill_extraction.py``).
    corroboration
        Cosine a clause needs with a skill to confirm an ambiguous term or misspelling.
    fuzzy
        Accept misspellings of distinctive single-word terms (needs ``encoder``).
    max_length
        Longest text accepted, in characters.

    Examples
    --------
    >>> from recommender.catalog import Catalog, Skill, SkillCategory
    >>> catalog = Catalog.from_items(skills=[
    ...     Skill("python", "Python programming", SkillCategory.DATA_AI, aliases=("Python",)),
    ...     Skill("sql", "SQL", SkillCategory.DATA_AI)])
    >>> extractor = SkillExtractor().fit(catalog)
    >>> [(s.skill_id, s.span.text) for s in extractor.extract("Python3 daily; no SQL.")]
    [('python', 'Python')]
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        threshold: float = 0.56,
        corroboration: float = 0.45,
        fuzzy: bool = True,
        max_length: int = MAX_TEXT_LENGTH,
    ) -> None:
        self.encoder = encoder
        self.threshold = threshold
        self.corroboration = corroboration
        self.fuzzy = fuzzy
        self.max_length = max_length

    # -- fitting ---------------------------------------------------------------------

    def fit(self, catalog: Catalog) -> SkillExtractor:
        """Build the lexicon and, with an encoder, the skill vectors; returns ``self``."""
        if not 0.0 < self.threshold <= 1.0 or not 0.0 < self.corroboration <= 1.0:
            raise InvalidInput(
                f"threshold {self.threshold} and corroboration {self.corroboration} "
                "must lie in (0, 1]"
            )
        self.skill_names_ = {s.id: s.name for s in catalog.skills.values()}
        self.lexicon_ = _lexicon(catalog)
        self.patterns_ = _patterns(catalog)
        self.max_terms_ = max((len(k) for k in self.lexicon_), default=0)
        self.fuzzy_keys_ = {
            k[0]: v
            for k, v in self.lexicon_.items()
            if len(k) == 1
            and len(k[0]) >= 6
            and k[0].isalpha()
            and not any(t.ambiguous or t.case_sensitive for t in v)
        }
        self.skill_ids_ = list(self.skill_names_)
        self.skill_vectors_: npt.NDArray[np.float32] | None = None
        if self.encoder is not None:
            texts = [f"{s.name}: {s.description}" for s in catalog.skills.values()]
            self.skill_vectors_ = self.encoder.encode(texts)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "lexicon_"):
            raise InvalidInput("SkillExtractor is not fitted: call fit(catalog) first")

    # -- public API ------------------------------------------------------------------

    def extract(self, text: str) -> list[InferredSkill]:
        """Return the skills ``text`` evidences, highest confidence first.

        Empty or blank text gives an empty list. Raises
        :class:`~recommender.errors.InvalidInput` for a non-string or a text longer
        than ``max_length``.
        """
        return self._aggregate(m for m in self.mentions(text) if m.status is MentionStatus.EVIDENCE)

    def extract_many(self, texts: Sequence[str]) -> list[list[InferredSkill]]:
        """:meth:`extract` for each text, in order, encoding all their clauses in one batch."""
        parsed = [self._parse(t) for t in texts]
        rows = [u.text for p in parsed for u in p.units]
        similarity = self._similarity(rows)
        out: list[list[InferredSkill]] = []
        offset = 0
        for p in parsed:
            block = None if similarity is None else similarity[offset : offset + len(p.units)]
            offset += len(p.units)
            found = self._finish(p, block)
            out.append(self._aggregate(m for m in found if m.status is MentionStatus.EVIDENCE))
        return out

    def mentions(self, text: str) -> list[Mention]:
        """Every mention found, including negated, goal and unconfirmed ones, in text order."""
        parsed = self._parse(text)
        return self._finish(parsed, self._similarity([u.text for u in parsed.units]))

    def _parse(self, text: str) -> _Parsed:
        self._check_fitted()
        self._check_text(text)
        if not text.strip():
            return _Parsed(text, [], [], [])
        clause_spans = clauses(text)
        lexical = self._lexical(text)
        spans = [span for span, _ in lexical]
        found = [
            self._judge(text, span, term, clause_spans, spans)
            for span, term in [*lexical, *self._patterned(text, clause_spans, lexical)]
        ]
        return _Parsed(text, found, spans, _units(text, clause_spans))

    def _finish(self, parsed: _Parsed, similarity: npt.NDArray[np.float32] | None) -> list[Mention]:
        found = [self._confirm(m, parsed.units, similarity) for m in parsed.lexical]
        found += self._embedded(parsed.text, parsed.units, similarity, parsed.spans, found)
        return sorted(found, key=lambda m: (m.span.start, m.skill_id))

    # -- lexicon ---------------------------------------------------------------------

    def _check_text(self, text: object) -> None:
        if not isinstance(text, str):
            raise InvalidInput(f"text must be a string, got {type(text).__name__}")
        if len(text) > self.max_length:
            raise InvalidInput(
                f"text is {len(text)} characters; at most {self.max_length} are accepted"
            )

    def _lexical(self, text: str) -> list[tuple[Span, _Term]]:
        tokens = _tokens(text)
        out: list[tuple[Span, _Term]] = []
        i = 0
        while i < len(tokens):
            hit = self._longest_at(text, tokens, i)
            if hit is None:
                out.extend(self._fuzzy_at(text, tokens[i]))
                i += 1
                continue
            length, terms = hit
            start, end = tokens[i].start, tokens[i + length - 1].end
            span = Span(start, end, text[start:end])
            out.extend((span, term) for term in terms)
            i += length
        return out

    def _longest_at(
        self, text: str, tokens: Sequence[_Token], i: int
    ) -> tuple[int, list[_Term]] | None:
        for length in range(min(self.max_terms_, len(tokens) - i), 0, -1):
            window = tokens[i : i + length]
            if not self._contiguous(text, window):
                continue
            terms = [
                t
                for t in self.lexicon_.get(tuple(w.norm for w in window), [])
                if _case_ok(t, window)
            ]
            if terms:
                return length, terms
        return None

    @staticmethod
    def _contiguous(text: str, window: Sequence[_Token]) -> bool:
        return all(
            _JOINER.fullmatch(text, a.end, b.start) is not None
            for a, b in zip(window, window[1:], strict=False)
        )

    def _patterned(
        self, text: str, clause_spans: Sequence[Span], lexical: Sequence[tuple[Span, _Term]]
    ) -> list[tuple[Span, _Term]]:
        """Reworded names and aliases (see :data:`PATTERN_GAP`) within one clause and
        between commas (a list of skills is not a rewording), where the exact lexicon did
        not find the same skill; a placement with a negation or goal cue among its words
        does not count."""
        exact = [(span, term.skill_id) for span, term in lexical]
        out: list[tuple[Span, _Term]] = []
        for clause in clause_spans:
            for part in _split(text, _COMMA, clause.start, clause.end):
                out.extend(
                    (span, term)
                    for span, term in self._patterned_in(text, part)
                    if not any(_covered(span, term.skill_id, e, s) for e, s in exact)
                )
        return out

    def _patterned_in(self, text: str, part: Span) -> Iterator[tuple[Span, _Term]]:
        # Function words neither match nor count as words between ("managed the project").
        tokens = [t for t in _tokens(part.text, part.start) if t.norm not in _STOPWORDS]
        at: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            at.setdefault(_root(token.norm), []).append(i)
        for root in list(at):
            for pattern in self.patterns_.get(root, ()):
                placed = _placed(pattern.roots, at, PATTERN_GAP)
                if placed is None:
                    continue
                start, end = tokens[placed[0]].start, tokens[placed[1]].end
                if _NEGATION.search(text, start, end) or _GOAL.search(text, start, end):
                    continue
                # Reordered, a term can mean something else ("models on local data" is
                # not data modelling): like an ambiguous term, it needs the clause's
                # meaning to agree.
                term = _Term(pattern.skill_id, Method.PATTERN, _CONFIDENCE["pattern"],
                             (), False, not placed[2])  # fmt: skip
                yield Span(start, end, text[start:end]), term

    def _fuzzy_at(self, text: str, token: _Token) -> list[tuple[Span, _Term]]:
        if not self.fuzzy or self.encoder is None or len(token.norm) < 6 or not token.raw.isalpha():
            return []
        near = process.extract(
            token.norm, self.fuzzy_keys_.keys(), scorer=OSA.distance, score_cutoff=1, limit=2
        )
        hits = [key for key, distance, _ in near if distance == 1]
        if len(hits) != 1:
            return []
        span = Span(token.start, token.end, token.raw)
        return [(span, _fuzzy(t)) for t in self.fuzzy_keys_[hits[0]]]

    def _judge(
        self, text: str, span: Span, term: _Term, clause_spans: Sequence[Span], mask: Sequence[Span]
    ) -> Mention:
        clause = next(
            (c for c in clause_spans if c.start <= span.start < max(c.end, c.start + 1)), None
        )
        start = clause.start if clause is not None else 0
        status = MentionStatus.EVIDENCE
        if _cue_before(_NEGATION, text, start, span.start, mask):
            status = MentionStatus.NEGATED
        elif _cue_before(_GOAL, text, start, span.start, mask):
            status = MentionStatus.GOAL
        elif term.ambiguous:
            status = MentionStatus.UNCONFIRMED
        return Mention(term.skill_id, span, term.method, term.confidence, status)

    # -- embeddings ------------------------------------------------------------------

    def _similarity(self, units: Sequence[str]) -> npt.NDArray[np.float32] | None:
        if self.encoder is None or self.skill_vectors_ is None or not units:
            return None
        vectors = self.encoder.encode(units)
        return np.asarray(vectors @ self.skill_vectors_.T, dtype=np.float32)

    def _confirm(
        self, mention: Mention, units: Sequence[Span], similarity: npt.NDArray[np.float32] | None
    ) -> Mention:
        if mention.status is not MentionStatus.UNCONFIRMED or similarity is None:
            return mention
        column = self.skill_ids_.index(mention.skill_id)
        around = [
            i
            for i, u in enumerate(units)
            if u.start <= mention.span.start and mention.span.end <= u.end
        ]
        if around and float(similarity[around, column].max()) >= self.corroboration:
            return Mention(
                mention.skill_id,
                mention.span,
                mention.method,
                mention.confidence,
                MentionStatus.EVIDENCE,
            )
        return mention

    def _embedded(
        self,
        text: str,
        units: Sequence[Span],
        similarity: npt.NDArray[np.float32] | None,
        mask: Sequence[Span],
        lexical: Sequence[Mention],
    ) -> list[Mention]:
        if similarity is None:
            return []
        blocked = {
            m.skill_id for m in lexical if m.status in (MentionStatus.NEGATED, MentionStatus.GOAL)
        }
        out: list[Mention] = []
        for row, unit in enumerate(units):
            if _cue_before(_NEGATION, text, unit.start, unit.end, mask) or _cue_before(
                _GOAL, text, unit.start, unit.end, mask
            ):
                continue
            best = int(similarity[row].argmax())
            score = float(similarity[row, best])
            skill_id = self.skill_ids_[best]
            if score >= self.threshold and skill_id not in blocked:
                out.append(
                    Mention(
                        skill_id,
                        unit,
                        Method.EMBEDDING,
                        self._embedding_confidence(score),
                        MentionStatus.EVIDENCE,
                    )
                )
        return out

    def _embedding_confidence(self, score: float) -> float:
        scale = (score - self.threshold) / max(1.0 - self.threshold, 1e-6)
        return _EMBEDDING_MIN + (_EMBEDDING_MAX - _EMBEDDING_MIN) * min(max(scale, 0.0), 1.0)

    # -- aggregation -----------------------------------------------------------------

    def _aggregate(self, mentions: Iterable[Mention]) -> list[InferredSkill]:
        by_skill: dict[str, list[Mention]] = {}
        for mention in mentions:
            by_skill.setdefault(mention.skill_id, []).append(mention)
        out = [self._inferred(skill_id, group) for skill_id, group in by_skill.items()]
        return sorted(out, key=lambda s: (-s.confidence, s.span.start, s.skill_id))

    def _inferred(self, skill_id: str, group: Sequence[Mention]) -> InferredSkill:
        best = max(group, key=lambda m: (m.confidence, -m.span.start))
        bonus = min(_REPEAT_BONUS * (len(group) - 1), _REPEAT_CAP)
        confidence = min(best.confidence + bonus, 0.99)
        return InferredSkill(
            skill_id, self.skill_names_[skill_id], confidence, best.method, best.span, len(group)
        )


def _case_ok(term: _Term, window: Sequence[_Token]) -> bool:
    if not term.case_sensitive:
        return True
    return all(w.raw == r or w.raw == r + "s" for w, r in zip(window, term.raw, strict=True))


def _fuzzy(term: _Term) -> _Term:
    return _Term(term.skill_id, Method.FUZZY, _FUZZY_CONFIDENCE, term.raw, False, True)
