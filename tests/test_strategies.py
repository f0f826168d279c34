"""Each strategy as a function over a group of claims, its properties, and the one list of names.

The properties (row order, idempotence, a value inside the span, an
adjudication wins) run the production reconciliation,
:func:`prodkit.reconciliation.reconcile_tables`.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from conftest import RAW, run
from prodkit.strategies import NAMES
from reconcile_cases import ARTYUKHOV, SOURCES, claims, one, reconciled


# --- each strategy, as a pure function over a group -------------------------

def test_trust_your_friends_takes_the_most_trusted_source():
    r = one(ARTYUKHOV)
    assert (r["value"], r["chosen_claim_id"], r["status"]) == (536, "c1", "conflict")
    assert r["how"] == "trust_rank 1 (arch, archival)"


def test_a_retelling_does_not_outvote_its_original():
    r = one(ARTYUKHOV, strategy="cry-with-the-wolves")
    # 552 is told twice, but the 1971 book retells the 1938 memoir: one independent source each
    assert r["n_sources"] == 2 and r["n_claims"] == 3
    assert (r["value"], r["chosen_claim_id"]) == (536, "c1")
    assert "tie on number of sources between 2 values, broken by lowest trust_rank" in r["how"]
    assert "retold" in r["flags"].split(";")
    independent = SOURCES.with_columns(pl.lit(None, dtype=pl.String).alias("derived_from"))
    r2 = reconciled(ARTYUKHOV, independent, strategy="cry-with-the-wolves").row(0, named=True)
    assert r2["value"] == 552 and r2["how"].startswith("held by 2 independent source(s)")


def test_meet_in_the_middle_is_the_median_of_independent_claims():
    r = one(ARTYUKHOV, strategy="meet-in-the-middle")
    assert r["value"] == 544 and r["chosen_claim_id"] is None
    assert r["how"] == "median of 2 independent claims"


def test_keep_up_to_date_takes_the_most_recent_source():
    r = one(ARTYUKHOV, strategy="keep-up-to-date")
    # the 1971 retelling is the most recent, but its 1938 original is in the group and speaks for it
    assert (r["value"], r["chosen_claim_id"]) == (552, "c2")
    assert r["how"] == "most recent source: 1938 (memo)"
    independent = SOURCES.with_columns(pl.lit(None, dtype=pl.String).alias("derived_from"))
    r2 = reconciled(ARTYUKHOV, independent, strategy="keep-up-to-date").row(0, named=True)
    assert (r2["chosen_claim_id"], r2["how"]) == ("c3", "most recent source: 1971 (retell)")


def test_roll_the_dice_is_seeded_and_reproducible():
    draws = {one(ARTYUKHOV, strategy="roll-the-dice", seed=s)["chosen_claim_id"] for s in range(40)}
    assert draws == {"c1", "c2"}  # it really draws, never the retelling c3 over its original c2
    for s in (1, 2, 1935):
        assert one(ARTYUKHOV, strategy="roll-the-dice", seed=s) == one(ARTYUKHOV, strategy="roll-the-dice", seed=s)


def test_pass_it_on_reports_the_span_only():
    r = one(ARTYUKHOV, strategy="pass-it-on")
    assert r["value"] is None and (r["value_low"], r["value_high"]) == (536, 552)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_the_range_is_always_the_span_of_all_claims(name):
    r = one(ARTYUKHOV, strategy=name)
    assert (r["value_low"], r["value_high"]) == (536, 552)
    assert r["claim_ids"] == "c1;c2;c3"


# --- properties --------------------------------------------------------------

group_rows = st.lists(
    st.tuples(st.sampled_from(["e1", "e2", "e3"]), st.sampled_from(["record", "norm"]),
              st.floats(1, 1000, allow_nan=False).map(lambda x: round(x, 2)),
              st.floats(0, 50, allow_nan=False).map(lambda x: round(x, 2)),
              st.sampled_from(["arch", "memo", "retell", "paper"])),
    min_size=1, max_size=25)


def _frame(rows):
    return claims([(f"c{i:03d}", e, s, lo, lo + w, src) for i, (e, s, lo, w, src) in enumerate(rows)])


@settings(max_examples=60, deadline=None)
@given(group_rows, st.sampled_from(sorted(NAMES)), st.randoms(use_true_random=False))
def test_reconciliation_does_not_depend_on_row_order(rows, name, rnd):
    frame = _frame(rows)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))
    assert reconciled(frame, strategy=name).equals(reconciled(shuffled, strategy=name))


@settings(max_examples=60, deadline=None)
@given(group_rows, st.sampled_from(sorted(NAMES)))
def test_reconciliation_is_idempotent(rows, name):
    frame = _frame(rows)
    first = reconciled(frame, strategy=name)
    assert first.equals(reconciled(frame, strategy=name))
    # a ledger made of the reconciled values reconciles to the same values
    again = claims([(f"r{i}", r["event_id"], r["statistic"], r["value"], r["value"], "arch")
                    for i, r in enumerate(first.iter_rows(named=True)) if r["value"] is not None])
    if again.height:
        second = reconciled(again, strategy=name)
        assert second["value"].to_list() == first.filter(pl.col("value").is_not_null())["value"].to_list()


@settings(max_examples=80, deadline=None)
@given(group_rows, st.sampled_from(sorted(NAMES)))
def test_chosen_value_lies_inside_the_claims_span(rows, name):
    for r in reconciled(_frame(rows), strategy=name).iter_rows(named=True):
        if r["value"] is not None:
            assert r["value_low"] - 1e-9 <= r["value"] <= r["value_high"] + 1e-9


@settings(max_examples=40, deadline=None)
@given(group_rows, st.sampled_from(sorted(NAMES)), st.floats(0, 2000, allow_nan=False).map(lambda x: round(x, 3)))
def test_adjudication_always_wins(rows, name, decided):
    frame = _frame(rows)
    e, s = rows[0][0], rows[0][1]
    adj = pl.DataFrame({"event_id": [e], "measure": ["coal_hewn"], "statistic": [s], "value": [repr(decided)],
                        "claim_id": [None], "reason": ["r"], "decided_by": ["me"], "date": [None]},
                       schema_overrides={"claim_id": pl.String, "date": pl.String})
    r = reconciled(frame, strategy=name, adjudications=adj).filter(
        (pl.col("event_id") == e) & (pl.col("statistic") == s)).row(0, named=True)
    assert r["status"] == "adjudicated" and r["value"] == pytest.approx(decided)


# --- the one list of strategies ------------------------------------------------

def test_an_unknown_strategy_is_a_usage_error_in_the_library(tmp_path):
    import prodkit
    from prodkit.errors import UsageError

    for call in (lambda: prodkit.reconcile(RAW, tmp_path / "o", tmp_path / "r", strategy="toss-a-coin"),
                 lambda: prodkit.explain("artyukhov-1935-09", RAW, strategy="toss-a-coin"),
                 lambda: reconciled(ARTYUKHOV, strategy="toss-a-coin")):
        with pytest.raises(UsageError) as exc:
            call()
        assert "unknown strategy 'toss-a-coin'" in str(exc.value)
        assert "strategy= one of: trust-your-friends, meet-in-the-middle" in exc.value.hint
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_unknown_strategy_is_a_usage_error(runner, tmp_path):
    result = run(runner, "reconcile", "--strategy", "toss-a-coin", "--out-dir", str(tmp_path))
    assert result.exit_code == 2 and "Invalid value for '--strategy'" in result.stderr


def test_the_cli_the_sensitivity_table_and_the_report_read_one_list():
    from prodkit.cli import reconcile as reconcile_command
    from prodkit.schema import SensitivityOut
    from prodkit.strategies import STRATEGIES

    choice = next(p for p in reconcile_command.params if p.name == "strategy").type.choices
    assert tuple(choice) == NAMES
    columns = list(SensitivityOut.to_schema().columns)
    assert [s.column for s in STRATEGIES] == [c for c in columns if c in {s.column for s in STRATEGIES}]
