"""The transition model: signals, directedness, explanations, persistence, viability."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommender.catalog import Catalog, Requirement, Role, Skill, SkillCategory
from recommender.embeddings import HashingEncoder
from recommender.errors import ModelMissing, UnknownRole
from recommender.transitions import (
    FUSIONS,
    TransitionModel,
    TransitionModelSet,
    TransitionScorer,
    calibrate_threshold,
    prepare_roles,
)
from recommender.transitions.features import feature_tensor

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "models" / "transition-model.npz"


def _role(
    rid: str, title: str, soc: str, zone: int, skills: dict[str, float], tasks: tuple[str, ...]
) -> Role:
    reqs = tuple(Requirement(s, level, 1.0) for s, level in skills.items())
    return Role(rid, title, f"{title} work.", soc, "family", zone, reqs, tasks=tasks)


def catalog() -> Catalog:
    skills = [
        Skill(s, s, SkillCategory.IT_OPERATIONS)
        for s in (
            "networking",
            "troubleshooting",
            "siem",
            "triage",
            "charting",
            "patient_care",
            "coding",
            "welding",
        )
    ]
    roles = [
        _role(
            "help-desk",
            "Help desk technician",
            "15-1232.00",
            3,
            {"networking": 2, "troubleshooting": 4},
            ("Resolve user tickets.", "Reset passwords."),
        ),
        _role(
            "soc-analyst",
            "SOC analyst",
            "15-1212.00",
            4,
            {"networking": 4, "troubleshooting": 3, "siem": 4, "triage": 4},
            ("Monitor security alerts.", "Triage incidents and resolve tickets."),
        ),
        _role(
            "nurse",
            "Registered nurse",
            "29-1141.00",
            3,
            {"patient_care": 5, "charting": 4},
            ("Care for patients.", "Chart patient records."),
        ),
        _role(
            "informaticist",
            "Nurse informaticist",
            "15-1211.01",
            4,
            {"patient_care": 3, "charting": 4, "networking": 2},
            ("Improve clinical record systems.", "Train nurses to chart patient records."),
        ),
        _role(
            "coder",
            "Medical coder",
            "29-2072.00",
            3,
            {"coding": 4, "charting": 3},
            ("Code patient records.",),
        ),
        _role("welder", "Welder", "51-4121.00", 2, {"welding": 4}, ("Weld metal parts.",)),
    ]
    return Catalog.from_items(skills=skills, roles=roles)


# Directed on purpose: moves up from entry roles, as a career ladder would list them.
RELATED = {
    ("help-desk", "soc-analyst"),
    ("nurse", "informaticist"),
    ("coder", "informaticist"),
    ("welder", "help-desk"),
}


@pytest.fixture(scope="module")
def model_set() -> TransitionModelSet:
    prepared = prepare_roles(catalog(), HashingEncoder(64))
    spec = FUSIONS["profile"]
    tensor = feature_tensor(prepared, spec.features)
    ids = prepared.ids
    X, y = [], []
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i != j:
                X.append(tensor[i, j])
                y.append(int((a, b) in RELATED))
    model = TransitionModel(spec.features, max_iter=30, min_samples_leaf=2, learning_rate=0.3)
    fitted = model.fit(np.array(X), np.array(y))
    return TransitionModelSet({"profile": fitted}, thresholds={"profile": 0.3})


def test_skill_coverage_is_directed() -> None:
    signals = prepare_roles(catalog(), HashingEncoder(64)).signals
    ids = list(catalog().roles)
    a, b = ids.index("help-desk"), ids.index("soc-analyst")
    # The analyst meets most of the help desk's needs; the help desk meets few of the analyst's.
    assert signals["skill_coverage"][b, a] > 0.8
    assert signals["skill_coverage"][a, b] < 0.5


def test_signal_is_missing_when_a_role_lacks_the_data() -> None:
    signals = prepare_roles(catalog(), HashingEncoder(64)).signals
    # Org roles carry no detailed work activities or interests.
    assert np.isnan(signals["activity_tfidf"]).all()
    assert np.isnan(signals["interests"]).all()


def test_score_is_directed_and_components_sum_to_it(model_set: TransitionModelSet) -> None:
    transitions = TransitionScorer(model_set, HashingEncoder(64)).prepare(catalog())
    forward = transitions.score("help-desk", "soc-analyst")
    backward = transitions.score("soc-analyst", "help-desk")
    assert forward.score > backward.score
    assert forward.components != backward.components
    for result in (forward, backward):
        assert 0.0 <= result.score <= 1.0
        assert sum(result.components.values()) == pytest.approx(result.score, abs=1e-9)
        assert "baseline" in result.components and result.fusion == "profile"


def test_related_roles_rank_first(model_set: TransitionModelSet) -> None:
    transitions = TransitionScorer(model_set, HashingEncoder(64)).prepare(catalog())
    top = transitions.top_destinations("nurse", k=3)
    assert top[0][0] == "informaticist"
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    assert "nurse" not in [r for r, _ in top]


def test_unknown_role_is_named(model_set: TransitionModelSet) -> None:
    transitions = TransitionScorer(model_set, HashingEncoder(64)).prepare(catalog())
    with pytest.raises(UnknownRole, match="ghost"):
        transitions.score("nurse", "ghost")


def test_viability_needs_the_threshold_and_at_most_one_job_zone_up(
    model_set: TransitionModelSet,
) -> None:
    transitions = TransitionScorer(model_set, HashingEncoder(64)).prepare(catalog())
    assert transitions.is_viable("nurse", "informaticist") == (
        transitions.score("nurse", "informaticist").score >= model_set.thresholds["profile"]
    )
    strict = TransitionModelSet(model_set.models, thresholds={"profile": 0.0})
    lenient = TransitionScorer(strict, HashingEncoder(64)).prepare(catalog())
    assert lenient.is_viable("welder", "help-desk")  # zone 2 -> 3
    assert not lenient.is_viable("welder", "soc-analyst")  # zone 2 -> 4


def test_threshold_maximises_f1_of_primary_relations() -> None:
    threshold, f1 = calibrate_threshold([0.9, 0.7, 0.6, 0.2], [True, False, True, False])
    assert threshold == 0.6 and f1 == pytest.approx(0.8)


def test_model_round_trips_through_save_and_load(
    model_set: TransitionModelSet, tmp_path: Path
) -> None:
    path = tmp_path / "m.npz"
    model_set.save(path)
    loaded = TransitionModelSet.load(path)
    X = np.random.default_rng(0).normal(size=(50, len(FUSIONS["profile"].features)))
    before, after = model_set.models["profile"], loaded.models["profile"]
    assert np.array_equal(before.decision_function(X), after.decision_function(X))
    assert np.array_equal(before.screen(X), after.screen(X))
    assert loaded.thresholds == model_set.thresholds
    assert (
        b"pickle" not in path.read_bytes()[:0]
    )  # npz of plain arrays, read with allow_pickle=False


def test_tree_copy_matches_scikit_learn_including_missing_values() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 4))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) > 0).astype(int)
    ours = TransitionModel(("a", "b", "c", "d"), max_iter=40, min_samples_leaf=20).fit(X, y)
    ref = HistGradientBoostingClassifier(
        max_iter=40,
        learning_rate=0.05,
        max_leaf_nodes=31,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    assert np.allclose(ours.decision_function(X), ref.decision_function(X))
    assert np.allclose(ours.bias_ + ours.contributions(X).sum(axis=1), ours.decision_function(X))


def test_missing_model_file_names_the_command_that_regenerates_it(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="reskill transitions fit"):
        TransitionModelSet.load(tmp_path / "absent.npz")


def test_model_fitted_on_other_features_is_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    stale = TransitionModel(("old_a", "old_b"), max_iter=5, min_samples_leaf=5).fit(
        X, (X[:, 0] > 0).astype(int)
    )
    path = tmp_path / "stale.npz"
    TransitionModelSet({"profile": stale}, {"profile": 0.5}).save(path)
    with pytest.raises(ModelMissing, match="other features"):
        TransitionModelSet.load(path)


def test_model_fitted_with_another_embedding_model_is_refused(
    model_set: TransitionModelSet,
) -> None:
    other = TransitionModelSet(
        model_set.models, {"profile": 0.3}, {"embedding_model": "some-other-model"}
    )
    with pytest.raises(ModelMissing, match="some-other-model"):
        TransitionScorer(other, HashingEncoder(64))


@pytest.mark.slow
def test_shipped_model_gives_sensible_onet_neighbours(onet_dir: Path, tmp_path: Path) -> None:
    from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
    from recommender.ingest.onet import load_onet

    encoder = CachedEncoder(SentenceTransformerEncoder(bf16=None), EmbeddingCache(tmp_path))
    transitions = TransitionScorer(TransitionModelSet.load(SHIPPED), encoder).prepare(
        load_onet(onet_dir)
    )
    help_desk = [r for r, _ in transitions.top_destinations("15-1232.00", 20)]
    assert "15-1212.00" in help_desk  # information security analysts
    # Registered nurses' closest occupations are clinical (as in O*NET's own related lists);
    # health informatics specialists still rank in the top 50 of 922 (38th with the model of
    # session 5, 15th before it: see the model card).
    nurse = [r for r, _ in transitions.top_destinations("29-1141.00", 50)]
    assert "15-1211.01" in nurse  # health informatics specialists
    coder = [r for r, _ in transitions.top_destinations("29-2072.00", 10)]
    assert {"29-2071.00", "29-9021.00", "15-1211.01"} & set(coder)  # health information roles


@pytest.mark.slow
def test_shipped_model_gives_sensible_neighbours_among_the_bundled_org_roles(
    tmp_path: Path,
) -> None:
    from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
    from recommender.ingest.tables import read_org_tables

    org = read_org_tables(REPO / "data").catalog
    encoder = CachedEncoder(SentenceTransformerEncoder(bf16=None), EmbeddingCache(tmp_path))
    transitions = TransitionScorer(TransitionModelSet.load(SHIPPED), encoder).prepare(org)

    def top(source: str) -> list[str]:
        return [r for r, _ in transitions.top_destinations(source, 5)]

    assert transitions.fusion_of("registered-nurse", "nurse-informaticist") == "profile"
    assert "soc-analyst-1" in top("service-desk-technician-1")
    assert "nurse-informaticist" in top("registered-nurse")
    assert "health-information-manager" in top("medical-coder")


def test_open_world_cross_validation_never_trains_on_unjudged_destinations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every occupation is ranked, but relations into the unjudged half are unknown: no fold
    # may fit on them (as negatives) nor on its own test sources.
    from recommender.transitions import training

    rng = np.random.default_rng(3)
    names = ["networking", "troubleshooting", "siem", "triage", "charting", "coding"]
    skills = [Skill(s, s, SkillCategory.IT_OPERATIONS) for s in names]
    roles = [
        _role(
            f"r{i}",
            f"Role {i}",
            f"15-12{i:02d}.00",
            int(rng.integers(1, 6)),
            {s: float(rng.integers(1, 6)) for s in rng.choice(names, 3, replace=False)},
            (f"Task {i}.",),
        )
        for i in range(24)
    ]
    prepared = prepare_roles(Catalog.from_items(skills=skills, roles=roles), HashingEncoder(32))
    judged = np.arange(24) % 2 == 0
    judgements = {f"r{i}": {f"r{(i + 2) % 24}": 3, f"r{(i + 4) % 24}": 1} for i in range(0, 24, 2)}
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    real = training._fit_pairs

    def spy(tensor, grades, sources, candidates, features, params):  # type: ignore[no-untyped-def]
        seen.append((np.asarray(sources).copy(), candidates.copy()))
        return real(tensor, grades, sources, candidates, features, params)

    monkeypatch.setattr(training, "_fit_pairs", spy)
    params = {"max_iter": 10, "min_samples_leaf": 2}
    result = training.cross_validate(prepared, judgements, "profile", params=params, judged=judged)
    assert len(seen) == 5
    tested: set[int] = set()
    for sources, candidates in seen:
        assert not candidates[~judged].any()
        held = {int(i) for i in np.flatnonzero(judged & ~candidates)}
        assert held and not held & {int(i) for i in sources}
        tested |= held
    assert tested == {int(i) for i in np.flatnonzero(judged)}
    assert result.metrics["unseen_judged@10"] > 0
    assert set(result.rankings) == set(judgements)
    assert any(not judged[prepared.index(r)] for top in result.rankings.values() for r in top)
