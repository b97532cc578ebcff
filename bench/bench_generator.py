"""Time `generate_employees` + `write_employee_tables` for 100,000 employees; print figures.

Run: .venv/bin/python bench/bench_generator.py [N]
Uses a synthetic catalogue of 40 roles x 8 requirements over 160 skills, 24 certifications.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    Requirement,
    Role,
    Skill,
    SkillCategory,
    SkillLevel,
)
from recommender.generator import generate_employees, write_employee_tables

FAMILIES = [
    "Nursing",
    "IT Support",
    "Security",
    "Infrastructure",
    "Informatics",
    "Health Information",
    "Data & AI",
    "Patient Access",
    "Revenue Cycle",
    "Clinical",
]
TITLES = [
    "Registered Nurse",
    "Help Desk Technician",
    "SOC Analyst",
    "Network Engineer",
    "Nurse Informaticist",
    "Medical Coder",
    "Data Analyst",
    "Patient Access Representative",
    "Billing Specialist",
    "Medical Assistant",
]


def catalogue() -> Catalog:
    rng = random.Random(0)
    cats = list(SkillCategory)[:7]
    skills = [Skill(f"s{i}", f"Skill number {i}", cats[i % 7]) for i in range(160)]
    roles = []
    for i in range(40):
        reqs = tuple(
            Requirement(f"s{j}", rng.randint(1, 5), rng.choice([0.2, 0.4, 0.6, 0.9]))
            for j in rng.sample(range(i * 4 % 160, i * 4 % 160 + 16), 8)
            if j < 160
        )
        title = "Chief Nursing Officer" if i == 39 else f"{TITLES[i % 10]} {i // 10 + 1}"
        roles.append(Role(f"r{i}", title, "", "00-0000.00", FAMILIES[i % 10], 3, reqs))
    courses = []
    for i in range(24):
        base = rng.choice(roles).requirements
        courses.append(
            Course(
                f"c{i}",
                f"Cert {i}",
                "X",
                CourseKind.CERTIFICATION,
                40,
                300,
                "online",
                tuple(SkillLevel(q.skill_id, 3) for q in base[:3]),
            )
        )
    return Catalog.from_items(skills, roles, courses)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    catalog = catalogue()
    t0, c0 = time.perf_counter(), time.process_time()
    population = generate_employees(catalog, n, seed=2026)
    t1, c1 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        counts = write_employee_tables(tmp, population)
        t2, c2 = time.perf_counter(), time.process_time()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"employees            {n:>12,}")
    for name, rows in counts.items():
        print(f"{name:<28} {rows:>12,} rows")
    print(f"{'':<20} {'wall s':>11} {'cpu s':>8}")
    print(f"generate             {t1 - t0:>11.2f} {c1 - c0:>8.2f}")
    print(f"write                {t2 - t1:>11.2f} {c2 - c1:>8.2f}")
    print(f"total                {t2 - t0:>11.2f} {c2 - c0:>8.2f}")
    print(f"load average         {os.getloadavg()[0]:>11.2f} (cores: {os.cpu_count()})")
    print(f"files                {size / 2**20:>11.1f} MiB")
    print(f"peak RSS             {peak:>11.0f} MiB")


if __name__ == "__main__":
    main()
