"""Issue 5: one value per event, every claim kept, every choice explained."""

from __future__ import annotations


import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from conftest import RAW, read_rows, run
from prodkit.events import STRATEGIES, reconcile_events

SOURCES = pl.DataFrame({
    "source_id": ["arch", "memo", "retell", "paper"],
    "trust_rank": [1, 4, 5, 3],
    "source_type": ["archival", "memoir", "later_soviet", "contemporary_press"],
    "year": ["1935", "1938", "1971", None],
    "derived_from": [None, None, "memo", None],
})


def claims(rows: list[tuple]) -> pl.DataFrame:
    """rows: (claim_id, event_id, statistic, low, high, source_id)."""
    return pl.DataFrame(
        [{"claim_id": c, "event_id": e, "measure": "coal_hewn", "statistic": s, "subject": "Miner", "sector": "coal",
          "date": "1935-09", "value_low": lo, "value_high": hi,
          "value_mid": None if lo is None and hi is None else (lo + hi) / 2 if lo is not None and hi is not None
          else (lo if lo is not None else hi), "unit_canonical": "t", "source_id": src, "flags": None}
         for c, e, s, lo, hi, src in rows],
        schema={"claim_id": pl.String, "event_id": pl.String, "measure": pl.String, "statistic": pl.String,
                "subject": pl.String, "sector": pl.String, "date": pl.String, "value_low": pl.Float64,
                "value_high": pl.Float64, "value_mid": pl.Float64, "unit_canonical": pl.String,
                "source_id": pl.String, "flags": pl.String})


ARTYUKHOV = claims([("c1", "e", "record", 536, 536, "arch"), ("c2", "e", "record", 552, 552, "memo"),
                    ("c3", "e", "record", 552, 552, "retell")])


def one(frame, **kw) -> dict:
    return reconcile_events(frame, SOURCES, **kw).row(0, named=True)


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
    r2 = reconcile_events(ARTYUKHOV, independent, strategy="cry-with-the-wolves").row(0, named=True)
    assert r2["value"] == 552 and r2["how"].startswith("held by 2 independent source(s)")


def test_meet_in_the_middle_is_the_median_of_independent_claims():
    r = one(ARTYUKHOV, strategy="meet-in-the-middle")
    assert r["value"] == 544 and r["chosen_claim_id"] is None
    assert r["how"] == "median of 2 independent claims"


def test_keep_up_to_date_takes_the_most_recent_source():
    r = one(ARTYUKHOV, strategy="keep-up-to-date")
    assert (r["value"], r["chosen_claim_id"]) == (552, "c3")
    assert r["how"] == "most recent source: 1971 (retell)"


def test_roll_the_dice_is_seeded_and_reproducible():
    draws = {one(ARTYUKHOV, strategy="roll-the-dice", seed=s)["chosen_claim_id"] for s in range(40)}
    assert draws == {"c1", "c2", "c3"}  # it really draws
    for s in (1, 2, 1935):
        assert one(ARTYUKHOV, strategy="roll-the-dice", seed=s) == one(ARTYUKHOV, strategy="roll-the-dice", seed=s)


def test_pass_it_on_reports_the_span_only():
    r = one(ARTYUKHOV, strategy="pass-it-on")
    assert r["value"] is None and (r["value_low"], r["value_high"]) == (536, 552)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_the_range_is_always_the_span_of_all_claims(name):
    r = one(ARTYUKHOV, strategy=name)
    assert (r["value_low"], r["value_high"]) == (536, 552)
    assert r["claim_ids"] == "c1;c2;c3"


def test_statuses():
    g = claims([("a", "single", "record", 5, 5, "arch"),
                ("b", "agree", "record", 6, 6, "arch"), ("c", "agree", "record", 6, 7, "memo"),
                ("d", "tol", "record", 100, 100, "arch"), ("e", "tol", "record", 100.5, 100.5, "memo"),
                ("f", "conflict", "record", 100, 100, "arch"), ("g", "conflict", "record", 103, 103, "memo"),
                ("h", "stats", "record", 100, 100, "arch"), ("i", "stats", "average", 30, 30, "arch")])
    r = {(x["event_id"], x["statistic"]): x["status"] for x in reconcile_events(g, SOURCES).iter_rows(named=True)}
    assert r[("single", "record")] == "single"
    assert r[("agree", "record")] == "agree"          # 6 lies inside 6-7
    assert r[("tol", "record")] == "agree"            # 0.5% apart, within the 1% tolerance
    assert r[("conflict", "record")] == "conflict"    # 3% apart
    # a record and an average never merge
    assert r[("stats", "record")] == r[("stats", "average")] == "single"
    loose = reconcile_events(g, SOURCES, tolerance=0.05)
    assert loose.filter(pl.col("event_id") == "conflict")["status"][0] == "agree"


def test_adjudication_wins_with_its_reason():
    adj = pl.DataFrame({"event_id": ["e"], "measure": ["coal_hewn"], "statistic": ["record"], "value": [None],
                        "claim_id": ["c2"], "reason": ["the mine's own ledger"], "decided_by": ["A. Historian"],
                        "date": ["2026-01-01"]}, schema_overrides={"value": pl.String})
    for name in STRATEGIES:
        r = one(ARTYUKHOV, strategy=name, adjudications=adj)
        assert (r["status"], r["value"], r["chosen_claim_id"]) == ("adjudicated", 552, "c2")
        assert r["how"] == "adjudicated by A. Historian (2026-01-01): the mine's own ledger"


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
@given(group_rows, st.sampled_from(sorted(STRATEGIES)), st.randoms(use_true_random=False))
def test_reconciliation_does_not_depend_on_row_order(rows, name, rnd):
    frame = _frame(rows)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))
    assert reconcile_events(frame, SOURCES, strategy=name).equals(reconcile_events(shuffled, SOURCES, strategy=name))


@settings(max_examples=60, deadline=None)
@given(group_rows, st.sampled_from(sorted(STRATEGIES)))
def test_reconciliation_is_idempotent(rows, name):
    frame = _frame(rows)
    first = reconcile_events(frame, SOURCES, strategy=name)
    assert first.equals(reconcile_events(frame, SOURCES, strategy=name))
    # a ledger made of the reconciled values reconciles to the same values
    again = claims([(f"r{i}", r["event_id"], r["statistic"], r["value"], r["value"], "arch")
                    for i, r in enumerate(first.iter_rows(named=True)) if r["value"] is not None])
    if again.height:
        second = reconcile_events(again, SOURCES, strategy=name)
        assert second["value"].to_list() == first.filter(pl.col("value").is_not_null())["value"].to_list()


@settings(max_examples=80, deadline=None)
@given(group_rows, st.sampled_from(sorted(STRATEGIES)))
def test_chosen_value_lies_inside_the_claims_span(rows, name):
    for r in reconcile_events(_frame(rows), SOURCES, strategy=name).iter_rows(named=True):
        if r["value"] is not None:
            assert r["value_low"] - 1e-9 <= r["value"] <= r["value_high"] + 1e-9


@settings(max_examples=40, deadline=None)
@given(group_rows, st.sampled_from(sorted(STRATEGIES)), st.floats(0, 2000, allow_nan=False).map(lambda x: round(x, 3)))
def test_adjudication_always_wins(rows, name, decided):
    frame = _frame(rows)
    e, s = rows[0][0], rows[0][1]
    adj = pl.DataFrame({"event_id": [e], "measure": ["coal_hewn"], "statistic": [s], "value": [repr(decided)],
                        "claim_id": [None], "reason": ["r"], "decided_by": ["me"], "date": [None]},
                       schema_overrides={"claim_id": pl.String, "date": pl.String})
    r = reconcile_events(frame, SOURCES, strategy=name, adjudications=adj).filter(
        (pl.col("event_id") == e) & (pl.col("statistic") == s)).row(0, named=True)
    assert r["status"] == "adjudicated" and r["value"] == pytest.approx(decided)


# --- the bundled ledger: pinned decisions ----------------------------------

@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    from click.testing import CliRunner

    out = {}
    for name in STRATEGIES:
        d = tmp_path_factory.mktemp(name)
        result = run(CliRunner(), "reconcile", "--raw-dir", str(RAW), "--out-dir", str(d / "o"),
                     "--reports-dir", str(d / "r"), "--no-figures", "--strategy", name)
        assert result.exit_code == 0, result.stderr
        out[name] = {(r["event_id"], r["measure"], r["statistic"]): r for r in read_rows(d / "o" / "reconciled.csv")}
        if name == "trust-your-friends":
            out["_dir"] = d / "o"
    return out


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
    (("stakhanovite-five-day-shifts", "shift_length", "duration"), "agree", "120.0", "120.0", "120.0", "2"),
])
def test_other_events_told_twice_are_pinned(bundled, key, status, value, low, high, n_claims):
    r = bundled["trust-your-friends"][key]
    assert (r["status"], r["value"], r["value_low"], r["value_high"], r["n_claims"]) == (status, value, low, high,
                                                                                        n_claims)
    for name in STRATEGIES:
        if name != "pass-it-on" and status == "agree" and low == high:
            assert bundled[name][key]["value"] == value  # agreement does not depend on the strategy


def test_angelina_s_hectares_are_flagged_implausible_but_kept(bundled):
    r = bundled["trust-your-friends"][("angelina-ploughing", "area_ploughed", "average")]
    assert r["value"] == "1255.0" and "implausible" in r["flags"].split(";")
    problems = read_rows(bundled["_dir"] / "problems.csv")
    (p,) = [p for p in problems if p["code"] == "implausible" and p["value"] == "1255"]
    assert "outside the plausible bound for area_ploughed per day (0 to 40)" in p["message"]


def test_norms_against_records_on_the_bundled_ledger(bundled):
    rows = {r["record_claim_id"]: r for r in read_rows(bundled["_dir"] / "norms_vs_records.csv")}
    # Gershberg gives 102 t against "our norm ... 6 tons": his own norm is used
    assert (rows["c002"]["norm_low"], rows["c002"]["norm_high"], rows["c002"]["pct_of_norm_low"]) == ("6.0", "6.0", "1700.0")
    # Stakhanov's Moi metod gives 6-7 t: a range of ratios
    assert float(rows["c110"]["pct_of_norm_low"]) == pytest.approx(1457.142857)
    assert float(rows["c110"]["pct_of_norm_high"]) == pytest.approx(1700)
    # 321 t in 1937, "23 times the norm", no norm stated: the norm it implies
    assert rows["c117"]["stated_multiple"] == "23.0" and rows["c117"]["norm_low"] == ""
    assert float(rows["c117"]["implied_norm"]) == pytest.approx(13.956, abs=1e-3)
    assert rows["c117"]["flags"] == "norm-implied"
    # Gudov: 34 mm/min stated as 410% of the norm speed: the norm was 8.3 mm/min
    assert float(rows["c037"]["implied_norm"]) == pytest.approx(8.29, abs=0.01)
    # Busygin: 1050 parts against 675
    assert float(rows["c015"]["pct_of_norm_low"]) == pytest.approx(155.56, abs=0.01)


def test_stated_ratio_that_disagrees_is_flagged_with_the_implied_norm(runner, tmp_path):
    from conftest import CLAIMS_HEADER, minimal_ledger

    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER
                         + "c1,e,Miner,coal,coal_hewn,record,102,tons,per shift,1935,,arch,l. 1,,,,\n"
                         + "c2,e,Miner,coal,coal_hewn,norm,7,tons,per shift,1935,,arch,l. 1,,,,\n"
                         + "c3,e,Miner,coal,coal_hewn,pct_of_norm,1000,%,per shift,1935,,arch,l. 1,,,,\n"
                         + "c4,f,Miner,coal,coal_hewn,record,70,tons,per shift,1935,,arch,l. 1,,,,\n"
                         + "c5,f,Miner,coal,coal_hewn,multiple_of_norm,10,times the norm,per shift,1935,,arch,l. 1,,,,\n"
                         + "c6,f,Miner,coal,coal_hewn,norm,7,tons,per shift,1935,,arch,l. 1,,,,\n")
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"),
                 "--reports-dir", str(tmp_path / "r"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    rows = {r["record_claim_id"]: r for r in read_rows(tmp_path / "o" / "norms_vs_records.csv")}
    assert (rows["c1"]["consistent"], rows["c1"]["flags"]) == ("FALSE", "norm-ratio-mismatch")
    assert float(rows["c1"]["implied_norm"]) == pytest.approx(10.2)
    assert rows["c4"]["consistent"] == "TRUE" and rows["c4"]["implied_norm"] == ""
    assert "The stated percent of the norm (1000%) disagrees with record / norm = 1457.1% (14.57 times)." in result.stderr
    claims = {c["claim_id"]: c for c in read_rows(tmp_path / "o" / "claims.csv")}
    assert claims["c1"]["flags"] == "norm-ratio-mismatch"


def test_norm_in_force_is_the_latest_before_the_record(runner, tmp_path):
    from conftest import CLAIMS_HEADER, minimal_ledger

    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER
                         + "n1,norm-hewer,Donbass hewers,coal,coal_hewn,norm,7,tons,per shift,1935-01,,arch,l,,,,\n"
                         + "n2,norm-hewer,Donbass hewers,coal,coal_hewn,norm,10,tons,per shift,1936-03,,arch,l,,,,\n"
                         + "r1,miner-a,Miner A,coal,coal_hewn,record,70,tons,per shift,1935-09,,arch,l,,,norm-hewer,\n"
                         + "r2,miner-b,Miner B,coal,coal_hewn,record,70,tons,per shift,1936-05,,arch,l,,,norm-hewer,\n")
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"),
                 "--reports-dir", str(tmp_path / "r"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    rows = {r["record_claim_id"]: r for r in read_rows(tmp_path / "o" / "norms_vs_records.csv")}
    assert (rows["r1"]["norm_low"], rows["r1"]["pct_of_norm_low"]) == ("7.0", "1000.0")
    assert (rows["r2"]["norm_low"], rows["r2"]["pct_of_norm_low"]) == ("10.0", "700.0")  # the raised norm
    assert rows["r2"]["flags"] == "norm-from-elsewhere"


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
    from prodkit.api import CORE_COLUMNS
    from prodkit.events import conflicts_table, prepare, reconcile_tables
    from prodkit.pipeline import load_ledger

    led = load_ledger(RAW)
    core = prepare(led.claims.select([c for c in CORE_COLUMNS if c in led.claims.columns]), led.sources)
    for claims in (core, core.sample(fraction=1.0, shuffle=True, seed=7)):
        for name in STRATEGIES:
            rec, _, fast = reconcile_tables(claims, led.sources, strategy=name, tolerance=0.01, seed=1935,
                                            adjudications=led.adjudications)
            slow = conflicts_table(claims, rec)
            assert fast.height > 0 and fast.equals(slow), name


def test_explain_prints_the_event_as_a_historian_reads_it(runner):
    result = run(runner, "explain", "artyukhov-1935-09", "--raw-dir", str(RAW))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "coal_hewn / record (2 claim(s), 2 independent source(s)): status CONFLICT" in out
    assert "  * c007  536 tons per shift  ->  536 t  [implausible]" in out
    assert "source rgaspi-85-29-633 (archival, no year, trust_rank 1); fn 5, line 38" in out
    assert "\"and finally, 552 tons of coal\"" in out
    assert "decision (trust-your-friends: the claim of the most trusted source (lowest trust_rank) wins): 536 t" in out
    assert "span of all claims: 536-552 t; spread 3.0%" in out
    assert "keep-up-to-date=552" in out and "(the choice matters)" in out
    assert "[implausible] 552 t is outside the plausible bound" in out


def test_explain_unknown_event_suggests_the_nearest(runner):
    result = run(runner, "explain", "artyukhov-1935-9", "--raw-dir", str(RAW))
    assert result.exit_code == 2
    assert "no claim has event_id 'artyukhov-1935-9'" in result.stderr
    assert "Did you mean 'artyukhov-1935-09'?" in result.stderr


def test_unknown_strategy_is_a_usage_error(runner, tmp_path):
    result = run(runner, "reconcile", "--strategy", "toss-a-coin", "--out-dir", str(tmp_path))
    assert result.exit_code == 2 and "Invalid value for '--strategy'" in result.stderr
