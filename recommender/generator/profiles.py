"""Free-text profiles of synthetic employees, 60-160 words, built from sentence templates.

A profile is written in the first or the third person and always names the role
title. It is assembled from an opening (role, site, tenure), the employee's top skills,
and, where they apply, skills picked up outside the role, certifications, an interest
in another field and the time available for learning; work-style sentences pad a
short profile to 60 words, and optional sentences are dropped from the end of a long
one. The templates are our own words.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SYSTEM_NAME", "MIN_WORDS", "MAX_WORDS", "ProfileFacts", "write_profile"]

SYSTEM_NAME = "Riverside Health"
MIN_WORDS = 60
MAX_WORDS = 160


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    """What a profile may say about one employee."""

    first_name: str
    title: str
    department: str
    site: str
    tenure_years: float
    career_years: int
    top_skills: tuple[str, ...]
    extra_skills: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    interest: str | None = None
    weekly_hours: float = 4.0


_OPENINGS = (
    (
        "I am {a_title} at {site} and have been with {system} for {here}.",
        "I have worked as {a_title} in {dept} for {here}, with {career} years in "
        "healthcare overall.",
        "For the past {here} I have been {a_title} on the {dept} team.",
        "My current role is {title} in {dept}, based at {site}.",
        "I joined {system} {here} ago and work as {a_title} in {dept}.",
        "After {career} years in healthcare, I now work as {a_title} at {site}.",
    ),
    (
        "{name} is {a_title} at {site} and has been with {system} for {here}.",
        "{name} has worked as {a_title} in {dept} for {here}, with {career} years in "
        "healthcare overall.",
        "For the past {here}, {name} has been {a_title} on the {dept} team.",
        "{name} currently works as {a_title} in {dept}, based at {site}.",
        "{name} joined {system} {here} ago and works as {a_title} in {dept}.",
        "With {career} years in healthcare behind them, {name} works as {a_title} at {site}.",
    ),
)
_SKILLS = (
    (
        "My strongest skills are {skills}.",
        "I would describe my core strengths as {skills}.",
        "Colleagues rely on me for {skills}.",
        "The skills I use most in this job are {skills}.",
    ),
    (
        "{name}'s strongest skills are {skills}.",
        "Colleagues rely on {name} for {skills}.",
        "The skills {name} uses most in this job are {skills}.",
        "Their managers point to {skills} as core strengths.",
    ),
)
_EXTRA = (
    (
        "Outside my core role I have picked up {extra}.",
        "I have also been building {extra}, mostly on my own time.",
        "Beyond the day job I have some hands-on experience with {extra}.",
        "Recently I have been learning {extra} through small projects.",
    ),
    (
        "Outside the core role, {name} has picked up {extra}.",
        "{name} has also been building {extra}, mostly self-taught.",
        "Beyond the day job, {name} has some hands-on experience with {extra}.",
        "Recently they have been learning {extra} through small projects.",
    ),
)
_CERTS = (
    (
        "I hold {certs}.",
        "I earned {certs} while working here.",
        "I keep {certs} current.",
    ),
    (
        "{name} holds {certs}.",
        "{name} earned {certs} while working here.",
        "They keep {certs} current.",
    ),
)
_INTEREST = (
    (
        "I am interested in moving into {area} and would welcome a structured path there.",
        "Longer term I would like to grow into {area}.",
        "I am curious about {area} and would take on a stretch assignment to try it.",
        "My goal is a role in {area} within the next few years.",
    ),
    (
        "{name} is interested in moving into {area}.",
        "Longer term, {name} would like to grow into {area}.",
        "{name} has asked about stretch assignments in {area}.",
        "Their stated goal is a role in {area} within the next few years.",
    ),
)
_LEARNING = (
    (
        "I can set aside about {hours} hours a week for learning.",
        "With my schedule I could commit roughly {hours} hours a week to training.",
        "I prefer short online modules and can give them around {hours} hours a week.",
    ),
    (
        "{name} can set aside about {hours} hours a week for learning.",
        "Their schedule leaves roughly {hours} hours a week for training.",
        "{name} prefers short online modules and can give them around {hours} hours a week.",
    ),
)
_STYLE = (
    (
        "Day to day I work closely with colleagues across {dept} and the wider care teams.",
        "I often help newer colleagues find their feet in the first few weeks.",
        "I like solving problems that make life easier for patients and for the people who "
        "care for them.",
        "I am often the person colleagues ask when a process or system is not working as it "
        "should.",
        "Covering shifts at more than one site taught me how differently teams can run the "
        "same process.",
        "I take pride in accurate, careful work and in keeping good documentation.",
        "I stay calm when things go wrong and work well under pressure.",
        "I value clear communication and steady, reliable teamwork.",
        "I enjoy explaining technical ideas in plain language.",
        "I like to leave a process better than I found it.",
    ),
    (
        "Day to day {name} works closely with colleagues across {dept} and the wider care teams.",
        "{name} often helps newer colleagues find their feet in the first few weeks.",
        "They like solving problems that make life easier for patients and for the people who "
        "care for them.",
        "{name} is often the person colleagues ask when a process or system is not working as "
        "it should.",
        "Covering shifts at more than one site taught {name} how differently teams can run the "
        "same process.",
        "{name} takes pride in accurate, careful work and in keeping good documentation.",
        "They stay calm when things go wrong and work well under pressure.",
        "Colleagues describe {name} as a clear communicator and a reliable teammate.",
        "{name} enjoys explaining technical ideas in plain language.",
        "They like to leave a process better than they found it.",
    ),
)

_Bank = tuple[tuple[str, ...], tuple[str, ...]]
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")


def _article(title: str) -> str:
    first = title.split(" ", 1)[0]
    if first.isupper() and len(first) > 1:
        return "an" if first[0] in _VOWEL_SOUND_LETTERS else "a"
    return "an" if first[:1].lower() in "aeio" else "a"


def _duration(years: float) -> str:
    if years < 1:
        months = max(1, round(years * 12))
        return f"{months} month" + ("s" if months != 1 else "")
    whole = round(years)
    return f"{whole} year" + ("s" if whole != 1 else "")


def _join(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def _coprimes(count: int) -> tuple[int, ...]:
    return tuple(k for k in range(1, count) if math.gcd(k, count) == 1) or (1,)


_STRIDES = {len(_STYLE[0]): _coprimes(len(_STYLE[0])), len(_STYLE[1]): _coprimes(len(_STYLE[1]))}


def _style_order(rng: random.Random, count: int) -> list[int]:
    """A cheap random order of the work-style sentences: a start and a coprime stride."""
    strides = _STRIDES.get(count) or _coprimes(count)
    start, stride = rng.randrange(count), rng.choice(strides)
    return [(start + i * stride) % count for i in range(count)]


def write_profile(rng: random.Random, facts: ProfileFacts) -> str:
    """Write a 60-160 word profile of ``facts`` with templates drawn from ``rng``.

    Examples
    --------
    >>> facts = ProfileFacts("Ana", "Registered Nurse", "Nursing Services",
    ...                      "Northgate Campus", 6.2, 9, ("Patient care", "Triage"))
    >>> text = write_profile(random.Random(3), facts)
    >>> "Registered Nurse" in text and 60 <= len(text.split()) <= 160
    True
    """
    person = rng.randrange(2)
    fill = _fields(facts)
    styles = _STYLE[person]
    unused = _style_order(rng, len(styles))

    def say(bank: _Bank) -> str:
        return rng.choice(bank[person]).format(**fill)

    opening = say(_OPENINGS)
    middle = [styles[unused.pop()].format(**fill)] if rng.random() < 0.7 else []
    middle.append(say(_SKILLS))
    skills_at = len(middle) - 1
    if facts.extra_skills:
        middle.append(say(_EXTRA))
    if facts.certifications:
        middle.append(say(_CERTS))
    if facts.interest:
        middle.append(say(_INTEREST))
    if rng.random() < 0.6:
        middle.append(say(_LEARNING))
    words = sum(len(t.split()) for t in (opening, *middle))
    while words < MIN_WORDS and unused:
        middle.append(styles[unused.pop()].format(**fill))
        words += len(middle[-1].split())
    while words > MAX_WORDS and len(middle) > skills_at + 1:
        words -= len(middle.pop().split())
    return " ".join([opening, *middle])


def _fields(facts: ProfileFacts) -> dict[str, str]:
    return {
        "name": facts.first_name,
        "title": facts.title,
        "a_title": f"{_article(facts.title)} {facts.title}",
        "dept": facts.department,
        "site": facts.site if facts.site != "Remote" else "a remote post",
        "system": SYSTEM_NAME,
        "here": _duration(facts.tenure_years),
        "career": str(max(facts.career_years, round(facts.tenure_years), 1)),
        "skills": _join(facts.top_skills) or "the core duties of the role",
        "extra": _join(facts.extra_skills),
        "certs": _join(facts.certifications),
        "area": facts.interest or "",
        "hours": f"{facts.weekly_hours:g}",
    }
