"""Issue 16: a careful historian's judgement, rule by rule, on the bundled ledger and on a synthetic case."""

from __future__ import annotations

import pytest

from conftest import CLAIMS_HEADER, RAW, SOURCES, minimal_ledger, read_rows, run


def _run(runner, tmp_path, claim_lines: list[str], sources: str | None = None) -> dict:
    """``prodkit reconcile`` on a small ledger: its tables (rows), its stderr."""
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER + "".join(line + "\n" for line in claim_lines), sources)
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"),
                 "--reports-dir", str(tmp_path / "r"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    out = {name: read_rows(tmp_path / "o" / f"{name}.csv")
           for name in ("claims", "reconciled", "norms_vs_records", "problems")}
    out["stderr"] = result.stderr
    return out


def _claims(rows: list[dict]) -> dict:
    return {r["claim_id"]: r for r in rows}


def _reconciled(rows: list[dict]) -> dict:
    return {(r["event_id"], r["measure"], r["statistic"]): r for r in rows}


@pytest.fixture
def tables(bundled) -> dict:
    d = bundled["_dir"]
    return {"claims": _claims(read_rows(d / "claims.csv")), "reconciled": bundled["trust-your-friends"],
            "problems": read_rows(d / "problems.csv")}


# --- support is interval-aware ------------------------------------------------

def test_more_than_one_does_not_support_one_bundled(tables):
    # Yankin: "more than one" drill and "two" drills; "more than one" cannot be one
    r = tables["reconciled"][("yankin-multiple-drills", "drills_tended", "target")]
    assert (r["value"], r["chosen_claim_id"]) == ("2.0", "c073")


def test_less_than_and_over_support_nothing_at_their_bound(runner, tmp_path):
    sources = SOURCES + "press,A newspaper,contemporary_press,1935,3,,\n"
    t = _run(runner, tmp_path, [
        "a1,e,Miner,coal,coal_hewn,record,less than 6,tons,per shift,1935,,arch,l,,,,",
        "a2,e,Miner,coal,coal_hewn,record,6,tons,per shift,1935,,memo,l,,,,",
        "a3,e,Miner,coal,coal_hewn,record,5,tons,per shift,1935,,press,l,,,,",
        "b1,f,Miner,coal,coal_hewn,record,over 30,tons,per shift,1935,,arch,l,,,,",
        "b2,f,Miner,coal,coal_hewn,record,30,tons,per shift,1935,,memo,l,,,,",
        "b3,f,Miner,coal,coal_hewn,record,31,tons,per shift,1935,,press,l,,,,"], sources)
    assert len(t["reconciled"]) == 2
    # under cry-with-the-wolves "less than 6" holds 5 (with the newspaper), never 6; "over 30" holds 31, never 30
    t2 = run(runner, "reconcile", "--raw-dir", str(tmp_path / "raw"), "--out-dir", str(tmp_path / "o2"),
             "--reports-dir", str(tmp_path / "r2"), "--no-figures", "--strategy", "cry-with-the-wolves")
    assert t2.exit_code == 0, t2.stderr
    wolves = _reconciled(read_rows(tmp_path / "o2" / "reconciled.csv"))
    assert (wolves[("e", "coal_hewn", "record")]["value"], wolves[("f", "coal_hewn", "record")]["value"]) == (
        "5.0", "31.0")
    assert wolves[("f", "coal_hewn", "record")]["how"].startswith("held by 2 independent source(s)")


# --- retellings never outvote or outrank their original -----------------------

def test_the_102_tons_count_two_sources_and_the_bracket_is_never_chosen(tables):
    r = tables["reconciled"][("stakhanov-1935-08-31", "coal_hewn", "record")]
    # Gershberg 1981 retells Gershberg 1971; the thesis's bracket (c046) repeats c002: two independent sources
    assert (r["n_claims"], r["n_sources"], r["chosen_claim_id"]) == ("4", "2", "c110")
    assert "retold" in r["flags"].split(";")
    sources = {s["source_id"]: s for s in read_rows(RAW / "sources.csv")}
    assert sources["gershberg-1981"]["derived_from"] == "gershberg-1971"


def test_a_carrier_restatement_is_never_chosen_over_its_source(runner, tmp_path):
    sources = SOURCES + "thesis,The thesis,scholarship,2020,2,the carrier,\n"
    t = _run(runner, tmp_path, [
        "c1,e,Miner,coal,coal_hewn,record,102,tons,per shift,1935,,memo,l,,,,",
        "c2,e,Miner,coal,coal_hewn,record,102,tons,per shift,1935,,thesis,l,,,,c1",
        "c3,e,Miner,coal,coal_hewn,record,110,tons,per shift,1935,,retell,l,,,,"], sources)
    r = _reconciled(t["reconciled"])[("e", "coal_hewn", "record")]
    # the thesis (trust 2) repeats the memoir (trust 4): it neither wins nor counts as a second source
    assert (r["chosen_claim_id"], r["n_sources"]) == ("c1", "1")


# --- time is read as time -----------------------------------------------------

def test_clock_interval_is_a_duration_bundled(tables):
    r = tables["reconciled"][("vinogradova-night-shift", "shift_clock_hours", "duration")]
    assert (r["value"], r["value_low"], r["value_high"], r["flags"]) == ("7.0", "7.0", "7.0", "clock-duration")
    assert tables["claims"]["c109"]["value_mid"] == "7.0"


def test_campaign_periods_are_days_and_ratios_have_no_hourly_rate_bundled(tables):
    assert tables["reconciled"][("stakhanovite-twenty-day-shifts", "period_days", "duration")]["value"] == "20.0"
    assert not any(k[1] == "shift_length" and v["value"] in ("120.0", "240.0", "480.0")
                   for k, v in tables["reconciled"].items())
    # "23 times the norm" in a four-hour shift has no per-hour value; the 321 t has one
    assert tables["claims"]["c145"]["value_per_hour"] == ""
    assert float(tables["claims"]["c117"]["value_per_hour"]) == pytest.approx(80.25)


def test_time_as_time_synthetic(runner, tmp_path):
    t = _run(runner, tmp_path, [
        "k1,day,Weaver,textiles,shift_clock_hours,duration,from 6 to 14,o'clock,,,,arch,l,,,,",
        "p1,camp,Brigade,coal,period_days,duration,ten,days,,,,arch,l,,,,",
        "m1,e,Miner,coal,coal_hewn,pct_of_norm,300,%,per 6-hour shift,1935,,arch,l,,,,",
        "m2,e,Miner,coal,coal_hewn,record,18,tons,per 6-hour shift,1935,,arch,l,,,,"])
    c = _claims(t["claims"])
    assert (c["k1"]["value_low"], c["k1"]["value_high"], c["k1"]["value_mid"]) == ("8.0", "8.0", "8.0")
    assert (c["p1"]["value_mid"], c["p1"]["unit_canonical"]) == ("10.0", "day")
    assert c["m1"]["value_per_hour"] == "" and c["m2"]["value_per_hour"] == "3.0"


# --- date arithmetic ----------------------------------------------------------

def test_fourth_anniversary_before_the_record_is_flagged_and_three_months_squares(tables):
    assert "date-interval-mismatch" in tables["claims"]["c161"]["flags"].split(";")
    (p,) = [p for p in tables["problems"] if p["code"] == "date-interval-mismatch"]
    assert p["line"] == "159" and "from 1935-08-31 to 1935-08-25" in p["message"]
    # "three months" from Stalin's speech of May 1935 (the text gives the month) to 30/31 August 1935: 92-122 days
    assert "date-interval-mismatch" not in (tables["claims"]["c038"]["flags"] or "")


def test_date_arithmetic_synthetic(runner, tmp_path):
    t = _run(runner, tmp_path, [
        "d1,e1,Miner,coal,time_since_stakhanov_record,duration,two,weeks,,1935-09-14,,arch,l,,,,",
        "d2,e2,Miner,coal,time_since_stakhanov_record,duration,two,weeks,,1935-12-01,,arch,l,,,,"])
    c = _claims(t["claims"])
    assert c["d1"]["flags"] == "" and c["d2"]["flags"] == "date-interval-mismatch"


# --- growth -------------------------------------------------------------------

def test_growth_factors_bundled(tables):
    rec = tables["reconciled"]
    assert (rec[("udmurt-industry-growth", "industrial_production", "growth")]["growth_factor"],
            rec[("donbass-coal-output-growth-1935-1936", "coal_output", "growth")]["growth_factor"]) == ("5.0", "1.8")
    assert rec[("udmurt-industry-growth", "industrial_production", "growth")]["growth_kind"] == "multiple"


def test_plan_as_norm_bundled(bundled):
    rows = read_rows(bundled["_dir"] / "norms_vs_records.csv")
    (r,) = [r for r in rows if r["event_id"] == "ussr-industry-second-fyp-growth" and r["primary"] == "TRUE"]
    # +82% achieved against a plan of +63%: 111.7% of the plan
    assert float(r["pct_of_norm"]) == pytest.approx(111.66, abs=0.01) and "plan-as-norm" in r["flags"]


def test_growth_kinds_and_plans_synthetic(runner, tmp_path):
    t = _run(runner, tmp_path, [
        "g1,dbl,Mine,coal,coal_output,growth,doubling,times,,1936,,arch,l,,,,",
        "g2,pct,Mine,coal,coal_output,growth,80,%,,1936,,arch,l,,,,",
        "p1,plan,Trust,coal,coal_output,target,17 million,tons,,1932,,arch,l,,,,",
        "p2,plan,Trust,coal,coal_output,record,15.9 million,tons,,1932,,arch,l,,,,",
        "p3,plan,Trust,coal,coal_output,pct_of_norm,112.6,%,,1932,,arch,l,,,,"])
    rec = _reconciled(t["reconciled"])
    assert (rec[("dbl", "coal_output", "growth")]["growth_factor"],
            rec[("pct", "coal_output", "growth")]["growth_factor"]) == ("2.0", "1.8")
    assert (rec[("dbl", "coal_output", "growth")]["growth_kind"], rec[("pct", "coal_output", "growth")]["growth_kind"]) == (
        "multiple", "increase")
    nvr = {r["stated_claim_id"]: r for r in t["norms_vs_records"] if r["row_kind"] == "stated"}
    # "112.6% of the plan" does not square with 15.9 of 17 million (93.5%)
    assert nvr["p3"]["consistent"] == "FALSE" and "plan-as-norm" in nvr["p3"]["flags"]


# --- plausibility by measure --------------------------------------------------

def test_plausibility_with_no_basis_uses_the_loosest_bound_bundled(tables):
    for key in [("izotov-640-ton-record", "coal_hewn", "record"), ("stakhanov-followers-400-tons", "coal_hewn", "record"),
                ("ordzhonikidze-1935-12-cutting-machine-example", "coal_hewn", "record")]:
        assert {"implausible", "loosest-bound"} <= set(tables["reconciled"][key]["flags"].split(";")), key
    (p,) = [p for p in tables["problems"] if p["code"] == "implausible" and p["value"] == "640"]
    assert "basis not given: the loosest bound of any basis" in p["message"]


def test_plausibility_with_no_basis_synthetic(runner, tmp_path):
    t = _run(runner, tmp_path, [
        "a,e1,Miner,coal,coal_hewn,record,260,tons,,1935,,arch,l,,,,",
        "b,e2,Miner,coal,coal_hewn,record,240,tons,,1935,,arch,l,,,,",
        "c,e3,Miner,coal,coal_hewn,record,260,tons,per shift,1935,,arch,l,,,,"])
    c = _claims(t["claims"])
    assert c["a"]["flags"] == "implausible;loosest-bound" and c["b"]["flags"] == ""
    assert c["c"]["flags"] == "implausible"


# --- the bundled ledger reread ------------------------------------------------

def test_the_ledger_attributes_only_what_the_text_attributes(tables):
    c = tables["claims"]
    assert (c["c011"]["subject"], c["c011"]["event_id"], c["c011"]["date"]) == ("", "artyukhov-1935-09", "")
    assert "names no miner" in c["c011"]["note"]
    assert not {"c043", "c104", "c127"} & set(c)  # a title's "doubling", "a special hour", "predominantly"
    for cid in ("c015", "c029", "c031"):  # dates the thesis does not give
        assert c[cid]["date"] == "", cid


def test_growth_of_mixed_kinds_gets_no_factor_synthetic(runner, tmp_path):
    t = _run(runner, tmp_path, [
        "g1,mix,Mine,coal,coal_output,growth,doubling,times,,1936,,arch,l,,,,",
        "g2,mix,Mine,coal,coal_output,growth,80,%,,1936,,memo,l,,,,"])
    r = _reconciled(t["reconciled"])[("mix", "coal_output", "growth")]
    assert (r["growth_kind"], r["growth_factor"]) == ("", "")
    assert [p["code"] for p in t["problems"] if p["code"] == "growth-kinds-mixed"] == ["growth-kinds-mixed"]


def test_an_absolute_increase_is_a_growth_in_the_measure_s_unit(runner, tmp_path):
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER
                         + "g1,coal-growth-1936,USSR,coal,coal_output,growth,3,million tons,,1936,,arch,l1,,,,\n"
                         + "g2,coal-growth-1937,USSR,coal,coal_output,growth,80,%,,1937,,arch,l1,,,,\n")
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    rows = {r["event_id"]: r for r in read_rows(tmp_path / "o" / "reconciled.csv")}
    absolute, increase = rows["coal-growth-1936"], rows["coal-growth-1937"]
    assert (absolute["value"], absolute["unit"], absolute["growth_kind"], absolute["growth_factor"]) == (
        "3000000.0", "t", "absolute", "")  # grew by 3 million tons: valid, and not a ratio
    assert (increase["unit"], increase["growth_kind"], increase["growth_factor"]) == ("%", "increase", "1.8")
