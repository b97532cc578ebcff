"""Person-read throughput, paired: this code against a bare FastAPI route and, optionally,
another checkout of reskill (the code before a change), in alternating rounds.

Usage::

    python bench/bench_person_read.py                         # this code and the bare route
    git worktree add /tmp/before cd6d1bb
    python bench/bench_person_read.py --against /tmp/before   # ... and that checkout

Needs Debian's ``wrk``. Not run in CI (timings never fail a build).

Each server serves ``--n`` generated employees (default 2,000) from its own SQLite database,
initialised by its own code (``reskill init``), with a talent key of its own. Every round runs
``wrk -t2 -c50`` for ``--duration`` seconds against each server in turn (the order rotates
each round), rotating through 1,000 employee ids for ``GET /v1/employees/{id}`` (and, with
``--opportunities``, their first page of opportunities); the bare route is
``bench/_bare_app.py``. Server and wrk share the machine's cores, so only figures from the
same run compare: the table gives each round and the medians, and each ratio is taken per
round before its median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from contextlib import AbstractContextManager
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import (  # noqa: E402 - beside this file
    REPO,
    Scenario,
    Served,
    _env,
    embed_profiles,
    prepare_dataset,
    run_wrk,
    scenarios,
    serve,
    serve_bare,
)

console = Console(width=150)
err = Console(stderr=True)

_KEY = (
    "import sys\n"
    "from recommender.access import Role\n"
    "from recommender.store import make_engine\n"
    "from recommender.store.access import create_key\n"
    "print(create_key(make_engine(sys.argv[1]), Role.TALENT).token)\n"
)


def _python(tree: Path) -> tuple[list[str], dict[str, str]]:
    """How to run Python on ``tree``'s code: ``-P`` keeps the working directory off the
    import path, so ``PYTHONPATH`` decides which reskill is imported."""
    return [sys.executable, "-P"], {"PYTHONPATH": str(tree)}


def _initialised(tree: Path, data: Path, database: Path) -> tuple[str, str]:
    """A database loaded from ``data`` by ``tree``'s own ``reskill init``; (url, key)."""
    url = f"sqlite:///{database}"
    python, env = _python(tree)
    init = [*python, "-m", "recommender.cli", "init", "--database-url", url, "--data", str(data)]
    subprocess.run(init, check=True, stdout=sys.stderr, env=_env(env))
    key = subprocess.run(
        [*python, "-c", _KEY, url], check=True, capture_output=True, text=True, env=_env(env)
    ).stdout.strip()
    return url, key


def _serve_tree(tree: Path, url: str, log: Path) -> AbstractContextManager[Served]:
    python, env = _python(tree)
    return serve(url, log, 1800, env=env, python=python)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2_000, help="generated employees")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per server per round")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--against", type=Path, help="another reskill checkout to compare")
    parser.add_argument(
        "--opportunities", action="store_true", help="also each person's first page"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="reskill-person-read-") as tmp:
        work = Path(tmp)
        data = prepare_dataset(work, args.n, seed=1)
        trees = {"this code": REPO}
        if args.against is not None:
            trees["against"] = args.against.resolve()
        served: dict[str, tuple[str, str]] = {}
        for name, tree in trees.items():
            err.print(f"initialising a database with {name} ({tree})")
            served[name] = _initialised(tree, data, work / f"{name.replace(' ', '-')}.db")
        err.print("embedding profiles (cached on disk after the first run)")
        embed_profiles(served["this code"][0])
        chosen = [s for s in scenarios(data, 1) if s.name.startswith("GET /v1/employees/{id}")]
        if not args.opportunities:
            chosen = [s for s in chosen if "opportunities" not in s.name]
        rates: dict[tuple[str, str], list[float]] = {}
        p99s: dict[tuple[str, str], list[float]] = {}
        names = [*trees, "bare route"]
        for round_no in range(args.rounds):
            order = names[round_no % len(names) :] + names[: round_no % len(names)]
            for name in order:
                for scenario in chosen[:1] if name == "bare route" else chosen:
                    rate, p99 = _measure(name, trees, served, scenario, work, args)
                    rates.setdefault((name, scenario.name), []).append(rate)
                    p99s.setdefault((name, scenario.name), []).append(p99)
                    err.print(
                        f"round {round_no + 1}: {name}, {scenario.name}: {rate:,.0f} req/s,"
                        f" p99 {p99:.1f} ms"
                    )
        _report(rates, p99s, chosen, names, args)


def _measure(
    name: str,
    trees: dict[str, Path],
    served: dict[str, tuple[str, str]],
    scenario: Scenario,
    work: Path,
    args: argparse.Namespace,
) -> tuple[float, float]:
    log = work / f"{name.replace(' ', '-')}.log"
    server: AbstractContextManager[Served]
    if name == "bare route":
        server, key, target = serve_bare(log), "none", Scenario("bare", ["/bare"], 100.0)
    else:
        url, key = served[name]
        server, target = _serve_tree(trees[name], url, log), scenario
    with server as up:
        run_wrk(up.base, key, target, work, connections=args.connections, duration=2)  # warm
        result = run_wrk(
            up.base, key, target, work, connections=args.connections, duration=args.duration
        )
    if result.non_2xx or result.socket_errors:
        raise SystemExit(
            f"{name}: {result.non_2xx} non-2xx ({result.statuses}), "
            f"{result.socket_errors} socket errors"
        )
    return result.rate, result.p99_ms


def _report(
    rates: dict[tuple[str, str], list[float]],
    p99s: dict[tuple[str, str], list[float]],
    chosen: list[Scenario],
    names: list[str],
    args: argparse.Namespace,
) -> None:
    table = Table(
        title=f"Person reads, {args.n:,} employees, wrk -t2 -c{args.connections}, "
        f"{args.duration} s x {args.rounds} rounds (medians; ratios per round)"
    )
    for column in ("read", "server", "req/s per round", "median req/s", "p99 ms", "/ bare"):
        table.add_column(column, justify="left" if column in ("read", "server") else "right")
    if "against" in names:
        table.add_column("this / against", justify="right")
    bare = rates[("bare route", chosen[0].name)]
    for scenario in chosen:
        for name in names:
            if name == "bare route" and scenario is not chosen[0]:
                continue
            got = rates[(name, scenario.name)]
            row = [
                scenario.name if name != "bare route" else "GET /bare",
                name,
                " ".join(f"{r:,.0f}" for r in got),
                f"{statistics.median(got):,.0f}",
                f"{statistics.median(p99s[(name, scenario.name)]):.1f}",
                f"{statistics.median(g / b for g, b in zip(got, bare, strict=True)):.2f}",
            ]
            if "against" in names:
                against = rates.get(("against", scenario.name))
                mine = rates.get(("this code", scenario.name))
                row.append(
                    f"{statistics.median(m / a for m, a in zip(mine, against, strict=True)):.2f}"
                    if name == "this code" and against and mine
                    else ""
                )
            table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
