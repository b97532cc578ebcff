"""Title normalisation: build time (cold and warm cache), per-title latency, batch throughput.

Usage::

    .venv/bin/python bench/bench_titles.py [--onet DIR] [--cache-dir DIR] [--cold] [--queries N]

* **build warm**: ``TitleNormaliser.fit`` over the whole O*NET catalogue, and the
  occupations O*NET titles but does not rate (``load_onet_titles``), with every
  embedding already in ``--cache-dir`` (run it twice, or once after ``reskill titles``).
* **build cold** (``--cold``): the same into an empty temporary cache, so every title
  and description is encoded (minutes on two cores).
* **single title, cached**: median milliseconds of ``normalise([title])`` when the
  title's vector is already cached: the ranking alone.
* **single title, new**: median and p95 milliseconds of ``normalise([title])`` over
  ``--queries`` distinct realistic titles, after fitting, with queries bypassing the
  embedding cache (each is encoded): what one API request for a new title costs.
* **batch**: titles per second for ``normalise`` of the same titles in one call.

``--threads 1`` matters on a busy two-core host: measured here with the other core
busy, one title took ~380 ms to encode with torch's default two threads (they wait on
each other) and ~7 ms with one.

Accuracy is not measured here: ``reskill evaluate titles --onet DIR --baselines``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
from recommender.ingest.onet import load_onet, load_onet_titles
from recommender.titles import TitleNormaliser

REPO = Path(__file__).resolve().parents[1]
SENIORITY = ("Sr.", "Jr", "Lead", "Senior", "Staff", "Principal", "Associate", "Chief")
ROLES = (
    "Cyber Defense Analyst",
    "RN - Med/Surg",
    "Medical Coder",
    "Help Desk Tech",
    "Pharm Tech",
    "Data Engineer",
    "Network Admin",
    "LPN",
    "CNA",
    "Clinical Informatics Spec",
    "Revenue Cycle Analyst",
    "Phlebotomist",
)
SUFFIXES = ("", " II", " III", " - Nights", " PRN", " (Level 2)")


def queries(n: int) -> list[str]:
    """``n`` distinct realistic HR titles."""
    out = [f"{a} {b}{c}" for c in SUFFIXES for a in SENIORITY for b in ROLES]
    return out[:n]


def fitted(onet: Path, cache_dir: Path) -> tuple[TitleNormaliser, float]:
    catalog, extras = load_onet(onet), load_onet_titles(onet)
    encoder = CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(cache_dir))
    started = time.perf_counter()
    model = TitleNormaliser(encoder).fit(catalog, extra_occupations=extras)
    return model, time.perf_counter() - started


def _single_title_ms(model: TitleNormaliser, titles: list[str]) -> list[float]:
    """Sorted milliseconds of ``normalise([title])`` for each title."""
    out = []
    for title in titles:
        started = time.perf_counter()
        model.normalise([title])
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--onet", type=Path, default=REPO.parent / "shared" / "onet")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path.home() / ".cache" / "reskill" / "embeddings"
    )
    parser.add_argument("--cold", action="store_true", help="also time a build into an empty cache")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)"
    )
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    rows: list[tuple[str, str]] = []
    if args.cold:
        with tempfile.TemporaryDirectory() as empty:
            _, cold = fitted(args.onet, Path(empty))
        rows.append(("build, cold cache (encodes every title)", f"{cold:.1f} s"))
    model, warm = fitted(args.onet, args.cache_dir)
    rows.append(("build, warm cache", f"{warm:.1f} s"))
    index = model.onet_index_
    rated = len(model.onet_roles_)
    rows.append(
        (
            "occupations (rated + title-only) / title forms",
            f"{rated} + {len(index.ids) - rated} / {len(index.texts)}",
        )
    )

    titles = queries(args.queries)
    model.normalise(titles)  # loads the model; every query's vector is now cached
    cached = _single_title_ms(model, titles)
    rows.append(
        ("single title, median (vector cached: rank only)", f"{cached[len(cached) // 2]:.1f} ms")
    )
    # Queries bypass the cache from here on, so every run times real encoding.
    assert isinstance(model.encoder, CachedEncoder)
    model.encoder = model.encoder.encoder
    single = _single_title_ms(model, titles)
    rows.append(
        ("single title, median (new title: encode + rank)", f"{statistics.median(single):.1f} ms")
    )
    rows.append(
        ("single title, p95 (new title)", f"{single[int(0.95 * (len(single) - 1))]:.1f} ms")
    )
    started = time.perf_counter()
    model.normalise(titles)
    rate = len(titles) / (time.perf_counter() - started)
    rows.append((f"batch of {len(titles)} new titles", f"{rate:.0f} titles/s"))

    width = max(len(name) for name, _ in rows)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    import torch

    threads = torch.get_num_threads()
    print(f"Title normalisation: {os.cpu_count()} CPUs, {threads} torch threads, load {load}")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>12}")


if __name__ == "__main__":
    main()
