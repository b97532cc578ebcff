"""Synthetic first names and surnames, written for reskill, drawn from many origins.

The lists are our own and deliberately broad (West and East African, Arabic, Chinese,
Filipino, Indian, Irish, Japanese, Korean, Latin American, Pacific Islander, Persian,
Slavic, Turkish, Vietnamese, Western European and more). Names are independent of
race/ethnicity by construction: a fairness audit must never be able to recover a
protected attribute from a name. First names carry a loose *lean* (feminine,
masculine, neutral) so that a generated workforce reads naturally; sex is drawn later
from its own random stream and agrees with the lean most of the time (see
:mod:`recommender.generator.demographics`).
"""

from __future__ import annotations

import random
from enum import StrEnum

__all__ = ["NameLean", "FEMININE", "MASCULINE", "NEUTRAL", "SURNAMES", "draw_name"]


class NameLean(StrEnum):
    FEMININE = "feminine"
    MASCULINE = "masculine"
    NEUTRAL = "neutral"


# fmt: off
FEMININE: tuple[str, ...] = (
    "Abena", "Adaeze", "Aiko", "Aisha", "Alejandra", "Amara", "Ana", "Anjali", "Ayesha",
    "Bich", "Camila", "Carmen", "Catherine", "Chiamaka", "Chloe", "Daniela", "Deborah",
    "Elena", "Emily", "Esperanza", "Fatima", "Fiona", "Grace", "Guadalupe", "Hana",
    "Hannah", "Hiwot", "Ifeoma", "Ingrid", "Isabella", "Jasmine", "Ji-woo", "Keisha",
    "Lakshmi", "Latoya", "Leilani", "Linh", "Lucia", "Mai", "Malia", "Maria", "Mariam",
    "Mei", "Min-ji", "Nadia", "Naledi", "Ngozi", "Nia", "Oksana", "Olga", "Priya",
    "Rachel", "Rosa", "Sakura", "Samira", "Sarah", "Shirin", "Siobhan", "Sofia", "Sunita",
    "Tamar", "Thandiwe", "Valentina", "Wanjiru", "Xiomara", "Yesenia", "Zainab", "Zeynep",
)

MASCULINE: tuple[str, ...] = (
    "Abdullah", "Ahmed", "Alejandro", "Amir", "Andrei", "Arjun", "Bao", "Carlos", "Chinedu",
    "Daniel", "David", "Dawit", "Diego", "Dmitri", "Eduardo", "Emeka", "Ethan", "Farid",
    "Francisco", "Giovanni", "Hamza", "Hassan", "Hiroshi", "Hyun-woo", "Ibrahim", "Isaac",
    "Jamal", "James", "Javier", "Jin", "Jose", "Juan", "Kaleo", "Kenji", "Kofi", "Kwame",
    "Liam", "Luis", "Malik", "Marcus", "Mateo", "Minh", "Mohammed", "Nikhil", "Noah",
    "Olusegun", "Omar", "Patrick", "Rafael", "Rahul", "Ravi", "Reza", "Samuel", "Sanjay",
    "Santiago", "Sean", "Sergei", "Sione", "Tariq", "Tevita", "Thomas", "Tuan", "Viktor",
    "William", "Yusuf", "Zoran",
)

NEUTRAL: tuple[str, ...] = (
    "Alex", "Ari", "Avery", "Casey", "Dakota", "Eden", "Emerson", "Hayden", "Jamie",
    "Jesse", "Jordan", "Kai", "Kendall", "Morgan", "Nikita", "Noor", "Peyton", "Quinn",
    "Reese", "Riley", "Robin", "Rory", "Rowan", "Sage", "Sam", "Sasha", "Shiloh", "Skyler",
    "Taylor", "Yuki",
)

SURNAMES: tuple[str, ...] = (
    "Abebe", "Adeyemi", "Afolabi", "Aguilar", "Ahmed", "Al-Masri", "Alvarez", "Andersen",
    "Asante", "Baker", "Banerjee", "Baptiste", "Becker", "Begay", "Bianchi", "Bui",
    "Campbell", "Castillo", "Chan", "Chavez", "Chen", "Cho", "Chowdhury", "Cohen", "Costa",
    "Cruz", "Dang", "Das", "Davies", "Delgado", "Diallo", "Dimitrov", "Do", "Dubois", "Eze",
    "Fernandez", "Fischer", "Flores", "Fonoti", "Friedman", "Gallagher", "Garcia", "Ghosh",
    "Gonzalez", "Gupta", "Haddad", "Haile", "Hakimi", "Hansen", "Hernandez", "Hoang",
    "Horvath", "Hussain", "Ibrahim", "Ito", "Iyer", "Jackson", "Jean-Baptiste", "Jensen",
    "Johnson", "Kahale", "Kamau", "Kapoor", "Kaur", "Kealoha", "Kelly", "Khan", "Kim",
    "Kovacs", "Kowalski", "Kumar", "Lam", "Larsen", "Le", "Lee", "Levi", "Lin", "Lopez",
    "Mahlangu", "Malik", "Martin", "Martinez", "Mendoza", "Mensah", "Miller", "Moreau",
    "Moreno", "Murphy", "Mwangi", "Nakamura", "Nasser", "Nguyen", "Nielsen", "Novak",
    "Nwosu", "O'Brien", "Odhiambo", "Okafor", "Okonkwo", "Oliveira", "Ortiz", "Osei",
    "Park", "Patel", "Perez", "Petrov", "Pham", "Pierre", "Popescu", "Quispe", "Rahman",
    "Ramirez", "Ramos", "Reddy", "Reyes", "Rivera", "Robinson", "Rodriguez", "Romero",
    "Rosen", "Rossi", "Santos", "Sato", "Schmidt", "Shah", "Silva", "Singh", "Smith",
    "Sokolov", "Suarez", "Sullivan", "Suzuki", "Tadesse", "Tanaka", "Thompson", "Torres",
    "Tran", "Tuilagi", "Vargas", "Vasquez", "Vo", "Wang", "Warsame", "Washington",
    "Williams", "Wilson", "Wong", "Wu", "Yamamoto", "Yang", "Yazzie", "Yilmaz", "Young",
    "Zhang", "Zhou", "Zulu",
)
# fmt: on

_NEUTRAL_SHARE = 0.12


def draw_name(rng: random.Random, feminine_lean_share: float) -> tuple[str, NameLean]:
    """Draw ``"First Last"`` and the lean of the first name.

    Parameters
    ----------
    rng : random.Random
        The employee stream (never the protected-attribute stream).
    feminine_lean_share : float
        Probability, among gendered first names, of a feminine one.

    Examples
    --------
    >>> name, lean = draw_name(random.Random(1), 0.5)
    >>> len(name.split(" ")) >= 2, lean in set(NameLean)
    (True, True)
    """
    if rng.random() < _NEUTRAL_SHARE:
        lean, pool = NameLean.NEUTRAL, NEUTRAL
    elif rng.random() < feminine_lean_share:
        lean, pool = NameLean.FEMININE, FEMININE
    else:
        lean, pool = NameLean.MASCULINE, MASCULINE
    return f"{rng.choice(pool)} {rng.choice(SURNAMES)}", lean
