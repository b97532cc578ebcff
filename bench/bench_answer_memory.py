"""Memory held by a Recommender's remembered answers: bounded in bytes, against the old 512.

Usage::

    python bench/bench_answer_memory.py                       # 10,000 employees, default budget
    python bench/bench_answer_memory.py --n 2000 --budget-mb 64
    python bench/bench_answer_memory.py --json answers.json   # also write the figures

Not run in CI. Prints tables; writes nothing unless ``--json FILE`` (the embedding cache
aside, which the first run on a machine fills).

What it does
------------
1. Generates ``--n`` employees beside the bundled roles, skills and courses, in memory
   (the same people ``reskill generate employees --n N --seed S`` writes), and embeds
   every profile with the bundled model through the persistent cache
   (``--cache-dir``), printing progress: the first run on a machine pays for encoding
   (minutes for 10,000 profiles on two cores), later runs read the cache.
2. Asks the same stream of questions of two processes, so that each one's resident memory
   is its own: one under the byte bound (:class:`~recommender.answers.AnswerCache`,
   ``--budget-mb``, default the Recommender's :data:`~recommender.service.ANSWER_BYTES`),
   one under the policy it replaced (the last 512 answers, whatever their size). They
   are asked in lock-step, question ``i`` of one then of the other (alternating which
   goes first), so that both meet the same load on a noisy machine: the timings are
   paired. Each process builds the
   Recommender and its indexes (vectors from the cache), then asks in two phases:

   * **mixed traffic**, shuffled together: shortlists over every role x department (or
     any) x location (or any) x limit (5, 10, 25) x minimum readiness (0, 0.3)
     (``--shortlists``); the largest shortlists the candidates API allows, ``limit=100``
     (``--wide``); fairness reports in scoring mode scoped to a department and a
     location (``--scoped``); opportunities for many people x limit (5, 20) x including
     unviable moves or not (``--opportunities``); each asked again with probability
     ``--repeat``;
   * **the worst case**: the largest answers anyone can ask for, back to back: fairness
     reports in scoring mode (a shortlist of everyone the role assesses) over each role,
     whole or scoped by a department or by a location (``--worst`` of them).

   In each process a thread samples resident memory (``/proc/self/statm``) and the
   cache's byte count every 20 ms; ``getrusage``'s ``ru_maxrss`` gives the peak. The old
   policy sizes each answer too (to report what it holds), outside the time it is
   charged: that gives each answer's size and the cost of sizing it beside the cost of
   computing it.
3. Prints, per policy and phase: questions asked and distinct, hits, evictions, the
   cache's bytes against its budget, resident memory before the questions and at its
   peak, and the time per question; then per kind of question: answer sizes, compute
   time under each policy and the cost of sizing an answer.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from recommender.answers import AnswerCacheStats, estimated_size
from recommender.candidates import CandidateIndex, ShortlistFilter, profile_text
from recommender.catalog import Catalog
from recommender.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    Encoder,
    HashingEncoder,
    SentenceTransformerEncoder,
)
from recommender.generator import generate_employees
from recommender.ingest.tables import read_org_tables
from recommender.service import Recommender

BUNDLED = Path(__file__).resolve().parents[1] / "data"
OLD_ANSWERS_KEPT = 512  # main's ANSWERS_KEPT before the byte bound
DAY = date(2025, 3, 3)  # every plan starts on this day: no answer is moved to another
MiB = 2**20
PAGE = os.sysconf("SC_PAGE_SIZE")

console = Console(width=160)
err = Console(stderr=True)

Answer = TypeVar("Answer")


# -- the policy the byte bound replaced ---------------------------------------------------------


class LastAnswers:
    """The old memory: the last ``kept`` answers, whatever their size; thread-safe.

    Each stored answer is also sized with :func:`estimated_size`, only to report what the
    memory holds; ``sizing_seconds`` adds up that time so the benchmark can leave it out
    of the time per question.
    """

    def __init__(self, kept: int = OLD_ANSWERS_KEPT) -> None:
        self.kept = kept
        self.max_bytes = 0  # no byte budget
        self.sizing_seconds = 0.0
        self.last_size = 0
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._nbytes = self._hits = self._misses = self._evictions = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def nbytes(self) -> int:
        return self._nbytes

    def stats(self) -> AnswerCacheStats:
        with self._lock:
            return AnswerCacheStats(
                self._hits, self._misses, self._evictions, 0, len(self), self._nbytes, 0
            )

    def get_or_compute(self, key: Hashable, compute: Callable[[], Answer]) -> Answer:
        with self._lock:
            if key in self._entries:
                self._hits += 1
                self._entries.move_to_end(key)
                return self._entries[key][0]  # type: ignore[return-value]
            self._misses += 1
        answer = compute()
        self.put(key, answer)
        return answer

    def put(self, key: Hashable, answer: object) -> None:
        start = time.perf_counter()
        size = self.last_size = estimated_size((key, answer))
        self.sizing_seconds += time.perf_counter() - start
        with self._lock:
            earlier = self._entries.pop(key, None)
            self._nbytes += size - (0 if earlier is None else earlier[1])
            self._entries[key] = (answer, size)
            while len(self._entries) > self.kept:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._nbytes -= dropped
                self._evictions += 1


# -- the questions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    kind: str
    key: tuple[object, ...]
    ask: Callable[[Recommender], object] = field(compare=False, repr=False)


def _shortlist(
    kind: str, role: str, limit: int, scope: ShortlistFilter, *, exact: bool = True
) -> Question:
    return Question(
        kind,
        (role, limit, scope, exact),
        lambda s: s.shortlist(role, limit, scope, exact_hours=exact),
    )


def _opportunities(person: str, limit: int, unviable: bool) -> Question:
    return Question(
        "opportunities",
        (person, limit, unviable),
        lambda s: s.opportunities(person, limit, include_unviable=unviable, today=DAY),
    )


MIXED, WORST = "mixed traffic", "worst case"


def questions(catalog: Catalog, args: argparse.Namespace) -> list[tuple[str, Question]]:
    """The same stream for both policies (a function of the catalogue and arguments):
    each question with its phase."""
    rng = random.Random(args.seed)
    roles = sorted(catalog.roles)
    departments = [None, *sorted({e.department for e in catalog.employees.values()})]
    locations = [None, *sorted({e.location for e in catalog.employees.values()})]
    scopes = [(d, loc) for d in departments for loc in locations]
    narrow = [
        _shortlist("shortlist, limit 5-25", r, limit, ShortlistFilter(d, loc, min_readiness=m))
        for r in roles
        for d, loc in scopes
        for limit in (5, 10, 25)
        for m in (0.0, 0.3)
    ]
    wide = [
        _shortlist("shortlist, limit 100", r, 100, ShortlistFilter(d, loc))
        for r in roles
        for d, loc in scopes
    ]
    everyone = len(catalog.employees)  # what the fairness route asks in scoring mode
    scoring = {
        (d, loc): [
            _shortlist(
                "scoring report, "
                + ("department and location" if d and loc else "role or one filter"),
                r,
                everyone,
                ShortlistFilter(d, loc),
                exact=False,
            )
            for r in roles
        ]
        for d, loc in scopes
    }
    scoped = [q for (d, loc), qs in scoring.items() if d and loc for q in qs]
    largest = [q for (d, loc), qs in scoring.items() if not (d and loc) for q in qs]
    people = CandidateIndex.eligible_ids(catalog)
    moves = [
        _opportunities(p, limit, u) for p in people for limit in (5, 20) for u in (False, True)
    ]
    mixed = [
        *rng.sample(narrow, min(args.shortlists, len(narrow))),
        *rng.sample(wide, min(args.wide, len(wide))),
        *rng.sample(scoped, min(args.scoped, len(scoped))),
        *rng.sample(moves, min(args.opportunities, len(moves))),
    ]
    mixed += [q for q in mixed if rng.random() < args.repeat]
    rng.shuffle(mixed)
    worst = rng.sample(largest, min(args.worst, len(largest)))
    return [(MIXED, q) for q in mixed] + [(WORST, q) for q in worst]


# -- one policy, in its own process -------------------------------------------------------------


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class Sampler(threading.Thread):
    """Samples resident memory and the cache's bytes every ``interval`` seconds."""

    def __init__(self, cache: Any, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.cache, self.interval = cache, interval
        self.peak_rss = self.peak_cache = 0
        self.stop = threading.Event()

    def next_phase(self) -> tuple[int, int]:
        """The peaks (resident, cache) since the last call; starts over."""
        peaks = (self.peak_rss, self.peak_cache)
        self.peak_rss, self.peak_cache = resident_bytes(), self.cache.nbytes()
        return peaks

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak_rss = max(self.peak_rss, resident_bytes())
            self.peak_cache = max(self.peak_cache, self.cache.nbytes())
            self.stop.wait(self.interval)


def catalog_with(n: int, seed: int) -> Catalog:
    base = read_org_tables(BUNDLED).catalog
    people = generate_employees(base, n, seed).employees
    return Catalog.from_items(
        base.skills.values(), base.roles.values(), base.courses.values(), people
    )


def encoder_for(args: argparse.Namespace) -> Encoder:
    if args.hashing:
        return HashingEncoder(384)
    return CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(args.cache_dir))


def serve_policy(args: argparse.Namespace) -> None:
    """A child process: build the Recommender under one policy, then answer the parent's
    commands on stdin (``ask I``, ``phase``, ``end``), one JSON line each on stdout."""
    reply = os.fdopen(os.dup(1), "w", buffering=1)  # the protocol's own channel
    sys.stdout = sys.stderr  # whatever a library prints must not enter the protocol
    catalog = catalog_with(args.n, args.seed)
    budget = None if args.budget_mb is None else int(args.budget_mb * MiB)
    service = Recommender(catalog, encoder=encoder_for(args), answer_bytes=budget)
    if args.child == "old":
        service._answers = LastAnswers()  # type: ignore[assignment]  # the replaced policy
    cache = service.answer_cache
    service.warm()
    stream = questions(catalog, args)
    gc.collect()
    sampler = Sampler(cache)
    sampler.start()
    ready = {"policy": args.child, "budget": cache.max_bytes, "baseline_rss": resident_bytes()}
    reply.write(json.dumps(ready) + "\n")
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "ask":
            phase, question = stream[int(argument)]
            answer = _ask(service, cache, question) | {"phase": phase}
            answer |= {"cache": cache.nbytes(), "rss": resident_bytes()}
        elif command == "phase":
            peak_rss, peak_cache = sampler.next_phase()
            answer = {"stats": asdict(cache.stats()), "peak_rss": peak_rss}
            answer |= {"peak_cache": peak_cache, "end_rss": resident_bytes()}
        else:
            answer = {"ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
        reply.write(json.dumps(answer) + "\n")
        if command == "end":
            return


def _ask(service: Recommender, cache: Any, question: Question) -> dict[str, Any]:
    """Ask one question; its time (less the old policy's sizing), hit or not, and size."""
    hits, sizing = cache.stats().hits, getattr(cache, "sizing_seconds", 0.0)
    start = time.perf_counter()
    question.ask(service)
    seconds = time.perf_counter() - start
    sized = getattr(cache, "sizing_seconds", 0.0) - sizing
    hit = cache.stats().hits > hits
    row = {"kind": question.kind, "key": repr(question.key), "seconds": seconds - sized, "hit": hit}
    if not hit and isinstance(cache, LastAnswers):  # the old policy sized it: report that
        row |= {"sizing": sized, "size": cache.last_size}
    return row


# -- the parent: data, encoding, both policies, the report -----------------------------------------


def embed_profiles(catalog: Catalog, args: argparse.Namespace) -> tuple[float, int]:
    """Fill the embedding cache for every profile; returns (seconds, profiles encoded now)."""
    if args.hashing:
        return 0.0, 0
    encoder = encoder_for(args)
    assert isinstance(encoder, CachedEncoder)
    ids = CandidateIndex.eligible_ids(catalog)
    texts = [profile_text(catalog, catalog.employees[i]) for i in ids]
    start = last = time.perf_counter()
    for at in range(0, len(texts), 256):
        encoder.encode(texts[at : at + 256])
        if time.perf_counter() - last > 10 or at + 256 >= len(texts):
            last = time.perf_counter()
            done = min(at + 256, len(texts))
            err.print(
                f"  embedding profiles: {done:,} of {len(texts):,} ({encoder.misses:,} encoded now)"
            )
    return time.perf_counter() - start, encoder.misses


class Child:
    """A child process serving one policy (see :func:`serve_policy`)."""

    def __init__(self, policy: str, argv: Sequence[str]) -> None:
        command = [sys.executable, __file__, *argv, "--child", policy]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        self.policy = policy
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.policy} process ended early ({self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def call(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.read()


def run_paired(phases: Sequence[str], argv: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Both policies in their own processes, asked in lock-step: question ``i`` goes to one
    then the other (alternating which goes first), so both see the same machine load."""
    children = [Child("bounded", argv), Child("old", argv)]
    try:
        results = {c.policy: c.read() | {"rows": [], "phases": {}} for c in children}
        err.print(f"Asking {len(phases):,} questions of both, in lock-step ...")
        started = last = time.perf_counter()
        for i, phase in enumerate(phases):
            for child in children if i % 2 == 0 else children[::-1]:
                results[child.policy]["rows"].append(child.call(f"ask {i}"))
            ends = i + 1 == len(phases) or phases[i + 1] != phase
            for child in children if ends else ():
                results[child.policy]["phases"][phase] = child.call("phase")
            if ends or time.perf_counter() - last > 10:
                last = time.perf_counter()
                err.print(
                    f"  {phase}: {i + 1:,} of {len(phases):,}, {last - started:,.0f} s; "
                    + _now(results)
                )
        for child in children:
            results[child.policy] |= child.call("end")
            child.process.wait()
        return results
    finally:
        for child in children:
            if child.process.poll() is None:
                child.process.kill()


def _now(results: dict[str, dict[str, Any]]) -> str:
    return "; ".join(
        f"{policy}: cache {r['rows'][-1]['cache'] / MiB:,.0f} MiB, "
        f"RSS {r['rows'][-1]['rss'] / MiB:,.0f} MiB"
        for policy, r in results.items()
    )


def _mib(value: float) -> str:
    return f"{value / MiB:,.0f} MiB"


def _ms(samples: Sequence[float]) -> str:
    return f"{statistics.median(samples) * 1e3:,.1f}" if samples else "-"


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace, setup: Table) -> None:
    console.print(setup)
    new, old = results["bounded"], results["old"]
    table = Table(
        title=f"Remembered answers, {args.n:,} employees: a byte bound against the last "
        f"{OLD_ANSWERS_KEPT} answers"
    )
    table.add_column("")
    table.add_column(f"bounded, {_mib(new['budget'])}", justify="right")
    table.add_column(f"old: last {OLD_ANSWERS_KEPT} answers", justify="right")

    def row(name: str, figure: Callable[[dict[str, Any]], str]) -> None:
        table.add_row(name, figure(new), figure(old))

    row("resident before the questions", lambda r: _mib(r["baseline_rss"]))
    for phase in (MIXED, WORST):
        table.add_section()
        asked = [r for r in new["rows"] if r["phase"] == phase]
        counts = (len(asked), len({r["key"] for r in asked}))
        table.add_row(
            f"[bold]{phase}[/]: questions asked, distinct", *[f"{counts[0]:,}, {counts[1]:,}"] * 2
        )

        def of(r: dict[str, Any], name: str, phase: str = phase) -> Any:
            return r["phases"][phase][name]

        row("  answered from memory (so far)", lambda r: f"{of(r, 'stats')['hits']:,}")
        row("  evicted (so far)", lambda r: f"{of(r, 'stats')['evictions']:,}")
        row("  not kept, over 1/8 of the budget", lambda r: f"{of(r, 'stats')['oversize']:,}")
        row("  answers kept at the end", lambda r: f"{of(r, 'stats')['entries']:,}")
        row("  cache bytes (estimated), at most", lambda r: _mib(of(r, "peak_cache")))
        row("  peak resident (sampled)", lambda r: _mib(of(r, "peak_rss")))
        row("  resident at the end", lambda r: _mib(of(r, "end_rss")))
        row(
            "  time per question, mean ms",
            lambda r, phase=phase: _mean_ms([x for x in r["rows"] if x["phase"] == phase]),
        )
        paired = [
            b["seconds"] / o["seconds"]
            for b, o in zip(new["rows"], old["rows"], strict=True)
            if b["phase"] == phase and not (b["hit"] or o["hit"])
        ]
        table.add_row(
            "  paired, computed by both: bounded / old, median",
            f"{statistics.median(paired):.2f}" if paired else "-",
            "1",
        )
    table.add_section()
    row("peak resident, whole run (ru_maxrss)", lambda r: _mib(r["ru_maxrss"]))
    row("  of which above the start", lambda r: _mib(r["ru_maxrss"] - r["baseline_rss"]))
    console.print(table)
    console.print(per_kind(new["rows"], old["rows"]))


def _mean_ms(rows: list[dict[str, Any]]) -> str:
    return f"{sum(r['seconds'] for r in rows) / max(1, len(rows)) * 1e3:,.1f}"


def per_kind(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> Table:
    """Sizes, compute times (medians over the questions each policy computed) and the cost
    of sizing an answer (from the old policy's process, which sizes apart from the
    timed work); "paired" is the median ratio over questions both policies computed."""
    table = Table(title="Per kind of question: answer size, compute and sizing (medians)")
    for column in (
        "kind",
        "asked",
        "distinct",
        "KiB",
        "KiB, largest",
        "ms, bounded",
        "ms, old",
        "paired bounded/old",
        "sizing ms",
        "sizing/compute",
        "hits, bounded",
        "hits, old",
    ):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind in dict.fromkeys(r["kind"] for r in new):
        pairs = [(b, o) for b, o in zip(new, old, strict=True) if b["kind"] == kind]
        mine, theirs = [b for b, _ in pairs], [o for _, o in pairs]
        sized = [r for r in theirs if "size" in r]
        both = [b["seconds"] / o["seconds"] for b, o in pairs if not (b["hit"] or o["hit"])]
        sizes = [r["size"] / 1024 for r in sized]
        table.add_row(
            kind,
            f"{len(mine):,}",
            f"{len({r['key'] for r in mine}):,}",
            f"{statistics.median(sizes):,.0f}" if sizes else "-",
            f"{max(sizes):,.0f}" if sizes else "-",
            _ms([r["seconds"] for r in mine if not r["hit"]]),
            _ms([r["seconds"] for r in theirs if not r["hit"]]),
            f"{statistics.median(both):.2f}" if both else "-",
            _ms([r["sizing"] for r in sized]),
            f"{statistics.median(r['sizing'] / r['seconds'] for r in sized):.1%}" if sized else "-",
            f"{sum(r['hit'] for r in mine):,}",
            f"{sum(r['hit'] for r in theirs):,}",
        )
    return table


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="generated employees")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--budget-mb", type=float, help="MiB for the bound (default: the Recommender's)"
    )
    parser.add_argument(
        "--shortlists", type=int, default=1_500, help="distinct shortlists (limit 5-25)"
    )
    parser.add_argument("--wide", type=int, default=150, help="distinct shortlists of limit 100")
    parser.add_argument(
        "--scoped", type=int, default=200, help="scoring reports (department, location)"
    )
    parser.add_argument(
        "--worst", type=int, default=200, help="scoring reports, whole role or one filter"
    )
    parser.add_argument(
        "--opportunities", type=int, default=1_500, help="distinct opportunity lists"
    )
    parser.add_argument("--repeat", type=float, default=0.25, help="share of questions asked again")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path.home() / ".cache" / "reskill" / "embeddings"
    )
    parser.add_argument(
        "--hashing",
        action="store_true",
        help="a fake encoder: checks the benchmark, not figures to quote",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", choices=("bounded", "old"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        serve_policy(args)
        return

    setup = Table(title="Setup")
    for column in ("step", "seconds", "note"):
        setup.add_column(column)
    start = time.perf_counter()
    catalog = catalog_with(args.n, args.seed)
    setup.add_row("generate employees + catalogue", f"{time.perf_counter() - start:.1f}", "")
    err.print(
        f"Embedding {args.n:,} profiles (only the first run on this machine encodes them) ..."
    )
    seconds, encoded = embed_profiles(catalog, args)
    note = f"{encoded:,} profiles encoded now" if encoded else "all vectors from the cache"
    setup.add_row("embed profiles", f"{seconds:.1f}", "fake encoder" if args.hashing else note)
    phases = [phase for phase, _ in questions(catalog, args)]
    del catalog
    gc.collect()
    err.print("Starting both policies' processes (each loads the catalogue and its vectors) ...")
    results = run_paired(phases, _without_json(argv if argv is not None else sys.argv[1:]))
    report(results, args, setup)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
        console.print(f"figures written to {args.json}")


def _without_json(argv: Sequence[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--json":
            skip = True
        elif not arg.startswith("--json="):
            out.append(arg)
    return out


if __name__ == "__main__":
    main()
