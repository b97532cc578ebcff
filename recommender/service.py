"""`Recommender`: the one facade that the HTTP API and the CLI call.

It loads the catalogue once (from the database or from a Catalog given
directly), keeps it immutable, and answers the questions the API asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import networkx as nx

from recommender import ONET_ATTRIBUTION
from recommender.catalog import Catalog, Course, CourseKind, Role, RoleSource, Skill, SkillCategory
from recommender.graph import build_graph

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["CatalogFilter", "Recommender"]


@dataclass(frozen=True, slots=True)
class CatalogFilter:
    """Filters for listing roles; ``None`` means "any"."""

    hard_to_fill: bool | None = None
    job_family: str | None = None
    source: RoleSource | None = None
    query: str | None = None

    def accepts(self, role: Role) -> bool:
        family, query = self.job_family, self.query
        return (
            (self.hard_to_fill is None or role.hard_to_fill == self.hard_to_fill)
            and (family is None or role.job_family.casefold() == family.casefold())
            and (self.source is None or role.source == self.source)
            and (not query or query.casefold() in role.title.casefold())
        )


class Recommender:
    """Answers catalogue, pathway and shortlist questions over one immutable catalogue."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    @classmethod
    def from_engine(cls, engine: sa.Engine) -> Recommender:
        """Migrate the database behind ``engine`` to head and load its whole catalogue."""
        from recommender.store import load_catalog, upgrade

        upgrade(engine)
        return cls(load_catalog(engine))

    @property
    def has_onet_data(self) -> bool:
        return any(r.source == RoleSource.ONET for r in self.catalog.roles.values())

    @property
    def attribution(self) -> str | None:
        """O*NET's CC BY 4.0 attribution when any O*NET data is loaded."""
        return ONET_ATTRIBUTION if self.has_onet_data else None

    @cached_property
    def graph(self) -> nx.DiGraph:
        return build_graph(self.catalog)

    def roles(self, where: CatalogFilter = CatalogFilter()) -> list[Role]:
        return sorted(
            (r for r in self.catalog.roles.values() if where.accepts(r)), key=lambda r: r.id
        )

    def role(self, role_id: str) -> Role:
        return self.catalog.role(role_id)

    def skills(self, category: SkillCategory | None = None) -> list[Skill]:
        found = (s for s in self.catalog.skills.values() if category in (None, s.category))
        return sorted(found, key=lambda s: s.id)

    def courses(self, kind: CourseKind | None = None, teaches: str | None = None) -> list[Course]:
        if teaches is not None:
            self.catalog.skill(teaches)  # unknown skill -> UnknownSkill, not an empty list
        found = (
            c
            for c in self.catalog.courses.values()
            if kind in (None, c.kind)
            and (teaches is None or any(t.skill_id == teaches for t in c.teaches))
        )
        return sorted(found, key=lambda c: c.id)

    def counts(self) -> dict[str, int]:
        c = self.catalog
        return {
            "roles": len(c.roles),
            "skills": len(c.skills),
            "courses": len(c.courses),
            "employees": len(c.employees),
        }
