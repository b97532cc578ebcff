"""One benchmark command: ``python -m bench`` (from the repository root).

It measures on the machine it runs on and prints the conditions (CPU, memory, software,
database, sizes, date, commit) and one table: O*NET import; embedding throughput (titles,
profiles); transitions for every O*NET occupation; one plan; stepping stones between all
role pairs; shortlists; the HTTP API under wrk (person read, opportunities, a shortlist, a
people search) with one and two workers, with start-up and peak memory per worker. Each
figure sits beside a bare-tool baseline measured in the same run (numpy, scipy, networkx,
sentence-transformers, a bare FastAPI route: ``../shared/PERFORMANCE_NOTES.md``) and
their ratio. The results also go to a JSON file, so that runs can be compared.

Usage::

    python -m bench --quick                          # tiny sizes, about two minutes
    python -m bench                                  # 1,000 and 10,000 employees, SQLite
    python -m bench --employees 10000 --only api --workers 1,2
    python -m bench --database-url postgresql+psycopg://postgres@127.0.0.1/test
    python -m bench --employees 100000               # opt-in: encodes 100,000 profiles once
    python -m bench --show bench/results/FILE.json --format markdown   # a saved run's table

Exit status: 0 when every section ran (whatever the timings), 1 when one raised; its
error is in the table's notes and the JSON, and the other sections still ran. A missing
``wrk`` or O*NET folder skips those sections with a note; that is not a failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
CACHE = Path.home() / ".cache" / "reskill" / "embeddings"
#: Sizes above this encode so many profiles on a first run that they are opt-in.
LARGE = 50_000


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return sizes


def _sections(text: str) -> list[str]:
    from bench._suite import SECTIONS

    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown section {unknown}; choose from {SECTIONS}")
    return names


def parser() -> argparse.ArgumentParser:
    from bench._suite import SECTIONS

    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="tiny sizes, short runs (CI)")
    p.add_argument(
        "--employees",
        type=_sizes,
        help="API sizes: a database of this many generated employees each "
        "(default 1000,10000; quick 200); 100000 is opt-in (a first run encodes every profile)",
    )
    p.add_argument(
        "--shortlist-employees",
        type=_sizes,
        help="in-process shortlist sizes, 250 real profile vectors (bf16) tiled "
        "(default 10000,100000; quick 200)",
    )
    p.add_argument("--workers", type=_sizes, help="API worker counts (default 1,2; quick 1)")
    p.add_argument("--duration", type=int, help="seconds of each wrk run (default 10; quick 2)")
    p.add_argument("--connections", type=int, default=50, help="wrk connections (default 50)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql+psycopg://user@host/db): each measure runs in a "
        "scratch database created beside it and dropped; default: SQLite files",
    )
    p.add_argument(
        "--onet",
        type=Path,
        help="the O*NET text database (default: $RESKILL_ONET_DIR, $RESKILL_TEST_ONET_DIR or "
        "../shared/onet beside the checkout; skipped when none exists)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        help="embedding cache (default: $RESKILL_EMBEDDING_CACHE or ~/.cache/reskill/embeddings)",
    )
    p.add_argument("--json", type=Path, help="results file (default bench/results/DATE-HOST.json)")
    p.add_argument(
        "--only",
        type=_sections,
        action="extend",
        default=[],
        help=f"run only these sections, comma-separated or repeated: {', '.join(SECTIONS)}",
    )
    p.add_argument("--repeat", type=int, help="repeats of the short measures (default 3; quick 1)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument(
        "--fp32-setup",
        action="store_true",
        help="prepare the API sizes in fp32 even where the CPU computes bf16 natively (default: "
        "bf16 there, 1.5x faster; fp32 elsewhere, where emulated bf16 is 3x slower)",
    )
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument(
        "--show", type=Path, metavar="JSON", help="print a results file's table; measure nothing"
    )
    p.add_argument("--keep", type=Path, help="keep databases and server logs in this folder")
    return p


def _onet(given: Path | None) -> Path | None:
    candidates = [given] if given else []
    candidates += [
        Path(os.environ[v])
        for v in ("RESKILL_ONET_DIR", "RESKILL_TEST_ONET_DIR")
        if os.environ.get(v)
    ]
    candidates.append(REPO.parent / "shared" / "onet")
    return next((c for c in candidates if (c / "Skills.txt").is_file()), None)


def plan_from(args: argparse.Namespace, work: Path):  # type: ignore[no-untyped-def]
    from bench._suite import Plan

    quick = args.quick
    cache = args.cache_dir or Path(os.environ.get("RESKILL_EMBEDDING_CACHE") or CACHE)
    return Plan(
        quick=quick,
        employees=args.employees or ((200,) if quick else (1_000, 10_000)),
        shortlist_employees=args.shortlist_employees or ((200,) if quick else (10_000, 100_000)),
        workers=args.workers or ((1,) if quick else (1, 2)),
        duration=args.duration or (2 if quick else 10),
        connections=args.connections,
        threads=args.wrk_threads,
        database_url=args.database_url,
        cache_dir=cache,
        onet=_onet(args.onet),
        only=frozenset(args.only),
        seed=args.seed,
        repeat=args.repeat or (1 if quick else 3),
        bf16_setup=False if args.fp32_setup else None,
        work=work,
    )


def settings(plan) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from bench._conditions import database
    from bench._suite import QUICK_OCCUPATIONS

    return {
        "mode": "quick" if plan.quick else "full",
        "database": database(plan.database_url),
        "employees_api": list(plan.employees),
        "employees_shortlists": list(plan.shortlist_employees),
        "api_workers": list(plan.workers),
        "wrk_settings": f"-t{plan.threads} -c{plan.connections} -d{plan.duration}s --latency",
        "onet": str(plan.onet) + (f" ({QUICK_OCCUPATIONS} occupations of it)" if plan.quick else "")
        if plan.onet
        else "none",
        "embedding_cache": str(plan.cache_dir),
        "sections": sorted(plan.only) or "all",
    }


def default_json(quick: bool) -> Path:
    stamp = dt.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    return RESULTS / f"{stamp}-{socket.gethostname()}{'-quick' if quick else ''}.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser().error("--database-url names a PostgreSQL server; SQLite is the default")
    # Offline, and no model-loading progress bars between the progress lines.
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(name, "1")
    from rich.console import Console

    from bench._conditions import conditions, load_average
    from bench._report import Report, print_markdown, print_text
    from bench._suite import progress, run

    console = Console(width=None if sys.stdout.isatty() else 220)
    show = print_markdown if args.format == "markdown" else print_text
    if args.show:
        show(Report.from_json(json.loads(args.show.read_text(encoding="utf-8"))), console)
        return 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reskill-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        plan = plan_from(args, work)
        if max(plan.employees) > LARGE and (not plan.only or "api" in plan.only):
            progress(
                f"{max(plan.employees):,} employees: a first run prepares every profile and "
                "first page (about 20-30 min per 100,000 on two cores); later runs reuse the "
                "vectors from the on-disk cache"
            )
        report = Report(conditions(settings(plan)))
        if args.keep:
            report.conditions["kept_in"] = str(work)
        run(plan, report)
        report.conditions["load_average_at_end"] = load_average()
        report.conditions["seconds"] = round(time.perf_counter() - started, 1)
    path = args.json or default_json(plan.quick)
    report.write_json(path)
    show(report, console)
    print(f"results: {path}", file=sys.stderr)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
