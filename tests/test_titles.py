"""Title normalisation: cleaning, ranking, fused weights, the held-out protocol.

Fast tests use a small hand-made catalogue and the hashing encoder; tests marked slow
use the real O*NET database and the bundled all-MiniLM-L6-v2 model with the shipped
fusion weights (models/title-normaliser.json).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from recommender.catalog import Catalog, Role, RoleSource
from recommender.embeddings import CachedEncoder, EmbeddingCache, HashingEncoder
from recommender.errors import InvalidInput, ModelMissing
from recommender.titles import (
    DEFAULT_MODEL_PATH,
    FusionWeights,
    TitledOccupation,
    TitleNormaliser,
    clean_title,
    holdout_split,
    title_fold,
    title_key,
)
from recommender.titles.fusion import fit_weights
from recommender.titles.holdout import TEST_FOLD, VALIDATION_FOLD

# A small catalogue -------------------------------------------------------------------------


def onet_role(code: str, title: str, *alternates: str, description: str = "") -> Role:
    return Role(
        code,
        title,
        description or f"{title}.",
        code,
        "Healthcare",
        3,
        source=RoleSource.ONET,
        alternate_titles=alternates,
    )


def org_role(role_id: str, title: str, soc: str) -> Role:
    return Role(role_id, title, f"{title} at the hospital.", soc, "Clinical", 3)


ROLES = [
    onet_role(
        "29-1141.00", "Registered Nurses", "Staff Nurse", "Medical Surgical Registered Nurse"
    ),
    onet_role("29-2061.00", "Licensed Practical and Licensed Vocational Nurses", "Charge Nurse"),
    onet_role("29-2072.00", "Medical Records Specialists", "Medical Coder", "Coding Specialist"),
    onet_role("15-1212.00", "Information Security Analysts", "Cyber Security Analyst"),
    onet_role("15-1232.00", "Computer User Support Specialists", "Help Desk Technician"),
]
ORG = [
    org_role("rn", "Registered nurse", "29-1141.00"),
    org_role("coder", "Clinical coder", "29-2072.00"),
    org_role("soc-analyst", "Security operations analyst", "15-1212.00"),
]


@pytest.fixture(scope="module")
def small() -> TitleNormaliser:
    catalog = Catalog.from_items(roles=[*ROLES, *ORG])
    return TitleNormaliser(HashingEncoder(), FusionWeights.plain()).fit(catalog)


@dataclass(frozen=True)
class TitlesOnly:
    """An occupation known by its titles alone, as the importer's OccupationTitles."""

    code: str
    title: str
    description: str
    alternate_titles: tuple[str, ...] = ()


ALL_OTHER = [
    TitlesOnly(
        "15-1299.00",
        "Computer Occupations, All Other",
        "All computer occupations not listed separately.",
        (
            "Data Center Technician",
            "Computer Operator",
            "General Information Technology Specialist",
        ),
    ),
    TitlesOnly(
        "29-9099.00",
        "Healthcare Practitioners and Technical Workers, All Other",
        "All healthcare practitioners and technical workers not listed separately.",
        ("Sleep Technician",),
    ),
    # A code the catalogue already has a role for: the role's titles win.
    TitlesOnly("29-1141.00", "Nurses, Misspelt", "Not the role's text.", ("Zebra Keeper",)),
]


@pytest.fixture(scope="module")
def with_all_other() -> TitleNormaliser:
    dc_ops = org_role("dc-ops", "Infrastructure operations", "15-1299.00")
    catalog = Catalog.from_items(roles=[*ROLES, *ORG, dc_ops])
    model = TitleNormaliser(HashingEncoder(), FusionWeights.plain())
    return model.fit(catalog, extra_occupations=ALL_OTHER)


# Cleaning ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Sr. Cyber Defense Analyst II", "senior cyber defense analyst"),
        ("RN - Med/Surg nights", "registered nurse medical surgical"),
        ("LPN, PRN", "licensed practical nurse"),
        ("CNA - Days", "certified nursing assistant"),
        ("Help Desk Tech III", "help desk technician"),
        ("IT Spec (Level 2)", "it specialist"),
        ("Nurse Mgr, Part Time", "nurse manager"),
        ("Jr Data Analyst 1", "junior data analyst"),
        ("Admin Assistant", "administrative assistant"),
        ("L&D RN", "labor and delivery registered nurse"),
    ],
)
def test_clean_title_expands_hr_abbreviations_and_drops_shifts_and_grades(
    raw: str, cleaned: str
) -> None:
    assert clean_title(raw) == cleaned


def test_clean_title_keeps_words_that_name_occupations() -> None:
    assert clean_title("Night Auditor") == "night auditor"
    assert clean_title("Day Care Teacher") == "day care teacher"
    assert clean_title("Contract Specialist") == "contract specialist"


def test_clean_title_of_punctuation_or_shift_words_only_is_empty() -> None:
    assert clean_title("") == ""
    assert clean_title(" -- / ") == ""
    assert clean_title("Nights, PRN") == ""


# Ranking -----------------------------------------------------------------------------------


def test_normalise_ranks_the_occupation_whose_titles_match_first(small: TitleNormaliser) -> None:
    results = small.normalise(["Medical Coder II", "RN - Med/Surg nights", "Cyber Analyst"])
    assert [r[0].code for r in results] == ["29-2072.00", "29-1141.00", "15-1212.00"]


def test_normalise_returns_top_matches_best_first_with_scores_in_unit_interval(
    small: TitleNormaliser,
) -> None:
    (ranked,) = small.normalise(["Coding Specialist"], top=3)
    assert len(ranked) == 3
    scores = [m.score for m in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert ranked[0].matched_title == "coding specialist"
    assert ranked[0].source == RoleSource.ONET
    assert ranked[0].title == "Medical Records Specialists"


def test_normalise_never_returns_more_than_the_catalogue_holds(small: TitleNormaliser) -> None:
    (ranked,) = small.normalise(["nurse"], top=50)
    assert len(ranked) == len(ROLES)


def test_titles_with_nothing_to_match_get_an_empty_result(small: TitleNormaliser) -> None:
    assert small.normalise(["", "---", "Nights PRN", "Staff Nurse"])[:3] == [[], [], []]


def test_normalise_of_no_titles_is_an_empty_list(small: TitleNormaliser) -> None:
    assert small.normalise([]) == []


def test_top_below_one_is_rejected(small: TitleNormaliser) -> None:
    with pytest.raises(InvalidInput, match="top must be at least 1"):
        small.normalise(["nurse"], top=0)


def test_batched_and_single_title_rankings_agree(small: TitleNormaliser) -> None:
    titles = ["Staff Nurse", "Help Desk Tech", "Medical Coder"]
    batched = [[m.code for m in r] for r in small.normalise(titles)]
    single = [[m.code for m in small.normalise([t])[0]] for t in titles]
    assert batched == single


def test_match_roles_ranks_org_roles_with_their_own_ids(small: TitleNormaliser) -> None:
    (ranked,) = small.match_roles(["RN - Med/Surg nights"], top=3)
    assert [m.role_id for m in ranked][0] == "rn"
    assert ranked[0].code == "29-1141.00"
    assert {m.source for m in ranked} == {RoleSource.ORG}


def test_match_roles_reaches_org_roles_through_onet_alternate_titles(
    small: TitleNormaliser,
) -> None:
    # "Coding Specialist" is only an O*NET alternate title; the org calls it "Clinical coder".
    (ranked,) = small.match_roles(["Coding Specialist"], top=1)
    assert ranked[0].role_id == "coder"


def test_match_roles_without_org_roles_is_empty() -> None:
    model = TitleNormaliser(HashingEncoder(), FusionWeights.plain()).fit(
        Catalog.from_items(roles=ROLES)
    )
    assert model.match_roles(["Staff Nurse"]) == [[]]


def test_fit_needs_something_to_rank() -> None:
    model = TitleNormaliser(HashingEncoder(), FusionWeights.plain())
    with pytest.raises(InvalidInput, match="no O\\*NET occupations and no org roles"):
        model.fit(Catalog())


def test_org_roles_alone_are_ranked_by_their_own_titles_and_no_occupation_is_named() -> None:
    model = TitleNormaliser(HashingEncoder(), FusionWeights.plain(), org_weight=0.7)
    model.fit(Catalog.from_items(roles=ORG))
    assert model.onet_index_ is None and model.onet_codes_ == ()
    assert model.normalise(["Registered nurse", "Clinical coder"]) == [[], []]
    nurse, nothing = model.match_roles(["Registered nurse, nights", "PRN"], top=3)
    assert nurse[0].role_id == "rn" and nothing == []
    # Without O*NET, org_weight does not apply: the scores are the direct fusion alone,
    # exactly as with O*NET occupations present and org_weight 0.
    direct = TitleNormaliser(HashingEncoder(), FusionWeights.plain(), org_weight=0.0)
    (with_onet,) = direct.fit(Catalog.from_items(roles=[*ROLES, *ORG])).match_roles(
        ["Registered nurse, nights"], top=3
    )
    assert [m.role_id for m in nurse] == [m.role_id for m in with_onet]
    assert [m.score for m in nurse] == pytest.approx([m.score for m in with_onet])


# Occupations known by their titles alone ---------------------------------------------------


def test_title_only_occupations_are_ranked_and_marked_outside_the_catalogue(
    with_all_other: TitleNormaliser,
) -> None:
    data_centre, operator = with_all_other.normalise(["Data Centre Tech II", "Computer Operator"])
    assert data_centre[0].code == operator[0].code == "15-1299.00"
    best = data_centre[0]
    assert (best.role_id, best.title, best.source) == (
        "15-1299.00",
        "Computer Occupations, All Other",
        RoleSource.ONET,
    )
    assert best.matched_title == "data center technician"
    assert not best.in_catalog
    outside = {m.code for m in data_centre if not m.in_catalog}
    assert outside <= {"15-1299.00", "29-9099.00"}


def test_a_catalogue_role_keeps_its_own_titles_over_a_title_only_occupation(
    with_all_other: TitleNormaliser,
) -> None:
    assert with_all_other.onet_codes_.count("29-1141.00") == 1
    assert [o.code for o in with_all_other.extra_occupations_] == ["15-1299.00", "29-9099.00"]
    (ranked,) = with_all_other.normalise(["Zebra Keeper"], top=10)
    nurses = next(m for m in ranked if m.code == "29-1141.00")
    assert nurses.in_catalog and nurses.title == "Registered Nurses"
    assert "zebra" not in nurses.matched_title


def test_org_roles_are_reached_through_a_title_only_occupations_titles(
    with_all_other: TitleNormaliser,
) -> None:
    # "Computer Operator" is only a title of 15-1299.00, the org role's SOC code.
    (ranked,) = with_all_other.match_roles(["Computer Operator"], top=1)
    assert ranked[0].role_id == "dc-ops"


def test_title_only_occupations_alone_can_be_fitted() -> None:
    model = TitleNormaliser(HashingEncoder(), FusionWeights.plain())
    model.fit(Catalog.from_items(roles=ORG), extra_occupations=ALL_OTHER)
    assert model.normalise(["Sleep Tech"], top=1)[0][0].code == "29-9099.00"
    assert model.match_roles(["Registered nurse"], top=1)[0][0].role_id == "rn"


def test_the_title_algorithms_never_import_ingest_or_store() -> None:
    package = Path(__file__).resolve().parents[1] / "recommender" / "titles"
    imported = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert "recommender.catalog" in imported  # the walk sees the package's imports
    assert not {m for m in imported if m.startswith(("recommender.ingest", "recommender.store"))}


def test_init_stores_parameters_only_and_fit_returns_self() -> None:
    model = TitleNormaliser(HashingEncoder(), FusionWeights.plain(), org_weight=0.3)
    assert not hasattr(model, "onet_index_")
    assert model.fit(Catalog.from_items(roles=ROLES)) is model
    assert model.org_weight == 0.3 and model.onet_index_ is not None


def test_fit_encodes_each_distinct_text_once_through_the_cache(tmp_path: Path) -> None:
    encoder = CachedEncoder(HashingEncoder(), EmbeddingCache(tmp_path))
    catalog = Catalog.from_items(roles=ROLES)
    TitleNormaliser(encoder, FusionWeights.plain()).fit(catalog)
    first = encoder.misses
    TitleNormaliser(encoder, FusionWeights.plain()).fit(catalog)
    assert first > 0 and encoder.misses == first


# Derived features --------------------------------------------------------------------------


def _index_features(titles: list[str]) -> dict[str, np.ndarray]:
    from recommender.titles.features import Target, TitleIndex

    targets = [
        Target("a", ("Staff Nurse", "Charge Nurse", "Nurse Manager", "Ward Nurse"), "Nurses."),
        Target("b", ("Medical Coder",), "Codes records; reports to a manager."),
    ]
    encoder = HashingEncoder()
    index = TitleIndex.build(targets, encoder)
    cleaned = [clean_title(t) for t in titles]
    features, _ = index.features(cleaned, encoder.encode(cleaned))
    return dict(features)


def test_query_coverage_is_the_share_of_known_query_words_a_target_has() -> None:
    features = _index_features(["Charge Nurse", "Nurse Coder", "Nurse Zyzzyva", "Zyzzyva"])
    qcov, qall = features["qcov"], features["qall"]
    assert qcov[0].tolist() == pytest.approx([1.0, 0.0])  # both words among target a's
    assert qall[0].tolist() == [1.0, 0.0]
    assert 0.0 < qcov[1, 0] < 1.0 and 0.0 < qcov[1, 1] < 1.0  # one word each
    assert qcov[1, 0] + qcov[1, 1] == pytest.approx(1.0)
    assert qcov[2].tolist() == pytest.approx([1.0, 0.0])  # an unknown word is left out
    assert qcov[3].tolist() == [0.0, 0.0]  # only unknown words: nothing covered


def test_description_coverage_also_counts_the_description_words() -> None:
    features = _index_features(["Coder Manager"])  # "manager" is a title word of a only
    assert features["qcov"][0, 1] < 1.0
    assert features["qcov_desc"][0, 1] == pytest.approx(1.0)


def test_top3_and_centroid_embedding_features_follow_their_definitions() -> None:
    from recommender.titles.features import Target, TitleIndex

    encoder = HashingEncoder()
    titles = ("Staff Nurse", "Charge Nurse", "Nurse Manager", "Ward Nurse")
    index = TitleIndex.build([Target("a", titles, "Nurses."), Target("b", ("Coder",), "")], encoder)
    query = encoder.encode(["night nurse"])
    features, _ = index.features(["night nurse"], query)
    cosines = np.sort(query @ encoder.encode([clean_title(t) for t in titles]).T)[0]
    assert features["emb_top3"][0, 0] == pytest.approx(cosines[-3:].mean(), abs=1e-5)
    mean = encoder.encode([clean_title(t) for t in titles]).mean(axis=0)
    expected = float(query[0] @ mean / np.linalg.norm(mean))
    assert features["emb_cent"][0, 0] == pytest.approx(expected, abs=1e-5)
    assert features["emb_top3"][0, 1] == pytest.approx(features["emb"][0, 1], abs=1e-6)


def test_rank_features_are_reciprocal_ranks_with_ties_to_the_earlier_target() -> None:
    from recommender.titles.fusion import feature_matrix

    emb = np.array([[0.1, 0.9, 0.5, 0.9]], dtype=np.float32)
    ranks = feature_matrix({"emb": emb}, "rank_emb")
    assert ranks[0].tolist() == pytest.approx([1 / 4, 1.0, 1 / 3, 1 / 2])
    with pytest.raises(KeyError):
        feature_matrix({"size": emb}, "rank_size")


def test_weights_on_derived_features_score_and_round_trip(tmp_path: Path) -> None:
    weights = FusionWeights({"emb": 1.0, "rank_emb": 2.0, "qcov": 0.5}, "enc", {"titles": 1})
    weights.save(tmp_path / "w.json")
    loaded = FusionWeights.load(tmp_path / "w.json")
    assert loaded == weights
    features = {
        "emb": np.array([[0.2, 0.4]], dtype=np.float32),
        "qcov": np.array([[1.0, 0.0]], dtype=np.float32),
    }
    assert loaded.score(features)[0].tolist() == pytest.approx([0.2 + 1.0 + 0.5, 0.4 + 2.0])


def test_a_rank_of_a_feature_without_ranks_is_an_unknown_feature() -> None:
    with pytest.raises(ValueError, match="unknown title feature"):
        FusionWeights({"rank_size": 1.0})


# Fusion weights ----------------------------------------------------------------------------


def test_fit_weights_puts_weight_on_the_feature_that_finds_the_right_target() -> None:
    rng = np.random.default_rng(0)
    n, targets = 400, 30
    gold = np.zeros((n, targets), dtype=bool)
    gold[np.arange(n), rng.integers(0, targets, n)] = True
    informative = gold + rng.normal(0, 0.3, (n, targets))
    noise = rng.normal(0, 1, (n, targets))
    features = np.stack([informative, noise], axis=2).astype(np.float32)
    weights = fit_weights(features, gold, ("char", "word"))
    assert weights["char"] > 3.0
    assert abs(weights["word"]) < 0.5


def test_fit_weights_rejects_a_query_without_a_right_target() -> None:
    with pytest.raises(ValueError, match="at least one right target"):
        fit_weights(np.zeros((2, 3, 1), np.float32), np.zeros((2, 3), bool), ("char",))


def test_weights_round_trip_through_json(tmp_path: Path) -> None:
    weights = FusionWeights({"char": 1.5, "emb": 2.0}, "some-encoder", {"titles": 3})
    weights.save(tmp_path / "w.json")
    assert FusionWeights.load(tmp_path / "w.json") == weights
    assert json.loads((tmp_path / "w.json").read_text())["format"].startswith("reskill.")


def test_missing_weights_file_says_how_to_fit_it(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="reskill evaluate titles .* --refit --save"):
        FusionWeights.load(tmp_path / "absent.json")


def test_a_json_file_of_another_kind_is_not_taken_for_weights(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text('{"weights": {"char": 1}}')
    with pytest.raises(ModelMissing, match="is not a reskill.title-normaliser"):
        FusionWeights.load(tmp_path / "other.json")


def test_unknown_feature_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown title feature"):
        FusionWeights({"charr": 1.0})


def test_weights_fitted_with_another_encoder_are_refused() -> None:
    model = TitleNormaliser(HashingEncoder(), FusionWeights({"char": 1.0}, "another-model"))
    with pytest.raises(ModelMissing, match="fitted with encoder 'another-model'"):
        model.fit(Catalog.from_items(roles=ROLES))


def test_the_shipped_weights_load_and_name_the_bundled_encoder() -> None:
    weights = FusionWeights.load(DEFAULT_MODEL_PATH)
    assert weights.encoder == "sentence-transformers/all-MiniLM-L6-v2"
    assert weights.metadata["fitted_on"] == f"validation fold {VALIDATION_FOLD}"


# The held-out protocol ---------------------------------------------------------------------


def test_title_folds_ignore_case_and_spacing() -> None:
    assert title_key("  Staff   NURSE ") == "staff nurse"
    assert title_fold("Staff Nurse") == title_fold("  staff   nurse")


def titles_in_fold(fold: int, stem: str, n: int) -> list[str]:
    """``n`` titles "<stem> 1", "<stem> 2", ... whose fold is ``fold``."""
    candidates = (f"{stem} {i}" for i in range(1000))
    return [t for t in candidates if title_fold(t) == fold][:n]


def test_held_out_titles_are_taken_out_of_title_only_occupations_too(tmp_path: Path) -> None:
    held = titles_in_fold(TEST_FOLD, "Data Center Operator", 2)
    kept = titles_in_fold(VALIDATION_FOLD, "Data Center Operator", 1)
    rows = ["O*NET-SOC Code\tTitle\tAlternate Title\tShort Title\tSource(s)"]
    rows += [f"15-1299.00\tt\t{title}\t\t08" for title in [*held, *kept]]
    (tmp_path / "Alternate Titles.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    extra = TitlesOnly("15-1299.00", "Computer Occupations, All Other", "d", (*held, *kept))
    untouched = TitlesOnly("29-9099.00", "Healthcare, All Other", "d", ("Sleep Technician",))
    split = holdout_split(
        Catalog.from_items(roles=ROLES), tmp_path, (TEST_FOLD,), [extra, untouched]
    )
    trimmed, same = split.extra_occupations
    assert trimmed.alternate_titles == tuple(kept)
    assert (trimmed.code, trimmed.title, trimmed.description) == (
        "15-1299.00",
        "Computer Occupations, All Other",
        "d",
    )
    assert same is untouched
    assert split.held_out == {title: frozenset({"15-1299.00"}) for title in held}


@pytest.fixture(scope="module")
def onet_catalog(onet_dir: Path) -> Catalog:
    from recommender.ingest.onet import load_onet

    return load_onet(onet_dir)


@pytest.fixture(scope="module")
def onet_titles(onet_dir: Path) -> tuple[TitledOccupation, ...]:
    from recommender.ingest.onet import load_onet_titles

    return load_onet_titles(onet_dir)


@pytest.mark.slow
def test_held_out_titles_never_leak_into_the_index(
    onet_dir: Path, onet_catalog: Catalog, onet_titles: tuple[TitledOccupation, ...]
) -> None:
    split = holdout_split(onet_catalog, onet_dir, (TEST_FOLD,), onet_titles)
    assert len(split.held_out) > 5000
    assert all(title_fold(t) == TEST_FOLD for t in split.held_out)
    held = {title_key(t) for t in split.held_out}
    assert held <= split.removed
    indexed = {title_key(t) for r in split.catalog.roles.values() for t in r.alternate_titles}
    assert not indexed & split.removed
    # Nor through the occupations known by their titles alone ("All Other").
    extra = {title_key(t) for o in split.extra_occupations for t in o.alternate_titles}
    assert not extra & split.removed
    assert [o.code for o in split.extra_occupations] == [o.code for o in onet_titles]
    unrated = {o.code for o in onet_titles} - set(onet_catalog.roles)
    only_unrated = [t for t, codes in split.held_out.items() if codes <= unrated]
    assert len(only_unrated) > 500
    # Only held-out rows' titles go: the split keeps most of the catalogue's titles.
    before = sum(len(r.alternate_titles) for r in onet_catalog.roles.values())
    after = sum(len(r.alternate_titles) for r in split.catalog.roles.values())
    assert 0.7 * before < after < 0.9 * before
    before = sum(len(o.alternate_titles) for o in onet_titles)
    after = sum(len(o.alternate_titles) for o in split.extra_occupations)
    assert 0.7 * before < after < 0.9 * before


@pytest.mark.slow
def test_held_out_gold_codes_are_every_code_onet_lists_for_the_title(
    onet_dir: Path, onet_catalog: Catalog
) -> None:
    split = holdout_split(onet_catalog, onet_dir, (TEST_FOLD, VALIDATION_FOLD))
    rows = (onet_dir / "Alternate Titles.txt").read_text(encoding="utf-8").splitlines()[1:]
    listed: dict[str, set[str]] = {}
    for row in rows:
        code, _, title = row.split("\t")[:3]
        listed.setdefault(title_key(title), set()).add(code)
    assert {title_fold(t) for t in split.held_out} == {TEST_FOLD, VALIDATION_FOLD}
    assert all(codes == listed[title_key(t)] for t, codes in split.held_out.items())
    assert any(len(codes) > 1 for codes in split.held_out.values())


@pytest.mark.slow
def test_the_split_is_deterministic(onet_dir: Path, onet_catalog: Catalog) -> None:
    first = holdout_split(onet_catalog, onet_dir)
    second = holdout_split(onet_catalog, onet_dir)
    assert first.held_out == second.held_out and first.removed == second.removed


# The real model on real O*NET occupations --------------------------------------------------


@pytest.fixture(scope="module")
def real(onet_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> TitleNormaliser:
    """The shipped normaliser over O*NET's computer and healthcare occupations.

    Groups 15 and 29 hold ~125 occupations and ~3,800 titles (about a minute to encode
    cold): enough confusers (every nurse, security and records occupation) to make the
    known answers mean something, small enough for a test.
    """
    from recommender.embeddings import SentenceTransformerEncoder

    roles = [r for r in onet_catalog.roles.values() if r.id[:2] in {"15", "29"}]
    cache = EmbeddingCache(tmp_path_factory.mktemp("embeddings"))
    encoder = CachedEncoder(SentenceTransformerEncoder(), cache)
    return TitleNormaliser(encoder).fit(Catalog.from_items(roles=roles))


@pytest.mark.slow
def test_known_titles_normalise_to_their_occupations(real: TitleNormaliser) -> None:
    cyber, nurse, coder = real.normalise(
        ["Sr. Cyber Defense Analyst II", "RN - Med/Surg nights", "Medical Coder"]
    )
    assert "15-1212.00" in [m.code for m in cyber]
    assert nurse[0].code == "29-1141.00"
    assert coder[0].code == "29-2072.00"


@pytest.mark.slow
def test_a_single_title_gets_the_same_answer_as_in_a_batch(real: TitleNormaliser) -> None:
    titles = ["Pharm Tech", "LPN - Float Pool", "Help Desk Analyst"]
    batched = real.normalise(titles, top=3)
    for title, expected in zip(titles, batched, strict=True):
        assert [m.code for m in real.normalise([title], top=3)[0]] == [m.code for m in expected]
