"""Does encoding under bf16 (or shorter texts) keep the same nearest neighbours as fp32?

Usage::

    python bench/eval_bf16_neighbours.py              # 1,500 generated employees, seed 7
    python bench/eval_bf16_neighbours.py --n 3000

Issue 15 allows a faster encoder for the cold path only where the 10 nearest neighbours stay
at least 99% the same as fp32. This encodes the profile texts the service embeds
(``profile_text`` of generated employees) and every bundled role's text, in fp32 (the
reference), in fp32 in one process per core (as ``reskill prepare`` encodes a cold start),
bf16 autocast, and bf16 with texts cut to 128 word pieces (the model's limit is
256), and prints for each variant: texts per second, the mean cosine to the fp32 vector, and
the share of each query's 10 nearest neighbours that are the same as under fp32, for two
queries the service runs: person to people (people search, "people like this one") and role
to people (the similarity part of a shortlist). Agreement is averaged over queries; the
worst query is printed too. Encoding runs one variant after another, so their speeds
compare; the machine's other load still shows in all of them. Whether bf16 pays depends on
the CPU: the first line says whether it computes bf16 natively (``native_bf16``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import prepare_dataset  # noqa: E402 - beside this file

K = 10


def _texts(n: int, seed: int) -> tuple[list[str], list[str]]:
    from recommender.candidates.index import profile_text, role_text
    from recommender.ingest.tables import read_org_tables

    with tempfile.TemporaryDirectory() as tmp:
        data = prepare_dataset(Path(tmp), n, seed)
        catalog = read_org_tables(data).catalog
    # Each distinct text once, as the service encodes them: equal texts would tie.
    people = sorted({profile_text(catalog, e) for e in catalog.employees.values()})
    roles = [role_text(r) for r in catalog.roles.values()]
    return people, roles


def _encode(
    texts: list[str], *, bf16: bool, max_tokens: int | None, processes: int = 1
) -> tuple[np.ndarray, float]:
    from recommender.embeddings import SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder(bf16=bf16)
    if processes > 1:  # as reskill prepare does: batches of 200 (model loading not timed)
        batches = [texts[:32]] + [texts[i : i + 200] for i in range(0, len(texts), 200)]
        encoded = encoder.encode_many(batches, processes)
        next(encoded)  # every process has loaded the model and encoded its warm-up batch
        start = time.perf_counter()
        vectors = np.concatenate(list(encoded))
        return vectors, len(texts) / (time.perf_counter() - start)
    model = encoder._load()
    original = model.max_seq_length
    if max_tokens is not None:
        model.max_seq_length = max_tokens
    try:
        encoder.encode(texts[:32])  # warm
        start = time.perf_counter()
        vectors = encoder.encode(texts)
        return vectors, len(texts) / (time.perf_counter() - start)
    finally:
        model.max_seq_length = original


def _neighbours(queries: np.ndarray, items: np.ndarray, *, same: bool) -> np.ndarray:
    scores = queries @ items.T
    if same:
        np.fill_diagonal(scores, -np.inf)  # a person is not their own neighbour
    top = np.argpartition(-scores, K, axis=1)[:, :K]
    return top


def _agreement(reference: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    shares = [len(set(a) & set(b)) / K for a, b in zip(reference, other, strict=True)]
    return float(np.mean(shares)), float(np.min(shares))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_500, help="generated employees")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    people, roles = _texts(args.n, args.seed)
    chars = np.mean([len(t) for t in people])
    print(f"{len(people):,} profile texts (mean {chars:.0f} characters), {len(roles)} roles")
    from recommender.embeddings import native_bf16

    cores = os.cpu_count() or 1
    print(
        f"{platform.processor() or platform.machine()}, {cores} cores, native bf16: {native_bf16()}"
    )
    variants: dict[str, dict[str, Any]] = {
        "fp32 (reference)": {"bf16": False, "max_tokens": None},
        f"fp32, {cores} processes x 1 thread": {
            "bf16": False,
            "max_tokens": None,
            "processes": cores,
        },
        "bf16 autocast": {"bf16": True, "max_tokens": None},
        f"bf16, {cores} processes x 1 thread": {
            "bf16": True,
            "max_tokens": None,
            "processes": cores,
        },
        "bf16, texts cut to 128 word pieces": {"bf16": True, "max_tokens": 128},
    }
    encoded = {}
    for name, options in variants.items():
        print(f"encoding: {name}", file=sys.stderr)
        p, rate = _encode(people, **options)
        r, _ = _encode(roles, **options)
        encoded[name] = (p, r, rate)
    ref_people, ref_roles, ref_rate = encoded["fp32 (reference)"]
    ref_pp = _neighbours(ref_people, ref_people, same=True)
    ref_rp = _neighbours(ref_roles, ref_people, same=False)
    header = (
        f"{'variant':36} {'profiles/s':>10} {'speed-up':>8} {'cosine to fp32':>15} "
        f"{'person->people 10-NN':>21} {'role->people 10-NN':>19}"
    )
    print(header)
    print("-" * len(header))
    for name, (p, r, rate) in encoded.items():
        cosine = float(np.mean(np.sum(p * ref_people, axis=1)))
        pp_mean, pp_min = _agreement(ref_pp, _neighbours(p, p, same=True))
        rp_mean, rp_min = _agreement(ref_rp, _neighbours(r, p, same=False))
        print(
            f"{name:36} {rate:10.1f} {rate / ref_rate:8.2f} {cosine:15.5f} "
            f"{pp_mean:12.1%} (min {pp_min:.0%}) {rp_mean:10.1%} (min {rp_min:.0%})"
        )


if __name__ == "__main__":
    main()
