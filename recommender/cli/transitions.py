"""`reskill transitions` (top destinations of every O*NET occupation), `reskill transitions
fit` (refit the shipped model) and `reskill evaluate transitions`.

Only :func:`recommender.evaluation.read_related` opens a related-occupations file, and
only ``fit`` and ``evaluate`` call it; ``reskill transitions`` reads O*NET through
:func:`recommender.ingest.onet.load_onet`, which never opens those files.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from recommender import ONET_ATTRIBUTION
from recommender.catalog import Catalog
from recommender.cli._app import app, evaluate_app
from recommender.cli._options import EMBEDDING_CACHE, MODELS_DIR, CacheDir, cached_encoder
from recommender.cli._output import AsCsv, AsJson, Format, Grid, output_format, print_answer
from recommender.embeddings import (
    Encoder,
)
from recommender.errors import InvalidInput, ReskillError
from recommender.evaluation import (
    Judgements,
    completed_metrics,
    file_sha256,
    in_dev_half,
    mean_metrics,
    read_related,
)
from recommender.transitions import (
    FUSIONS,
    REGENERATE_COMMAND,
    PreparedTransitions,
    TransitionModelSet,
    TransitionScorer,
    cross_validate,
    fit_model_set,
    prepare_roles,
    signal_metrics,
)
from recommender.transitions.occupations import (
    OCCUPATION_SCORES_FILE,
    SCORES_COMMAND,
    OccupationScores,
    score_every_pair,
)

console = Console()
err = Console(stderr=True)

MODEL_FILE = "transition-model.npz"
MANIFEST_FILE = "transition-model.manifest.json"
HEADER = ("source_code", "target_code", "rank", "score")
MODEL_VERSION = "1.0.0"

OnetDir = Annotated[
    Path,
    typer.Option("--onet", exists=True, file_okay=False, help="Folder of the O*NET text database."),
]
RelatedFile = Annotated[
    Path, typer.Option("--related", exists=True, dir_okay=False, help="A Related Occupations file.")
]
ModelPath = Annotated[Path, typer.Option("--model", help="The fitted transition model (.npz).")]
Bf16 = Annotated[
    bool | None,
    typer.Option(
        "--bf16/--fp32",
        help="bfloat16 autocast or fp32 for encoding (default: bf16 where the CPU computes "
        "it natively, 1.5-1.7x faster there; else fp32).",
        show_default=False,
    ),
]

transitions_app = typer.Typer(
    help="Directed role-to-role transition scores.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(transitions_app, name="transitions")


def _load_catalog(onet: Path) -> Catalog:
    from recommender.ingest.onet import load_onet

    return load_onet(onet)


def _fail(exc: ReskillError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(code=1)


def _tick(message: str, started: float) -> None:
    err.print(f"{message} ({time.perf_counter() - started:.1f} s)")


@transitions_app.callback()
def transitions(
    ctx: typer.Context,
    onet: Annotated[
        Path | None,
        typer.Option(
            "--onet", exists=True, file_okay=False, help="Folder of the O*NET text database."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="TSV file to write.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Destinations per occupation.")] = 20,
    model: ModelPath = MODELS_DIR / MODEL_FILE,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    bf16: Bf16 = None,
) -> None:
    """Write every occupation's top destinations: source_code, target_code, rank, score."""
    if ctx.invoked_subcommand is not None:
        return
    if onet is None or out is None:
        raise typer.BadParameter("--onet and --out are required", param_hint="--onet/--out")
    started = time.perf_counter()
    try:
        models = TransitionModelSet.load(model)
        catalog = _load_catalog(onet)
        _tick(f"loaded {len(catalog.roles)} occupations", started)
        prepared = TransitionScorer(models, cached_encoder(cache_dir, bf16=bf16)).prepare(catalog)
        _tick("computed signals", started)
        rows = prepared.rank(range(len(prepared.roles.ids)), top)
    except ReskillError as exc:
        raise _fail(exc) from exc
    _write_tsv(out, prepared.roles.ids, rows)
    _tick(f"wrote {sum(len(r) for r in rows)} rows to {out}", started)


def _write_tsv(out: Path, ids: tuple[str, ...], rows: list[list[tuple[str, float]]]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        for source, top in zip(ids, rows, strict=True):
            for rank, (target, score) in enumerate(top, start=1):
                writer.writerow((source, target, rank, f"{score:.6f}"))


@transitions_app.command("scores")
def scores(
    onet: OnetDir,
    out: Annotated[
        Path, typer.Option("--out", dir_okay=False, help="The .npz file to write.")
    ] = MODELS_DIR / OCCUPATION_SCORES_FILE,
    model: ModelPath = MODELS_DIR / MODEL_FILE,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    bf16: Bf16 = None,
) -> None:
    """Write the model's score of every ordered pair of O*NET occupations (float16), and a
    manifest beside it: what organisation roles inherit through their O*NET-SOC codes.

    Reads O*NET through the loader that never opens a Related Occupations file.
    """
    from recommender.ingest.onet import onet_release

    started = time.perf_counter()
    try:
        models = TransitionModelSet.load(model)
        catalog = _load_catalog(onet)
        _tick(f"loaded {len(catalog.roles)} occupations", started)
        with err.status("computing every signal for every pair (minutes from a cold cache)"):
            prepared = prepare_roles(catalog, cached_encoder(cache_dir, bf16=bf16))
        _tick("computed signals", started)
        with _bar("scoring occupations") as (bar, task):
            matrix = score_every_pair(
                prepared, models, progress=lambda d, t: bar.update(task, completed=d, total=t)
            )
    except ReskillError as exc:
        raise _fail(exc) from exc
    metadata = {
        "model_file": model.name,
        "model_sha256": file_sha256(model),
        "fusion": "full",
        "onet_release": onet_release(onet),
        "occupations": len(prepared.ids),
        "dtype": "float16",
        "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": SCORES_COMMAND,
        "attribution": ONET_ATTRIBUTION,
        "license": "CC BY 4.0 (O*NET data); scores derived by reskill",
    }
    result = OccupationScores(prepared.ids, matrix.astype(np.float16), metadata)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.save(out)
    manifest = {"file": out.name, "sha256": file_sha256(out), **metadata, "codes": prepared.ids}
    manifest_path = out.with_suffix(".manifest.json")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    _tick(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MiB) and {manifest_path}", started)


@contextmanager
def _bar(what: str) -> Iterator[tuple[Progress, TaskID]]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        yield bar, bar.add_task(what, total=None)


@transitions_app.command("fit")
def fit(
    onet: OnetDir,
    related: RelatedFile,
    out: Annotated[
        Path, typer.Option("--out", file_okay=False, help="Folder for the model files.")
    ] = MODELS_DIR,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    bf16: Bf16 = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Cross-validate and refit the fusions on the related-occupation rows of RELATED.

    --json prints an object: the files written (``model``, ``manifest``) and ``cv``, the
    cross-validated figures (its ``title`` and one record per fusion in ``rankings``).
    """
    fmt = output_format(as_json, as_csv)
    started = time.perf_counter()
    try:
        catalog = _load_catalog(onet)
        judgements = read_related(related)
        encoder = cached_encoder(cache_dir, bf16=bf16)
        candidates = _candidates(catalog, judgements)
        prepared = prepare_roles(catalog, encoder, candidates)
        _tick(f"prepared {len(candidates)} candidate occupations", started)
        models, metrics, _ = fit_model_set(prepared, judgements)
        singles = signal_metrics(prepared, judgements)
    except ReskillError as exc:
        raise _fail(exc) from exc
    manifest = _manifest(models, metrics, singles, related, catalog, candidates, encoder)
    models.metadata = {"embedding_model": encoder.name, "version": MODEL_VERSION}
    out.mkdir(parents=True, exist_ok=True)
    models.save(out / MODEL_FILE)
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    table = _metrics_table(
        "grouped 5-fold CV (dev split)", {k: v for k, v in metrics.items() if k in FUSIONS}
    )
    print_answer(
        fmt,
        lambda: {"model": str(out / MODEL_FILE), "manifest": str(out / MANIFEST_FILE), "cv": table},
        lambda: _print_table(table),
        sections=["cv.rankings"],
    )
    _tick(f"wrote {out / MODEL_FILE} and {out / MANIFEST_FILE}", started)


@transitions_app.command("fit-organisation")
def fit_organisation_command(
    onet: OnetDir,
    related: RelatedFile,
    out: Annotated[
        Path, typer.Option("--out", file_okay=False, help="Folder for the model files.")
    ] = MODELS_DIR,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    bf16: Bf16 = None,
    out_of_fold: Annotated[
        Path | None,
        typer.Option(
            "--out-of-fold",
            dir_okay=False,
            help="Keep the full fusion's out-of-fold scores in this .npz, and reuse them when "
            "it holds those of the same occupations (bench/eval_organisation_judge.py --cache "
            "writes the same file).",
        ),
    ] = None,
) -> None:
    """Fit the organisation judge on organisation roles simulated from O*NET (grouped CV,
    threshold calibrated out of fold), and print it beside the O*NET-only and coverage-only
    judges. Several minutes: it cross-validates the full fusion for its out-of-fold scores.
    """
    from recommender.transitions.organisation import ORGANISATION_FEATURES, ORGANISATION_JUDGE_FILE
    from recommender.transitions.organisation_training import (
        cached_out_of_fold,
        fit_organisation,
    )

    started = time.perf_counter()
    try:
        catalog = _load_catalog(onet)
        judgements = {k: v for k, v in read_related(related).items() if k in catalog.roles}
        encoder = cached_encoder(cache_dir, bf16=bf16)
        candidates = _candidates(catalog, judgements)
        prepared = prepare_roles(catalog, encoder, candidates)
        _tick(f"prepared {len(candidates)} candidate occupations", started)

        def tell(phase: str, done: int, total: int) -> None:
            _tick(f"{phase}: {done}/{total}", started)

        oof = cached_out_of_fold(out_of_fold, prepared, judgements, progress=tell)
        result = fit_organisation(
            catalog, prepared, judgements, encoder, progress=tell, out_of_fold=oof
        )
    except (ReskillError, ValueError) as exc:
        raise _fail(exc if isinstance(exc, ReskillError) else InvalidInput(str(exc))) from exc
    model = result.model
    model.metadata = {
        "embedding_model": encoder.name,
        "related_file": related.name,
        "related_sha256": file_sha256(related),
        "candidate_roles": len(candidates),
        "metrics": {k: dict(v) for k, v in result.metrics.items()},
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / ORGANISATION_JUDGE_FILE
    model.save(path)
    manifest = {
        "model": "reskill-organisation-judge",
        "file": path.name,
        "sha256": file_sha256(path),
        "fitted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "estimator": "LogisticRegression(C=1) on standardised features; missing = training mean",
        "features": list(ORGANISATION_FEATURES),
        "coef": model.coef.tolist(),
        "intercept": model.intercept,
        "threshold": model.threshold,
        "viability": "score >= threshold and job_zone(B) - job_zone(A) <= 1",
        "simulation": "dev-half O*NET occupations as organisation roles: title, description, "
        "5 tasks, 12 most important skill/knowledge requirements with levels, job zone, SOC "
        "broad group as family; occupation feature = full fusion's out-of-fold log-odds",
        "protocol": "GroupKFold(5) by source; fold fits on pairs outside the fold's sources; "
        "each test source ranks every other dev-half occupation; threshold maximises F1 "
        "for Primary related occupations over out-of-fold scores",
        **model.metadata,
        "attribution": ONET_ATTRIBUTION,
    }
    manifest_path = out / "organisation-judge.manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    rows = {k: dict(v) for k, v in result.metrics.items() if k != "threshold"}
    _print_table(
        _metrics_table("simulated organisation roles, grouped 5-fold CV (dev split)", rows)
    )
    t = result.metrics["threshold"]
    console.print(
        f"threshold {t['score']:.3f} (Primary F1 {t['primary_f1']:.3f}, precision "
        f"{t['primary_precision']:.3f}, recall {t['primary_recall']:.3f})"
    )
    _tick(f"wrote {path} and {manifest_path}", started)


def _candidates(catalog: Catalog, judgements: Judgements) -> list[str]:
    """The occupations of the half every judged code lies in; all of them otherwise.

    O*NET's related rows are split by half (``in_dev_half``): a file holding one half's rows
    says nothing about moves into the other half, so those are unknown, not misses. Ranking
    that half's sources over every occupation would count each unjudged other-half
    occupation in a top 10 as wrong.
    """
    codes = set(judgements) | {t for r in judgements.values() for t in r}
    halves = {in_dev_half(c) for c in codes}
    if len(halves) != 1:
        return list(catalog.roles)
    (dev,) = halves
    return [r for r in catalog.roles if in_dev_half(r) == dev]


def _manifest(
    models: TransitionModelSet,
    metrics: dict[str, dict[str, float]],
    singles: dict[str, dict[str, float]],
    related: Path,
    catalog: Catalog,
    candidates: list[str],
    encoder: Encoder,
) -> dict[str, Any]:
    fingerprint = hashlib.sha256("\n".join(sorted(candidates)).encode()).hexdigest()
    return {
        "model": "reskill-transitions",
        "version": MODEL_VERSION,
        "file": MODEL_FILE,
        "fitted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "estimator": "TransitionModel (HistGradientBoostingClassifier trees + linear screen)",
        "params": models.models["full"].get_params(),
        "fusions": {
            n: {"features": list(FUSIONS[n].features), "requires": list(FUSIONS[n].requires)}
            for n in models.models
        },
        "embedding_model": {"name": encoder.name, "dimension": encoder.dimension},
        "training_data": {
            "related_file": related.name,
            "related_sha256": file_sha256(related),
            "candidate_roles": len(candidates),
            "candidate_roles_sha256": fingerprint,
            "onet_roles": len(catalog.roles),
        },
        "viability": {
            "rule": "score >= thresholds[fusion] and job_zone(B) - job_zone(A) <= 1",
            "thresholds": dict(models.thresholds),
            "max_job_zone_step": 1,
            "calibration": "score maximising F1 for Primary related occupations (grade >= 2) "
            "over all out-of-fold candidate pairs of the dev split",
            "primary_f1": {n: metrics[f"{n}.threshold"]["primary_f1"] for n in models.models},
        },
        "cv_metrics": {k: v for k, v in metrics.items() if k in FUSIONS},
        "signal_metrics": singles,
        "metrics_protocol": "GroupKFold(5) by source; fold models never see a test source as source "
        "or destination; candidates = dev-half occupations; top-20 by the product's two-stage ranking",
    }


REFERENCE_SIGNALS = ("task_tfidf", "description_embedding", "skill_profile")
"""Single signals the transition issue quotes reference figures for, printed for comparison."""


@evaluate_app.command("transitions")
def evaluate(
    onet: OnetDir,
    related: RelatedFile,
    model: ModelPath = MODELS_DIR / MODEL_FILE,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    bf16: Bf16 = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """precision@10, recall@20 and nDCG@20 of the rankings against RELATED.

    On the dev split (every code in RELATED in the dev half) the figures are grouped
    5-fold cross-validated over dev-half candidates. On a file of the other half (every
    code in it) the shipped model ranks that half's occupations, since moves into the dev
    half are not judged there; on a file spanning both halves it ranks all occupations.

    For a file of one half it then ranks every occupation and estimates the figures
    against complete related lists of 20 (see ``completed_metrics``): each unjudged
    destination counts at the related rate of judged destinations the model never
    trained on.

    --json prints an object: ``judged`` (the first table) and ``completed`` (the second,
    null for a file spanning both halves), each with its ``title`` and ``rankings``.
    """
    fmt = output_format(as_json, as_csv)
    started = time.perf_counter()
    completed: dict[str, Any] | None = None
    try:
        catalog = _load_catalog(onet)
        judgements = {k: v for k, v in read_related(related).items() if k in catalog.roles}
        encoder = cached_encoder(cache_dir, bf16=bf16)
        candidates = _candidates(catalog, judgements)
        one_half = len(candidates) < len(catalog.roles)
        models: TransitionModelSet | None = None
        if one_half and all(in_dev_half(c) for c in candidates):
            prepared = prepare_roles(catalog, encoder, candidates)
            result = cross_validate(prepared, judgements, "full").metrics
            label = f"grouped 5-fold CV over {len(candidates)} dev-half occupations"
        else:
            models = TransitionModelSet.load(model)
            ranked = TransitionScorer(models, encoder).prepare(catalog, candidates)
            result = mean_metrics(_rankings(ranked, judgements), judgements, sorted(judgements))
            where = "the other half's" if one_half else "all"
            label = f"shipped model over {where} {len(candidates)} occupations"
        judged = _metrics_table(label, {"full": dict(result)})
        if fmt is Format.TABLE:
            _print_table(judged)  # shown while every occupation is ranked
        _tick("ranked within the judged occupations", started)
        if one_half:
            completed = _evaluate_completed(catalog, encoder, judgements, set(candidates), models)
    except (ReskillError, ValueError) as exc:
        raise _fail(exc if isinstance(exc, ReskillError) else InvalidInput(str(exc))) from exc
    print_answer(
        fmt,
        lambda: {"related": str(related), "judged": judged, "completed": completed},
        lambda: _print_completed(completed),
        sections=["judged.rankings", "completed.rankings"],
    )
    _tick("done", started)


def _rankings(prepared: PreparedTransitions, judgements: Judgements) -> dict[str, list[str]]:
    sources = sorted(judgements)
    positions = [prepared.roles.index(s) for s in sources]
    return {
        s: [r for r, _ in top] for s, top in zip(sources, prepared.rank(positions, 20), strict=True)
    }


def _evaluate_completed(
    catalog: Catalog,
    encoder: Encoder,
    judgements: Judgements,
    judged_ids: set[str],
    models: TransitionModelSet | None,
) -> dict[str, Any]:
    """Every occupation ranked; figures against complete related lists, estimated.

    ``models`` is None on the dev split (grouped CV whose folds train on judged
    destinations only); otherwise the shipped model, which never trained on the judged
    half, so every judged destination counts as never seen.
    """
    everyone = prepare_roles(catalog, encoder)
    judged = np.array([r in judged_ids for r in everyone.ids])
    if models is None:
        result = cross_validate(everyone, judgements, "full", judged=judged).metrics
        how = "grouped 5-fold CV"
    else:
        rankings = _rankings(PreparedTransitions(everyone, models), judgements)
        sources = sorted(judgements)
        unseen = dict.fromkeys(sources, frozenset(judged_ids))
        result = completed_metrics(rankings, judgements, sources, judged_ids, unseen)
        how = "shipped model"
    signals = signal_metrics(everyone, judgements, judged, REFERENCE_SIGNALS)
    rows = {"full": dict(result), **{name: dict(m) for name, m in signals.items()}}
    title = (
        f"{how} over all {len(everyone.ids)} occupations, related lists of 20 completed by estimate"
    )
    # What the estimate rests on: the judged top-10 destinations the full model never
    # trained on, and their related rate with its standard error.
    basis = {
        "unseen_judged@10": int(result["unseen_judged@10"]),
        "unseen_rate@10": _number(result["unseen_rate@10"]),
        "unseen_rate_se@10": _number(result["unseen_rate_se@10"]),
    }
    return _metrics_table(title, rows) | basis


def _print_completed(completed: dict[str, Any] | None) -> None:
    if completed is None:
        return
    _print_table(completed)
    console.print(
        f"full: {completed['unseen_judged@10']} judged top-10 destinations its model never "
        f"trained on, {_figure(completed['unseen_rate@10'])} +/- "
        f"{_figure(completed['unseen_rate_se@10'])} related; each unjudged one in a top 10 "
        "counts at that rate"
    )


METRICS = ("precision@10", "capped_precision@10", "recall@20", "ndcg@20")


def _number(value: float) -> float | None:
    """A figure for JSON, which has no NaN (a rate over no items): null instead."""
    return value if math.isfinite(value) else None


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _metrics_table(title: str, rows: dict[str, dict[str, float]]) -> dict[str, Any]:
    """A table of figures as --json prints it: its title and one record per ranking
    (``sources`` is the table's ``n``; ``capped_precision@10`` is null where not computed)."""
    records = [
        {
            "ranking": name,
            "sources": int(m["sources"]),
            **{key: _number(m[key]) if key in m else None for key in METRICS},
        }
        for name, m in rows.items()
    ]
    return {"title": title, "rankings": records}


def _print_table(table: dict[str, Any]) -> None:
    grid = Grid(
        "ranking", "n", "precision@10", "capped", "recall@20", "nDCG@20", title=table["title"]
    )
    for r in table["rankings"]:
        grid.add_row(r["ranking"], str(r["sources"]), *(_figure(r[key]) for key in METRICS))
    grid.print()


def _print_metrics(title: str, rows: dict[str, dict[str, float]]) -> None:
    _print_table(_metrics_table(title, rows))


__all__ = ["transitions_app", "REGENERATE_COMMAND"]
