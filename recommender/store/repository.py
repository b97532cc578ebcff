"""Save and load a :class:`~recommender.catalog.Catalog` in SQL.

Saving is an upsert by id inside one transaction. Each entity (skill, role,
course, employee) becomes one parent row plus child rows; a digest of all of
them is stored as the parent's ``entity_hash``. A save compares digests, leaves
unchanged entities untouched, updates changed parents in place and replaces
their child rows, and inserts new ones. Entities in the database but not in the
catalogue are left alone, except employees when the save is a snapshot of the
workforce (``replace_employees=True``): stored employees absent from it are then
removed through the erasure path (:func:`recommender.store.erasures.forget_people`),
in the same transaction. People whose id is tombstoned by an erasure are never
saved (:func:`recommender.store.erasures.erased_among`), with none of their rows.
Saving the same catalogue twice therefore writes nothing the second time;
``import_runs`` gets a row only when a save changed something.

Writes are bulk ``executemany`` in chunks, never row-by-row ORM objects.
Strings with NUL characters and non-finite numbers are rejected before any
write with :class:`~recommender.errors.InvalidCatalog` (PostgreSQL cannot store
NUL; SQLite would silently turn NaN into NULL).
"""

from __future__ import annotations

import hashlib
import math
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    CoursePricing,
    Employee,
    EmployeeSkill,
    Evidence,
    ProtectedAttributes,
    Requirement,
    Role,
    RoleSource,
    Skill,
    SkillCategory,
    SkillLevel,
    Technology,
)
from recommender.errors import InvalidCatalog, Problem
from recommender.store import schema
from recommender.store.corrections import apply_stored, correction_lines
from recommender.store.engine import analyze, write_transaction
from recommender.store.erasures import Forgotten, erased_among, forget_people
from recommender.store.versions import bump, current

__all__ = [
    "TableCounts",
    "SaveResult",
    "save_catalog",
    "load_catalog",
    "load_versioned_catalog",
    "load_protected_attributes",
    "content_fingerprint",
    "delete_employee",
    "load_imported_employee",
    "entity_counts",
    "counts",
]

Row = tuple[Any, ...]
_CHUNK = 10_000
_IN_CHUNK = 500  # ids per IN (...) list; stays far below SQLite's variable limit
_STREAM = 2_000  # rows per fetch when streaming a large table (a server-side cursor on PostgreSQL)
# In a repr() of rows: an escaped NUL, or a bare nan/inf element (a non-finite float).
# Text that merely looks like one ("a, nan)") only costs a closer look.
_SUSPECT = re.compile(r"\\x00|[(\s]-?(?:nan|inf)[,)]")


@dataclass(frozen=True, slots=True)
class TableCounts:
    """What one save did to one table, in rows."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def __add__(self, other: TableCounts) -> TableCounts:
        return TableCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.deleted + other.deleted,
            self.unchanged + other.unchanged,
        )

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


@dataclass(frozen=True)
class SaveResult:
    """The outcome of :func:`save_catalog`.

    Attributes
    ----------
    changed : bool
        Whether any row was inserted, updated or deleted.
    tables : Mapping[str, TableCounts]
        Row counts per catalogue table (every table is listed).
    import_run_id : int or None
        The ``import_runs`` row recorded for this save; ``None`` when nothing changed.
    removed : int
        Stored employees removed because a snapshot save (``replace_employees``) did
        not hold them.
    left_out_erased : int
        Employees of the catalogue (or protected-attribute rows) not saved because the
        person was erased: their id's digest is tombstoned.
    removed_ids, removed_profiles : tuple of str
        Whom the snapshot removed and the profile texts stored for them, for purging
        their vectors after the commit. Personal data: never in ``repr``, never logged.
    """

    changed: bool
    tables: Mapping[str, TableCounts]
    import_run_id: int | None = None
    removed: int = 0
    left_out_erased: int = 0
    removed_ids: tuple[str, ...] = field(default=(), repr=False, compare=False)
    removed_profiles: tuple[str, ...] = field(default=(), repr=False, compare=False)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class _Entity:
    """What one entity writes: its parent row (without hash), child rows per table, digest."""

    id: str
    row: Row
    children: tuple[list[Row], ...]
    digest: str


@dataclass(frozen=True)
class _Kind:
    """How one entity type maps to a parent table and its child tables."""

    table: sa.Table
    children: tuple[sa.Table, ...]
    to_rows: Callable[[Any], tuple[Row, tuple[list[Row], ...]]]


def _real(value: Any) -> float:
    """A number as float, so 3 and 3.0 hash and store alike; refuses text."""
    if isinstance(value, str | bytes):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _listed(parent_id: str, items: Iterable[Row]) -> list[Row]:
    return [(parent_id, position, *item) for position, item in enumerate(items)]


def _texts(parent_id: str, items: Iterable[str]) -> list[Row]:
    return [(parent_id, position, item) for position, item in enumerate(items)]


def _skill_rows(s: Skill) -> tuple[Row, tuple[list[Row], ...]]:
    return (s.id, s.name, str(s.category), s.description), (_texts(s.id, s.aliases),)


def _role_row(r: Role) -> Row:
    days = None if r.median_days_to_fill is None else operator.index(r.median_days_to_fill)
    return (
        r.id,
        str(r.source),
        r.title,
        r.description,
        r.soc_code,
        r.job_family,
        operator.index(r.job_zone),
        operator.index(r.open_positions),
        days,
        bool(r.hard_to_fill),
        r.pay_band,
    )


def _role_rows(r: Role) -> tuple[Row, tuple[list[Row], ...]]:
    return _role_row(r), (
        _listed(r.id, ((q.skill_id, _real(q.level), _real(q.importance)) for q in r.requirements)),
        _texts(r.id, r.tasks),
        _texts(r.id, r.work_activities),
        _listed(
            r.id,
            (
                (t.name, t.commodity_code, t.commodity_title, bool(t.hot), bool(t.in_demand))
                for t in r.technologies
            ),
        ),
        _texts(r.id, r.alternate_titles),
        _listed(r.id, ((name, _real(score)) for name, score in r.interests)),
        _listed(r.id, ((name, _real(score)) for name, score in r.work_styles)),
        _texts(r.id, r.feeder_roles),
    )


def _course_rows(c: Course) -> tuple[Row, tuple[list[Row], ...]]:
    row = (
        c.id,
        c.title,
        c.provider,
        str(c.kind),
        _real(c.hours),
        _real(c.cost),
        c.delivery,
        c.url,
        bool(c.hours_estimated),
        bool(c.cost_estimated),
        c.description,
        str(c.pricing),
    )
    return row, (
        _listed(c.id, ((s.skill_id, _real(s.level)) for s in c.teaches)),
        _listed(c.id, ((s.skill_id, _real(s.level)) for s in c.prerequisite_skills)),
        _texts(c.id, c.prerequisite_courses),
    )


def _employee_rows(e: Employee) -> tuple[Row, tuple[list[Row], ...]]:
    row = (
        e.id,
        e.name,
        e.role_id,
        e.department,
        e.location,
        _real(e.tenure_years),
        e.profile,
        _real(e.weekly_learning_hours),
        bool(e.opted_out),
    )
    skills = _listed(
        e.id, ((s.skill_id, operator.index(s.level), str(s.evidence)) for s in e.skills)
    )
    return row, (skills, _texts(e.id, e.certifications))


_SKILLS = _Kind(schema.skills, (schema.skill_aliases,), _skill_rows)
_ROLES = _Kind(
    schema.roles,
    (
        schema.role_requirements,
        schema.role_tasks,
        schema.role_work_activities,
        schema.role_technologies,
        schema.role_alternate_titles,
        schema.role_interests,
        schema.role_work_styles,
        schema.role_feeders,
    ),
    _role_rows,
)
_COURSES = _Kind(
    schema.courses,
    (schema.course_teaches, schema.course_prerequisite_skills, schema.course_prerequisite_courses),
    _course_rows,
)
_EMPLOYEES = _Kind(
    schema.employees, (schema.employee_skills, schema.employee_certifications), _employee_rows
)


def _entity(kind: _Kind, item: Any, problems: list[Problem]) -> _Entity:
    row, children = kind.to_rows(item)
    payload = repr((row, children))
    if _SUSPECT.search(payload):
        problems.extend(_row_problems(kind.table, row))
        for table, rows in zip(kind.children, children, strict=True):
            for child in rows:
                problems.extend(_row_problems(table, child))
    digest = hashlib.blake2b(payload.encode("utf-8", "backslashreplace"), digest_size=16)
    return _Entity(row[0], row, children, digest.hexdigest())


def _row_problems(table: sa.Table, row: Row) -> Iterator[Problem]:
    for column, value in zip(table.c, row, strict=False):
        reason = _value_problem(value)
        if reason:
            yield Problem(
                "catalog", None, f"{table.name}.{column.name}", f"id {row[0]!r}: {reason}"
            )


def _value_problem(value: Any) -> str | None:
    if isinstance(value, str) and "\x00" in value:
        return f"text {value!r} contains a NUL character (U+0000), which PostgreSQL cannot store"
    if isinstance(value, float) and not math.isfinite(value):
        return f"number {value!r} is not finite"
    return None


def _entities(kind: _Kind, items: Iterable[Any], problems: list[Problem]) -> list[_Entity]:
    return [_entity(kind, item, problems) for item in items]


def _protected_rows(protected: Sequence[ProtectedAttributes], problems: list[Problem]) -> list[Row]:
    rows = [(p.employee_id, p.sex, p.race_ethnicity, p.age_band) for p in protected]
    for row in rows:
        problems.extend(_row_problems(schema.protected_attributes, row))
    return rows


# -------------------------------------------------------------------------- write


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(conn: sa.Connection, table: sa.Table, rows: Sequence[Row]) -> int:
    """Insert ``rows`` (tuples in column order) with the fastest bulk path the driver has."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    elif conn.dialect.name == "sqlite":
        _executemany_tuples(conn, table, rows)
    else:
        keys = [column.name for column in table.c]
        for chunk in _chunks(rows, _CHUNK):
            conn.execute(sa.insert(table), [dict(zip(keys, row, strict=True)) for row in chunk])
    return len(rows)


def _executemany_tuples(conn: sa.Connection, table: sa.Table, rows: Sequence[Row]) -> None:
    # The driver's executemany on a compiled, parameterised INSERT: it skips building a
    # dict per row. Only plain str/int/float/bool/None values reach here.
    values: dict[str, Any] = {column.name: sa.bindparam(column.name) for column in table.c}
    compiled = sa.insert(table).values(values).compile(dialect=conn.dialect)
    if compiled.positiontup != list(values):  # else rows would land in the wrong columns
        raise RuntimeError(
            f"the INSERT into {table.name} binds {compiled.positiontup}, not the table's "
            f"columns {list(values)} in order: refusing to write rows as tuples"
        )
    for chunk in _chunks(rows, _CHUNK):
        conn.exec_driver_sql(str(compiled), list(chunk))


def _copy(conn: sa.Connection, table: sa.Table, rows: Sequence[Row]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` on the transaction's own connection."""
    import psycopg
    from psycopg import sql

    columns = sql.SQL(", ").join(sql.Identifier(column.name) for column in table.c)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name), columns)
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:
        # Surface it like any other statement's error (IntegrityError, DataError...).
        raise sa.exc.DBAPIError.instance(
            f"COPY {table.name}", None, error, psycopg.Error, dialect=conn.dialect
        ) from error


def _update_by_key(conn: sa.Connection, table: sa.Table, rows: Sequence[Row]) -> int:
    key = next(iter(table.primary_key.columns))
    others = [column.name for column in table.c if column is not key]
    statement = sa.update(table).where(key == sa.bindparam("_key"))
    for chunk in _chunks(rows, _CHUNK):
        params = [{"_key": row[0], **dict(zip(others, row[1:], strict=True))} for row in chunk]
        conn.execute(statement, params)
    return len(rows)


def _delete_children(conn: sa.Connection, table: sa.Table, parent_ids: Sequence[str]) -> int:
    parent = table.c[_parent_column(table)]
    deleted = 0
    for chunk in _chunks(parent_ids, _IN_CHUNK):
        deleted += conn.execute(sa.delete(table).where(parent.in_(chunk))).rowcount
    return deleted


def _parent_column(table: sa.Table) -> str:
    return next(iter(table.primary_key.columns)).name


def _save_kind(conn: sa.Connection, kind: _Kind, entities: list[_Entity]) -> dict[str, TableCounts]:
    table = kind.table
    stored = dict(conn.execute(sa.select(table.c.id, table.c.entity_hash)).all())
    new = [e for e in entities if e.id not in stored]
    changed = [e for e in entities if e.id in stored and stored[e.id] != e.digest]
    same = [e for e in entities if stored.get(e.id) == e.digest]
    _insert(conn, table, [(*e.row, e.digest) for e in new])
    _update_by_key(conn, table, [(*e.row, e.digest) for e in changed])
    out = {table.name: TableCounts(len(new), len(changed), 0, len(same))}
    for index, child in enumerate(kind.children):
        deleted = _delete_children(conn, child, [e.id for e in changed])
        inserted = _insert(conn, child, [r for e in (*new, *changed) for r in e.children[index]])
        unchanged = sum(len(e.children[index]) for e in same)
        out[child.name] = TableCounts(inserted, 0, deleted, unchanged)
    return out


def _save_protected(conn: sa.Connection, rows: list[Row]) -> TableCounts:
    table = schema.protected_attributes
    stored = {row[0]: tuple(row) for row in conn.execute(sa.select(table))}
    new = [row for row in rows if row[0] not in stored]
    changed = [row for row in rows if row[0] in stored and stored[row[0]] != row]
    _insert(conn, table, new)
    _update_by_key(conn, table, changed)
    return TableCounts(len(new), len(changed), 0, len(rows) - len(new) - len(changed))


def _content_hash(groups: Iterable[list[_Entity]], protected: list[Row]) -> str:
    digest = hashlib.sha256()
    for entities in groups:
        for entity in sorted(entities, key=lambda e: e.id):
            digest.update(f"{entity.id}\0{entity.digest}\n".encode("utf-8", "backslashreplace"))
    digest.update(repr(sorted(protected, key=lambda r: r[0])).encode("utf-8", "backslashreplace"))
    return digest.hexdigest()


def _record_run(
    conn: sa.Connection,
    kind: str,
    source: str,
    content_hash: str,
    tables: Mapping[str, TableCounts],
    started: datetime,
) -> int:
    values = {
        "kind": kind,
        "source": source,
        "content_hash": content_hash,
        "counts": {name: asdict(count) for name, count in tables.items()},
        "started_at": started,
        "finished_at": datetime.now(UTC),
    }
    key = conn.execute(sa.insert(schema.import_runs).values(values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def save_catalog(
    engine: sa.Engine,
    catalog: Catalog,
    *,
    protected: Sequence[ProtectedAttributes] = (),
    kind: str,
    source: str,
    replace_employees: bool = False,
) -> SaveResult:
    """Upsert every entity of ``catalog`` (and ``protected``) in one transaction.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A database upgraded with :func:`recommender.store.upgrade`.
    catalog : Catalog
        Entities to save. Each replaces the stored entity of the same id,
        child rows included; stored entities absent here are kept (but see
        ``replace_employees``). Employees whose id an erasure tombstoned are left
        out, with their protected attributes, and counted.
    protected : sequence of ProtectedAttributes
        Upserted by employee id; the employee must be in ``catalog`` or stored.
    kind, source : str
        Recorded in ``import_runs`` (e.g. ``"onet"``, ``"db_30_0_text"``).
    replace_employees : bool
        ``catalog.employees`` is the whole workforce (a snapshot): stored employees
        absent from it are removed with every row naming them
        (:func:`recommender.store.erasures.forget_people`), in the same transaction,
        without an erasure tombstone. Roles, skills and courses are upserted as always.

    Returns
    -------
    SaveResult
        ``changed=False`` (and no ``import_runs`` row) when the database
        already held exactly this content. A save that changed anything bumps the
        data version (:func:`recommender.store.versions.bump`) in its transaction.

    Raises
    ------
    InvalidCatalog
        A string holds a NUL character or a number is not finite; nothing is written.
    sqlalchemy.exc.IntegrityError
        A reference (role, skill, prerequisite course) or a CHECK fails;
        the whole save is rolled back.
    """
    started = datetime.now(UTC)
    problems: list[Problem] = []
    groups = [
        (_SKILLS, _entities(_SKILLS, catalog.skills.values(), problems)),
        (_ROLES, _entities(_ROLES, catalog.roles.values(), problems)),
        (_COURSES, _entities(_COURSES, catalog.courses.values(), problems)),
        (_EMPLOYEES, _entities(_EMPLOYEES, catalog.employees.values(), problems)),
    ]
    protected_rows = _protected_rows(protected, problems)
    for name, value in (("kind", kind), ("source", source)):
        reason = _value_problem(value)
        if reason:
            problems.append(Problem("save_catalog", None, name, reason))
    if problems:
        raise InvalidCatalog(problems)
    tables: dict[str, TableCounts] = {table.name: TableCounts() for table in schema.CATALOG_TABLES}
    with write_transaction(engine) as conn:
        # Read inside the write transaction: an erasure committed meanwhile is seen.
        erased = erased_among(conn, [*catalog.employees, *(row[0] for row in protected_rows)])
        if erased:
            groups[-1] = (_EMPLOYEES, [e for e in groups[-1][1] if e.id not in erased])
            protected_rows = [row for row in protected_rows if row[0] not in erased]
        for entity_kind, entities in groups:
            tables.update(_save_kind(conn, entity_kind, entities))
        tables["protected_attributes"] = _save_protected(conn, protected_rows)
        forgotten = _remove_absent(conn, catalog) if replace_employees else None
        if forgotten is not None:
            for name, deleted in forgotten.rows_deleted.items():
                if name in tables:
                    tables[name] += TableCounts(deleted=deleted)
        changed = any(count.changed for count in tables.values())
        run_id = None
        if changed:
            content = _content_hash((entities for _, entities in groups), protected_rows)
            run_id = _record_run(conn, kind, source, content, tables, started)
            bump(conn, f"save {kind}")  # last: the version row stays locked until commit
    _analyze_if_bulk(engine, tables)
    return SaveResult(
        changed,
        MappingProxyType(tables),
        run_id,
        removed=forgotten.people if forgotten else 0,
        left_out_erased=len(erased),
        removed_ids=forgotten.ids if forgotten else (),
        removed_profiles=forgotten.profiles if forgotten else (),
    )


#: Rows written by one save from which PostgreSQL's statistics are refreshed at once.
ANALYZE_ROWS = 1_000


def _analyze_if_bulk(engine: sa.Engine, tables: Mapping[str, TableCounts]) -> None:
    """After a save that wrote many rows, refresh the planner statistics of the tables it
    wrote (:func:`~recommender.store.engine.analyze`; PostgreSQL only)."""
    written = {
        name
        for name, count in tables.items()
        if count.inserted + count.updated + count.deleted >= ANALYZE_ROWS
    }
    analyze(engine, [schema.metadata.tables[name] for name in sorted(written)])


def _remove_absent(conn: sa.Connection, catalog: Catalog) -> Forgotten:
    """Remove stored employees that ``catalog`` does not hold (a snapshot's leavers)."""
    stored = conn.execute(sa.select(schema.employees.c.id)).scalars()
    absent = [i for i in stored if i not in catalog.employees]
    return forget_people(conn, absent)


# --------------------------------------------------------------------------- read

_CATEGORY = {c.value: c for c in SkillCategory}
_SOURCE = {s.value: s for s in RoleSource}
_COURSE_KIND = {k.value: k for k in CourseKind}
_EVIDENCE = {e.value: e for e in Evidence}


def _grouped(
    conn: sa.Connection, table: sa.Table, parents: sa.Select[Any] | None = None
) -> dict[str, list[Row]]:
    """Child rows per parent id, in saved order, without the parent id and position."""
    parent = table.c[_parent_column(table)]
    columns = [c for c in table.c if c.name not in (parent.name, "position")]
    query = sa.select(parent, *columns).order_by(parent, table.c.position)
    if parents is not None:
        query = query.where(parent.in_(parents))
    out: dict[str, list[Row]] = defaultdict(list)
    for row in conn.execute(query):
        out[row[0]].append(row[1:])
    return out


def _parents(conn: sa.Connection, table: sa.Table, where: Any = None) -> list[Row]:
    columns = [c for c in table.c if c.name != "entity_hash"]
    query = sa.select(*columns)
    if where is not None:
        query = query.where(where)
    return sorted(conn.execute(query), key=lambda row: row[0])


def _load_skills(conn: sa.Connection) -> list[Skill]:
    aliases = _grouped(conn, schema.skill_aliases)
    return [
        Skill(id_, name, _CATEGORY[category], description, tuple(a for (a,) in aliases[id_]))
        for id_, name, category, description in _parents(conn, schema.skills)
    ]


def _load_roles(conn: sa.Connection, sources: Collection[RoleSource] | None) -> list[Role]:
    where = None if sources is None else schema.roles.c.source.in_([str(s) for s in sources])
    ids = None if where is None else sa.select(schema.roles.c.id).where(where)
    children = [_grouped(conn, table, ids) for table in _ROLES.children]
    return [
        _role(row, [child[row[0]] for child in children])
        for row in _parents(conn, schema.roles, where)
    ]


def _role(row: Row, children: list[list[Row]]) -> Role:
    id_, source, title, description, soc, family, zone, open_, days, hard, band = row
    requirements, tasks, activities, technologies, titles, interests, styles, feeders = children
    return Role(
        id=id_,
        title=title,
        description=description,
        soc_code=soc,
        job_family=family,
        job_zone=zone,
        requirements=tuple(Requirement(*r) for r in requirements),
        open_positions=open_,
        median_days_to_fill=days,
        hard_to_fill=hard,
        pay_band=band,
        source=_SOURCE[source],
        tasks=tuple(t for (t,) in tasks),
        work_activities=tuple(a for (a,) in activities),
        technologies=tuple(Technology(*t) for t in technologies),
        alternate_titles=tuple(t for (t,) in titles),
        interests=tuple((name, score) for name, score in interests),
        work_styles=tuple((name, score) for name, score in styles),
        feeder_roles=tuple(f for (f,) in feeders),
    )


def _load_courses(conn: sa.Connection) -> list[Course]:
    teaches, prereq_skills, prereq_courses = (_grouped(conn, t) for t in _COURSES.children)
    return [
        Course(
            id=id_,
            title=title,
            provider=provider,
            kind=_COURSE_KIND[kind],
            hours=hours,
            cost=cost,
            delivery=delivery,
            teaches=tuple(SkillLevel(*s) for s in teaches[id_]),
            prerequisite_skills=tuple(SkillLevel(*s) for s in prereq_skills[id_]),
            prerequisite_courses=tuple(c for (c,) in prereq_courses[id_]),
            url=url,
            hours_estimated=hours_est,
            cost_estimated=cost_est,
            description=description,
            pricing=CoursePricing(pricing),
        )
        for (
            id_,
            title,
            provider,
            kind,
            hours,
            cost,
            delivery,
            url,
            hours_est,
            cost_est,
            description,
            pricing,
        ) in _parents(conn, schema.courses)
    ]


def _load_employees(conn: sa.Connection) -> list[Employee]:
    """Every employee, ordered by id; their rows streamed, so the peak stays near the result.

    At 100,000 people the skill rows number about 1.5 million: materialising them all
    before building the employees (as the other entities are loaded) nearly doubled the load's
    peak memory, which a worker keeps as its high-water mark.
    """
    shared = _Shared()
    skills = _Children(_streamed_children(conn, schema.employee_skills))
    certifications = _Children(_streamed_children(conn, schema.employee_certifications))
    table = schema.employees
    parents = sa.select(*(c for c in table.c if c.name != "entity_hash")).order_by(table.c.id)
    employees = [
        _employee(row, skills.of(row[0]), certifications.of(row[0]), shared)
        for row in conn.execute(parents, execution_options={"yield_per": _STREAM})
    ]
    skills.check_consumed(schema.employee_skills)
    certifications.check_consumed(schema.employee_certifications)
    employees.sort(key=operator.attrgetter("id"))  # Python's order, as _parents sorts
    return employees


def load_imported_employee(conn: sa.Connection, employee_id: str) -> Employee | None:
    """One person's record as imported (no correction applied), read in ``conn``'s
    transaction; ``None`` if not stored."""
    found = _parents(conn, schema.employees, schema.employees.c.id == employee_id)
    if not found:
        return None
    return _employee(
        found[0],
        _streamed_children(conn, schema.employee_skills, employee_id),
        _streamed_children(conn, schema.employee_certifications, employee_id),
        _Shared(),
    )


def _employee(
    row: Row, skills: Iterable[Row], certifications: Iterable[Row], shared: _Shared
) -> Employee:
    id_, name, role_id, department, location, tenure, profile, hours, opted_out = row
    return Employee(
        id=id_,
        name=name,
        role_id=shared.text(role_id),
        department=shared.text(department),
        location=shared.text(location),
        tenure_years=shared.number(tenure),
        skills=tuple(shared.employee_skill(s, level, ev) for _, s, level, ev in skills),
        certifications=tuple(shared.text(c) for _, c in certifications),
        profile=profile,
        weekly_learning_hours=shared.number(hours),
        opted_out=opted_out,
    )


class _Shared:
    """One object per distinct value while loading employees (a flyweight table).

    A hundred thousand people hold about fifteen skills each, but only a few thousand
    distinct (skill, level, evidence) triples, a few dozen roles, departments and
    certifications: each driver row brings its own copies, which would be kept. All
    these values are immutable, so sharing them changes neither equality nor ``repr``.
    """

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._numbers: dict[float, float] = {}
        self._skills: dict[tuple[str, int, str], EmployeeSkill] = {}

    def text(self, value: str) -> str:
        return self._texts.setdefault(value, value)

    def number(self, value: float) -> float:
        # 0.0 == -0.0, yet they print differently: zeros stay as read.
        return self._numbers.setdefault(value, value) if value else value

    def employee_skill(self, skill_id: str, level: int, evidence: str) -> EmployeeSkill:
        key = (skill_id, level, evidence)
        found = self._skills.get(key)
        if found is None:
            found = EmployeeSkill(self.text(skill_id), level, _EVIDENCE[evidence])
            self._skills[key] = found
        return found


def _streamed_children(
    conn: sa.Connection, table: sa.Table, parent_id: str | None = None
) -> Iterator[Row]:
    """Child rows ``(parent id, *columns)`` ordered by parent id and position, streamed
    (only ``parent_id``'s when given)."""
    parent = table.c[_parent_column(table)]
    columns = [c for c in table.c if c.name not in (parent.name, "position")]
    query = sa.select(parent, *columns).order_by(parent, table.c.position)
    if parent_id is not None:
        query = query.where(parent == parent_id)
    return iter(conn.execute(query, execution_options={"yield_per": _STREAM}))


class _Children:
    """Child rows ordered by parent id, handed out one parent at a time.

    The parents must be visited in the order of the rows: read with the same ``ORDER
    BY`` on the same database (whatever its collation), so only the current row is held.
    """

    def __init__(self, rows: Iterator[Row]) -> None:
        self._rows = rows
        self._next: Row | None = next(rows, None)

    def of(self, parent_id: str) -> Iterator[Row]:
        """The rows of ``parent_id`` (none if the next row is another parent's)."""
        while self._next is not None and self._next[0] == parent_id:
            yield self._next
            self._next = next(self._rows, None)

    def check_consumed(self, table: sa.Table) -> None:
        """Refuse a row left over: its parent came in another order, or never came."""
        if self._next is not None:
            raise RuntimeError(
                f"{table.name} row of {self._next[0]!r} was not read in the order of its "
                "parents: refusing to load a catalogue that would lack it"
            )


def _snapshot(engine: sa.Engine) -> sa.Connection:
    """A connection whose reads all see one snapshot (PostgreSQL defaults to per statement)."""
    conn = engine.connect()
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def load_catalog(
    engine: sa.Engine,
    *,
    role_sources: Collection[RoleSource] | None = None,
    include_employees: bool = True,
) -> Catalog:
    """Rebuild the saved catalogue: entities ordered by id, child items in saved order.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database to read.
    role_sources : collection of RoleSource, optional
        Load only roles from these sources (e.g. ``{RoleSource.ORG}``); all by default.
    include_employees : bool
        Load employees too (default); skills and courses are always loaded.
    """
    with _snapshot(engine) as conn, conn.begin():
        return _read_catalog(conn, role_sources, include_employees)


def load_versioned_catalog(engine: sa.Engine) -> tuple[Catalog, int]:
    """The whole saved catalogue and the data version it is (read in one snapshot).

    Examples
    --------
    >>> from recommender.store import make_engine, upgrade
    >>> engine = make_engine("sqlite://")
    >>> upgrade(engine)
    >>> catalog, version = load_versioned_catalog(engine)
    >>> len(catalog.employees), version
    (0, 1)
    """
    with _snapshot(engine) as conn, conn.begin():
        version = current(conn)
        return _read_catalog(conn, None, True), version


def _read_catalog(
    conn: sa.Connection, role_sources: Collection[RoleSource] | None, include_employees: bool
) -> Catalog:
    skills = _load_skills(conn)
    roles = _load_roles(conn, role_sources)
    courses = _load_courses(conn)
    employees = apply_stored(conn, _load_employees(conn)) if include_employees else []
    return Catalog.from_items(skills, roles, courses, employees)


def load_protected_attributes(engine: sa.Engine) -> dict[str, ProtectedAttributes]:
    """Protected attributes by employee id; for fairness audits only."""
    table = schema.protected_attributes
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.employee_id)).all()
    return {row[0]: ProtectedAttributes(*row) for row in rows}


# ---------------------------------------------------------------------- utilities


def content_fingerprint(engine: sa.Engine) -> str:
    """A SHA-256 over every catalogue table's rows, sorted; ``import_runs`` is excluded.

    Two databases with equal fingerprints hold the same rows with the same
    values (also across SQLite and PostgreSQL: rows are sorted in Python, not
    by database collation).
    """
    digest = hashlib.sha256()
    with _snapshot(engine) as conn, conn.begin():
        for table in schema.CATALOG_TABLES:
            lines = sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
            digest.update(f"{table.name}\t{len(lines)}\n".encode())
            for line in lines:
                digest.update(line.encode("utf-8", "backslashreplace") + b"\n")
        corrections = correction_lines(conn)  # none: the digest of the catalogue alone
        if corrections:
            digest.update(f"employee_corrections\t{len(corrections)}\n".encode())
            for line in corrections:
                digest.update(line.encode("utf-8", "backslashreplace") + b"\n")
    return digest.hexdigest()


def delete_employee(engine: sa.Engine, employee_id: str) -> bool:
    """Remove an employee as a snapshot import removes a leaver, in one transaction.

    Every row naming them goes (:func:`recommender.store.erasures.forget_people`:
    record, skills, certifications, protected attributes, keys, shortlist entries;
    access-log ids tombstoned), but no erasure tombstone is recorded, so a later
    import may bring them back. To erase a person, use
    :func:`recommender.erasure.erase_employee`.

    Returns
    -------
    bool
        ``True`` if the employee existed (the data version was then bumped).
    """
    with write_transaction(engine) as conn:
        removed = bool(forget_people(conn, [employee_id]).people)
        if removed:
            bump(conn, "employee removed")
        return removed


def entity_counts(engine: sa.Engine) -> dict[str, int]:
    """Stored skills, roles, courses and employees: all zero in a database without data."""
    tables = (schema.skills, schema.roles, schema.courses, schema.employees)
    with _snapshot(engine) as conn, conn.begin():
        return {
            table.name: int(
                conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
            for table in tables
        }


def counts(engine: sa.Engine) -> dict[str, int]:
    """Rows per table: every catalogue table and ``import_runs``."""
    tables = (*schema.CATALOG_TABLES, schema.import_runs)
    with _snapshot(engine) as conn, conn.begin():
        return {
            table.name: int(
                conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
            for table in tables
        }
