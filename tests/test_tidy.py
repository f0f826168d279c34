"""Issue 18: tables an analyst uses as they come: dates as dates, one meaning of value, the event-claims link."""

from __future__ import annotations

from conftest import CLAIMS_HEADER, minimal_ledger, read_rows, run


def test_every_table_with_a_date_carries_its_first_and_last_day_and_year(bundled):
    out = bundled["_dir"]
    for table in ("claims", "reconciled", "norms_vs_records"):
        rows = read_rows(out / f"{table}.csv")
        header = list(rows[0])
        at = header.index("date")
        assert header[at:at + 4] == ["date", "date_low", "date_high", "year"], table
    claims = {r["claim_id"]: r for r in read_rows(out / "claims.csv")}
    # Stakhanov's record, a day; Artyukhov's, a month
    assert [claims["c002"][k] for k in ("date", "date_low", "date_high", "year")] == [
        "1935-08-31", "1935-08-31", "1935-08-31", "1935"]
    assert [claims["c007"][k] for k in ("date", "date_low", "date_high", "year")] == [
        "1935-09", "1935-09-01", "1935-09-30", "1935"]
    undated = [r for r in claims.values() if not r["date"]]
    assert undated and all(r["date_low"] == r["date_high"] == r["year"] == "" for r in undated)


def test_an_interval_runs_from_the_first_day_of_its_start_to_the_last_of_its_end(runner, tmp_path):
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER
                         + "c1,e1,Plan,economy,coal_hewn,total,100,tons,total,1933/1937-06,,arch,,,,,\n"
                         + "c2,e2,Plan,economy,coal_hewn,total,120,tons,total,1936-02,,arch,,,,,\n")
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    rec = {r["event_id"]: r for r in read_rows(tmp_path / "o" / "reconciled.csv")}
    assert (rec["e1"]["date_low"], rec["e1"]["date_high"], rec["e1"]["year"]) == ("1933-01-01", "1937-06-30", "1933")
    assert (rec["e2"]["date_low"], rec["e2"]["date_high"]) == ("1936-02-01", "1936-02-29")  # a leap year


def test_value_is_a_number_everywhere_and_the_figure_as_written_has_its_own_name(bundled):
    out = bundled["_dir"]
    claims = read_rows(out / "claims.csv")
    assert "value" not in claims[0] and "value_as_written" in claims[0]
    by_id = {r["claim_id"]: r for r in claims}
    assert by_id["c002"]["value_as_written"] == "102" and by_id["c002"]["value_mid"] == "102.0"
    assert "value" in read_rows(out / "reconciled.csv")[0]


def test_sources_year_is_an_integer_beside_the_year_as_written(bundled):
    sources = {r["source_id"]: r for r in read_rows(bundled["_dir"] / "sources.csv")}
    assert sources["gershberg-1971"]["year"] == sources["gershberg-1971"]["year_as_written"] == "1971"
    assert sources["rgaspi-85-29-633"]["year"] == ""  # an archival file with no year stays missing
    assert all(r["year"] == "" or r["year"].isdigit() for r in sources.values())


def test_event_claims_links_each_reconciled_row_to_its_claims_with_a_role(bundled):
    out = bundled["_dir"]
    links = read_rows(out / "event_claims.csv")
    assert list(links[0]) == ["event_id", "measure", "statistic", "claim_id", "role", "line"]
    role = {r["claim_id"]: r["role"] for r in links}
    # every used claim once
    assert sorted(role) == sorted(r["claim_id"] for r in read_rows(out / "claims.csv"))
    # Artyukhov: the archive's 536 t is chosen, Gershberg's 552 t conflicts with it
    assert (role["c007"], role["c011"]) == ("chosen", "conflicting")
    # Stakhanov's 102 t: Moi metod is chosen; the 1981 retelling and the thesis's bracket are derived
    assert (role["c110"], role["c002"], role["c046"]) == ("chosen", "derived", "derived")
    # a carrier's conversion restates another claim; a vague figure has no number
    assert role["c032"] == "derived" and role["c034"] == "derived"
    vague = [r["claim_id"] for r in read_rows(out / "claims.csv") if "vague" in (r["flags"] or "").split(";")]
    assert vague and all(role[c] == "unnumbered" for c in vague)
    # one step from a reconciled row to its claims: each chosen_claim_id is its group's chosen link
    chosen = {(r["event_id"], r["measure"], r["statistic"]): r["claim_id"] for r in links if r["role"] == "chosen"}
    for r in read_rows(out / "reconciled.csv"):
        if r["chosen_claim_id"]:
            assert chosen[(r["event_id"], r["measure"], r["statistic"])] == r["chosen_claim_id"]
    assert all(r["line"] == "" for r in links)  # no claim of the bundled ledger is rejected


def test_a_rejected_claim_is_linked_to_its_event_with_its_line(runner, tmp_path):
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER
                         + "c1,e1,Stakhanov,coal,coal_hewn,record,102,tons,per shift,1935-08-31,,arch,,,,,\n"
                         + "c2,e1,Stakhanov,coal,coal_hewn,record,102,poods/shiftx,per shift,1935-08-31,,memo,,,,,\n")
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"), "--no-figures")
    assert result.exit_code == 1, result.stderr
    links = {r["claim_id"]: r for r in read_rows(tmp_path / "o" / "event_claims.csv")}
    assert (links["c1"]["role"], links["c1"]["line"]) == ("chosen", "")
    assert (links["c2"]["role"], links["c2"]["line"]) == ("rejected", "3")
    problems = read_rows(tmp_path / "o" / "problems.csv")
    assert any(p["line"] == "3" and p["severity"] == "error" for p in problems)


def test_stata_value_label_sets_take_their_variables_names(bundled):
    import pyreadstat

    out = bundled["_dir"]
    for table, coded in [("reconciled", ["statistic", "status"]), ("norms_vs_records", ["primary", "consistent"]),
                         ("event_claims", ["role"]), ("sources", ["source_type"])]:
        _, meta = pyreadstat.read_dta(str(out / f"{table}.dta"), metadataonly=True, output_format="polars")
        for var in coded:
            assert meta.variable_to_label[var] == var, (table, meta.variable_to_label)
    data, meta = pyreadstat.read_dta(str(out / "claims.dta"), output_format="polars")
    assert meta.original_variable_types["date_low"] == "%td"
    row = data.filter(data["claim_id"] == "c007").row(0, named=True)
    assert str(row["date_low"]) == "1935-09-01" and row["year"] == 1935


def test_the_data_package_titles_are_whole(bundled):
    import json

    package = json.loads((bundled["_dir"] / "datapackage.json").read_text(encoding="utf-8"))
    titles = {(r["name"], f["name"]): f["title"] for r in package["resources"] for f in r["schema"]["fields"]}
    # longer than Stata's 80 characters, and not cut
    assert len(titles[("claims", "statistic")]) > 80 and not titles[("claims", "statistic")].endswith("…")
    types = {(r["name"], f["name"]): f["type"] for r in package["resources"] for f in r["schema"]["fields"]}
    assert types[("reconciled", "date_low")] == "date" and types[("sources", "year")] == "integer"
