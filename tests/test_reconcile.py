"""Reconciliation: one value per event, every claim kept, every choice explained."""

from __future__ import annotations

import polars as pl
import pytest

from conftest import RAW, read_rows
from prodkit.strategies import NAMES
from reconcile_cases import ARTYUKHOV, SOURCES, claims, one, reconciled


def test_statuses():
    g = claims([("a", "single", "record", 5, 5, "arch"),
                ("b", "agree", "record", 6, 6, "arch"), ("c", "agree", "record", 6, 7, "memo"),
                ("d", "tol", "record", 100, 100, "arch"), ("e", "tol", "record", 100.5, 100.5, "memo"),
                ("f", "conflict", "record", 100, 100, "arch"), ("g", "conflict", "record", 103, 103, "memo"),
                ("h", "stats", "record", 100, 100, "arch"), ("i", "stats", "average", 30, 30, "arch")])
    r = {(x["event_id"], x["statistic"]): x["status"] for x in reconciled(g).iter_rows(named=True)}
    assert r[("single", "record")] == "single"
    assert r[("agree", "record")] == "agree"          # 6 lies inside 6-7
    assert r[("tol", "record")] == "agree"            # 0.5% apart, within the 1% tolerance
    assert r[("conflict", "record")] == "conflict"    # 3% apart
    # a record and an average never merge
    assert r[("stats", "record")] == r[("stats", "average")] == "single"
    loose = reconciled(g, tolerance=0.05)
    assert loose.filter(pl.col("event_id") == "conflict")["status"][0] == "agree"


def test_adjudication_wins_with_its_reason():
    adj = pl.DataFrame({"event_id": ["e"], "measure": ["coal_hewn"], "statistic": ["record"], "value": [None],
                        "claim_id": ["c2"], "reason": ["the mine's own ledger"], "decided_by": ["A. Historian"],
                        "date": ["2026-01-01"]}, schema_overrides={"value": pl.String})
    for name in NAMES:
        r = one(ARTYUKHOV, strategy=name, adjudications=adj)
        assert (r["status"], r["value"], r["chosen_claim_id"]) == ("adjudicated", 552, "c2")
        assert r["how"] == "adjudicated by A. Historian (2026-01-01): the mine's own ledger"


ARTYUKHOV_KEY = ("artyukhov-1935-09", "coal_hewn", "record")


def test_536_against_552_under_the_default_strategy(bundled):
    r = bundled["trust-your-friends"][ARTYUKHOV_KEY]
    assert (r["value"], r["value_low"], r["value_high"], r["unit"]) == ("536.0", "536.0", "552.0", "t")
    assert (r["status"], r["n_claims"], r["n_sources"], r["chosen_claim_id"]) == ("conflict", "2", "2", "c007")
    assert r["flags"] == "conflict;implausible"
    assert float(r["spread_pct"]) == pytest.approx(2.985, abs=1e-3)
    assert r["how"] == "trust_rank 1 (rgaspi-85-29-633, archival)"


@pytest.mark.parametrize("name, value, chosen", [
    ("meet-in-the-middle", "544.0", ""),        # the median of the archive and Gershberg
    ("cry-with-the-wolves", "536.0", "c007"),   # one source each: the tie goes to trust
    ("keep-up-to-date", "552.0", "c011"),       # Gershberg 1981 is the latest
    ("pass-it-on", "", ""),                     # the span 536-552 only
    ("roll-the-dice", "552.0", "c011"),         # seed 1935
])
def test_536_against_552_under_each_other_strategy(bundled, name, value, chosen):
    r = bundled[name][ARTYUKHOV_KEY]
    assert (r["value"], r["chosen_claim_id"], r["value_low"], r["value_high"]) == (value, chosen, "536.0", "552.0")


@pytest.mark.parametrize("key, status, value, low, high, n_claims", [
    (("stakhanov-1935-08-31", "coal_hewn", "record"), "agree", "102.0", "102.0", "102.0", "4"),
    (("stakhanov-1935-08-31", "coal_hewn", "norm"), "agree", "6.5", "6.0", "7.0", "2"),   # 6 lies in 6-7
    (("stakhanov-1935-09-19", "coal_hewn", "record"), "agree", "227.0", "227.0", "227.0", "2"),
    (("gudov-1935-09-13", "milling_feed", "pct_of_norm"), "agree", "410.0", "410.0", "410.0", "2"),
    (("smetanin-1935", "shoes_lasted", "record"), "agree", "1400.0", "1400.0", "1400.0", "2"),
    # a five-day campaign is a period of 5 days, not a 120-hour shift (issue 16)
    (("stakhanovite-five-day-shifts", "period_days", "duration"), "agree", "5.0", "5.0", "5.0", "2"),
])
def test_other_events_told_twice_are_pinned(bundled, key, status, value, low, high, n_claims):
    r = bundled["trust-your-friends"][key]
    assert (r["status"], r["value"], r["value_low"], r["value_high"], r["n_claims"]) == (status, value, low, high,
                                                                                        n_claims)
    for name in NAMES:
        if name != "pass-it-on" and status == "agree" and low == high:
            assert bundled[name][key]["value"] == value  # agreement does not depend on the strategy


def test_sensitivity_shows_which_conclusions_depend_on_the_strategy(bundled):
    rows = {(r["event_id"], r["measure"], r["statistic"]): r
            for r in read_rows(bundled["_dir"] / "sensitivity.csv")}
    r = rows[ARTYUKHOV_KEY]
    assert (r["trust_your_friends"], r["meet_in_the_middle"], r["keep_up_to_date"], r["pass_it_on"]) == (
        "536.0", "544.0", "552.0", "")
    assert r["depends_on_strategy"] == "TRUE"
    assert rows[("stakhanov-1935-08-31", "coal_hewn", "record")]["depends_on_strategy"] == "FALSE"


def test_conflicts_table_lists_every_claim_of_a_conflict(bundled):
    rows = read_rows(bundled["_dir"] / "conflicts.csv")
    art = [r for r in rows if r["event_id"] == "artyukhov-1935-09"]
    assert [(r["claim_id"], r["source_type"], r["chosen"]) for r in art] == [
        ("c007", "archival", "TRUE"), ("c011", "later_soviet", "FALSE")]
    assert float(art[1]["deviation_pct"]) == pytest.approx(2.985, abs=1e-3)


def test_conflicts_read_off_the_groups_equal_the_joined_table_in_any_row_order():
    from prodkit.pipeline import CORE_COLUMNS, load_ledger
    from prodkit.reconciliation import prepare, reconcile_tables

    led = load_ledger(RAW)
    core = prepare(led.claims.select([c for c in CORE_COLUMNS if c in led.claims.columns]), led.sources)
    for claims in (core, core.sample(fraction=1.0, shuffle=True, seed=7)):
        for name in NAMES:
            rec, _, fast, _ = reconcile_tables(claims, led.sources, strategy=name, tolerance=0.01, seed=1935,
                                            adjudications=led.adjudications)
            slow = conflicts_table(claims, rec)
            assert fast.height > 0 and fast.equals(slow), name


def conflicts_table(claims: pl.DataFrame, reconciled: pl.DataFrame) -> pl.DataFrame:
    """The test oracle for conflicts.csv: one row per claim in a group whose claims disagree, by a join."""
    from prodkit.reconciliation import KEY, conflict_columns

    groups = reconciled.filter(pl.col("status").is_in(["conflict", "adjudicated"]) & (pl.col("n_claims") > 1))
    c = claims.lazy().join(groups.lazy().select(KEY + [pl.col("value").alias("_chosen_value"), "chosen_claim_id"]),
                           on=KEY, how="inner")
    return c.select(conflict_columns()).sort(KEY + ["claim_id"]).collect()
