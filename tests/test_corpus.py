"""Sources as written: every spelling of tests/data/corpus/spellings.csv read to its expected canonical value.

The corpus holds value-and-unit spellings copied from public sources in Russian,
Ukrainian, German, English, French, Hungarian and Finnish, each with its
citation and the reading a careful historian gives it. They run through the
stages ``prodkit reconcile`` runs (:func:`prodkit.values.parse_values`, then
:func:`prodkit.units.normalise_units`). What prodkit does not read as expected
is listed, with the reason, in tests/data/corpus/unsupported.csv, and is held to
exactly that: a spelling prodkit refuses must stay refused, never turn into a
number, and nothing else may be read differently from the corpus.
"""

from __future__ import annotations

import csv
from functools import lru_cache

import pytest

from conftest import DATA

CORPUS = DATA / "corpus"
#: The corpus's decimal conventions as the decimal mark a source declares.
MARKS = {"point-groups": ",", "comma-decimal": ",", "comma-groups": "."}


def _rows(name: str) -> list[dict]:
    with open(CORPUS / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


SPELLINGS = _rows("spellings.csv")
UNSUPPORTED = {r["id"]: r for r in _rows("unsupported.csv")}


@lru_cache(maxsize=1)
def readings() -> dict[str, dict]:
    """Every spelling as prodkit reads it: canonical low, high, unit, qualifier and the problems on its line."""
    import polars as pl

    from prodkit.units import Units, normalise_units, read_measures
    from prodkit.values import parse_values

    frame = pl.DataFrame({
        "claim_id": [r["id"] for r in SPELLINGS], "value": [r["value"] or None for r in SPELLINGS],
        "unit": [r["unit"] or None for r in SPELLINGS], "statistic": [r["statistic"] for r in SPELLINGS],
        "measure": [r["measure"] or None for r in SPELLINGS], "basis": [None] * len(SPELLINGS),
        "source_file": ["spellings.csv"] * len(SPELLINGS),
        "source_line": list(range(2, len(SPELLINGS) + 2)),
        "_decimal_mark": [MARKS.get(r["decimal_convention"]) for r in SPELLINGS],
    }, schema_overrides={"basis": pl.String, "source_line": pl.Int64})
    out, value_problems = parse_values(frame, decimal_mark_column="_decimal_mark")
    out, unit_problems = normalise_units(out, Units(), read_measures(None))
    problems: dict[int, list[str]] = {}
    for p in value_problems + unit_problems:
        problems.setdefault(p.line, []).append(p.code)
    return {r["claim_id"]: {**r, "problems": problems.get(r["source_line"], [])}
            for r in out.select("claim_id", "value_low", "value_high", "unit_canonical", "qualifier",
                                "source_line").iter_rows(named=True)}


def _in_unit(value: str, unit: str, target: str | None) -> float | None:
    """An expected value in prodkit's canonical unit (the corpus writes times in hours: 1.5 h is 90 min)."""
    if value == "":
        return None
    if target is None or unit == target:
        return float(value)
    from prodkit.units import Units

    units = Units()
    return float(value) * units.factor(unit if unit != "h" else "hour", target if target != "min" else "minute")


def _close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(got - want) <= 1e-6 * max(1.0, abs(want))


def test_the_corpus_is_large_cited_and_in_five_languages_at_least():
    assert len(SPELLINGS) >= 300
    languages = {r["lang"] for r in SPELLINGS}
    assert {"ru", "uk", "de", "en", "fr"} <= languages
    assert all(r["source"].strip() and r["quote"].strip() for r in SPELLINGS)
    assert set(UNSUPPORTED) <= {r["id"] for r in SPELLINGS}


def test_at_least_300_spellings_are_read_as_expected():
    supported = [r for r in SPELLINGS if r["id"] not in UNSUPPORTED]
    assert len(supported) >= 300
    assert {r["lang"] for r in supported} >= {"ru", "uk", "de", "en", "fr", "hu"}


@pytest.mark.parametrize("row", [r for r in SPELLINGS if r["id"] not in UNSUPPORTED], ids=lambda r: r["id"])
def test_a_spelling_reads_as_a_historian_reads_it(row):
    got = readings()[row["id"]]
    if row["expected_qualifier"] == "ambiguous":  # never a number in silence
        assert got["value_low"] is None and got["value_high"] is None, got
        return
    unit = got["unit_canonical"] or row["expected_unit"]
    assert got["unit_canonical"] is not None, got["problems"]
    assert (unit == row["expected_unit"] or _in_unit("1", row["expected_unit"], unit) is not None), got
    want = (_in_unit(row["expected_low"], row["expected_unit"], unit),
            _in_unit(row["expected_high"], row["expected_unit"], unit))
    assert _close(got["value_low"], want[0]) and _close(got["value_high"], want[1]), (got, want, row["quote"])


@pytest.mark.parametrize("row", [r for r in SPELLINGS if r["id"] in UNSUPPORTED], ids=lambda r: r["id"])
def test_a_spelling_prodkit_does_not_read_is_refused_or_read_as_documented(row):
    got = readings()[row["id"]]
    documented = UNSUPPORTED[row["id"]]["prodkit_reads"]
    if documented == "refused":
        assert got["value_low"] is None and got["value_high"] is None, got
        assert got["problems"], "a refusal is a located problem"
        return
    low, high, unit = documented.split(";")
    assert got["unit_canonical"] == unit
    assert _close(got["value_low"], float(low) if low else None)
    assert _close(got["value_high"], float(high) if high else None)


@pytest.mark.parametrize("spellings", [
    # the same quantity in every supported spelling
    [("102", "tons"), ("102", "тонны"), ("102", "т."), ("102", "Tonnen"), ("102", "tonnes"), ("0,102", "тыс. т"),
     ("0.102", "thousand tons"), ("102 000", "кг"), ("1020", "ц"), ("сто два", "тонны"), ("einhundertzwei", "t")],
    [("5.75", "hours"), ("5 hr 45 min", ""), ("5 ч. 45 мин.", ""), ("пять часов 45 минут", ""),
     ("5 Stunden 45 Minuten", ""), ("345", "minutes"), ("5 heures 45 minutes", "")],
    [("1400", "% of the norm"), ("14", "times the norm"), ("в 14", "раз"), ("14-fold", ""), ("×14", ""),
     ("14", "норм"), ("das 14fache", ""), ("quatorze fois", "la norme"), ("1300", "% above the norm"),
     ("1300", "процентов сверх нормы")],
    [("523", "ц/га"), ("523", "центнеров с гектара"), ("523", "quintals per hectare"), ("52,3", "т/га"),
     ("523", "Doppelzentner je Hektar"), ("523", "quintaux à l'hectare"), ("523", "centners of sugar beet per hectare")],
])
def test_a_quantity_in_any_supported_spelling_converts_to_the_same_canonical_value(spellings):
    import polars as pl

    from prodkit.units import Units, normalise_units, read_measures
    from prodkit.values import parse_values

    frame = pl.DataFrame({"value": [v for v, _ in spellings], "unit": [u or None for _, u in spellings],
                          "statistic": ["record"] * len(spellings), "measure": [None] * len(spellings),
                          "basis": [None] * len(spellings), "source_file": "t.csv",
                          "source_line": list(range(2, len(spellings) + 2)), "_decimal_mark": ","},
                         schema_overrides={"measure": pl.String, "basis": pl.String, "unit": pl.String})
    frame = frame.with_columns(pl.when(pl.col("unit").str.contains("%|норм|norm|раз|fois"))
                               .then(pl.lit("pct_of_norm")).otherwise(pl.col("statistic")).alias("statistic"))
    out, problems = parse_values(frame, decimal_mark_column="_decimal_mark")
    out, more = normalise_units(out, Units(), read_measures(None))
    assert not [p for p in problems + more if p.severity == "error"], [p.message for p in problems + more]
    assert out["unit_canonical"].n_unique() == 1, out.select("value", "unit", "unit_canonical").rows()
    mids = out["value_mid"].to_list()
    assert all(abs(m - mids[0]) <= 1e-9 * abs(mids[0]) for m in mids), list(zip(spellings, mids))
