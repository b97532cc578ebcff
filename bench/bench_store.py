"""Benchmark the store: save and load O*NET-sized and 100k-employee catalogues.

Usage::

    python bench/bench_store.py                      # SQLite in a temporary directory
    python bench/bench_store.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/bench_store.py --onet /work/shared/onet   # also the real O*NET import

With ``--postgres`` the URL names a server and a database to connect to; the
benchmark creates a scratch database next to it and drops it afterwards.

Targets (from the store's brief): an O*NET-sized catalogue (923 roles x 68
requirements, ~18k tasks, ~20k activities, ~32k technologies, ~45k titles)
saves in under 20 s; 100,000 employees with 15 skills each save in under 60 s.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from recommender.catalog import (
    Catalog,
    Employee,
    EmployeeSkill,
    Evidence,
    Requirement,
    Role,
    RoleSource,
    Skill,
    SkillCategory,
    Technology,
)
from recommender.store import counts, load_catalog, make_engine, save_catalog, upgrade

Results = list[tuple[str, str, str, float]]
Fresh = Callable[[], AbstractContextManager[str]]

ONET_ROLES = 923
EMPLOYEES = 100_000
SKILLS_PER_EMPLOYEE = 15


def onet_sized_catalog(seed: int = 0) -> Catalog:
    """A synthetic catalogue with the shape and row counts of the O*NET database."""
    rng = random.Random(seed)
    skills = [Skill(f"2.A.{i}", f"Skill {i}", SkillCategory.ONET_SKILL) for i in range(35)]
    skills += [Skill(f"2.C.{i}", f"Knowledge {i}", SkillCategory.ONET_KNOWLEDGE) for i in range(33)]
    roles = [_onet_role(i, skills, rng) for i in range(ONET_ROLES)]
    return Catalog.from_items(skills, roles)


def _onet_role(i: int, skills: list[Skill], rng: random.Random) -> Role:
    code = f"{11 + i % 43}-{i:04d}.00"
    words = (
        "assess patient records schedule maintain inventory analyse report coordinate staff".split()
    )

    def sentence(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."

    return Role(
        id=code,
        title=f"Occupation {i}",
        description=sentence(30),
        soc_code=code,
        job_family=f"Family {i % 23}",
        job_zone=1 + i % 5,
        requirements=tuple(Requirement(s.id, 1 + 4 * rng.random(), rng.random()) for s in skills),
        source=RoleSource.ONET,
        tasks=tuple(sentence(14) for _ in range(20 if i % 2 else 19)),
        work_activities=tuple(f"Activity {j}" for j in range(22 if i % 4 else 21)),
        technologies=tuple(
            Technology(f"Tech {rng.randrange(9000)} {j}", f"4323{j:04d}", "Software", j % 7 == 0)
            for j in range(35 if i % 3 else 34)
        ),
        alternate_titles=tuple(f"Title {i}-{j}" for j in range(49 if i % 5 else 48)),
        interests=tuple((name, rng.random() * 7) for name in "RIASEC"),
        work_styles=tuple((f"Style {j}", rng.random() * 5) for j in range(16)),
    )


def employees_catalog(seed: int = 1, changed: int = 0) -> Catalog:
    """100k employees in 50 org roles, 15 skills each out of 200; ``changed`` get one more year."""
    rng = random.Random(seed)
    skills = [Skill(f"s{i:03d}", f"Org skill {i}", SkillCategory.CLINICAL) for i in range(200)]
    roles = [
        Role(
            f"r{i:02d}", f"Role {i}", "", "29-1141.00", "Nursing", 3, (Requirement("s000", 3, 1.0),)
        )
        for i in range(50)
    ]
    evidence = list(Evidence)
    employees = []
    for i in range(EMPLOYEES):
        picked = rng.sample(range(200), SKILLS_PER_EMPLOYEE)
        employees.append(
            Employee(
                id=f"E{i:06d}",
                name=f"Person {i}",
                role_id=f"r{i % 50:02d}",
                department=f"Dept {i % 40}",
                location=f"Site {i % 7}",
                tenure_years=round(rng.random() * 30, 1) + (1 if i < changed else 0),
                skills=tuple(
                    EmployeeSkill(f"s{s:03d}", 1 + rng.randrange(5), rng.choice(evidence))
                    for s in picked
                ),
                certifications=("BLS",) if i % 3 == 0 else (),
            )
        )
    return Catalog.from_items(skills, roles, employees=employees)


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str]:
    name = f"reskill_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(results: Results, backend: str, step: str, rows: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = action()
    seconds = time.perf_counter() - start
    results.append((backend, step, rows, seconds))
    print(f"  {backend:<10} {step:<44} {rows:>22} {seconds:8.2f} s", flush=True)
    return value


def bench_backend(fresh: Fresh, backend: str, onet_dir: Path | None, results: Results) -> None:
    """Each scenario runs on its own empty database."""
    with fresh() as url:
        _bench_synthetic_onet(_engine(url), backend, results)
    with fresh() as url:
        _bench_employees(_engine(url), backend, results)
    with fresh() as url:
        _bench_vectors(_engine(url), backend, results)
    if onet_dir is not None:
        with fresh() as url:
            _bench_real_onet(_engine(url), backend, onet_dir, results)


def _engine(url: str) -> sa.Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def _bench_synthetic_onet(engine: sa.Engine, backend: str, results: Results) -> None:
    onet = onet_sized_catalog()
    rows = _describe(onet)
    timed(
        results,
        backend,
        "synthetic O*NET: first save",
        rows,
        lambda: save_catalog(engine, onet, kind="bench", source="synthetic-onet"),
    )
    timed(
        results,
        backend,
        "synthetic O*NET: save again (unchanged)",
        rows,
        lambda: save_catalog(engine, onet, kind="bench", source="synthetic-onet"),
    )
    timed(results, backend, "synthetic O*NET: load_catalog", rows, lambda: load_catalog(engine))
    print(f"  {backend} row counts: {counts(engine)}")
    engine.dispose()


def _bench_employees(engine: sa.Engine, backend: str, results: Results) -> None:
    people = employees_catalog()
    rows = f"{EMPLOYEES} emp x {SKILLS_PER_EMPLOYEE} skills"
    timed(
        results,
        backend,
        "100k employees: first save",
        rows,
        lambda: save_catalog(engine, people, kind="bench", source="employees"),
    )
    timed(
        results,
        backend,
        "100k employees: save again (unchanged)",
        rows,
        lambda: save_catalog(engine, people, kind="bench", source="employees"),
    )
    some_changed = employees_catalog(changed=1000)
    timed(
        results,
        backend,
        "100k employees: save, 1,000 changed",
        rows,
        lambda: save_catalog(engine, some_changed, kind="bench", source="employees"),
    )
    timed(results, backend, "100k employees: load_catalog", rows, lambda: load_catalog(engine))
    print(f"  {backend} row counts: {counts(engine)}")
    engine.dispose()


def _bench_vectors(engine: sa.Engine, backend: str, results: Results) -> None:
    """What a worker starting on a prepared version reads: every profile's stored vector."""
    from recommender.store.vectors import DatabaseEmbeddingCache

    cache = DatabaseEmbeddingCache(engine)
    texts = [f"profile {i}" for i in range(EMPLOYEES)]
    vectors = np.random.default_rng(0).standard_normal((EMPLOYEES, 384)).astype(np.float32)
    rows = f"{EMPLOYEES} x 384 float16"
    timed(results, backend, "100k vectors: put", rows, lambda: cache.put("bench", texts, vectors))
    got = timed(
        results,
        backend,
        "100k vectors: get (a worker's start)",
        rows,
        lambda: cache.get("bench", texts),
    )
    assert len(got) == EMPLOYEES
    engine.dispose()


def _bench_real_onet(engine: sa.Engine, backend: str, onet_dir: Path, results: Results) -> None:
    from recommender.ingest.onet import load_onet

    real = timed(
        results,
        backend,
        "real O*NET: load_onet (ingest, not store)",
        "",
        lambda: load_onet(onet_dir),
    )
    rows = _describe(real)
    timed(
        results,
        backend,
        "real O*NET: first save",
        rows,
        lambda: save_catalog(engine, real, kind="bench", source=str(onet_dir)),
    )
    timed(
        results,
        backend,
        "real O*NET: save again (unchanged)",
        rows,
        lambda: save_catalog(engine, real, kind="bench", source=str(onet_dir)),
    )
    loaded = timed(results, backend, "real O*NET: load_catalog", rows, lambda: load_catalog(engine))
    assert loaded == real, "real O*NET catalogue did not round-trip"
    print(f"  {backend} row counts: {counts(engine)}")
    engine.dispose()


@contextmanager
def scratch_sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


def _describe(catalog: Catalog) -> str:
    roles = catalog.roles.values()
    requirements = sum(len(r.requirements) for r in roles)
    titles = sum(len(r.alternate_titles) for r in roles)
    return f"{len(catalog.roles)} roles, {requirements} req, {titles} titles"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL at URL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--onet", metavar="DIR", type=Path, help="also save the real O*NET import")
    args = parser.parse_args()
    results: list[tuple[str, str, str, float]] = []
    if not args.no_sqlite:
        bench_backend(scratch_sqlite, "sqlite", args.onet, results)
    if args.postgres:
        admin_url: str = args.postgres
        bench_backend(lambda: scratch_postgres(admin_url), "postgresql", args.onet, results)
    print()
    print(f"{'backend':<10} {'step':<44} {'rows':>38} {'seconds':>8}")
    for backend, step, rows, seconds in results:
        print(f"{backend:<10} {step:<44} {rows:>38} {seconds:8.2f}")


if __name__ == "__main__":
    main()
