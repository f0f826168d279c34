"""prodkit events suggest: event links proposed across claims, measured against the bundled ledger's own links."""

from __future__ import annotations

import pytest

from conftest import RAW, read_rows, run, write_rows


def _blank_events(raw_copy):
    rows = read_rows(raw_copy / "claims.csv")
    truth = {r["claim_id"]: r["event_id"] for r in rows}
    for r in rows:
        r["event_id"] = ""
    write_rows(raw_copy / "claims.csv", rows)
    return truth


def test_suggestions_recover_the_ledgers_events(runner, raw_copy, tmp_path):
    """The bundled ledger with its event_ids removed: pairwise precision and recall of the suggested links."""
    from prodkit.events import pairwise

    truth = _blank_events(raw_copy)
    out = tmp_path / "event_suggestions.csv"
    result = run(runner, "events", "suggest", "--raw-dir", str(raw_copy), "--out", str(out), "--apply")
    assert result.exit_code == 0, result.stderr
    suggested = {r["claim_id"]: r["event_id"] for r in read_rows(raw_copy / "claims.csv")}
    precision, recall, hit, predicted, true = pairwise(truth, suggested)
    print(f"\nevent links: precision {hit}/{predicted} = {precision:.1%}, recall {hit}/{true} = {recall:.1%}")
    assert precision >= 0.90
    assert recall >= 0.80
    rows = read_rows(out)
    assert {r["kind"] for r in rows} == {"same-event"}
    pair = next(r for r in rows if (r["claim_id"], r["other_claim_id"]) == ("c001", "c002"))
    assert pair["suggested_event_id"] == "stakhanov-1935-08-31"
    assert "same subject" in pair["reasons"] and "same date (1935-08-31)" in pair["reasons"]
    assert float(pair["score"]) >= 0.9
    restated = next(r for r in rows if {r["claim_id"], r["other_claim_id"]} == {"c031", "c032"})
    assert "c032 is the carrier's conversion of the other" in restated["reasons"]  # the ledger's converted_from


def test_subject_names_across_scripts_and_spellings():
    from prodkit.events import subject_key, subject_similarity

    keys = [subject_key(s) for s in ("Стаханов", "Stakhanov", "Stachanow", "A. G. Stakhanov",
                                     "Алексей Григорьевич Стаханов", "Alexei Stakhanov")]
    assert all(subject_similarity(a, b) >= 0.85 for a in keys for b in keys)
    assert subject_similarity(subject_key("Ivan Gudov"), subject_key("Иван Гудов")) == 1.0
    assert subject_similarity(subject_key("Alexei Stakhanov"), subject_key("Ivan Gudov")) < 0.6
    # one surname, two first names: the Vinogradova weavers are not one person
    assert subject_similarity(subject_key("Dusya Vinogradova"), subject_key("Maria Vinogradova")) < 0.85


def test_cross_script_claims_are_linked(runner, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "sources.csv").write_text(
        "source_id,citation,source_type,year,trust_rank,derived_from\n"
        "pravda,Pravda,contemporary_press,1935,2,\nmaier,Maier 1990,scholarship,1990,5,\n", encoding="utf-8")
    header = "claim_id,event_id,subject,sector,measure,statistic,value,unit,basis,date,place,source_id,locator,quote\n"
    (raw / "claims.csv").write_text(header +
        "k1,,Стаханов,coal,coal_hewn,record,102,т,per shift,1935-08-31,,pravda,p.1,добыл 102 т\n"
        "k2,,A. G. Stachanow,coal,coal_hewn,record,102,Tonnen,per shift,1935-08,,maier,p.52,102 Tonnen\n"
        "k3,,Ivan Gudov,machine,milling_feed,record,34,mm/min,,1935-09-13,,maier,p.60,34 mm\n"
        "k4,,Stakhanov,coal,coal_hewn,record,227,tons,per shift,1935-09-19,,maier,p.53,227 tons\n"
        "k5,,Мария Демченко,agriculture,beet_yield,record,523,ц/га,,1935,,pravda,p.2,523 ц/га\n"
        "k6,,Maria Demchenko,agriculture,beet_yield,conversion,~ 46 000,pounds per acre,,1935,,maier,p.9,46 000\n",
        encoding="utf-8")
    out = tmp_path / "s.csv"
    before = (raw / "claims.csv").read_bytes()
    # 523 q/ha is 46 660 lb/acre: the source's "~ 46 000" is 1.4% off, inside a 2% tolerance
    result = run(runner, "events", "suggest", "--raw-dir", str(raw), "--out", str(out), "--tolerance", "0.02")
    assert result.exit_code == 0, result.stderr
    assert (raw / "claims.csv").read_bytes() == before  # nothing changes without --apply
    pairs = {(r["claim_id"], r["other_claim_id"]): r for r in read_rows(out)}
    assert set(pairs) == {("k1", "k2"), ("k5", "k6")}
    assert "the same figure in another unit" in pairs[("k5", "k6")]["reasons"]
    assert "same record within 2% in another unit" in pairs[("k1", "k2")]["reasons"]
    # named after the first Latin spelling and the most precise date
    assert pairs[("k1", "k2")]["suggested_event_id"] == "stachanow-1935-08-31"


def test_apply_fills_only_empty_event_ids_after_a_backup(runner, raw_copy, tmp_path):
    rows = read_rows(raw_copy / "claims.csv")
    rows[1]["event_id"] = ""  # c002 lost its event_id; c001 keeps stakhanov-1935-08-31
    write_rows(raw_copy / "claims.csv", rows)
    before = (raw_copy / "claims.csv").read_bytes()
    result = run(runner, "events", "suggest", "--raw-dir", str(raw_copy), "--out", str(tmp_path / "s.csv"),
                 "--apply")
    assert result.exit_code == 0, result.stderr
    assert "1 empty event_id(s) filled" in result.stderr
    backups = list(raw_copy.glob("claims.csv.*.bak"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    after = read_rows(raw_copy / "claims.csv")
    assert after[1]["event_id"] == "stakhanov-1935-08-31"
    assert [r["event_id"] for r in after[2:]] == [r["event_id"] for r in rows[2:]]
    assert list(after[0].keys()) == list(rows[0].keys())
    validated = run(runner, "validate", "--raw-dir", str(raw_copy), "--out-dir", str(tmp_path / "clean"))
    assert validated.exit_code == 0, validated.stderr


def test_claims_sharing_an_event_that_look_different_are_flagged(runner, raw_copy, tmp_path):
    rows = read_rows(raw_copy / "claims.csv")
    c005 = next(r for r in rows if r["claim_id"] == "c005")  # 227 tons on 1935-09-19
    c005["event_id"] = "stakhanov-1935-08-31"  # filed under the 102-ton record of 31 August
    write_rows(raw_copy / "claims.csv", rows)
    out = tmp_path / "s.csv"
    result = run(runner, "events", "suggest", "--raw-dir", str(raw_copy), "--out", str(out))
    assert result.exit_code == 0
    split = [r for r in read_rows(out) if r["kind"] == "looks-split" and "c005" in (r["claim_id"],
                                                                                      r["other_claim_id"])]
    assert split and all(r["event_id"] == r["other_event_id"] == "stakhanov-1935-08-31" for r in split)
    assert any("dates apart" in r["reasons"] for r in split)
    assert any("different record values (102 tons, 227 tons)" in r["reasons"] for r in split)


def test_events_suggest_never_writes_its_table_into_the_raw_folder(runner, raw_copy):
    result = run(runner, "events", "suggest", "--raw-dir", str(raw_copy), "--out", str(raw_copy / "s.csv"))
    assert result.exit_code == 2 and "never writes into the raw" in result.stderr
    missing = run(runner, "events", "suggest", "--raw-dir", str(raw_copy / "nope"), "--out", "x.csv")
    assert missing.exit_code == 2 and "[file-missing]" in missing.stderr


def test_library_and_command_write_the_same_file(runner, tmp_path):
    import prodkit

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    result = prodkit.suggest_events(RAW, a)
    run(runner, "events", "suggest", "--raw-dir", str(RAW), "--out", str(b))
    assert a.read_bytes() == b.read_bytes()
    assert result.rows and result.groups["stakhanov-1935-08-31"][:2] == ["c001", "c002"]


def test_extracted_candidates_can_be_linked_once_accepted(runner, tmp_path):
    """From text to events: candidates accepted from one sentence are proposed as one event with their norm."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "sources.csv").write_text("source_id,citation,source_type,year,trust_rank,derived_from\n"
                                     "enc,Encyclopedia,scholarship,2020,5,\n", encoding="utf-8")
    (raw / "claims.csv").write_text("claim_id,event_id,subject,sector,measure,statistic,value,unit,basis,date,"
                                    "place,source_id,locator,quote,note,norm_ref,converted_from\n", encoding="utf-8")
    out = tmp_path / "c.csv"
    from conftest import ROOT

    run(runner, "extract", str(ROOT / "tests" / "fixtures" / "texts" / "encyclopedia_stakhanovite.html"),
        "--out", str(out))
    rows = read_rows(out)
    wanted = [r for r in rows if r["locator"].split(":")[-2] == "10" and r["value"] in ("1050", "675")]
    for r in wanted:
        r.update(subject="Alexander Busygin", source_id="enc", date="1935-09")
    write_rows(out, rows)
    ids = ",".join(r["claim_id"] for r in wanted)
    assert run(runner, "extract", "--accept", ids, "--out", str(out), "--raw-dir", str(raw)).exit_code == 0
    result = run(runner, "events", "suggest", "--raw-dir", str(raw), "--out", str(tmp_path / "s.csv"), "--apply")
    assert result.exit_code == 0, result.stderr
    events = {r["event_id"] for r in read_rows(raw / "claims.csv")}
    assert events == {"busygin-1935-09"}
    assert "told in the same passage" in read_rows(tmp_path / "s.csv")[0]["reasons"]
