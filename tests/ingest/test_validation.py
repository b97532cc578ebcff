"""Cell parsers, id normalisation, cycle finding and the EEO-1 mapping."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender.ingest.demographics import (
    RACE_ETHNICITY_CATEGORIES,
    map_race_ethnicity,
    map_sex,
)
from recommender.ingest.validation import (
    BadValue,
    find_cycles,
    id_key,
    mixed_scripts,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_id,
    parse_int,
    parse_text,
    suggest,
)

ASCII_ID = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    min_size=1,
    max_size=20,
)
INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202a"])


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(ASCII_ID, st.data())
def test_ids_differing_by_case_width_or_invisible_characters_collide(
    base: str, data: st.DataObject
) -> None:
    variant = data.draw(st.sampled_from([str.upper, str.lower, full_width, str.swapcase]))(base)
    position = data.draw(st.integers(0, len(variant)))
    variant = variant[:position] + data.draw(INVISIBLE) + variant[position:]
    variant = " " * data.draw(st.integers(0, 2)) + variant + "\t" * data.draw(st.integers(0, 1))
    assert id_key(parse_id(variant)) == id_key(parse_id(base))


@given(ASCII_ID, ASCII_ID)
def test_ids_differing_in_more_than_case_do_not_collide(a: str, b: str) -> None:
    assert (id_key(parse_id(a)) == id_key(parse_id(b))) == (a.casefold() == b.casefold())


@given(
    st.text(
        alphabet=st.characters(categories=["Lu", "Ll", "Nd", "Mn", "Cf", "Zs"]),
        min_size=1,
        max_size=30,
    )
)
def test_a_parsed_id_has_no_format_characters_and_is_stable(raw: str) -> None:
    try:
        value = parse_id(raw)
    except BadValue:
        return
    assert not any(unicodedata.category(c) == "Cf" for c in value)
    assert value == value.strip() and parse_id(value) == value


@pytest.mark.parametrize("raw", ["", "  ", "\u200b", "#N/A", "a\x00b", "x" * 201])
def test_bad_ids_are_rejected(raw: str) -> None:
    with pytest.raises(BadValue):
        parse_id(raw)


def test_text_is_nfc_and_keeps_line_breaks_only_where_allowed() -> None:
    assert parse_text("Rene\u0301e", max_chars=200, multiline=False, required=True) == "Ren\u00e9e"
    assert parse_text("a\nb", max_chars=200, multiline=True, required=True) == "a\nb"
    with pytest.raises(BadValue, match="U\\+000A"):
        parse_text("a\nb", max_chars=200, multiline=False, required=True)


@pytest.mark.parametrize(
    ("raw", "expected"), [("12", 12.0), (" 0.5 ", 0.5), ("+3", 3.0), (".25", 0.25), ("7.", 7.0)]
)
def test_plain_decimals_parse(raw: str, expected: float) -> None:
    assert parse_decimal(raw, low=0, high=100, what="hours") == expected


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_decimals_within_bounds_round_trip_and_others_are_rejected(x: float) -> None:
    text = f"{x:.6f}"
    value = float(text)
    if 0 < value <= 40:
        assert parse_decimal(text, low=0, high=40, what="w", low_open=True) == value
    else:
        with pytest.raises(BadValue, match="outside \\(0, 40\\]"):
            parse_decimal(text, low=0, high=40, what="w", low_open=True)


@pytest.mark.parametrize(
    "raw", ["nan", "-inf", "1e3", "12h", "1,5", "1 000", "", "#VALUE!", "0x10"]
)
def test_non_plain_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(BadValue):
        parse_decimal(raw, low=0, high=1e9, what="x")


def test_integers_accept_whole_decimals_only() -> None:
    assert parse_int("3.0", low=1, high=5, what="level") == 3
    with pytest.raises(BadValue, match="not a whole number"):
        parse_int("3.5", low=1, high=5, what="level")
    with pytest.raises(BadValue, match="outside 0-1,000,000"):
        parse_int(str(2**63), low=0, high=1_000_000, what="open_positions")


@pytest.mark.parametrize(
    ("raw", "value"), [("TRUE", True), ("yes", True), ("0", False), ("No", False)]
)
def test_booleans_accept_the_documented_spellings(raw: str, value: bool) -> None:
    assert parse_bool(raw) is value


def test_enums_list_the_allowed_values() -> None:
    assert parse_enum(" Online ", ("online", "blended")) == "online"
    with pytest.raises(BadValue, match="'web' is not one of: online, blended"):
        parse_enum("web", ("online", "blended"))


def test_dates_are_strict_real_and_not_in_the_future() -> None:
    today = date(2025, 6, 1)
    assert parse_date("2024-02-29", today=today) == date(2024, 2, 29)
    assert parse_date("", today=today) is None
    for bad in ("2025-06-02", "1949-12-31", "2023-02-29", "2024-2-3", "2024-02-03T00:00"):
        with pytest.raises(BadValue):
            parse_date(bad, today=today)


def test_suggestions_fold_look_alike_letters() -> None:
    assert suggest("\u0420ython", {"python": "python", "Python": "python"}) == "python"
    assert suggest("zzzz", ["sql", "python"]) is None
    assert mixed_scripts("\u0420ython") == ("CYRILLIC", "LATIN")


def test_cycles_are_reported_as_paths_including_self_loops() -> None:
    assert find_cycles({"a": ["b"], "b": ["c"], "c": ["a"]}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": ["a"]}) == [["a", "a"]]
    assert find_cycles({"a": ["b"], "b": []}) == []


def test_a_thousand_node_cycle_is_found_without_recursion() -> None:
    edges = {f"n{i}": [f"n{(i + 1) % 1000}"] for i in range(1000)}
    (cycle,) = find_cycles(edges)
    assert len(cycle) == 1001 and cycle[0] == cycle[-1]


@given(st.integers(2, 40), st.data())
def test_random_dags_have_no_cycle_until_one_is_injected(n: int, data: st.DataObject) -> None:
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))
    edges: dict[str, list[str]] = {f"c{i}": [] for i in range(n)}
    for a, b in pairs:
        if a < b:
            edges[f"c{a}"].append(f"c{b}")  # edges only go "up": a DAG
    assert find_cycles(edges) == []
    low, high = sorted(data.draw(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))
    edges[f"c{high}"].append(f"c{low}")
    path = [f"c{i}" for i in range(low, high + 1)]
    for src, dst in zip(path, path[1:], strict=False):
        edges[src].append(dst)
    cycles = find_cycles(edges)
    assert cycles and all(c[0] == c[-1] for c in cycles)
    for cycle in cycles:
        assert all(b in edges[a] for a, b in zip(cycle, cycle[1:], strict=False))


@pytest.mark.parametrize(
    ("raw", "category"),
    [
        ("Male", "Male"), ("m", "Male"), ("F", "Female"), ("woman", "Female"),
        ("", None), ("Prefer not to say", None), ("Declined", None), ("Other", None),
    ],
)  # fmt: skip
def test_sex_maps_to_eeo1_or_unknown(raw: str, category: str | None) -> None:
    assert map_sex(raw)[0] == category


@pytest.mark.parametrize(
    ("raw", "category"),
    [
        ("White;Asian", "Two or More Races"),
        ("White|Asian", "Two or More Races"),
        ("Black", "Black or African American"),
        ("Latino", "Hispanic or Latino"),
        ("Hispanic;White", "Hispanic or Latino"),
        ("American Indian/Alaska Native", "American Indian or Alaska Native"),
        ("Pacific Islander", "Native Hawaiian or Other Pacific Islander"),
        ("Declined", None),
        ("Martian", None),
        ("White;Martian", None),
    ],
)
def test_race_ethnicity_maps_to_eeo1_or_unknown(raw: str, category: str | None) -> None:
    assert map_race_ethnicity(raw)[0] == category


@given(st.text(max_size=40))
def test_any_demographic_value_maps_to_a_category_or_unknown(raw: str) -> None:
    assert map_race_ethnicity(raw)[0] in (*RACE_ETHNICITY_CATEGORIES, None)
    assert map_sex(raw)[0] in ("Male", "Female", None)
