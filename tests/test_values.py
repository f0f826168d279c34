"""Issue 3: figures as sources write them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from prodkit.values import Figure, FigureError, parse_figure


@pytest.mark.parametrize("text, low, high, qualifier", [
    # integers and decimals
    ("102", 102, 102, "exact"),
    ("6.5", 6.5, 6.5, "exact"),
    ("0.006", 0.006, 0.006, "exact"),
    # ranges, with every dash sources use, and words
    ("14-15", 14, 15, "range"),
    ("6–7", 6, 7, "range"),
    ("6—7", 6, 7, "range"),
    ("30 — 32", 30, 32, "range"),
    ("45 to 60", 45, 60, "range"),
    ("from 2 to 9", 2, 9, "range"),
    ("5-7 million", 5e6, 7e6, "range"),
    # approximations keep their qualifier
    ("~46 000", 46000, 46000, "approximate"),
    ("~ 3100", 3100, 3100, "approximate"),
    ("about 55", 55, 55, "approximate"),
    ("around one hundred", 100, 100, "approximate"),
    ("около 40", 40, 40, "approximate"),
    # bounds: the open end stays open
    ("over half", 0.5, None, "more-than"),
    ("more than 30", 30, None, "more-than"),
    ("upward of 25", 25, None, "more-than"),
    ("более чем на 300", 300, None, "more-than"),
    ("not less than 500", 500, None, "at-least"),
    ("ne menee 500", 500, None, "at-least"),
    ("at least twice", 2, None, "at-least"),
    ("less than two", None, 2, "less-than"),
    ("within another ten", None, 10, "less-than"),
    ("almost 15", None, 15, "almost"),
    ("nearly a", None, 1, "almost"),
    # thousands: spaces, no-break and thin spaces, commas, words
    ("46 000", 46000, 46000, "exact"),
    ("46\u00a0000", 46000, 46000, "exact"),
    ("46\u2009000", 46000, 46000, "exact"),
    ("73,963", 73963, 73963, "exact"),
    ("1,050", 1050, 1050, "exact"),
    ("4 ½ thousand", 4500, 4500, "exact"),
    ("4½ thousand", 4500, 4500, "exact"),
    ("3 thousand", 3000, 3000, "exact"),
    ("1.5 million", 1.5e6, 1.5e6, "exact"),
    ("6.5 million", 6.5e6, 6.5e6, "exact"),
    ("three thousand", 3000, 3000, "exact"),
    ("five hundred", 500, 500, "exact"),
    # decimal commas where unambiguous
    ("39,75", 39.75, 39.75, "exact"),
    ("0,006", 0.006, 0.006, "exact"),
    ("1,59", 1.59, 1.59, "exact"),
    # unicode fractions and fractions in words
    ("½", 0.5, 0.5, "exact"),
    ("2 ¾", 2.75, 2.75, "exact"),
    ("a twelfth", 1 / 12, 1 / 12, "exact"),
    ("half", 0.5, 0.5, "exact"),
    # words
    ("twenty-two", 22, 22, "exact"),
    ("Three", 3, 3, "exact"),
    ("double", 2, 2, "exact"),
    ("Udvaivaem", 2, 2, "exact"),
    ("predominantly", 0.5, None, "more-than"),
    # vague figures: no number, a flag
    ("hundreds", None, None, "vague"),
    ("thousands and thousands", None, None, "vague"),
    ("several", None, None, "vague"),
    ("a few", None, None, "vague"),
    ("dozens", None, None, "vague"),
])
def test_value_forms(text, low, high, qualifier):
    f = parse_figure(text, decimal_mark=".")  # the ledger declares "1,050" as one thousand and fifty
    assert f.qualifier == qualifier
    for got, want in ((f.low, low), (f.high, high)):
        if want is None:
            assert got is None
        else:
            assert got == pytest.approx(want)


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("lots of coal", "not a number"),
    ("15-14", "runs from 15 down to 14"),
    ("1,2,3", "two ways"),
    ("12 34", "not thousands separators"),
    ("1-2-3", "more than two numbers"),
    ("over 5-7", "a bound and a range"),
])
def test_unreadable_figures_say_why(text, reason):
    with pytest.raises(FigureError, match=reason):
        parse_figure(text)


def test_range_midpoint_is_the_middle_not_a_claim():
    assert parse_figure("6-7") == Figure(6.0, 7.0, 6.5, "range")


@settings(deadline=None)  # the first call loads the morphology dictionaries
@given(st.integers(min_value=0, max_value=10**9))
def test_thousands_written_with_spaces_or_commas_read_the_same(n):
    spaced = f"{n:,}".replace(",", " ")
    assert parse_figure(str(n)).mid == n
    assert parse_figure(f"{n:,}", decimal_mark=".").mid == n
    assert parse_figure(f"{n:,}".replace(",", "."), decimal_mark=",").mid == n
    assert parse_figure(spaced).mid == n


@settings(deadline=None)  # the first call loads the morphology dictionaries
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3)),
       st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3)))
def test_a_range_reads_its_two_ends(a, b):
    lo, hi = sorted((a, b))
    f = parse_figure(f"{lo!r}-{hi!r}" if lo != hi else repr(lo), decimal_mark=".")
    assert f.low == pytest.approx(lo) and f.high == pytest.approx(hi)
    assert f.low <= f.mid <= f.high


@settings(deadline=None)  # the first call loads the morphology dictionaries
@given(st.text(max_size=40))
def test_any_text_parses_or_says_why_never_crashes(text):
    try:
        f = parse_figure(text)
    except FigureError as exc:
        assert str(exc)
    else:
        assert f.qualifier in {"exact", "range", "approximate", "more-than", "at-least", "less-than", "almost", "vague",
                               "ambiguous"}
        for x in (f.low, f.high, f.mid):
            assert x is None or math.isfinite(x)


@settings(deadline=None)  # the first call loads the morphology dictionaries
@given(st.lists(st.one_of(
    st.integers(0, 10**7).map(str),
    st.tuples(st.integers(0, 10**4), st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]}"),
    st.tuples(st.integers(0, 999), st.integers(0, 999), st.sampled_from(["-", "–", "—", " - "])).map(
        lambda t: f"{t[0]}{t[2]}{t[1]}"),
    st.sampled_from(["~46 000", "about 55", "4 ½ thousand", "over half", "hundreds", "lots", "15-14", "",
                     "0,006", "1,050", "12,34", "1234,567", "01,050", "46 000", "46\u00a0000", "about 5-7",
                     "over 5-7", "more than 3,5", "Около 9 999", "~ 99 999", "999 thousand", "99.9 million",
                     "2 to 3 thousand", "up to 9,999", "NEARLY 12", "1,5 million", "1 234 567", "12 34"]),
    st.tuples(st.sampled_from(["", "~", "~ ", "about ", "over ", "не менее ", "up to ", "almost ", "some ",
                               "bolee ", "within "]),
              st.integers(0, 10**6), st.sampled_from(["", ",5", ".25"]),
              st.sampled_from(["", " thousand", " million", "-7", " to 9", "–12"]),
              st.sampled_from([",", " ", ""])).map(
        lambda t: t[0] + (f"{t[1]:,}".replace(",", t[4]) if t[4] else str(t[1])) + t[2] + t[3]),
), min_size=1, max_size=30))
def test_vectorised_reading_agrees_with_the_parser(texts):
    import polars as pl

    from prodkit.values import _figure_table

    table = {r["value"]: r for r in _figure_table(pl.Series("value", texts, dtype=pl.String)).iter_rows(named=True)}
    for text in set(texts):
        row = table[text]
        try:
            f = parse_figure(text)
        except FigureError as exc:
            assert row["_value_code"] == exc.code and row["value_mid"] is None
        else:
            assert (row["value_low"], row["value_high"], row["value_mid"], row["qualifier"]) == (
                f.low, f.high, f.mid, f.qualifier)


@settings(deadline=None)  # the first call loads the morphology dictionaries
@given(st.lists(st.tuples(st.integers(1, 999), st.integers(0, 999), st.integers(0, 999),
                          st.sampled_from([".", ","]), st.sampled_from([".", ",", None]), st.booleans()),
                min_size=1, max_size=20))
def test_vectorised_reading_of_marked_numbers_agrees_with_the_parser(items):
    import polars as pl

    from prodkit.values import _figure_table

    texts = [f"{a}{sep}{b:03d}" + (f"{sep}{c:03d}" if two else "") for a, b, c, sep, _, two in items]
    marks = [mark for *_, mark, _ in items]
    table = _figure_table(pl.Series("value", texts, dtype=pl.String), pl.Series("m", marks, dtype=pl.String))
    got = {(r["value"], r["_mark"]): r for r in table.iter_rows(named=True)}
    for text, mark in zip(texts, marks):
        f = parse_figure(text, mark)
        assert (got[(text, mark)]["value_mid"], got[(text, mark)]["qualifier"]) == (f.mid, f.qualifier), (text, mark)


@settings(deadline=None)  # the first call loads the morphology dictionaries
@given(st.integers(1, 999), st.integers(0, 999), st.sampled_from([".", ","]))
def test_a_lone_mark_before_three_digits_is_never_read_in_silence(head, group, mark):
    text = f"{head}{mark}{group:03d}"
    f = parse_figure(text)
    assert f.qualifier == "ambiguous" and f.mid is None
    assert f"{head}{group:03d}" in f.reason.replace(".", "").replace(",", "")  # both readings are named
    as_groups = parse_figure(text, decimal_mark="," if mark == "." else ".").mid
    as_decimal = parse_figure(text, decimal_mark=mark).mid
    assert as_groups == head * 1000 + group and as_decimal == pytest.approx(head + group / 1000)
