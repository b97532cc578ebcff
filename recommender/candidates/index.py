"""The prepared, immutable state behind shortlists, mobility options and the hard-to-fill view.

:class:`CandidateIndex` follows scikit-learn's contract: ``__init__`` only stores
parameters, :meth:`CandidateIndex.fit` builds everything once per catalogue and returns
``self``, fitted attributes end in ``_``. After ``fit`` nothing changes except memos
filled on demand (transition scores per target role, similarity columns of roles not
precomputed, each role's readiness and hour bounds for everyone, exact plans by plan
signature in ``plans_``), which only ever cache pure functions of the fitted state; the
bounded ones are thread-safe.

What is indexed
---------------
Every employee who has not opted out, in id order. Opted-out employees are dropped here,
so no ranking can ever return them. Protected attributes never reach this module: the
:class:`~recommender.catalog.Catalog` does not hold them.

* ``levels_`` -- ``int8 (n, n_skills)``, column-major: each employee's level per skill,
  raised by what their certifications teach (the same profile as
  :func:`~recommender.pathways.employee_profile`). Fractional levels are floored, so
  readiness is never overstated.
* ``vectors_`` -- ``float16 (n, dimension)``: profile-text embeddings (unit rows).
* ``similarity_`` -- ``float16 (n, n_precomputed_roles)``: cosine of each profile with
  each role text, precomputed for organisation roles (numpy's float16 matrix-vector
  product is slow, so this is paid once at ``fit``).
* ``covers_`` -- one :class:`~recommender.candidates.hours.CoverTable` per role.
* ``plans_`` -- a :class:`~recommender.candidates.plans.PlanCache` of exact plans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.candidates.hours import CoverTable, cover_table, mask_codes
from recommender.candidates.plans import LRU, PlanCache
from recommender.catalog import Catalog, Employee, Role, RoleSource
from recommender.embeddings import Encoder, normalise_rows
from recommender.errors import InvalidInput
from recommender.pathways.gaps import LEVEL_TOLERANCE, employee_profile
from recommender.pathways.planner import Planner
from recommender.pathways.stepping import TransitionJudge

__all__ = ["RoleColumns", "CandidateIndex", "profile_text", "role_text"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

#: Precompute similarity columns only while the table stays under this many bytes.
_SIMILARITY_BUDGET = 64 * 2**20
_CHUNK = 8192


def profile_text(catalog: Catalog, employee: Employee) -> str:
    """The text embedded for an employee: their profile, else their role and skill names.

    Examples
    --------
    >>> from recommender.catalog import EmployeeSkill, Evidence
    >>> e = Employee("e1", "A", "r", "IT", "Main", 1.0,
    ...              (EmployeeSkill("sql", 3, Evidence.DECLARED),))
    >>> profile_text(Catalog.from_items(), e)
    'r. Skills: sql.'
    """
    if employee.profile.strip():
        return employee.profile
    role = catalog.roles.get(employee.role_id)
    names = [
        catalog.skills[s.skill_id].name if s.skill_id in catalog.skills else s.skill_id
        for s in employee.skills
    ]
    return f"{role.title if role else employee.role_id}. Skills: {', '.join(names)}."


def role_text(role: Role) -> str:
    """The text embedded for a role: title, description and tasks.

    Examples
    --------
    >>> role_text(Role("r", "SOC analyst", "Watches alerts.", "", "Security", 4,
    ...                tasks=("Triage alerts.",)))
    'SOC analyst. Watches alerts. Triage alerts.'
    """
    return " ".join(part for part in (f"{role.title}.", role.description, *role.tasks) if part)


@dataclass(frozen=True, slots=True)
class RoleColumns:
    """Vectorised facts about one target role for every indexed employee (arrays of length n).

    ``hours`` is the lower bound of :mod:`~recommender.candidates.hours`; ``closable`` is
    True where every missing requirement is taught by some course.
    """

    role: Role
    readiness: FloatArray
    hours: FloatArray
    closable: npt.NDArray[np.bool_]
    transition: FloatArray
    similarity: FloatArray | None


class CandidateIndex:
    """Employees, their levels and vectors, prepared once for fast ranking.

    Parameters
    ----------
    batch_size : int
        Profiles per call to the encoder during :meth:`fit` (progress granularity).
    cached_roles : int
        Roles whose readiness and hour bounds for everyone are kept between queries
        (about 9 bytes per employee each).
    cached_plans : int
        Exact plans (and proofs of a plan's minimum hours) kept between queries.
    """

    def __init__(
        self, batch_size: int = 4096, cached_roles: int = 32, cached_plans: int = 20_000
    ) -> None:
        self.batch_size = batch_size
        self.cached_roles = cached_roles
        self.cached_plans = cached_plans

    # -- fitting ---------------------------------------------------------------------------

    def fit(
        self,
        catalog: Catalog,
        judge: TransitionJudge,
        encoder: Encoder | None = None,
        *,
        employee_vectors: npt.ArrayLike | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> CandidateIndex:
        """Index ``catalog``'s employees who have not opted out.

        Parameters
        ----------
        catalog : Catalog
        judge : TransitionJudge
            Scores the move from an employee's current role to a target role.
        encoder : Encoder, optional
            Embeds profiles (unless ``employee_vectors`` is given) and role texts. Without
            one, shortlists are unavailable (mobility and the hard-to-fill view need none).
        employee_vectors : array-like, shape (n, dimension), optional
            Precomputed profile vectors, rows in the order of :meth:`eligible_ids`.
        progress : callable, optional
            Called with (profiles encoded, total) after each batch.
        """
        employees = [catalog.employees[i] for i in self.eligible_ids(catalog)]
        self.catalog_ = catalog
        self.judge_ = judge
        self.planner_ = Planner(catalog)
        self.plans_ = PlanCache(self.planner_, self.cached_plans)
        self.employee_ids_ = tuple(e.id for e in employees)
        self._id_array = np.array(self.employee_ids_, dtype=object)
        self.row_ = {e: i for i, e in enumerate(self.employee_ids_)}
        self.role_ids_ = tuple(sorted(catalog.roles))
        role_row = {r: i for i, r in enumerate(self.role_ids_)}
        self.current_role_ = np.array([role_row.get(e.role_id, -1) for e in employees], np.int32)
        self.departments_, self.department_codes_ = _codes([e.department for e in employees])
        self.locations_, self.location_codes_ = _codes([e.location for e in employees])
        self.weekly_hours_ = np.array([e.weekly_learning_hours for e in employees], np.float32)
        self.skill_ids_ = tuple(sorted(catalog.skills))
        self.skill_column_ = {s: j for j, s in enumerate(self.skill_ids_)}
        self.levels_ = self._levels(catalog, employees)
        self.covers_ = {r.id: cover_table(catalog, r) for r in catalog.roles.values()}
        self._transitions: dict[str, FloatArray] = {}
        self._similarity_memo: dict[str, FloatArray] = {}
        self._role_memo = LRU[str, _Bounds](self.cached_roles)
        self._fit_vectors(catalog, employees, encoder, employee_vectors, progress)
        return self

    @staticmethod
    def eligible_ids(catalog: Catalog) -> tuple[str, ...]:
        """Ids of the employees an index holds: everyone who has not opted out, sorted."""
        return tuple(sorted(e.id for e in catalog.employees.values() if not e.opted_out))

    def _levels(self, catalog: Catalog, employees: Sequence[Employee]) -> npt.NDArray[np.int8]:
        column = self.skill_column_
        levels = np.zeros((len(employees), len(self.skill_ids_)), dtype=np.int8, order="F")
        for i, employee in enumerate(employees):
            for skill_id, level in employee_profile(catalog, employee.id).levels.items():
                if skill_id in column:
                    levels[i, column[skill_id]] = int(np.floor(level + LEVEL_TOLERANCE))
        return levels

    def _fit_vectors(
        self,
        catalog: Catalog,
        employees: Sequence[Employee],
        encoder: Encoder | None,
        employee_vectors: npt.ArrayLike | None,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.encoder_ = encoder
        self.vectors_: npt.NDArray[np.float16] | None = None
        self.role_vectors_: FloatArray | None = None
        self.similarity_roles_: tuple[str, ...] = ()
        self.similarity_: npt.NDArray[np.float16] | None = None
        if encoder is None:
            return
        if employee_vectors is None:
            vectors: npt.NDArray[np.floating[Any]] = self._encode(
                encoder, catalog, employees, progress
            )
        else:
            vectors = normalise_rows(employee_vectors)
            if vectors.shape[0] != len(employees):
                raise InvalidInput(
                    f"employee_vectors has {vectors.shape[0]} rows; the index holds "
                    f"{len(employees)} employees (see CandidateIndex.eligible_ids)"
                )
        self.vectors_ = vectors.astype(np.float16, copy=False)
        self.role_vectors_ = encoder.encode([role_text(catalog.roles[r]) for r in self.role_ids_])
        if self.vectors_.shape[1] != self.role_vectors_.shape[1]:
            raise InvalidInput(
                f"profile vectors have dimension {self.vectors_.shape[1]}, the encoder "
                f"{encoder.name!r} produces {self.role_vectors_.shape[1]}"
            )
        self._precompute_similarity(catalog)

    def _encode(
        self,
        encoder: Encoder,
        catalog: Catalog,
        employees: Sequence[Employee],
        progress: Callable[[int, int], None] | None,
    ) -> npt.NDArray[np.float16]:
        """Profile vectors, shape (n, dimension), written batch by batch into float16.

        Neither every profile text nor a float32 copy of every vector is held at once
        (at 100,000 people, over 300 MB of the worker's peak memory). The dimension is
        read off the first batch: asking the encoder would load a model that a database
        holding every vector never needs.
        """
        out: npt.NDArray[np.float16] | None = None
        for start in range(0, len(employees), self.batch_size):
            batch = employees[start : start + self.batch_size]
            vectors = encoder.encode([profile_text(catalog, e) for e in batch])
            if out is None:
                out = np.empty((len(employees), vectors.shape[1]), dtype=np.float16)
            out[start : start + len(batch)] = vectors
            if progress is not None:
                progress(start + len(batch), len(employees))
        return np.zeros((0, encoder.dimension), dtype=np.float16) if out is None else out

    def _precompute_similarity(self, catalog: Catalog) -> None:
        org = [r for r in self.role_ids_ if catalog.roles[r].source == RoleSource.ORG]
        n = len(self.employee_ids_)
        if not org or n * len(org) * 2 > _SIMILARITY_BUDGET:
            return
        assert self.role_vectors_ is not None
        role_rows = [self.role_ids_.index(r) for r in org]
        self.similarity_roles_ = tuple(org)
        self.similarity_ = self._cosines(self.role_vectors_[role_rows].T).astype(np.float16)

    def _cosines(self, columns: FloatArray) -> FloatArray:
        """Profile vectors times ``columns`` (dimension, m), in float32 chunks."""
        assert self.vectors_ is not None
        out = np.empty((len(self.vectors_), columns.shape[1]), dtype=np.float32)
        for start in range(0, len(self.vectors_), _CHUNK):
            block = self.vectors_[start : start + _CHUNK].astype(np.float32)
            out[start : start + _CHUNK] = block @ columns
        return out

    # -- queries ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.employee_ids_)

    def row(self, employee_id: str) -> int:
        """The row of an indexed employee.

        Raises
        ------
        UnknownEmployee
            If the catalogue has no such employee.
        InvalidInput
            If the employee opted out of matching.
        """
        if employee_id in self.row_:
            return self.row_[employee_id]
        self.catalog_.employee(employee_id)
        raise InvalidInput(f"employee {employee_id!r} opted out of internal matching")

    def code_of(self, kind: str, value: str) -> int:
        """The code of a department or location (case-insensitive), for filters.

        Raises
        ------
        InvalidInput
            If no indexed employee has that value. The message names only the value given:
            listing the known ones would tell a caller values it may not see.
        """
        names = self.departments_ if kind == "department" else self.locations_
        folded = [n.casefold() for n in names]
        if value.casefold() not in folded:
            raise InvalidInput(f"no one to rank has {kind} {value!r}")
        return folded.index(value.casefold())

    def ids(self, rows: npt.NDArray[np.intp]) -> tuple[str, ...]:
        """The employee ids of ``rows``, in that order."""
        return tuple(self._id_array[rows].tolist())

    def columns(self, role_id: str, rows: npt.NDArray[np.intp] | None = None) -> RoleColumns:
        """Readiness, lower-bound hours, transition and similarity for ``role_id``.

        ``rows`` restricts the arrays to those employees (all when ``None``).

        Raises
        ------
        UnknownRole
            If ``role_id`` is not in the catalogue.
        """
        role = self.catalog_.role(role_id)
        bounds = self._bounds(role.id, rows)
        current = self.current_role_ if rows is None else self.current_role_[rows]
        return RoleColumns(
            role=role,
            readiness=bounds.readiness,
            hours=bounds.hours,
            closable=bounds.closable,
            transition=self.transitions_to(role.id)[current],
            similarity=self.similarity_to(role.id, rows),
        )

    def _bounds(self, role_id: str, rows: npt.NDArray[np.intp] | None) -> _Bounds:
        """Readiness, hour bounds and closability of ``rows``: computed for those rows alone
        when they are few, else read from the role's arrays for everyone (memoised)."""
        if rows is not None and 4 * len(rows) < len(self):
            return self._compute_bounds(self.covers_[role_id], rows)
        everyone = self._role_memo.get(role_id)
        if everyone is None:
            everyone = self._compute_bounds(self.covers_[role_id], None)
            self._role_memo.put(role_id, everyone)
        return everyone if rows is None else everyone.take(rows)

    def _compute_bounds(self, table: CoverTable, rows: npt.NDArray[np.intp] | None) -> _Bounds:
        missing = self._missing(table, rows)
        codes = mask_codes(missing)
        total = float(table.importance.sum())
        readiness = (
            1.0 - (missing.astype(np.float32) @ table.importance) / total
            if total > 0
            else np.ones(len(missing), dtype=np.float32)
        ).astype(np.float32)
        return _Bounds(
            readiness=np.clip(readiness, 0.0, 1.0),
            hours=table.hours(codes, missing),
            closable=(codes & ~table.closable) == 0,
        )

    def _missing(
        self, table: CoverTable, rows: npt.NDArray[np.intp] | None
    ) -> npt.NDArray[np.bool_]:
        """``(n, k)``: True where an employee (of ``rows``) is below requirement ``j``.

        Columns are read one at a time (``levels_`` is column-major), never whole rows.
        """
        column = self.skill_column_
        n = len(self.levels_) if rows is None else len(rows)
        out = np.empty((n, len(table.skill_ids)), dtype=np.bool_)
        for j, (skill_id, level) in enumerate(zip(table.skill_ids, table.levels, strict=True)):
            if skill_id in column:
                held = self.levels_[:, column[skill_id]]
                out[:, j] = (held if rows is None else held[rows]) < level - LEVEL_TOLERANCE
            else:
                out[:, j] = level > LEVEL_TOLERANCE
        return out

    def transitions_to(self, role_id: str) -> FloatArray:
        """The judge's score of the move from every role (rows of ``role_ids_``) to ``role_id``,
        clipped to [0, 1]; the target itself scores 1."""
        if role_id not in self._transitions:
            scores = [
                1.0 if a == role_id else float(self.judge_.score(a, role_id))
                for a in self.role_ids_
            ]
            self._transitions[role_id] = np.clip(np.array(scores, dtype=np.float32), 0.0, 1.0)
        return self._transitions[role_id]

    def similarity_to(
        self, role_id: str, rows: npt.NDArray[np.intp] | None = None
    ) -> FloatArray | None:
        """Cosine of each profile (``rows``, or all) with the role text; ``None`` without vectors."""
        if self.vectors_ is None or self.role_vectors_ is None:
            return None
        column: npt.NDArray[np.floating[Any]]
        if self.similarity_ is not None and role_id in self.similarity_roles_:
            column = self.similarity_[:, self.similarity_roles_.index(role_id)]
        else:
            if role_id not in self._similarity_memo:
                vector = self.role_vectors_[self.role_ids_.index(role_id)][:, None]
                self._similarity_memo[role_id] = self._cosines(vector)[:, 0]
            column = self._similarity_memo[role_id]
        picked = column if rows is None else column[rows]
        return picked.astype(np.float32)


@dataclass(frozen=True, slots=True)
class _Bounds:
    """The per-employee facts of one role that depend on levels alone (arrays of length n)."""

    readiness: FloatArray
    hours: FloatArray
    closable: npt.NDArray[np.bool_]

    def take(self, rows: npt.NDArray[np.intp]) -> _Bounds:
        return _Bounds(self.readiness[rows], self.hours[rows], self.closable[rows])


def _codes(values: Sequence[str]) -> tuple[tuple[str, ...], IntArray]:
    names = tuple(sorted(set(values)))
    lookup = {v: i for i, v in enumerate(names)}
    return names, np.array([lookup[v] for v in values], dtype=np.int32)
