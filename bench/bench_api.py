"""Load benchmark of the HTTP API: ``reskill serve`` (one worker) under wrk, 10,000 employees.

Usage::

    python bench/bench_api.py                      # 10,000 employees, 50 connections, 20 s each
    python bench/bench_api.py --n 2000 --duration 10 --connections 20
    python bench/bench_api.py --only health --only 'employees/{id}'   # some endpoints

Needs Debian's ``wrk`` (``apt-get install -y wrk``). Not run in CI.

What it does
------------
1. Writes a fresh dataset beside the bundled roles, skills and courses: ``--n`` employees from
   the seeded generator (``reskill generate employees --n N --seed S --out DIR``), loads it into
   a fresh SQLite database (``reskill init``) and creates a talent API key.
2. Embeds every profile through the persistent cache (``~/.cache/reskill/embeddings`` or
   ``RESKILL_EMBEDDING_CACHE``), printing progress: the first run on a machine pays for
   encoding (minutes for 10,000 profiles on two cores), later runs read the cache.
3. Starts ``reskill serve`` on 127.0.0.1 on a free port as a subprocess, times its start-up
   until ``GET /v1/health`` answers (it includes preparing and rendering everyone's first
   page of opportunities, whose times the server logs and the setup table shows), then per
   endpoint: times the very first request (cold) and the second, touches each path (or
   body) it will rotate through once (up to 50), and runs ``wrk --latency`` with a Lua
   script that sets the ``Authorization`` header and rotates through ids (employees,
   hard-to-fill roles) or, for people search, POSTs the hard-to-fill roles' descriptions in
   turn.
4. Prints requests/s, p50/p90/p99 latency, non-2xx responses and socket errors per endpoint,
   against the targets: reads p99 < 100 ms, shortlists p99 < 500 ms, no errors.

wrk runs on the same machine as the server, so they share its cores: the figures are
what one box does with its own load generator attached.

``python -m bench`` reuses :func:`prepare_dataset`, :func:`embed_profiles`, :func:`serve`,
:func:`serve_bare`, :func:`scenarios` and :func:`run_wrk` for its API rows, with one and
two workers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from recommender.preparation import Prepared
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data"
EMPLOYEE_FILES = {
    "employees.csv",
    "employee_skills.csv",
    "employee_certifications.csv",
    "protected_attributes.csv",
}
READ_P99_MS = 100.0
SHORTLIST_P99_MS = 500.0
ROTATE = 1_000  # distinct employee ids each employee scenario cycles through
PREPARED = re.compile(
    r"opportunities ready for (\d+) people \((\d+) answered now\) in ([\d.]+) s, ([\d.]+) MB"
)
RENDERED = re.compile(r"opportunity pages rendered for (\d+) people in ([\d.]+) s, ([\d.]+) MB")

console = Console(width=170)
err = Console(stderr=True)


@dataclass(frozen=True)
class Scenario:
    name: str
    paths: Sequence[str]
    p99_target_ms: float
    bodies: Sequence[str] = ()  # JSON bodies to POST in turn (GET when empty)


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    statuses: str  # the first non-2xx statuses seen, e.g. "422 500"

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


#: wrk's Lua: rotate through ``paths`` (each thread from its own offset), send the key, and
#: print the summary as one JSON line (latencies in microseconds).
LUA = """
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local headers = {["Authorization"] = "Bearer %(key)s", ["Content-Type"] = "application/json"}
local threads = {}
local n = 0
bad = ""

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status >= 300 and #bad < 200 then
    bad = bad .. status .. " "
  end
end

function request()
  n = n + 1
  local i = (offset or 0) + n
  if #bodies > 0 then
    return wrk.format("POST", paths[i %% #paths + 1], headers, bodies[i %% #bodies + 1])
  end
  return wrk.format("GET", paths[i %% #paths + 1], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local seen = ""
  for _, thread in ipairs(threads) do
    seen = seen .. (thread:get("bad") or "")
  end
  io.write(string.format(
    'WRK_RESULT {"requests": %%d, "duration_us": %%d, "p50": %%d, "p90": %%d, "p99": %%d, '
    .. '"status": %%d, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, '
    .. '"statuses": "%%s"}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout, seen))
end
"""


def _reskill(*args: str) -> None:
    """Run the ``reskill`` command of this checkout, failing loudly; its output goes to
    stderr, leaving stdout to the tables."""
    command = [sys.executable, "-m", "recommender.cli", *args]
    subprocess.run(command, check=True, stdout=sys.stderr, env=_env())


def prepare_dataset(directory: Path, n: int, seed: int) -> Path:
    """The bundled catalogue tables with ``n`` generated employees beside them."""
    data = directory / "data"
    data.mkdir()
    for table in BUNDLED.glob("*.csv"):
        if table.name not in EMPLOYEE_FILES:
            shutil.copyfile(table, data / table.name)
    _reskill("generate", "employees", "--n", str(n), "--seed", str(seed), "--out", str(data))
    return data


def embed_profiles(
    database_url: str, *, bf16: bool = False, cache: Path | None = None
) -> tuple[float, int]:
    """Fill the database's vectors (and this machine's on-disk tier) for every profile;
    returns (seconds, profiles encoded now).

    ``bf16`` encodes under bfloat16 autocast (about 1.7x faster; vectors are cached under
    the same model name, so the server then reads them); ``cache`` is the embedding cache
    directory (default: the service's, ``RESKILL_EMBEDDING_CACHE`` or ``~/.cache``).
    """
    from api.main import service_encoder
    from api.settings import Settings
    from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
    from recommender.service import Recommender
    from recommender.store import make_engine

    settings = Settings(database_url=database_url)
    if cache is not None:
        settings = Settings(database_url=database_url, embedding_cache=cache)
    engine = make_engine(database_url)
    encoder = service_encoder(settings, engine)
    if bf16 and settings.embeddings:
        from recommender.database import database_vectors

        local = (
            None if settings.embedding_cache is None else EmbeddingCache(settings.embedding_cache)
        )
        encoder = CachedEncoder(
            SentenceTransformerEncoder(bf16=True), database_vectors(engine, local=local)
        )
    service = Recommender.from_engine(engine, encoder=encoder)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if done == total or time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            err.print(f"  embedding profiles: {done:,} of {total:,}")

    start = time.perf_counter()
    service.warm(progress)
    engine.dispose()
    misses = encoder.misses if isinstance(encoder, CachedEncoder) else 0
    return time.perf_counter() - start, misses


def prepare_version(
    database_url: str, *, bf16: bool | None = None, cache: Path | None = None
) -> tuple[float, Prepared]:
    """``reskill prepare`` on the database's current data version, in this process, with this
    machine's on-disk vector tier (``cache``; default the service's) so that a second run
    encodes nothing: every profile vector and every first page stored for the workers.
    Returns (seconds, what it did); prints progress."""
    from api.settings import Settings
    from recommender.database import database_vectors
    from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
    from recommender.preparation import claim, prepare
    from recommender.service import Recommender
    from recommender.store import make_engine

    settings = Settings(database_url=database_url)
    folder = cache if cache is not None else settings.embedding_cache
    engine = make_engine(database_url)
    local = None if folder is None else EmbeddingCache(folder)
    encoder = CachedEncoder(
        SentenceTransformerEncoder(bf16=bf16), database_vectors(engine, local=local)
    )
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        if done == total or time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            err.print(f"  preparing {phase}: {done:,} of {total:,}")

    try:
        start = time.perf_counter()
        service = Recommender.from_engine(engine, encoder=encoder)
        assert service.data_version is not None
        with claim(engine, service.data_version) as mine:
            assert mine, "another process is preparing this data version"
            outcome = prepare(engine, service, progress=progress)
        return time.perf_counter() - start, outcome
    finally:
        engine.dispose()


def create_key(database_url: str) -> str:
    from recommender.access import Role
    from recommender.store import make_engine
    from recommender.store.access import create_key as issue

    engine = make_engine(database_url)
    try:
        return issue(engine, Role.TALENT, label="bench_api").token
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(
    url: str, key: str | None = None, timeout: float = 60, body: str | None = None
) -> tuple[int, float]:
    """Status and seconds of one GET (or POST of the JSON ``body``)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    data = None if body is None else body.encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status: int = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - start


@dataclass(frozen=True)
class Served:
    """A server answering on ``base``: its start-up seconds and its process id."""

    base: str
    startup_s: float
    pid: int


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a server: offline, this checkout first on the import path."""
    path = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
    offline = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": path}
    return {**os.environ, **offline, **(extra or {})}


@contextmanager
def serve(
    database_url: str,
    log: Path,
    timeout: float,
    workers: int = 1,
    env: dict[str, str] | None = None,
    watch: Callable[[int], None] | None = None,
    python: Sequence[str] = (sys.executable,),
) -> Iterator[Served]:
    """``reskill serve --workers N`` on a free port, up once every worker has started;
    ``watch(pid)`` is called as soon as the process exists. ``python`` is the interpreter
    and its options (another checkout's code: ``-P`` with ``PYTHONPATH`` in ``env``)."""
    port = free_port()
    command = [*python, "-m", "recommender.cli", "serve"]
    command += ["--database-url", database_url, "--port", str(port), "--workers", str(workers)]
    with _served(command, port, "/v1/health", log, timeout, workers, env, watch) as up:
        yield up


@contextmanager
def serve_bare(
    log: Path, workers: int = 1, watch: Callable[[int], None] | None = None
) -> Iterator[Served]:
    """``bench/_bare_app.py`` under uvicorn, set up as ``reskill serve`` sets up its own."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent)]
    command += ["_bare_app:app", "--port", str(port), "--loop", "asyncio", "--no-access-log"]
    command += ["--workers", str(workers)]
    with _served(command, port, "/bare", log, 60, workers, None, watch) as up:
        yield up


#: What uvicorn logs once per worker when its application has started.
STARTED = "Application startup complete."


@contextmanager
def _served(
    command: list[str],
    port: int,
    probe: str,
    log: Path,
    timeout: float,
    workers: int = 1,
    env: dict[str, str] | None = None,
    watch: Callable[[int], None] | None = None,
) -> Iterator[Served]:
    """Run ``command`` until ``probe`` answers 200 and ``workers`` workers have logged their
    start; yield the base URL, the seconds it took and the process id."""
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=_env(env))
    if watch is not None:
        watch(server.pid)
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit(f"{command} exited ({server.returncode}):\n{log.read_text()}")
            if time.perf_counter() - start > timeout:
                raise SystemExit(f"{command} not healthy after {timeout:.0f} s; see {log}")
            started = log.read_text(errors="replace").count(STARTED)
            try:
                if started >= workers and _get(f"{base}{probe}", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield Served(base, time.perf_counter() - start, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_wrk(
    base: str,
    key: str,
    scenario: Scenario,
    workdir: Path,
    *,
    threads: int = 2,
    connections: int = 50,
    duration: int = 20,
) -> Result:
    """``wrk --latency`` against ``scenario`` for ``duration`` seconds."""
    script = workdir / "rotate.lua"
    quoted = ", ".join(json.dumps(p) for p in scenario.paths)
    bodies = ", ".join(json.dumps(b) for b in scenario.bodies)
    script.write_text(LUA % {"paths": quoted, "bodies": bodies, "key": key})
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    command += ["--timeout", "10s", "--latency", "-s", str(script), base]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_RESULT "))
    raw = json.loads(line.removeprefix("WRK_RESULT "))
    return Result(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50"] / 1e3,
        p90_ms=raw["p90"] / 1e3,
        p99_ms=raw["p99"] / 1e3,
        non_2xx=raw["status"],
        socket_errors=raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        statuses=" ".join(sorted(set(raw["statuses"].split()))),
    )


def scenarios(data: Path, seed: int) -> list[Scenario]:
    with (data / "employees.csv").open(newline="") as f:
        staff = list(csv.DictReader(f))
    people = [row["employee_id"] for row in staff]
    # Opted-out people have no opportunities to show (422 by design), so they are not asked.
    open_to_moves = [r["employee_id"] for r in staff if r["opted_out"].strip().lower() != "true"]
    with (data / "roles.csv").open(newline="") as f:
        roles = list(csv.DictReader(f))
    hard = [r["role_id"] for r in roles if r["hard_to_fill"].strip().lower() == "true"]
    rng = random.Random(seed)
    some = rng.sample(people, min(ROTATE, len(people)))
    movers = rng.sample(open_to_moves, min(ROTATE, len(open_to_moves)))
    return [
        # Public, no key lookup, no database: what server and framework cost before our work.
        Scenario("GET /v1/health (baseline)", ["/v1/health"], READ_P99_MS),
        Scenario("GET /v1/roles", ["/v1/roles"], READ_P99_MS),
        Scenario("GET /v1/roles/{id}", [f"/v1/roles/{r['role_id']}" for r in roles], READ_P99_MS),
        Scenario("GET /v1/employees/{id}", [f"/v1/employees/{p}" for p in some], READ_P99_MS),
        Scenario(
            "GET /v1/roles/{hard}/candidates?limit=10",
            [f"/v1/roles/{r}/candidates?limit=10" for r in hard],
            SHORTLIST_P99_MS,
        ),
        Scenario(
            "GET /v1/employees/{id}/opportunities",
            [f"/v1/employees/{p}/opportunities" for p in movers],
            READ_P99_MS,
        ),
        # Job ads: the description of each hard-to-fill role, rotated (each is embedded
        # once, then read from the embedding cache).
        # A list of candidates, each logged, like a shortlist: the shortlist target.
        Scenario(
            "POST /v1/candidates/search (limit 10)",
            ["/v1/candidates/search"],
            SHORTLIST_P99_MS,
            [
                json.dumps({"text": r["description"], "limit": 10})
                for r in roles
                if r["hard_to_fill"].strip().lower() == "true" and r["description"].strip()
            ],
        ),
    ]


def _touch(base: str, key: str, scenario: Scenario) -> tuple[float, float]:
    """The first (cold) and second request of the scenario, then each path (or body) it
    rotates through once, up to 50."""
    body = scenario.bodies[0] if scenario.bodies else None
    first, second = (_get(base + scenario.paths[0], key, body=body) for _ in range(2))
    for status, _ in (first, second):
        if status != 200:
            raise SystemExit(f"{scenario.name}: {scenario.paths[0]} answered {status}")
    unique = list(dict.fromkeys(scenario.paths))
    for path in unique[1 : 1 + 50]:
        _get(base + path, key)
    for other in list(dict.fromkeys(scenario.bodies))[1:51]:
        _get(base + scenario.paths[0], key, body=other)
    return first[1], second[1]


#: The scenario whose throughput the issue holds against the bare route (at least 0.70x).
PERSON_READ = "GET /v1/employees/{id}"
BARE = "bare FastAPI JSON route (yardstick, own server)"
PERSON_READ_RATIO_TARGET = 0.70


def report(rows: list[tuple[Scenario, float, float, Result]], args: argparse.Namespace) -> None:
    title = (
        f"reskill serve, 1 worker, {args.n:,} employees; wrk -t{args.threads} "
        f"-c{args.connections} -d{args.duration}s"
    )
    table = Table(title=title)
    for column in (
        "endpoint",
        "first req ms",
        "second ms",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "x bare",
        "non-2xx",
        "socket err",
        "p99 target",
    ):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    bare = next((r.rate for s, _, _, r in rows if s.name == BARE), None)
    for scenario, cold, warm, r in rows:
        ok = r.p99_ms < scenario.p99_target_ms and r.non_2xx == 0 and r.socket_errors == 0
        verdict = f"< {scenario.p99_target_ms:.0f} " + (
            "[green]met[/]" if ok else "[red]NOT met[/]"
        )
        table.add_row(
            scenario.name,
            f"{cold * 1e3:.0f}",
            f"{warm * 1e3:.0f}",
            f"{r.rate:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p90_ms:.1f}",
            f"{r.p99_ms:.1f}",
            "" if bare is None else f"{r.rate / bare:.2f}",
            f"{r.non_2xx:,} of {r.requests:,} {r.statuses}".rstrip(),
            f"{r.socket_errors:,}",
            verdict,
        )
    console.print(table)
    person = next((r.rate for s, _, _, r in rows if s.name == PERSON_READ), None)
    if bare and person:
        ratio = person / bare
        verdict = "[green]met[/]" if ratio >= PERSON_READ_RATIO_TARGET else "[red]NOT met[/]"
        console.print(
            f"logged person read: {person:,.0f} req/s = {ratio:.2f}x the bare route's "
            f"{bare:,.0f} (target >= {PERSON_READ_RATIO_TARGET:.2f}x): {verdict}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="generated employees")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--startup-timeout", type=float, default=1800)
    parser.add_argument("--keep", type=Path, help="keep the database and server log here")
    parser.add_argument(
        "--only", action="append", default=[], help="run only endpoints whose name contains this"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    with tempfile.TemporaryDirectory(prefix="reskill-bench-api-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        setup = Table(title="Setup")
        for column in ("step", "seconds", "note"):
            setup.add_column(column)

        start = time.perf_counter()
        data = prepare_dataset(Path(tmp), args.n, args.seed)
        _reskill("init", "--database-url", database_url, "--data", str(data))
        setup.add_row("generate + load into SQLite", f"{time.perf_counter() - start:.1f}", "")
        err.print("Embedding profiles (only the first run on this machine encodes them) ...")
        seconds, encoded = embed_profiles(database_url)
        note = f"{encoded:,} profiles encoded now" if encoded else "all vectors from the cache"
        setup.add_row("embed profiles, fit indexes (in this process)", f"{seconds:.1f}", note)
        key = create_key(database_url)

        load = {"threads": args.threads, "connections": args.connections, "duration": args.duration}
        rows = []
        bare_scenario = Scenario(BARE, ["/bare"], READ_P99_MS)
        if not args.only or any(o in BARE for o in args.only):
            with serve_bare(workdir / "bare.log") as bare:
                err.print(f"{BARE}: wrk for {args.duration} s ...")
                cold, warm = _touch(bare.base, key, bare_scenario)
                result = run_wrk(bare.base, key, bare_scenario, workdir, **load)
                rows.append((bare_scenario, cold, warm, result))
        with serve(database_url, workdir / "server.log", args.startup_timeout) as served:
            base = served.base
            setup.add_row(
                "reskill serve until /v1/health answers", f"{served.startup_s:.1f}", "warm cache"
            )
            prepared = PREPARED.search((workdir / "server.log").read_text(errors="replace"))
            if prepared:
                people, seconds_, megabytes = prepared.group(1, 3, 4)
                note = f"{int(people):,} people, {megabytes} MB kept (part of the start-up)"
                setup.add_row("  of which: prepare opportunities", seconds_, note)
            rendered = RENDERED.search((workdir / "server.log").read_text(errors="replace"))
            if rendered:
                people, seconds_, megabytes = rendered.group(1, 2, 3)
                note = f"{int(people):,} pages, {megabytes} MB kept (part of the start-up)"
                setup.add_row("  of which: render their first pages", seconds_, note)
            console.print(setup)
            for scenario in scenarios(data, args.seed):
                if args.only and not any(o in scenario.name for o in args.only):
                    continue
                err.print(f"{scenario.name}: wrk for {args.duration} s ...")
                cold, warm = _touch(base, key, scenario)
                result = run_wrk(base, key, scenario, workdir, **load)
                rows.append((scenario, cold, warm, result))
        report(rows, args)
        if args.keep:
            console.print(f"database and server log kept in {workdir}")


if __name__ == "__main__":
    main()
