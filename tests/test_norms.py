"""Norms against records: the norm in force, stated against computed ratios."""

from __future__ import annotations

import pytest

from conftest import CLAIMS_HEADER, minimal_ledger, read_rows, run


def _norms_vs_records(runner, tmp_path, claim_lines: list[str]):
    """``prodkit reconcile`` on a small ledger: the run, and norms_vs_records.csv by record claim."""
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER + "".join(line + "\n" for line in claim_lines))
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"),
                 "--reports-dir", str(tmp_path / "r"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    return result, {r["record_claim_id"]: r for r in read_rows(tmp_path / "o" / "norms_vs_records.csv")}


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
    result, rows = _norms_vs_records(runner, tmp_path, [
        "c1,e,Miner,coal,coal_hewn,record,102,tons,per shift,1935,,arch,l. 1,,,,",
        "c2,e,Miner,coal,coal_hewn,norm,7,tons,per shift,1935,,arch,l. 1,,,,",
        "c3,e,Miner,coal,coal_hewn,pct_of_norm,1000,%,per shift,1935,,arch,l. 1,,,,",
        "c4,f,Miner,coal,coal_hewn,record,70,tons,per shift,1935,,arch,l. 1,,,,",
        "c5,f,Miner,coal,coal_hewn,multiple_of_norm,10,times the norm,per shift,1935,,arch,l. 1,,,,",
        "c6,f,Miner,coal,coal_hewn,norm,7,tons,per shift,1935,,arch,l. 1,,,,"])
    assert (rows["c1"]["consistent"], rows["c1"]["flags"]) == ("FALSE", "norm-ratio-mismatch")
    assert float(rows["c1"]["implied_norm"]) == pytest.approx(10.2)
    assert rows["c4"]["consistent"] == "TRUE" and rows["c4"]["implied_norm"] == ""
    assert "The stated percent of the norm (1000%) disagrees with record / norm = 1457.1% (14.57 times)." in result.stderr
    claims = {c["claim_id"]: c for c in read_rows(tmp_path / "o" / "claims.csv")}
    assert claims["c1"]["flags"] == "norm-ratio-mismatch"


def test_norm_in_force_is_the_latest_before_the_record(runner, tmp_path):
    _, rows = _norms_vs_records(runner, tmp_path, [
        "n1,norm-hewer,Donbass hewers,coal,coal_hewn,norm,7,tons,per shift,1935-01,,arch,l,,,,",
        "n2,norm-hewer,Donbass hewers,coal,coal_hewn,norm,10,tons,per shift,1936-03,,arch,l,,,,",
        "r1,miner-a,Miner A,coal,coal_hewn,record,70,tons,per shift,1935-09,,arch,l,,,norm-hewer,",
        "r2,miner-b,Miner B,coal,coal_hewn,record,70,tons,per shift,1936-05,,arch,l,,,norm-hewer,"])
    assert (rows["r1"]["norm_low"], rows["r1"]["pct_of_norm_low"]) == ("7.0", "1000.0")
    assert (rows["r2"]["norm_low"], rows["r2"]["pct_of_norm_low"]) == ("10.0", "700.0")  # the raised norm
    assert rows["r2"]["flags"] == "norm-from-elsewhere"
