"""Skill inference on the labelled short texts: precision and recall per skill category.

Run::

    HF_HUB_OFFLINE=1 python bench/eval_skill_inference.py --part dev   # look at this one
    HF_HUB_OFFLINE=1 python bench/eval_skill_inference.py --part test  # the sealed part: once

The texts are ``tests/fixtures/skill_inference/{dev,test}.json`` (see the README there:
the test part was written and committed before the extractor was changed, and is
scored once at the end of a change, never looked at to tune).

How it is scored
----------------
* The extractor is the service's: :class:`~recommender.skills_extraction.SkillExtractor`
  with the bundled sentence encoder, fitted on the bundled catalogue (``data/``), with
  its default thresholds; ``lexicon only`` is the same without an encoder.
* Each skill returned for a text is a true positive when the text's ``skills`` list it,
  else a false positive; each listed skill not returned is a false negative. Counts are
  summed over texts (micro-averaged) and split by the category of the skill
  (``data/skills.csv``): a false positive counts in the category of the skill wrongly
  returned, a false negative in the category of the skill missed.
* ``absent hits``: skills returned that a text lists as negated, a goal or a misleading
  word (each is also a false positive).
* ``--errors`` prints every text's misses and false positives; it refuses ``--part test``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from recommender.catalog import Catalog  # noqa: E402
from recommender.embeddings import (  # noqa: E402
    CachedEncoder,
    EmbeddingCache,
    SentenceTransformerEncoder,
)
from recommender.ingest.tables import read_org_tables  # noqa: E402
from recommender.skills_extraction import SkillExtractor  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEXTS = REPO / "tests" / "fixtures" / "skill_inference"


def load(part: str) -> list[dict[str, Any]]:
    """The labelled texts of ``part`` (``"dev"`` or ``"test"``)."""
    return list(json.loads((TEXTS / f"{part}.json").read_text()))


@dataclass
class Tally:
    """True positives, false positives and false negatives, overall and per category."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    absent: int = 0

    def add(self, catalog: Catalog, found: set[str], item: dict[str, Any]) -> None:
        truth = set(item["skills"])
        for skill in found & truth:
            self.tp[catalog.skills[skill].category] += 1
        for skill in found - truth:
            self.fp[catalog.skills[skill].category] += 1
        for skill in truth - found:
            self.fn[catalog.skills[skill].category] += 1
        self.absent += len(found & set(item["absent"]))

    def scores(self, category: str | None = None) -> tuple[float, float, int, int, int]:
        """(precision, recall, tp, fp, fn) for ``category`` (None: all)."""

        def total(c: Counter[str]) -> int:
            return sum(c.values()) if category is None else c[category]

        tp, fp, fn = total(self.tp), total(self.fp), total(self.fn)
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        return precision, recall, tp, fp, fn


def evaluate(
    catalog: Catalog, extractor: SkillExtractor, items: Sequence[dict[str, Any]]
) -> tuple[Tally, list[tuple[dict[str, Any], set[str]]]]:
    tally = Tally()
    found_all = extractor.extract_many([i["text"] for i in items])
    results = []
    for item, found in zip(items, found_all, strict=True):
        ids = {s.skill_id for s in found}
        tally.add(catalog, ids, item)
        results.append((item, ids))
    return tally, results


def table(name: str, tally: Tally, categories: Sequence[str]) -> list[str]:
    lines = [f"{name}", f"  {'category':<20} {'P':>6} {'R':>6} {'tp':>4} {'fp':>4} {'fn':>4}"]
    for category in [*categories, None]:
        p, r, tp, fp, fn = tally.scores(category)
        label = category or "all"
        lines.append(f"  {label:<20} {p:6.3f} {r:6.3f} {tp:4d} {fp:4d} {fn:4d}")
    lines.append(f"  absent hits: {tally.absent}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dev", "test"), default="dev")
    parser.add_argument("--errors", action="store_true", help="print each text's errors (dev)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.errors and args.part == "test":
        parser.error("the test part is sealed: its errors are not printed")
    catalog = read_org_tables(REPO / "data").catalog
    items = load(args.part)
    categories = sorted({catalog.skills[s].category for i in items for s in i["skills"]})
    figures: dict[str, Any] = {"part": args.part, "texts": len(items)}
    with tempfile.TemporaryDirectory() as cache:
        encoder = CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(cache))
        runs = {
            "lexicon only": SkillExtractor().fit(catalog),
            "lexicon + embeddings (service)": SkillExtractor(encoder).fit(catalog),
        }
        print(f"{args.part} part: {len(items)} texts\n")
        for name, extractor in runs.items():
            tally, results = evaluate(catalog, extractor, items)
            print("\n".join(table(name, tally, categories)) + "\n")
            figures[name] = {
                c or "all": dict(zip(("P", "R", "tp", "fp", "fn"), tally.scores(c), strict=True))
                for c in [*categories, None]
            }
            figures[name]["absent_hits"] = tally.absent
            if args.errors and name.startswith("lexicon +"):
                for item, found in results:
                    missed, extra = set(item["skills"]) - found, found - set(item["skills"])
                    if missed or extra:
                        print(f"  {item['id']}: missed {sorted(missed)} extra {sorted(extra)}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
