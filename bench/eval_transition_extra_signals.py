"""Do the O*NET files the transition model does not use add to its ranking?

Usage::

    .venv/bin/python bench/eval_transition_extra_signals.py   # about 6 minutes on two cores

Grouped 5-fold CV of the ``full`` fusion on the dev split (as ``reskill evaluate
transitions``), then the same with one more signal each, computed here from files the
product does not read: Tools Used (commodity TF-IDF), Work Values (profile correlation),
Education, Training, and Experience (category distributions, cosine) and Sample of Reported
Titles (TF-IDF). Session 5, with the features shipped before the per-item embeddings:
baseline 0.685 precision@10; each addition 0.679-0.683, all four 0.682, nDCG@20 0.869-0.870
throughout: no gain, so the product does not read them. (The baseline is now 0.709.)
"""

import csv
import os
import time
from collections import defaultdict
from dataclasses import replace

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _dev_split import ONET, dev_split

from recommender.transitions import scorer, training
from recommender.transitions.features import _correlation, _cosine

split = dev_split(ONET)
cat, J, P = split.catalog, split.judgements, split.prepared
ids = P.ids


def rows(name):
    with open(ONET / name, newline="") as f:
        yield from csv.DictReader(f, delimiter="\t")


tools = defaultdict(list)
for r in rows("Tools Used.txt"):
    tools[r["O*NET-SOC Code"]].append(r["Commodity Code"])
docs = ["\t".join(tools[i]) for i in ids]
v = TfidfVectorizer(
    tokenizer=lambda d: [t for t in d.split("\t") if t],
    token_pattern=None,
    lowercase=False,
    sublinear_tf=True,
)
extra = {"tools_tfidf": _cosine(v.fit_transform(docs))}
values = defaultdict(dict)
for r in rows("Work Values.txt"):
    if r["Scale ID"] == "EX":
        values[r["O*NET-SOC Code"]][r["Element Name"]] = float(r["Data Value"])
extra["work_values"] = _correlation([values[i] for i in ids])
ete = defaultdict(dict)
for r in rows("Education, Training, and Experience.txt"):
    ete[r["O*NET-SOC Code"]][f"{r['Scale ID']}:{r['Category']}"] = float(r["Data Value"])
names = sorted({k for d in ete.values() for k in d})
dense = np.array([[ete[i].get(k, 0.0) for k in names] for i in ids], dtype=np.float32)
norm = np.linalg.norm(dense, axis=1, keepdims=True)
norm[norm == 0] = 1
extra["education"] = (dense / norm) @ (dense / norm).T
rep = defaultdict(list)
for r in rows("Sample of Reported Titles.txt"):
    rep[r["O*NET-SOC Code"]].append(r["Reported Job Title"])
v2 = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True)
extra["reported_titles_tfidf"] = _cosine(
    v2.fit_transform([" ".join(rep[i]) or "zzzempty" for i in ids])
)
extra = {k: m.astype(np.float32) for k, m in extra.items()}
P2 = replace(P, signals={**P.signals, **extra})
base = scorer.FUSIONS["full"]
sig = [f for f in base.features if "@" not in f and f not in scorer._JOB_ZONE]
hubs = tuple(f.partition("@")[0] for f in base.features if f.endswith("@hub"))


def run(label, signals):
    spec = scorer._spec("full", signals, hubs, base.requires)
    scorer.FUSIONS = {**scorer.FUSIONS, "full": spec}
    training.FUSIONS = scorer.FUSIONS
    t = time.time()
    m = training.cross_validate(P2, J, "full").metrics
    print(
        f"{label:28s} p@10={m['precision@10']:.3f} capped={m.get('capped_precision@10', float('nan')):.3f} ndcg20={m['ndcg@20']:.3f} ({time.time() - t:.0f}s)",
        flush=True,
    )


run("baseline", sig)
for k in extra:
    run("+" + k, sig + [k])
run("+all four", sig + list(extra))
