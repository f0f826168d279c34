"""The bundled ledger: every claim, its quotes and locators, its sources; reading a broken copy."""

from __future__ import annotations

import re

import pytest

from conftest import DATA, RAW, read_rows, run, write_rows


def thesis_lines() -> dict[int, str]:
    out = {}
    for line in (DATA / "thesis_lines.tsv").read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#"):
            continue
        n, text = line.split("\t", 1)
        out[int(n)] = text
    return out


CLAIMS = read_rows(RAW / "claims.csv")
SOURCES = read_rows(RAW / "sources.csv")


def test_ledger_is_the_whole_thesis_not_a_sample():
    # the thesis has well over a hundred numbers; the ledger records them all
    assert len(CLAIMS) >= 150
    statistics = {c["statistic"] for c in CLAIMS}
    assert {"record", "norm", "pct_of_norm", "multiple_of_norm", "average", "maximum", "share",
            "conversion"} <= statistics
    assert len({c["event_id"] for c in CLAIMS}) >= 90
    assert len(SOURCES) >= 40


@pytest.mark.parametrize("claim", CLAIMS, ids=[c["claim_id"] for c in CLAIMS])
def test_every_quote_is_verbatim_on_its_first_locator_line(claim):
    lines = thesis_lines()
    first = claim["locator"].split(" | ")[0]
    number = int(re.search(r"line (\d+)", first).group(1))
    assert claim["quote"] in lines[number]
    assert len(claim["quote"].split()) <= 25


def test_every_locator_names_lines_of_the_thesis():
    lines = thesis_lines()
    for c in CLAIMS:
        numbers = [int(n) for n in re.findall(r"line (\d+)", c["locator"])]
        assert numbers, c["claim_id"]
        assert all(n in lines for n in numbers), c["claim_id"]


def test_sources_have_types_ranks_and_reasons():
    types = {"archival", "contemporary_press", "official_speech", "memoir", "later_soviet", "scholarship", "poster"}
    ids = {s["source_id"] for s in SOURCES}
    for s in SOURCES:
        assert s["source_type"] in types
        assert s["trust_rank"].isdigit()
        assert s["trust_note"].strip()
        assert not s["derived_from"] or s["derived_from"] in ids
    assert {c["source_id"] for c in CLAIMS} <= ids


def test_key_claims_are_recorded_as_written():
    by_value = {(c["event_id"], c["statistic"], c["value"], c["source_id"]) for c in CLAIMS}
    assert ("stakhanov-1935-08-31", "record", "102", "gershberg-1981") in by_value
    assert ("artyukhov-1935-09", "record", "536", "rgaspi-85-29-633") in by_value
    assert ("artyukhov-1935-09", "record", "552", "gershberg-1981") in by_value
    assert ("busygin-1935-09", "norm", "675", "gershberg-1971") in by_value
    assert any(c["value"] == "~ 46 000" and c["statistic"] == "conversion" for c in CLAIMS)
    assert any(c["value"] == "4 ½ thousand" for c in CLAIMS)


# ---------------------------------------------------------------------------
# prodkit validate
# ---------------------------------------------------------------------------

def test_validate_passes_on_the_bundled_ledger(runner, tmp_path):
    result = run(runner, "validate", "--raw-dir", str(RAW), "--out-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert "claims.csv: read %d, used %d, rejected 0" % (len(CLAIMS), len(CLAIMS)) in result.stderr
    assert (tmp_path / "problems.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problems.csv"]  # nothing else


def test_missing_column_is_named_with_the_nearest_header(runner, raw_copy, tmp_path):
    text = (raw_copy / "claims.csv").read_text(encoding="utf-8")
    (raw_copy / "claims.csv").write_text(text.replace("source_id,locator", "sourceid,locator", 1), encoding="utf-8")
    result = run(runner, "validate", "--raw-dir", str(raw_copy), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"{raw_copy / 'claims.csv'}:1 [column-missing] source_id" in result.stderr.replace(str(tmp_path) + "/", str(tmp_path) + "/")
    assert "Column 'sourceid' looks like a misspelling of it." in result.stderr
    assert "Traceback" not in result.stderr
