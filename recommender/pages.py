"""A person's first page of opportunities as the JSON the service sends, rendered anywhere.

``GET /v1/employees/{employee_id}/opportunities`` sends the bytes :func:`render` makes:
pydantic's JSON of :class:`OpportunitiesOut` (the route's declared response model). They
live here, in the domain, and not in ``api/``, because the pages are also rendered ahead
by ``reskill prepare`` (:mod:`recommender.preparation`), which must never import the web
layer; ``api.schemas_pathways`` re-exports the models. :func:`pack` and :func:`unpack` are
how a page is kept: zlib, in a worker's memory (``api.rendered``) and in the database's
``prepared_answers``.

Pages of one catalogue repeat the same keys, role, skill and course names and reasons, so
they are packed with a preset zlib dictionary made of pages of that catalogue
(:func:`dictionary_of`; one per prepared data version, stored with it): about 2.2 kB a page
instead of 4.8 kB with plain zlib. A packed page says whether it needs a dictionary and
which one (zlib's FDICT flag and the dictionary's Adler-32), so plain pages (a database
prepared before dictionaries, or ``dictionary=None``) and dictionary pages both unpack, and a
page is never decoded with a dictionary it was not packed with (:class:`UnreadablePage`).

Field names follow the domain objects' ``to_dict()`` (what ``reskill pathway --json``
prints), so the CLI and the API give the same answer in the same words; every gap also
says whether it is ``met``.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, TypeAdapter

from recommender.candidates import MobilityOption
from recommender.candidates.goals import Goal
from recommender.candidates.mobility import GoalRoutes, Opportunities
from recommender.pathways import PlanStep, SkillGap, TrainingPlan, UnclosableGap

__all__ = [
    "Schema",
    "GapOut",
    "PlanStepOut",
    "UnclosableGapOut",
    "PlanOut",
    "MobilityContributionsOut",
    "OpportunityOut",
    "GoalOut",
    "GoalRoutesOut",
    "OpportunitiesOut",
    "DICTIONARY_BYTES",
    "LEVEL",
    "UnreadablePage",
    "render",
    "dictionary_of",
    "pack",
    "unpack",
    "readable",
]

#: The longest useful preset dictionary: zlib reads back at most 32 kB (its window).
DICTIONARY_BYTES = 32 * 1024
#: zlib's level: 6 packs a page in about 0.4 ms; 9 takes 0.6 ms (as long as rendering its JSON)
#: for pages 3% smaller, a minute more of CPU per 100,000 on the cold path (docs/performance.md).
LEVEL = 6
_FDICT = 0x20  # the "preset dictionary" flag of a zlib stream's second byte


class Schema(BaseModel):
    """Every request and response model: unknown fields, NaN and infinities are refused.

    Response models are built from the catalogue, whose text was checked on import, so
    they skip the Unicode walk of ``api.schemas.RequestSchema`` (it cost more than half of
    building a large response).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _r(value: float) -> float:
    """Scores and shares are reported to 4 decimals, as in ``to_dict()``."""
    return round(value, 4)


class GapOut(Schema):
    """One requirement of the target role against the learner's level (1-5)."""

    skill_id: str
    current: float
    required: float
    importance: float
    gap: float
    met: bool

    @classmethod
    def from_domain(cls, gap: SkillGap) -> GapOut:
        return cls(
            skill_id=gap.skill_id,
            current=gap.current,
            required=gap.required,
            importance=gap.importance,
            gap=gap.gap,
            met=gap.met,
        )


class PlanStepOut(Schema):
    """One course of a schedule, with running totals, dates, gaps closed, courses unlocked."""

    course_id: str
    title: str
    kind: str
    hours: float
    cost: float
    cumulative_hours: float
    cumulative_cost: float
    start: date
    finish: date
    closes: list[str]
    unlocks: list[str]
    reasons: list[str]

    @classmethod
    def from_domain(cls, step: PlanStep) -> PlanStepOut:
        return cls(
            course_id=step.course_id,
            title=step.title,
            kind=str(step.kind),
            hours=step.hours,
            cost=step.cost,
            cumulative_hours=step.cumulative_hours,
            cumulative_cost=step.cumulative_cost,
            start=step.start,
            finish=step.finish,
            closes=list(step.closes),
            unlocks=list(step.unlocks),
            reasons=list(step.reasons),
        )


class UnclosableGapOut(Schema):
    """A gap no reachable course closes: the level within reach, why, and alternatives."""

    skill_id: str
    current: float
    required: float
    reachable: float
    reason: str
    alternatives: list[str]

    @classmethod
    def from_domain(cls, gap: UnclosableGap) -> UnclosableGapOut:
        return cls(
            skill_id=gap.skill_id,
            current=gap.current,
            required=gap.required,
            reachable=gap.reachable,
            reason=gap.reason,
            alternatives=list(gap.alternatives),
        )


class PlanOut(Schema):
    """The cheapest valid training plan toward ``role_id`` under ``objective``.

    ``total_hours`` and ``total_cost`` are the sums over ``steps``; ``weeks`` is whole
    calendar weeks at ``weekly_hours``; ``readiness`` is the importance-weighted share
    of requirements already met.
    """

    role_id: str
    objective: str
    complete: bool
    readiness: float
    gaps: list[GapOut]
    steps: list[PlanStepOut]
    unclosable: list[UnclosableGapOut]
    total_hours: float
    total_cost: float
    weekly_hours: float
    weeks: int
    start: date
    finish: date
    reasons: list[str]

    @classmethod
    def from_domain(cls, plan: TrainingPlan) -> PlanOut:
        return cls(
            role_id=plan.role_id,
            objective=str(plan.objective),
            complete=plan.complete,
            readiness=_r(plan.analysis.readiness),
            gaps=[GapOut.from_domain(g) for g in plan.analysis.gaps],
            steps=[PlanStepOut.from_domain(s) for s in plan.steps],
            unclosable=[UnclosableGapOut.from_domain(u) for u in plan.unclosable],
            total_hours=plan.total_hours,
            total_cost=plan.total_cost,
            weekly_hours=plan.weekly_hours,
            weeks=plan.weeks,
            start=plan.start,
            finish=plan.finish,
            reasons=list(plan.reasons),
        )


class MobilityContributionsOut(Schema):
    """Weight times value of each component of a mobility score; they add up to the score."""

    feasibility: float
    hours: float
    demand: float


Kind = Literal["step_up", "lateral", "step_down"]
TierName = Literal["near", "long_term", "step_down"]


class OpportunityOut(Schema):
    """One role a person could move to: what kind of move it is and why it is listed, its
    score, components, demand and training plan.

    ``kind`` is ``step_up``, ``lateral`` or ``step_down`` (by job zone and pay band; a fall
    in either is a step down); ``keeps_pay`` is null when a pay band is unknown. ``tier``
    is what the list is ordered by first: ``near`` (a viable single move within two years
    of the person's weekly learning hours), ``long_term`` (a longer-term route), then
    ``step_down``. ``viable`` means a viable single move: the transition judge finds it
    viable (``judged_viable``) and the person meets at least half of the role's
    requirements by importance. ``stepping_stones`` are the roles between on the cheapest
    stepping-stone path of a long-term route (empty: direct, or none). ``toward_goal``:
    the role is the person's goal or in its job family. ``why`` is one sentence saying
    all of that; it is also the first of ``reasons``.
    """

    rank: int
    role_id: str
    title: str
    kind: Kind
    keeps_pay: bool | None
    tier: TierName
    why: str
    score: float
    feasibility: float
    viable: bool
    judged_viable: bool
    long_term: bool
    toward_goal: bool
    stepping_stones: list[str]
    readiness: float
    hours: float
    weeks: int
    demand: float
    open_positions: int
    median_days_to_fill: int | None
    hard_to_fill: bool
    contributions: MobilityContributionsOut
    plan: PlanOut
    reasons: list[str]

    @classmethod
    def from_domain(cls, option: MobilityOption) -> OpportunityOut:
        parts = {k: _r(v) for k, v in option.contributions().items()}
        return cls(
            rank=option.rank,
            role_id=option.role_id,
            title=option.title,
            kind=cast(Kind, str(option.kind)),
            keeps_pay=option.keeps_pay,
            tier=cast(TierName, str(option.tier)),
            why=option.why,
            score=_r(option.score),
            feasibility=_r(option.feasibility),
            viable=option.viable,
            judged_viable=option.judged_viable,
            long_term=option.long_term,
            toward_goal=option.toward_goal,
            stepping_stones=list(option.stepping_stones),
            readiness=_r(option.readiness),
            hours=option.hours,
            weeks=option.weeks,
            demand=_r(option.demand),
            open_positions=option.open_positions,
            median_days_to_fill=option.median_days_to_fill,
            hard_to_fill=option.hard_to_fill,
            contributions=MobilityContributionsOut(**parts),
            plan=PlanOut.from_domain(option.plan),
            reasons=list(option.reasons),
        )


class GoalOut(Schema):
    """A career goal: a role id or a job family (the other null). ``source`` is ``set``
    (through ``PUT /v1/employees/{id}/goal``) or ``profile`` (stated in the profile text,
    placed on the catalogue's role titles and family names); ``stated`` is how it reads."""

    source: Literal["set", "profile"]
    role_id: str | None
    job_family: str | None
    stated: str

    @classmethod
    def from_domain(cls, goal: Goal) -> GoalOut:
        return cls(
            source="set" if str(goal.source) == "set" else "profile",
            role_id=goal.role_id,
            job_family=goal.job_family,
            stated=goal.stated,
        )


class GoalRoutesOut(GoalOut):
    """The person's goal and the best routes toward it (at most 3), ordered as options
    are; step downs and moves the judge finds not viable are included here, marked."""

    routes: list[OpportunityOut]

    @classmethod
    def from_routes(cls, section: GoalRoutes) -> GoalRoutesOut:
        return cls(
            **GoalOut.from_domain(section.goal).model_dump(),
            routes=[OpportunityOut.from_domain(o) for o in section.routes],
        )


class OpportunitiesOut(Schema):
    """The roles ``employee_id`` could move to, best first, and the routes toward their
    goal (``goal``: null when they have none that places on the catalogue)."""

    employee_id: str
    include_unviable: bool
    include_step_down: bool = False
    limit: int
    items: list[OpportunityOut]
    goal: GoalRoutesOut | None = None


_JSON = TypeAdapter(OpportunitiesOut)


def render(
    employee_id: str,
    limit: int,
    include_unviable: bool,
    options: Opportunities | Sequence[MobilityOption],
    *,
    include_step_down: bool = False,
) -> bytes:
    """The response body of ``GET /v1/employees/{employee_id}/opportunities``."""
    goal = options.goal if isinstance(options, Opportunities) else None
    page = OpportunitiesOut(
        employee_id=employee_id,
        include_unviable=include_unviable,
        include_step_down=include_step_down,
        limit=limit,
        items=[OpportunityOut.from_domain(o) for o in options],
        goal=None if goal is None else GoalRoutesOut.from_routes(goal),
    )
    return _JSON.dump_json(page)


class UnreadablePage(ValueError):
    """A packed page that cannot be unpacked with the dictionary at hand (another one, or
    none), or is not a zlib stream at all."""


def dictionary_of(pages: Iterable[bytes]) -> bytes:
    """A preset dictionary for packing pages like ``pages``: them joined in order, cut at
    :data:`DICTIONARY_BYTES` (``pages`` is read no further than needed).

    Examples
    --------
    >>> len(dictionary_of(b"x" * 20_000 for _ in range(5))) == DICTIONARY_BYTES
    True
    >>> dictionary_of([b'{"items": []}'])
    b'{"items": []}'
    """
    joined = bytearray()
    for page in pages:
        joined += page
        if len(joined) >= DICTIONARY_BYTES:
            break
    return bytes(joined[:DICTIONARY_BYTES])


def pack(body: bytes, dictionary: bytes | None = None) -> bytes:
    """A page as it is kept: zlib at :data:`LEVEL`, with ``dictionary`` preset if given.

    Examples
    --------
    >>> unpack(pack(b'{"items": []}'))
    b'{"items": []}'
    >>> unpack(pack(b'{"items": []}', b'{"items": [1]}'), b'{"items": [1]}')
    b'{"items": []}'
    """
    packer = (
        zlib.compressobj(LEVEL) if dictionary is None else zlib.compressobj(LEVEL, zdict=dictionary)
    )
    return packer.compress(body) + packer.flush()


def readable(packed: bytes, dictionary: bytes | None) -> bool:
    """Whether :func:`unpack` can read ``packed`` with ``dictionary``: it was packed without
    one, or with this one (its Adler-32 matches). Reads only the header.

    Examples
    --------
    >>> readable(pack(b"{}"), None), readable(pack(b"{}", b"[]"), None)
    (True, False)
    >>> readable(pack(b"{}", b"[]"), b"[]"), readable(pack(b"{}", b"[]"), b"{}")
    (True, False)
    """
    needed = _dictionary_id(packed)
    return needed is None or (dictionary is not None and needed == _adler32(dictionary))


def unpack(packed: bytes, dictionary: bytes | None = None) -> bytes:
    """The page kept as ``packed`` (see :func:`pack`); ``dictionary`` is needed only if it
    was packed with one, and must be that one.

    Raises
    ------
    UnreadablePage
        ``packed`` needs another dictionary than ``dictionary`` (zlib compares the
        dictionary's Adler-32 with the one the page names), or is no whole zlib stream.
    """
    unpacker = zlib.decompressobj() if dictionary is None else zlib.decompressobj(zdict=dictionary)
    try:
        body = unpacker.decompress(packed) + unpacker.flush()
    except zlib.error as error:
        raise UnreadablePage(f"the page needs another dictionary, or is damaged: {error}") from None
    if not unpacker.eof:
        raise UnreadablePage("the page is cut short")
    return body


@functools.lru_cache(maxsize=8)
def _adler32(dictionary: bytes) -> int:
    """Cached: a worker checks every page it loads against the same 32 kB (12 µs each)."""
    return zlib.adler32(dictionary)


def _dictionary_id(packed: bytes) -> int | None:
    """The Adler-32 of the dictionary a zlib stream needs (RFC 1950: FDICT, then DICTID),
    or ``None`` if it needs none."""
    if len(packed) < 6 or not packed[1] & _FDICT:
        return None
    return int.from_bytes(packed[2:6], "big")
