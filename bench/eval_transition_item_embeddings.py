"""Would more lists embedded item by item help the fused model, as task statements did?

Usage::

    .venv/bin/python bench/eval_transition_item_embeddings.py   # about 4 minutes on two cores

Grouped 5-fold CV of the shipped ``full`` fusion on the dev split (as ``reskill evaluate
transitions``), then the same with the mean and coverage signals of one more list, each
item embedded on its own (``features._item_embedding_signals``): alternate titles (the
title included), and technology names. Session 5: shipped 0.709 precision@10 / 0.889
nDCG@20; + alternate titles 0.716-0.718 / 0.896-0.897; + technologies 0.706-0.707 / 0.888
(two runs). Neither was kept
(see the model card).
"""

import os
import time
from dataclasses import replace

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _dev_split import dev_split

from recommender.transitions import scorer, training
from recommender.transitions.features import _item_embedding_signals


def main() -> None:
    split = dev_split()
    catalog, judgements, encoder, prepared = (
        split.catalog,
        split.judgements,
        split.encoder,
        split.prepared,
    )
    roles = [catalog.role(i) for i in prepared.ids]
    extra = _item_embedding_signals(
        roles, encoder, "alttitle", lambda r: (r.title, *r.alternate_titles)
    )
    extra.update(
        _item_embedding_signals(roles, encoder, "tech", lambda r: [t.name for t in r.technologies])
    )
    more = replace(prepared, signals={**prepared.signals, **extra})
    shipped = scorer.FUSIONS["full"]
    signals = [f for f in shipped.features if "@" not in f and f not in scorer._JOB_ZONE]
    hubs = tuple(f.partition("@")[0] for f in shipped.features if f.endswith("@hub"))
    for label, added in (
        ("shipped", []),
        ("+ alternate titles", ["alttitle_mean_embedding", "alttitle_coverage_embedding"]),
        ("+ technologies", ["tech_mean_embedding", "tech_coverage_embedding"]),
    ):
        spec = scorer._spec("full", [*signals, *added], hubs, shipped.requires)
        training.FUSIONS = {**scorer.FUSIONS, "full": spec}  # type: ignore[attr-defined]
        scorer.FUSIONS = training.FUSIONS
        started = time.time()
        m = training.cross_validate(more, judgements, "full").metrics
        print(
            f"{label:<20} p@10={m['precision@10']:.3f} capped={m['capped_precision@10']:.3f} "
            f"ndcg@20={m['ndcg@20']:.3f} ({time.time() - started:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
