"""Which held-out titles the title fusion misses, to see what kind of error is left.

Usage::

    nice -n 10 .venv/bin/python bench/eval_titles_misses.py [--fold 1] [--n 40]

Prints ``--n`` titles of a development fold (drawn with a fixed seed) whose right codes
are not among the previous model's five best, with its three best and the right ones
(``bench/_title_cv.py`` computes and caches the candidates). On fold 1 (2026-12-07) most
were rare or old job names ("Farrier", "Eviscerator", "Huckster") that no indexed title
or description resembles, not abbreviations or spelling variants.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _title_cv import ONET, build_fold, column

from recommender.catalog import RoleSource
from recommender.ingest.onet import load_onet, load_onet_titles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fold", type=int, default=1)
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    titled = load_onet_titles(ONET)
    names = {o.code: o.title for o in titled}
    roles = [r.id for r in load_onet(ONET).roles.values() if r.source == RoleSource.ONET]
    codes = roles + [o.code for o in titled if o.code not in set(roles)]
    fold = build_fold(args.fold, log=False)
    order = np.argsort(-fold.x[:, :, column("first")], axis=1, kind="stable")
    right = np.take_along_axis(fold.gold, order[:, :5], axis=1).any(axis=1)
    missed = [int(q) for q in np.flatnonzero(~right)]
    print(f"fold {args.fold}: {len(missed)} of {len(fold.titles)} titles missed in the top 5")
    for q in random.Random(1).sample(missed, min(args.n, len(missed))):
        best = [names[codes[fold.cand[q, j]]] for j in order[q, :3]]
        gold = [names[codes[fold.cand[q, j]]] for j in range(fold.cand.shape[1]) if fold.gold[q, j]]
        print(f"{fold.titles[q]!r}: best {best}; right {gold or '(not among the 100 best)'}")


if __name__ == "__main__":
    main()
