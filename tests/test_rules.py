"""The raw row checks run as polars expressions (rules.py) and give what the pandera models give."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from conftest import DATA, RAW

LEDGERS = sorted({p.parent for p in DATA.rglob("claims.csv")} | {RAW})


def _pandera_problems(monkeypatch):
    """load_ledger with each rule set checked by its pandera model instead."""
    from prodkit import pipeline, rules, schema

    models = {rules.RAW_CLAIMS.name: schema.RawClaims, rules.RAW_SOURCES.name: schema.RawSources,
              rules.SOURCE_YEAR.name: schema.YearCheck, rules.NORMALISED_CLAIMS.name: schema.NormalisedClaims}

    def by_model(rule_set, frame, **kw):
        if rule_set is rules.NORMALISED_CLAIMS:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("flags"))
        return schema.problems_from(models[rule_set.name], frame, **kw)

    monkeypatch.setattr(pipeline, "row_problems", by_model)


def _problems(raw: Path, strict: bool) -> list:
    from prodkit.errors import ProdkitError
    from prodkit.pipeline import load_ledger

    try:
        ledger = load_ledger(raw, strict=strict)
    except ProdkitError as exc:
        return [str(exc)] + [p.as_row() for p in getattr(exc, "problems", None) or []]
    return [p.as_row() for p in ledger.problems] + [vars(a) for a in ledger.accounts]


@pytest.mark.parametrize("strict", [False, True])
def test_rules_find_what_the_pandera_models_find_on_every_test_ledger(monkeypatch, strict):
    assert len(LEDGERS) > 40
    ours = {raw: _problems(raw, strict) for raw in LEDGERS}
    with monkeypatch.context() as m:
        _pandera_problems(m)
        theirs = {raw: _problems(raw, strict) for raw in LEDGERS}
    for raw in LEDGERS:
        assert ours[raw] == theirs[raw], raw
    codes = {p["code"] for found in ours.values() for p in found if isinstance(p, dict) and "code" in p}
    assert {"field-empty", "date-invalid", "source-type-unknown", "value-range-inverted"} <= codes


def test_rules_and_models_name_the_same_checks_and_required_columns():
    from prodkit import rules, schema

    for rule_set, model in [(rules.RAW_CLAIMS, schema.RawClaims), (rules.RAW_SOURCES, schema.RawSources),
                            (rules.SOURCE_YEAR, schema.YearCheck), (rules.NORMALISED_CLAIMS, schema.NormalisedClaims)]:
        declared = model.to_schema()
        required = {name for name, col in declared.columns.items() if not col.nullable}
        assert set(rule_set.required) == required, rule_set.name
        assert {c.name for c in declared.checks} == set(rule_set.checks), rule_set.name
