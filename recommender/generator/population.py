"""Seeded synthetic employees of a fictional hospital system, built from a catalogue.

Two independent random streams drive the generator:

* the *employee* stream (``seed``) draws the role order, names, sites, tenure,
  learning hours, opt-outs, skills, certifications and profiles;
* the *protected* stream (``protected_seed``, derived from ``seed`` when omitted)
  draws sex, race/ethnicity and age band only, after each employee is complete.

So protected attributes can never change an employee, and nothing about skills
depends on them. Both streams are :class:`random.Random` seeded with a string, which
Python hashes with SHA-512: the output is the same on every machine. Roles, skills
and certifications are visited in sorted id order, never in set or hash order.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import TypeVar

from recommender.catalog import (
    MAX_LEVEL,
    MIN_LEVEL,
    Catalog,
    Course,
    CourseKind,
    Employee,
    EmployeeSkill,
    Evidence,
    ProtectedAttributes,
    Role,
    RoleSource,
    SkillCategory,
)
from recommender.errors import InvalidInput
from recommender.generator import demographics, families, headcount
from recommender.generator.names import NameLean, draw_name
from recommender.generator.profiles import ProfileFacts, write_profile

__all__ = ["REFERENCE_DATE", "OPT_OUT_SHARE", "GeneratedPopulation", "generate_employees"]

REFERENCE_DATE = date(2026, 1, 1)
"""Certifications are dated before this day, so generated data never changes with the clock."""

OPT_OUT_SHARE = 0.03
_PROGRESS_EVERY = 1000
_MISSING_LOW_IMPORTANCE = 0.3  # chance to lack a requirement of importance < 0.5
_LEVEL_DELTAS = (-1, 0, 1)
_LEVEL_DELTA_CUM = (0.35, 0.85, 1.0)
_ROLE_EVIDENCE = (Evidence.DECLARED, Evidence.MANAGER_VERIFIED, Evidence.INFERRED)
_ROLE_EVIDENCE_CUM = (0.60, 0.85, 1.0)
_ADJACENT_COUNTS = (1, 2, 3, 4)
_ADJACENT_COUNT_CUM = (0.35, 0.65, 0.85, 1.0)
_ADJACENT_LEVELS = (1, 2, 3)
_ADJACENT_LEVEL_CUM = (0.35, 0.80, 1.0)
_FROM_NEIGHBOURS = 0.7
_HOLDS_CERTIFICATION = 0.35
_CERT_FIT = 0.5  # share of a certification's skills the role must require
_ONET_CATEGORIES = frozenset({SkillCategory.ONET_SKILL, SkillCategory.ONET_KNOWLEDGE})
_AREA_BY_CATEGORY = {
    SkillCategory.SECURITY: "cybersecurity",
    SkillCategory.DATA_AI: "data analytics and AI",
    SkillCategory.HEALTH_INFORMATION: "clinical informatics",
    SkillCategory.IT_OPERATIONS: "IT infrastructure",
}
_AREA_BY_FAMILY = {
    "security": "cybersecurity",
    "data & ai": "data analytics and AI",
    "informatics": "clinical informatics",
    "it support": "IT infrastructure",
    "infrastructure": "IT infrastructure",
}

Progress = Callable[[int], None]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class GeneratedPopulation:
    """Synthetic employees and, in the same order, their protected attributes.

    ``earned_on[i][j]`` is the day ``employees[i]`` earned ``certifications[j]``; an
    empty ``earned_on`` means the dates are unknown.
    """

    employees: tuple[Employee, ...]
    protected: tuple[ProtectedAttributes, ...]
    earned_on: tuple[tuple[date, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class _RolePlan:
    """Everything drawn per employee of one role, precomputed once per role."""

    role: Role
    requirements: tuple[tuple[str, int, float], ...]
    own: frozenset[str]
    neighbours: tuple[str, ...]
    neighbour_cum: tuple[float, ...]
    certifications: tuple[Course, ...]
    cert_weights: tuple[float, ...]
    department: str
    sites: tuple[str, ...]
    site_cum: tuple[float, ...]
    female_share: float
    lean_share: float
    own_area: str | None


@dataclass(frozen=True, slots=True)
class _World:
    catalog: Catalog
    plans: tuple[_RolePlan, ...]
    general: tuple[str, ...]
    as_of: date


def generate_employees(
    catalog: Catalog,
    n: int,
    seed: int,
    *,
    start_id: int = 1,
    protected_seed: int | None = None,
    as_of: date = REFERENCE_DATE,
    progress: Progress | None = None,
) -> GeneratedPopulation:
    """Generate ``n`` employees of the catalogue's organisation roles.

    Parameters
    ----------
    catalog : Catalog
        Roles (only ``RoleSource.ORG`` ones are staffed), skills and certifications.
    n : int
        Number of employees, >= 0.
    seed : int
        Seed of the employee stream; the output is a function of (catalog, n, seed).
    start_id : int
        Number of the first employee id (``E000001`` for 1). Ids do not change draws.
    protected_seed : int, optional
        Seed of the protected-attribute stream; defaults to ``seed``. It never changes
        the employees.
    as_of : date
        Certifications are dated between 30 days and 10 years before this day.
    progress : callable, optional
        Called with the number of employees done, every 1,000 and at the end.

    Returns
    -------
    GeneratedPopulation

    Raises
    ------
    InvalidInput
        ``n`` < 0, ``start_id`` < 1, or no organisation role to staff.

    Examples
    --------
    >>> from recommender.catalog import Catalog, Role
    >>> catalog = Catalog.from_items(
    ...     roles=[Role("rn", "Registered Nurse", "", "29-1141.00", "Nursing", 3)])
    >>> population = generate_employees(catalog, 3, seed=7)
    >>> [e.id for e in population.employees]
    ['E000001', 'E000002', 'E000003']
    """
    _check_arguments(n, start_id)
    world = _build_world(catalog, as_of)
    if n and not world.plans:
        raise InvalidInput("the catalogue has no organisation roles (source 'org') to staff")
    rng = random.Random(f"reskill.generator/employees/{seed}")
    prng = random.Random(
        f"reskill.generator/protected/{seed if protected_seed is None else protected_seed}"
    )
    employees: list[Employee] = []
    protected: list[ProtectedAttributes] = []
    earned: list[tuple[date, ...]] = []
    for i, plan_index in enumerate(_role_order(rng, world.plans, n)):
        plan = world.plans[plan_index]
        employee, lean, dates = _employee(rng, world, plan, f"E{start_id + i:06d}")
        employees.append(employee)
        earned.append(dates)
        protected.append(demographics.draw_protected(prng, employee, lean, plan.female_share))
        if progress is not None and (i + 1) % _PROGRESS_EVERY == 0:
            progress(i + 1)
    if progress is not None:
        progress(n)
    return GeneratedPopulation(tuple(employees), tuple(protected), tuple(earned))


def _pick(rng: random.Random, values: Sequence[_T], cum_weights: Sequence[float]) -> _T:
    """``rng.choices(values, cum_weights=cum_weights)[0]``, without its per-call overhead."""
    return values[bisect(cum_weights, rng.random() * cum_weights[-1])]


def _check_arguments(n: int, start_id: int) -> None:
    if n < 0:
        raise InvalidInput(f"n must be 0 or more, got {n}")
    if start_id < 1:
        raise InvalidInput(f"start_id must be 1 or more, got {start_id}")


def _build_world(catalog: Catalog, as_of: date) -> _World:
    roles = sorted(
        (r for r in catalog.roles.values() if r.source is RoleSource.ORG), key=lambda r: r.id
    )
    certifications = sorted(
        (c for c in catalog.courses.values() if c.kind is CourseKind.CERTIFICATION),
        key=lambda c: c.id,
    )
    by_family: dict[str, dict[str, float]] = {}
    for role in roles:
        skills = by_family.setdefault(families.family_key(role.job_family), {})
        for req in role.requirements:
            skills[req.skill_id] = min(skills.get(req.skill_id, MAX_LEVEL), req.level)
    general = sorted(
        {q.skill_id for r in roles for q in r.requirements}
        - {s.id for s in catalog.skills.values() if s.category in _ONET_CATEGORIES}
    )
    plans = tuple(_plan(r, by_family, certifications) for r in roles)
    return _World(catalog, plans, tuple(general), as_of)


def _plan(
    role: Role, by_family: dict[str, dict[str, float]], certifications: Sequence[Course]
) -> _RolePlan:
    own = frozenset(q.skill_id for q in role.requirements)
    # Entry-level skills of neighbour families are the ones people pick up first.
    pool: dict[str, float] = {}
    for family in families.neighbour_families(role.job_family):
        for skill_id, level in by_family.get(family, {}).items():
            if skill_id not in own:
                pool[skill_id] = max(pool.get(skill_id, 0.0), MAX_LEVEL + 1 - level)
    neighbours = tuple(sorted(pool))
    fits = [(c, _fit(c, own)) for c in certifications]
    held = [(c, f) for c, f in fits if f >= _CERT_FIT]
    sites, site_weights = families.site_weights(role.job_family)
    share = demographics.female_share(families.family_key(role.job_family))
    return _RolePlan(
        role=role,
        requirements=tuple((q.skill_id, _whole(q.level), q.importance) for q in role.requirements),
        own=own,
        neighbours=neighbours,
        neighbour_cum=tuple(accumulate(pool[s] for s in neighbours)),
        certifications=tuple(c for c, _ in held),
        cert_weights=tuple(f for _, f in held),
        department=families.department_for(role.job_family),
        sites=sites,
        site_cum=tuple(accumulate(site_weights)),
        female_share=share,
        lean_share=demographics.feminine_lean_share(share),
        own_area=_AREA_BY_FAMILY.get(families.family_key(role.job_family)),
    )


def _fit(course: Course, own: frozenset[str]) -> float:
    taught = {t.skill_id for t in course.teaches}
    return len(taught & own) / len(taught) if taught else 0.0


def _whole(level: float) -> int:
    return min(MAX_LEVEL, max(MIN_LEVEL, int(level + 0.5)))


def _role_order(rng: random.Random, plans: Sequence[_RolePlan], n: int) -> list[int]:
    counts = headcount.headcounts([p.role for p in plans], n) if n else []
    order = [i for i, count in enumerate(counts) for _ in range(count)]
    rng.shuffle(order)
    return order


def _employee(
    rng: random.Random, world: _World, plan: _RolePlan, employee_id: str
) -> tuple[Employee, NameLean, tuple[date, ...]]:
    name, lean = draw_name(rng, plan.lean_share)
    site = _pick(rng, plan.sites, plan.site_cum)
    tenure = min(35.0, max(0.2, round(rng.gammavariate(1.5, 5.0), 1)))
    hours = _learning_hours(rng)
    opted_out = rng.random() < OPT_OUT_SHARE
    skills = _role_skills(rng, plan)
    certs = _certifications(rng, plan)
    _certify(skills, certs)
    adjacent = _adjacent_skills(rng, world, plan, skills)
    dates = tuple(_earned_on(rng, world.as_of, tenure) for _ in certs)
    facts = _facts(rng, world.catalog, plan, name, site, tenure, hours, skills, adjacent, certs)
    employee = Employee(
        id=employee_id,
        name=name,
        role_id=plan.role.id,
        department=plan.department,
        location=site,
        tenure_years=tenure,
        skills=tuple(EmployeeSkill(s, lvl, ev) for s, (lvl, ev) in skills.items()),
        certifications=tuple(c.id for c in certs),
        profile=write_profile(rng, facts),
        weekly_learning_hours=hours,
        opted_out=opted_out,
    )
    return employee, lean, dates


def _learning_hours(rng: random.Random) -> float:
    """2-10 hours a week, three in four between 3 and 5, in half hours."""
    raw = rng.uniform(3.0, 5.0) if rng.random() < 0.7 else rng.uniform(2.0, 10.0)
    return round(raw * 2) / 2


def _role_skills(rng: random.Random, plan: _RolePlan) -> dict[str, tuple[int, Evidence]]:
    skills: dict[str, tuple[int, Evidence]] = {}
    for skill_id, required, importance in plan.requirements:
        if importance < 0.5 and rng.random() < _MISSING_LOW_IMPORTANCE:
            continue
        delta = _pick(rng, _LEVEL_DELTAS, _LEVEL_DELTA_CUM)
        evidence = _pick(rng, _ROLE_EVIDENCE, _ROLE_EVIDENCE_CUM)
        skills[skill_id] = (min(MAX_LEVEL, max(MIN_LEVEL, required + delta)), evidence)
    return skills


def _adjacent_skills(
    rng: random.Random, world: _World, plan: _RolePlan, skills: dict[str, tuple[int, Evidence]]
) -> list[str]:
    """Add 1-4 skills from outside the role, mostly from neighbouring families."""
    wanted = _pick(rng, _ADJACENT_COUNTS, _ADJACENT_COUNT_CUM)
    added: list[str] = []
    for _ in range(wanted * 4):  # a few retries when a draw hits a skill already held
        if len(added) == wanted:
            break
        skill_id = _adjacent_candidate(rng, world, plan)
        if skill_id is None or skill_id in plan.own or skill_id in skills:
            continue
        level = _pick(rng, _ADJACENT_LEVELS, _ADJACENT_LEVEL_CUM)
        evidence = Evidence.DECLARED if rng.random() < 0.75 else Evidence.INFERRED
        skills[skill_id] = (level, evidence)
        added.append(skill_id)
    return added


def _adjacent_candidate(rng: random.Random, world: _World, plan: _RolePlan) -> str | None:
    if plan.neighbours and rng.random() < _FROM_NEIGHBOURS:
        return _pick(rng, plan.neighbours, plan.neighbour_cum)
    return rng.choice(world.general) if world.general else None


def _certifications(rng: random.Random, plan: _RolePlan) -> list[Course]:
    if not plan.certifications or rng.random() >= _HOLDS_CERTIFICATION:
        return []
    first = rng.choices(plan.certifications, weights=plan.cert_weights)[0]
    rest = [c for c in plan.certifications if c.id != first.id]
    if rest and rng.random() < 0.25:
        return [first, rng.choice(rest)]
    return [first]


def _certify(skills: dict[str, tuple[int, Evidence]], certs: Sequence[Course]) -> None:
    """Skills a held certification teaches become certified, at least at its level."""
    for course in certs:
        for taught in course.teaches:
            level = max(
                skills.get(taught.skill_id, (0, Evidence.DECLARED))[0], _whole(taught.level)
            )
            skills[taught.skill_id] = (level, Evidence.CERTIFIED)


def _earned_on(rng: random.Random, as_of: date, tenure_years: float) -> date:
    latest_years = min(tenure_years + 2.0, 10.0)
    return as_of - timedelta(days=rng.randint(30, max(60, int(latest_years * 365))))


def _facts(
    rng: random.Random,
    catalog: Catalog,
    plan: _RolePlan,
    name: str,
    site: str,
    tenure: float,
    hours: float,
    skills: dict[str, tuple[int, Evidence]],
    adjacent: Sequence[str],
    certs: Sequence[Course],
) -> ProfileFacts:
    ranked = sorted((s for s in skills if s in plan.own), key=lambda s: -skills[s][0])
    return ProfileFacts(
        first_name=name.split(" ", 1)[0],
        title=plan.role.title,
        department=plan.department,
        site=site,
        tenure_years=tenure,
        career_years=round(tenure + rng.random() ** 2 * 15),
        top_skills=tuple(catalog.skill(s).name for s in ranked[:3]),
        extra_skills=tuple(catalog.skill(s).name for s in adjacent[:3]),
        certifications=tuple(c.title for c in certs),
        interest=_interest(rng, catalog, plan, adjacent),
        weekly_hours=hours,
    )


def _interest(
    rng: random.Random, catalog: Catalog, plan: _RolePlan, adjacent: Sequence[str]
) -> str | None:
    """A field the employee wants to move into, suggested by the skills they picked up."""
    areas = [_AREA_BY_CATEGORY.get(catalog.skill(s).category) for s in adjacent]
    wanted = [a for a in areas if a is not None and a != plan.own_area]
    if wanted and rng.random() < 0.5:
        return rng.choice(wanted)
    return None
