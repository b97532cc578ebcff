"""`reskill titles` (normalise a file of job titles) and `reskill evaluate titles`.

``reskill titles`` ranks O*NET occupations: its TSV's ``code`` column is always an
O*NET-SOC code. Both commands index every occupation of ``Occupation Data.txt``: the
rated ones as catalogue roles (``load_onet``), the others ("All Other" codes and the
like) by their titles alone (``load_onet_titles``). The organisation's roles are ranked by
:meth:`~recommender.titles.TitleNormaliser.match_roles` at the API level.

Embeddings are cached (``--cache-dir``, default ``~/.cache/reskill/embeddings``), so only
the first run encodes O*NET's titles.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from recommender.catalog import Catalog
from recommender.cli._app import app, evaluate_app
from recommender.cli._options import EMBEDDING_CACHE, CacheDir, cached_encoder
from recommender.cli._output import (
    AsCsv,
    AsJson,
    Column,
    Format,
    Grid,
    output_format,
    print_answer,
    stdout,
)
from recommender.embeddings import Encoder
from recommender.errors import InvalidInput, ReskillError
from recommender.titles import (
    DEFAULT_MODEL_PATH,
    FusionWeights,
    TitleMatch,
    TitleNormaliser,
    TitleScores,
    evaluate,
    fit_fusion,
)
from recommender.titles.fusion import FORMAT
from recommender.titles.holdout import FOLDS, SALT, TEST_FOLD, VALIDATION_FOLD
from recommender.titles.occupations import TitledOccupation
from recommender.titles.rerank import FORMAT as RERANKER_FORMAT
from recommender.titles.rerank import TOP as RERANK_TOP
from recommender.titles.rerank import Reranker, reranker_path
from recommender.titles.training import RERANK_FOLDS, fit_reranker_on_folds

err = Console(stderr=True)

#: The columns of ``reskill titles``: the job title, and each ranked O*NET occupation's
#: code and official title.
HEADER = ("title", "rank", "code", "occupation", "score")
SCORE_FIELDS = (
    "method",
    "evaluated",
    "reachable",
    "in_catalog",
    "top1",
    "top5",
    "top1_in_catalog",
    "top5_in_catalog",
    "top1_reachable",
    "top5_reachable",
)

OnetDir = Annotated[
    Path,
    typer.Option("--onet", exists=True, file_okay=False, help="Folder of the O*NET text database."),
]
ModelPath = Annotated[Path, typer.Option("--model", help="Fitted fusion weights (JSON).")]
EncoderPath = Annotated[
    Path | None,
    typer.Option(
        "--encoder", help="A local sentence-transformers model (default: bundled MiniLM)."
    ),
]


@contextmanager
def _progress(what: str) -> Iterator[Progress]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        yield bar


def _load_onet(onet: Path) -> tuple[Catalog, tuple[TitledOccupation, ...]]:
    """The rated occupations as a catalogue, and every occupation's titles."""
    from recommender.ingest.onet import load_onet, load_onet_titles

    return load_onet(onet), load_onet_titles(onet)


def _fit(
    model: TitleNormaliser, catalog: Catalog, extras: tuple[TitledOccupation, ...]
) -> TitleNormaliser:
    with _progress("Encoding titles") as bar:
        task = bar.add_task("Encoding O*NET titles", total=None)
        return model.fit(
            catalog,
            extra_occupations=extras,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def read_titles(path: Path) -> list[tuple[int, str]]:
    """``(line number, title)`` for each non-blank line of a UTF-8 file.

    Raises InvalidInput naming the file and line when the file is not UTF-8 text, and
    when it holds no titles at all.
    """
    raw = path.read_bytes()
    titles: list[tuple[int, str]] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{path}, line {number}: not UTF-8 text ({exc.reason})") from None
        if text:
            titles.append((number, text))
    if not titles:
        raise InvalidInput(f"{path}: no titles (one job title per line expected)")
    return titles


def ranked_rows(titles: list[str], matches: list[list[TitleMatch]]) -> list[dict[str, object]]:
    """One record per ranked occupation: the fields of :data:`HEADER`."""
    return [
        {
            "title": title,
            "rank": rank,
            "code": match.code,
            "occupation": match.title,
            "score": round(match.score, 4),
        }
        for title, ranked in zip(titles, matches, strict=True)
        for rank, match in enumerate(ranked, start=1)
    ]


def write_tsv(path: Path, titles: list[str], matches: list[list[TitleMatch]]) -> int:
    """Write the ranked matches with a header; returns the number of data rows."""
    rows = ranked_rows(titles, matches)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([*(row[name] for name in HEADER[:-1]), f"{row['score']:.4f}"])
    return len(rows)


@app.command("titles")
def titles(
    onet: OnetDir,
    in_file: Annotated[
        Path,
        typer.Option("--in", exists=True, dir_okay=False, help="One job title per line (UTF-8)."),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", dir_okay=False, help="TSV to write (default: print a table)."),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="Occupations per title.")] = 5,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    model: ModelPath = DEFAULT_MODEL_PATH,
    encoder: EncoderPath = None,
) -> None:
    """Rank O*NET occupations for each job title in --in: title, rank, code, occupation
    (the O*NET title of the code), score; printed, or written to --out as TSV."""
    fmt = output_format(as_json, as_csv)
    if out is not None and fmt is not Format.TABLE:
        raise typer.BadParameter(
            "--out writes a TSV file; --json and --csv print instead: give one",
            param_hint="--out",
        )
    try:
        lines = read_titles(in_file)
        normaliser = TitleNormaliser(
            cached_encoder(cache_dir, encoder), FusionWeights.load(model), reranker=_reranker(model)
        )
        normaliser = _fit(normaliser, *_load_onet(onet))
        texts = [text for _, text in lines]
        matches = normaliser.normalise(texts, top=top)
    except ReskillError as exc:
        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    for (number, text), ranked in zip(lines, matches, strict=True):
        if not ranked:
            err.print(
                f"[yellow]warning:[/yellow] {escape(str(in_file))}, line {number}: "
                f"nothing to match in {escape(repr(text))}",
                soft_wrap=True,
            )
    if out is not None:
        rows = write_tsv(out, texts, matches)
        stdout().print(f"Wrote {rows} rows for {len(texts)} titles to {out}", markup=False)
        return
    records = ranked_rows(texts, matches)

    def render() -> None:
        table = Grid(*HEADER[:-1], Column("score", "right"), title="O*NET occupations by title")
        for row in records:
            table.add_row(*(str(row[name]) for name in HEADER[:-1]), f"{row['score']:.4f}")
        table.print()

    print_answer(fmt, lambda: records, render, header=HEADER)


@evaluate_app.command("titles")
def evaluate_titles(
    onet: OnetDir,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    model: ModelPath = DEFAULT_MODEL_PATH,
    encoder: EncoderPath = None,
    refit: Annotated[
        bool, typer.Option("--refit", help="Fit the weights on the validation fold first.")
    ] = False,
    save: Annotated[
        Path | None, typer.Option("--save", dir_okay=False, help="Write refitted weights here.")
    ] = None,
    baselines: Annotated[
        bool, typer.Option("--baselines", help="Also score the unfitted baselines.")
    ] = False,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Top-1/top-5 accuracy on O*NET alternate titles held out from the index.

    With --refit, the fusion is fitted on fold 1 and the re-ranker on folds 2-4; --save
    writes both (the re-ranker beside the weights, as ``<name>.reranker.npz``)."""
    fmt = output_format(as_json, as_csv)
    if save is not None and not refit:
        raise typer.BadParameter("--save needs --refit")
    try:
        enc = cached_encoder(cache_dir, encoder)
        catalog, extras = _load_onet(onet)
        if refit:
            weights = _refit(enc, catalog, extras, onet)
            reranker: Reranker | None = _refit_reranker(enc, catalog, extras, onet, weights)
        else:
            weights, reranker = FusionWeights.load(model), _reranker(model)
        named = {"fitted fusion": weights}
        if baselines:
            named |= {
                "char TF-IDF nearest title": FusionWeights({"char": 1.0}),
                "embedding nearest title": FusionWeights({"emb": 1.0}),
                "plain sum: char+emb+desc": FusionWeights.plain(),
            }
        with _progress("Encoding titles") as bar:
            task = bar.add_task("Encoding O*NET titles", total=None)
            scores = evaluate(
                enc,
                catalog,
                onet,
                list(named.values()),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                extra_occupations=extras,
                reranker=reranker,
            )
    except ReskillError as exc:
        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    by_method = dict(zip(named, scores, strict=False))
    if reranker is not None:
        by_method = {"fitted fusion + re-ranker": scores[-1], **by_method}
    best = next(iter(by_method.values()))
    print_answer(
        fmt,
        lambda: [{"method": name, **asdict(s)} for name, s in by_method.items()],
        lambda: _print_scores(by_method),
        header=SCORE_FIELDS,
    )
    if save is not None:
        weights.save(save)
        if reranker is not None:
            reranker.save(reranker_path(save))
        manifest = write_manifest(save, weights, onet, best, reranker)
        err.print(f"Saved the weights to {save} and their manifest to {manifest}")


def _refit(
    enc: Encoder, catalog: Catalog, extras: tuple[TitledOccupation, ...], onet: Path
) -> FusionWeights:
    started = time.perf_counter()
    with _progress("Encoding titles") as bar:
        task = bar.add_task("Encoding O*NET titles (validation index)", total=None)
        weights = fit_fusion(
            enc,
            catalog,
            onet,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            extra_occupations=extras,
        )
    shown = ", ".join(f"{k} {v:.2f}" for k, v in weights.weights.items())
    err.print(f"Fitted in {time.perf_counter() - started:.0f} s: {shown}", soft_wrap=True)
    return weights


def _reranker(model: Path) -> Reranker | None:
    """The re-ranker saved beside the weights at ``model``, if there is one."""
    path = reranker_path(model)
    return Reranker.load(path) if path.is_file() else None


def _refit_reranker(
    enc: Encoder,
    catalog: Catalog,
    extras: tuple[TitledOccupation, ...],
    onet: Path,
    weights: FusionWeights,
) -> Reranker:
    started = time.perf_counter()
    with _progress("Encoding titles") as bar:
        task = bar.add_task("Re-ranker: candidates of folds 2-4", total=None)
        reranker = fit_reranker_on_folds(
            enc,
            catalog,
            onet,
            weights,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            extra_occupations=extras,
        )
    err.print(f"Fitted the re-ranker in {time.perf_counter() - started:.0f} s", soft_wrap=True)
    return reranker


def write_manifest(
    weights_path: Path,
    weights: FusionWeights,
    onet: Path,
    scores: TitleScores | None = None,
    reranker: Reranker | None = None,
) -> Path:
    """Write ``<name>.manifest.json`` beside the weights: what they were fitted from.

    With ``scores``, also the test-fold figures the model reached
    (``test_fold_scores``); with ``reranker``, what it is and where it was fitted.
    """
    from recommender.evaluation import file_sha256
    from recommender.ingest.onet import onet_release

    inputs = ("Alternate Titles.txt", "Sample of Reported Titles.txt", "Occupation Data.txt")
    body = {
        "model": "title-normaliser",
        "format": FORMAT,
        "version": 1,
        "encoder": weights.encoder,
        "dimension": len(weights.weights),
        "features": sorted(weights.weights),
        "onet_release": onet_release(onet),
        "data_sha256": {
            name: file_sha256(onet / name) for name in inputs if (onet / name).is_file()
        },
        "split": {
            "folds": FOLDS,
            "salt": SALT,
            "test_fold": TEST_FOLD,
            "validation_fold": VALIDATION_FOLD,
        },
        **dict(weights.metadata),
    }
    if scores is not None:
        body["test_fold_scores"] = asdict(scores)
    if reranker is not None:
        body["reranker"] = {
            "file": reranker_path(weights_path).name,
            "format": RERANKER_FORMAT,
            "fitted_on": f"folds {', '.join(map(str, RERANK_FOLDS))}",
            "candidates": RERANK_TOP,
            "trees": len(reranker.offsets),
            "features": list(reranker.names),
        }
    path = weights_path.with_name(weights_path.stem + ".manifest.json")
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _print_scores(scores: dict[str, TitleScores]) -> None:
    """One row per method: all titles, rated titles, and reachable ones when not all are."""
    first = next(iter(scores.values()))
    partial = first.reachable < first.evaluated
    columns = ["top-1", "top-5", "top-1 rated", "top-5 rated"]
    columns += ["top-1 reach.", "top-5 reach."] if partial else []
    table = Grid(
        "method",
        *(Column(column, "right") for column in columns),
        title=f"Held-out O*NET alternate titles: {first.evaluated} evaluated, "
        f"{first.reachable} reachable (a gold occupation is indexed), "
        f"{first.in_catalog} rated (a gold occupation is a catalogue role)",
    )
    for name, s in scores.items():
        figures = [s.top1, s.top5, s.top1_in_catalog, s.top5_in_catalog]
        figures += [s.top1_reachable, s.top5_reachable] if partial else []
        table.add_row(name, *(f"{x:.3f}" for x in figures))
    table.print()


__all__ = ["HEADER", "ranked_rows", "read_titles", "write_tsv", "write_manifest"]
