"""Skill inference: precision, recall and F1 on the hand-written fixtures, and throughput.

Run: ``.venv/bin/python bench/bench_skill_extraction.py`` (about a minute on two cores).

* The fixtures (``tests/fixtures/profiles/profiles.json``) are split by position: even
  entries tune the embedding threshold, odd entries are held out.
* The threshold is swept on the tuning half; the one picked is the lowest whose
  precision there is at least ``--min-precision`` (recall is maximised under a
  precision floor). It is compared with the extractor's default.
* Scores are micro-averaged over texts; ``absent hits`` counts skills returned that a
  fixture lists as negated, a goal or a misleading word.
* Throughput encodes the 500 bundled employee profiles with the real model and no cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from recommender.catalog import Catalog  # noqa: E402
from recommender.embeddings import (  # noqa: E402
    CachedEncoder,
    EmbeddingCache,
    Encoder,
    SentenceTransformerEncoder,
)
from recommender.ingest.tables import read_org_tables  # noqa: E402
from recommender.skills_extraction import SkillExtractor  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "profiles" / "profiles.json"


def load_fixtures(path: Path = FIXTURES) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text()))


def halves(items: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The tuning half (even positions) and the held-out half (odd positions)."""
    return list(items[0::2]), list(items[1::2])


def score(extractor: SkillExtractor, items: Sequence[dict[str, Any]]) -> dict[str, float]:
    tp = fp = fn = absent = 0
    for item in items:
        found = {s.skill_id for s in extractor.extract(item["text"])}
        truth = set(item["skills"])
        tp += len(found & truth)
        fp += len(found - truth)
        fn += len(truth - found)
        absent += len(found & set(item["absent"]))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"P": precision, "R": recall, "F1": f1, "tp": tp, "fp": fp, "fn": fn, "absent": absent}


def row(label: str, s: dict[str, float]) -> str:
    return (
        f"{label:<34} P={s['P']:.3f} R={s['R']:.3f} F1={s['F1']:.3f}  "
        f"(tp {s['tp']}, fp {s['fp']}, fn {s['fn']}, absent hits {s['absent']})"
    )


def sweep(
    catalog: Catalog, encoder: Encoder, items: Sequence[dict[str, Any]], min_precision: float
) -> tuple[float, float]:
    """Best (threshold, corroboration) on ``items``: highest F1 with precision >= the floor."""
    print(f"sweep on the tuning half ({len(items)} texts):")
    best: tuple[float, float, float] | None = None
    for corroboration in (0.35, 0.40, 0.45, 0.50):
        for step in range(44, 77, 4):
            threshold = step / 100
            extractor = SkillExtractor(encoder, threshold=threshold, corroboration=corroboration)
            result = score(extractor.fit(catalog), items)
            print("  " + row(f"threshold {threshold:.2f} corr. {corroboration:.2f}", result))
            if result["P"] >= min_precision and (best is None or result["F1"] > best[0]):
                best = (result["F1"], threshold, corroboration)
    return (best[1], best[2]) if best is not None else (0.8, 0.5)


def throughput(catalog: Catalog, texts: Sequence[str]) -> None:
    lexicon = SkillExtractor().fit(catalog)
    start = time.perf_counter()
    lexicon.extract_many(texts)
    lexical_rate = len(texts) / (time.perf_counter() - start)
    encoder = SentenceTransformerEncoder()
    start = time.perf_counter()
    model = SkillExtractor(encoder).fit(catalog)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    model.extract_many(texts)
    full_rate = len(texts) / (time.perf_counter() - start)
    mean_chars = sum(map(len, texts)) / len(texts)
    print(f"throughput over {len(texts)} bundled profiles (mean {mean_chars:.0f} chars):")
    print(f"  lexicon only:            {lexical_rate:8.1f} profiles/s")
    print(
        f"  lexicon + embeddings:    {full_rate:8.1f} profiles/s (uncached; fit incl. model load {fit_s:.1f} s)"
    )
    long_text = " ".join(texts)[:10_000]
    start = time.perf_counter()
    found = model.extract(long_text)
    print(f"  one 10,000-char text:    {time.perf_counter() - start:8.2f} s ({len(found)} skills)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-precision", type=float, default=0.95)
    parser.add_argument("--no-throughput", action="store_true")
    args = parser.parse_args(argv)
    tables = read_org_tables(REPO / "data")
    catalog = tables.catalog
    items = load_fixtures()
    tune, held = halves(items)
    with tempfile.TemporaryDirectory() as cache:
        encoder = CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(cache))
        threshold, corroboration = sweep(catalog, encoder, tune, args.min_precision)
        default = SkillExtractor(encoder).fit(catalog)
        print(
            f"\nchosen: threshold {threshold:.2f}, corroboration {corroboration:.2f}; extractor "
            f"defaults {default.threshold:.2f}, {default.corroboration:.2f}\n"
        )
        lexicon = SkillExtractor().fit(catalog)
        for name, part in (("tuning", tune), ("held-out", held), ("all", items)):
            print(row(f"{name} ({len(part)}), lexicon only", score(lexicon, part)))
            print(row(f"{name} ({len(part)}), default", score(default, part)))
    if not args.no_throughput:
        print()
        throughput(catalog, [e.profile for e in catalog.employees.values() if e.profile])
    return 0


if __name__ == "__main__":
    sys.exit(main())
