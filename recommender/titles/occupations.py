"""O*NET occupations known by their titles alone, which the normaliser may also rank.

O*NET describes and titles about a thousand occupations but rates only those of
``Job Zones.txt``; the catalogue holds a role for the rated ones only. The others (mostly
"All Other" codes such as ``15-1299.00`` "Computer Occupations, All Other") are still
jobs people hold, so :meth:`~recommender.titles.TitleNormaliser.fit` can index them as
``extra_occupations``: anything with the four attributes of :class:`TitledOccupation`
(the importer's ``OccupationTitles`` has them). The algorithms never import the
importer; the caller loads the data and passes it in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from recommender.catalog import Role

__all__ = ["TitledOccupation", "title_only"]


class TitledOccupation(Protocol):
    """An O*NET occupation as a code, titles and a description."""

    @property
    def code(self) -> str:
        """The O*NET-SOC code, e.g. ``"15-1299.00"``."""
        ...

    @property
    def title(self) -> str:
        """The official title."""
        ...

    @property
    def description(self) -> str:
        """O*NET's description of the occupation."""
        ...

    @property
    def alternate_titles(self) -> tuple[str, ...]:
        """Other titles the occupation is known by."""
        ...


def title_only(
    roles: Iterable[Role], occupations: Iterable[TitledOccupation]
) -> tuple[TitledOccupation, ...]:
    """The occupations that no role already stands for, first of each code.

    A catalogue role keeps priority: an occupation whose code is a role's id or
    ``soc_code`` is left out, so the role's fields are the ones indexed.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Occ:
    ...     code: str
    ...     title: str
    ...     description: str = ""
    ...     alternate_titles: tuple[str, ...] = ()
    >>> nurses = Role("29-1141.00", "Registered Nurses", "", "29-1141.00", "Healthcare", 3)
    >>> extra = [Occ("29-1141.00", "Registered Nurses"), Occ("29-9099.00", "All Other"),
    ...          Occ("29-9099.00", "Again")]
    >>> [o.title for o in title_only([nurses], extra)]
    ['All Other']
    """
    taken = {code for role in roles for code in (role.id, role.soc_code)}
    kept: dict[str, TitledOccupation] = {}
    for occupation in occupations:
        if occupation.code not in taken:
            kept.setdefault(occupation.code, occupation)
    return tuple(kept.values())
