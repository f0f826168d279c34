"""learn-reliability: what it learns of each source from a whole ledger, its fallback, its outputs.

Ledgers are written here with known errors: an archive that is exact, a
newspaper that overstates by 30 %, a memoir and a speech with honest noise,
each telling the same 40 records.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from conftest import RAW, read_rows, run, write_rows

CLAIM_FIELDS = ["claim_id", "event_id", "subject", "sector", "measure", "statistic", "value", "unit", "basis",
                "date", "place", "source_id", "locator", "quote", "note"]
SOURCE_FIELDS = ["source_id", "citation", "source_type", "year", "trust_rank", "trust_note", "derived_from"]
#: source -> (type, trust_rank, inflation, noise)
MODEL = {"arch": ("archival", 3, 0.0, 0.01), "paper": ("contemporary_press", 1, 0.30, 0.03),
         "memo": ("memoir", 4, 0.0, 0.04), "speech": ("official_speech", 2, 0.0, 0.02)}
EVENTS = 40


def ledger(folder: Path, *, copy: bool = False, shuffle: int | None = None) -> tuple[Path, dict[str, float]]:
    """A ledger of EVENTS records told by every source in MODEL (and a declared copy of the paper)."""
    rng = np.random.default_rng(7)
    truth = {f"ev{i:02d}": float(20 * np.exp(rng.normal(0, .6))) for i in range(EVENTS)}
    claims, n = [], 0
    for event, true in truth.items():
        for source, (_, _, inflation, noise) in MODEL.items():
            value = true * (1 + inflation) * float(np.exp(rng.normal(0, noise)))
            tellers = [source, "retold"] if copy and source == "paper" else [source]
            for teller in tellers:
                n += 1
                claims.append({"claim_id": f"c{n:04d}", "event_id": event, "subject": "A miner", "sector": "coal",
                               "measure": "coal_hewn", "statistic": "record", "value": f"{value:.2f}",
                               "unit": "tons", "basis": "per shift", "date": "1935-09", "place": "Donbass",
                               "source_id": teller, "locator": "p. 1", "quote": "", "note": ""})
    if shuffle is not None:
        random.Random(shuffle).shuffle(claims)
    sources = [{"source_id": sid, "citation": f"{sid}.", "source_type": typ, "year": "1935", "trust_rank": str(rank),
                "trust_note": "", "derived_from": ""} for sid, (typ, rank, _, _) in MODEL.items()]
    if copy:
        sources.append({"source_id": "retold", "citation": "retold.", "source_type": "later_soviet", "year": "1971",
                        "trust_rank": "5", "trust_note": "", "derived_from": "paper"})
    folder.mkdir(parents=True, exist_ok=True)
    write_rows(folder / "claims.csv", claims, CLAIM_FIELDS)
    write_rows(folder / "sources.csv", sources, SOURCE_FIELDS)
    return folder, truth


def reconcile(runner, raw: Path, out: Path, *extra: str):
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(out), "--reports-dir",
                 str(out.parent / (out.name + "-reports")), "--no-figures", *extra)
    assert result.exit_code == 0, result.stderr
    return result


def by(rows: list[dict], key: str) -> dict[str, dict]:
    return {r[key]: r for r in rows}


def test_it_learns_which_source_inflates_and_corrects_for_it(runner, tmp_path):
    raw, truth = ledger(tmp_path / "raw")
    reconcile(runner, raw, tmp_path / "out", "--strategy", "learn-reliability")
    rel = by(read_rows(tmp_path / "out" / "source_reliability.csv"), "source_id")
    assert list(rel) == ["arch", "memo", "paper", "speech"]  # sorted, every source of sources.csv
    assert 26 <= float(rel["paper"]["bias_pct"]) <= 34  # the newspaper's 30 %, learned
    for honest in ("arch", "memo", "speech"):
        assert abs(float(rel[honest]["bias_pct"])) <= 3, rel[honest]
    assert float(rel["arch"]["spread_pct"]) < float(rel["memo"]["spread_pct"])  # the careful one is found careful
    assert {r["basis"] for r in rel.values()} == {"source"}
    assert rel["paper"]["trust_rank"] == "1" and rel["paper"]["n_events"] == str(EVENTS)
    assert float(rel["paper"]["bias_low_pct"]) < float(rel["paper"]["bias_pct"]) < float(rel["paper"]["bias_high_pct"])

    rec = by(read_rows(tmp_path / "out" / "reconciled.csv"), "event_id")
    sens = by(read_rows(tmp_path / "out" / "sensitivity.csv"), "event_id")
    errors, inside = [], 0
    for event, true in truth.items():
        r, s = rec[event], sens[event]
        assert r["strategy"] == "learn-reliability" and r["chosen_claim_id"] == ""
        assert r["how"].startswith("weighted mean on log values of 4 independent claim(s)")
        assert "(paper: bias +" in r["how"] and "95% interval" in r["how"]
        value, lo, hi = float(r["value"]), float(s["learn_reliability_low"]), float(s["learn_reliability_high"])
        assert float(s["learn_reliability"]) == value and lo <= value <= hi
        errors.append(abs(value - true) / true)
        inside += lo <= true <= hi
        # trust-your-friends believes the newspaper's rank and takes its inflated figure
        assert float(s["trust_your_friends"]) > true * 1.15
    assert np.median(errors) < 0.01
    assert inside >= 0.85 * EVENTS


def test_it_does_not_depend_on_row_order(runner, tmp_path):
    a, _ = ledger(tmp_path / "a")
    b, _ = ledger(tmp_path / "b", shuffle=3)
    reconcile(runner, a, tmp_path / "out-a", "--strategy", "learn-reliability")
    reconcile(runner, b, tmp_path / "out-b", "--strategy", "learn-reliability")
    for name in ("reconciled.csv", "sensitivity.csv", "source_reliability.csv"):
        assert (tmp_path / "out-a" / name).read_bytes() == (tmp_path / "out-b" / name).read_bytes(), name


def test_a_declared_retelling_is_not_counted_again(runner, tmp_path):
    raw, _ = ledger(tmp_path / "raw", copy=True)
    reconcile(runner, raw, tmp_path / "out", "--strategy", "learn-reliability")
    rel = by(read_rows(tmp_path / "out" / "source_reliability.csv"), "source_id")
    # its original speaks for it in every event: it adds no evidence and gets no estimate
    assert (rel["retold"]["n_claims"], rel["retold"]["basis"], rel["retold"]["bias_pct"]) == (
        "0", "too little evidence", "")
    assert 26 <= float(rel["paper"]["bias_pct"]) <= 34
    assert all("4 independent claim(s)" in r["how"] for r in read_rows(tmp_path / "out" / "reconciled.csv"))


def test_thin_evidence_falls_back_to_trust_your_friends_and_says_so(runner, tmp_path):
    reconcile(runner, RAW, tmp_path / "out", "--strategy", "learn-reliability")
    rec = read_rows(tmp_path / "out" / "reconciled.csv")
    sens = by(read_rows(tmp_path / "out" / "sensitivity.csv"), "event_id")
    numbered = [r for r in rec if r["value"] and r["status"] != "adjudicated"]
    assert numbered
    for r in numbered:
        assert r["how"].startswith("fell back to trust-your-friends (too little shared evidence"), r["how"]
        s = [x for x in read_rows(tmp_path / "out" / "sensitivity.csv")
             if (x["event_id"], x["measure"], x["statistic"]) == (r["event_id"], r["measure"], r["statistic"])][0]
        assert s["learn_reliability"] == s["trust_your_friends"] and s["learn_reliability_low"] == ""
    assert sens  # the table has the learner's columns beside the six rules
    rel = read_rows(tmp_path / "out" / "source_reliability.csv")
    assert [r["source_id"] for r in rel] == sorted(r["source_id"] for r in read_rows(RAW / "sources.csv"))
    assert {r["basis"] for r in rel} == {"too little evidence"}


def test_it_is_never_the_default(runner, tmp_path):
    from prodkit import strategies

    assert strategies.DEFAULT == "trust-your-friends" and "learn-reliability" in strategies.NAMES
    raw, _ = ledger(tmp_path / "raw")
    reconcile(runner, raw, tmp_path / "out")
    rec = read_rows(tmp_path / "out" / "reconciled.csv")
    assert {r["strategy"] for r in rec} == {"trust-your-friends"}
    # the sensitivity table and source_reliability.csv are written under every strategy
    assert (tmp_path / "out" / "source_reliability.csv").exists()
    header = (tmp_path / "out" / "sensitivity.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[header.index("pass_it_on") + 1:header.index("pass_it_on") + 4] == [
        "learn_reliability", "learn_reliability_low", "learn_reliability_high"]


def test_explain_shows_what_was_learned(runner, tmp_path):
    raw, _ = ledger(tmp_path / "raw")
    result = run(runner, "explain", "ev03", "--raw-dir", str(raw), "--strategy", "learn-reliability")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "decision (learn-reliability:" in text
    assert "why: weighted mean on log values of 4 independent claim(s)" in text
    assert "learn-reliability:" in text and "(95% interval" in text
    assert "learned of its sources: arch: bias" in text and "paper: bias +" in text
    assert "from its source (40 shared events), trust_rank 1" in text


@pytest.mark.parametrize("name", ["source_reliability"])
def test_source_reliability_is_in_the_data_package_and_codebook(runner, tmp_path, name):
    raw, _ = ledger(tmp_path / "raw")
    reconcile(runner, raw, tmp_path / "out")
    import json

    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == name)
    fields = [f["name"] for f in resource["schema"]["fields"]]
    assert fields[:6] == ["source_id", "source_type", "trust_rank", "n_claims", "n_events", "bias_pct"]
    assert f"{name}.csv" in (tmp_path / "out" / "codebook.md").read_text(encoding="utf-8")
    assert (tmp_path / "out" / f"{name}.dta").exists()
