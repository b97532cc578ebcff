"""The held-out-title protocol: build from some O*NET titles, measure on the others.

O*NET's ``Alternate Titles.txt`` lists titles people use for each occupation. To measure
title normalisation on titles it has never seen:

* every distinct alternate title is assigned to one of five folds by hashing its key
  (:func:`title_key`: case-folded, whitespace collapsed) with SHA-256 under a salt:
  ``int(sha256(SALT + key).hexdigest(), 16) % 5``. The salt matters: the O*NET copy
  shipped to this project already withholds the titles whose *unsalted* hash is 0 mod 5
  (they are the project's own hidden yardstick), so an unsalted fold 0 would be empty;
  the salted folds split the titles that remain into five even parts;
* fold :data:`TEST_FOLD` (0) is the test fifth, fold :data:`VALIDATION_FOLD` (1) is
  the fifth on which fusion weights are fitted; test titles are never used to choose
  anything;
* :func:`holdout_split` removes from the catalogue every alternate title of the held-out
  folds, the short titles of their rows, and any reported title with the same key, then
  returns the trimmed catalogue with the held-out titles and their gold codes (every
  code O*NET lists for that exact title in ``Alternate Titles.txt``). Title-only
  occupations (:mod:`recommender.titles.occupations`) given to it are trimmed the same
  way, so that no held-out title reaches the index through them.

This module reads ``Alternate Titles.txt`` itself (only its three title columns) so
that the algorithms stay independent of the importer; it never opens a
``Related Occupations`` file.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

from recommender.catalog import Catalog, Role
from recommender.errors import InvalidCatalog, Problem
from recommender.titles.occupations import TitledOccupation

__all__ = [
    "FOLDS",
    "SALT",
    "TEST_FOLD",
    "VALIDATION_FOLD",
    "TitleSplit",
    "title_key",
    "title_fold",
    "holdout_split",
]

FOLDS = 5
SALT = "reskill-title-folds\x00"
TEST_FOLD = 0
VALIDATION_FOLD = 1
ALTERNATE_TITLES = "Alternate Titles.txt"
_COLUMNS = ("O*NET-SOC Code", "Alternate Title", "Short Title")


def title_key(title: str) -> str:
    """The identity of a title: case-folded, whitespace collapsed.

    Examples
    --------
    >>> title_key("  Cyber  Defense Analyst ")
    'cyber defense analyst'
    """
    return " ".join(title.casefold().split())


def title_fold(title: str) -> int:
    """The fold (0-4) of a title, from the salted SHA-256 of its key.

    Examples
    --------
    >>> title_fold("Cyber Defense Analyst") == title_fold("cyber defense analyst")
    True
    """
    digest = hashlib.sha256((SALT + title_key(title)).encode("utf-8")).hexdigest()
    return int(digest, 16) % FOLDS


@dataclass(frozen=True)
class TitleSplit:
    """A catalogue without the held-out titles, and those titles with their gold codes.

    Attributes
    ----------
    catalog : Catalog
        The input catalogue, each O*NET role's ``alternate_titles`` trimmed.
    held_out : Mapping[str, frozenset[str]]
        ``{alternate title as first written: codes O*NET lists for it}``.
    removed : frozenset[str]
        Keys (:func:`title_key`) of every title taken out of the catalogue.
    extra_occupations : tuple of TitledOccupation
        The title-only occupations given, with the same titles taken out of their
        ``alternate_titles``.
    """

    catalog: Catalog
    held_out: Mapping[str, frozenset[str]]
    removed: frozenset[str]
    extra_occupations: tuple[TitledOccupation, ...] = ()


@dataclass(frozen=True, slots=True)
class _TrimmedOccupation:
    """A title-only occupation without its held-out titles."""

    code: str
    title: str
    description: str
    alternate_titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Row:
    code: str
    title: str
    short: str


def holdout_split(
    catalog: Catalog,
    onet_dir: str | os.PathLike[str],
    folds: Collection[int] = (TEST_FOLD,),
    extra_occupations: Iterable[TitledOccupation] = (),
) -> TitleSplit:
    """Hold out the alternate titles of ``folds`` and remove them from ``catalog``.

    Parameters
    ----------
    catalog : Catalog
        Usually :func:`recommender.ingest.onet.load_onet` of ``onet_dir``; org roles
        pass through unchanged.
    onet_dir : str or path-like
        The O*NET folder whose ``Alternate Titles.txt`` defines the titles.
    folds : collection of int
        The folds (0-4) to hold out; the test fold alone by default.
    extra_occupations : iterable of TitledOccupation
        Title-only occupations to trim as well (see :class:`TitleSplit`).

    Returns
    -------
    TitleSplit
    """
    rows = _read_rows(Path(onet_dir) / ALTERNATE_TITLES)
    wanted = set(folds)
    held_rows = [row for row in rows if title_fold(row.title) in wanted]
    held: dict[str, set[str]] = {}
    first: dict[str, str] = {}
    for row in held_rows:
        first.setdefault(title_key(row.title), row.title.strip())
        held.setdefault(title_key(row.title), set()).add(row.code)
    removed = frozenset(held) | {title_key(r.short) for r in held_rows if r.short.strip()}
    roles = [_without(role, removed) for role in catalog.roles.values()]
    trimmed = Catalog(catalog.skills, _mapping(roles), catalog.courses, catalog.employees)
    gold = {first[key]: frozenset(codes) for key, codes in held.items()}
    extras = tuple(_occupation_without(o, removed) for o in extra_occupations)
    return TitleSplit(trimmed, MappingProxyType(gold), removed, extras)


def _mapping(roles: list[Role]) -> Mapping[str, Role]:
    return MappingProxyType({role.id: role for role in roles})


def _without(role: Role, removed: frozenset[str]) -> Role:
    kept = tuple(t for t in role.alternate_titles if title_key(t) not in removed)
    return role if len(kept) == len(role.alternate_titles) else replace(role, alternate_titles=kept)


def _occupation_without(occupation: TitledOccupation, removed: frozenset[str]) -> TitledOccupation:
    titles = occupation.alternate_titles
    kept = tuple(t for t in titles if title_key(t) not in removed)
    if len(kept) == len(titles):
        return occupation
    return _TrimmedOccupation(occupation.code, occupation.title, occupation.description, kept)


def _read_rows(path: Path) -> list[_Row]:
    if not path.is_file():
        raise InvalidCatalog(
            [Problem(path.name, None, None, f"file is missing from {path.parent}")]
        )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise InvalidCatalog(
                [Problem(path.name, None, c, "required column is missing") for c in missing]
            )
        return [
            _Row(row[_COLUMNS[0]].strip(), row[_COLUMNS[1]], row[_COLUMNS[2]] or "")
            for row in reader
            if (row[_COLUMNS[1]] or "").strip()
        ]
