"""Checks across rows and tables: ids, references, sources, events, and --strict."""

from __future__ import annotations

from conftest import CLAIMS_HEADER, minimal_ledger, read_rows, run, write_rows


def _validate_edited(runner, raw_copy, tmp_path, edit):
    """``prodkit validate`` on the bundled ledger after ``edit`` changed its claim rows; the rows and the run."""
    rows = read_rows(raw_copy / "claims.csv")
    edit(rows)
    write_rows(raw_copy / "claims.csv", rows)
    return rows, run(runner, "validate", "--raw-dir", str(raw_copy), "--out-dir", str(tmp_path / "out"))


def test_duplicate_claim_id_names_both_lines(runner, raw_copy, tmp_path):
    # line 11 repeats line 4's id
    rows, result = _validate_edited(runner, raw_copy, tmp_path, lambda r: r[9].update(claim_id=r[2]["claim_id"]))
    assert result.exit_code == 1
    assert f"claims.csv:11:1 [duplicate-claim-id] claim_id = \"{rows[2]['claim_id']}\"" in result.stderr
    assert "is used again (first at line 4)" in result.stderr
    assert f"read {len(rows)}, used {len(rows) - 1}, rejected 1" in result.stderr


def test_unknown_source_suggests_the_nearest_id(runner, raw_copy, tmp_path):
    _, result = _validate_edited(runner, raw_copy, tmp_path, lambda r: r[0].update(source_id="gershberg-198"))
    assert result.exit_code == 1
    assert "claims.csv:2:12 [source-unknown] source_id = \"gershberg-198\"" in result.stderr
    assert "did you mean 'gershberg-1981'?" in result.stderr


def test_empty_required_field_is_reported_per_cell(runner, raw_copy, tmp_path):
    _, result = _validate_edited(runner, raw_copy, tmp_path, lambda r: r[4].update(unit=""))
    assert result.exit_code == 1
    assert "claims.csv:6:8 [field-empty] unit" in result.stderr
    assert "Required field 'unit' is empty." in result.stderr
    problems = read_rows(tmp_path / "out" / "problems.csv")
    assert {"file": problems[0]["file"].endswith("claims.csv")} == {"file": True}
    row = [p for p in problems if p["code"] == "field-empty"][0]
    assert (row["line"], row["column"], row["field"], row["severity"]) == ("6", "8", "unit", "error")


ROW = "Miner,coal,coal_hewn,record,{value},tons,per shift,1935,,{source},l. 1,,,,\n"


def _validate(runner, raw, out):
    return run(runner, "validate", "--raw-dir", str(raw), "--out-dir", str(out))


def test_a_chain_of_retellings_has_one_root_and_a_loop_is_an_error(tmp_path, runner):
    from prodkit.checks import derivation_chain

    assert derivation_chain({"c": "b", "b": "a"}, "c") == (["c", "b", "a"], False)
    assert derivation_chain({"a": "b", "b": "c", "c": "b"}, "a") == (["a", "b", "c", "b"], True)
    sources = ("source_id,citation,source_type,year,trust_rank,trust_note,derived_from\n"
               "arch,An archive,archival,1935,1,x,\n"
               "book1,A book,later_soviet,1971,5,x,book2\n"
               "book2,Its new edition,later_soviet,1981,5,x,book1\n")
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER + "c1,e," + ROW.format(value=102, source="arch"), sources)
    result = _validate(runner, raw, tmp_path / "o")
    assert result.exit_code == 1
    cycle = [p for p in read_rows(tmp_path / "o" / "problems.csv") if p["code"] == "derived-cycle"]
    assert [p["value"] for p in cycle] == ["book1 -> book2 -> book1", "book2 -> book1 -> book2"]


def test_a_claim_citing_a_rejected_source_says_so_in_its_own_words(tmp_path, runner):
    sources = ("source_id,citation,source_type,year,trust_rank,trust_note,derived_from\n"
               "arch,An archive,archival,1935,1,x,\n"
               "memo,A memoir,memoir,1938,first,x,\n")
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER + "c1,e," + ROW.format(value=102, source="arch")
                         + "c2,e," + ROW.format(value=102, source="memo"), sources)
    result = _validate(runner, raw, tmp_path / "o")
    assert result.exit_code == 1
    (row,) = [p for p in read_rows(tmp_path / "o" / "problems.csv") if p["file"].endswith("claims.csv")]
    assert (row["line"], row["code"], row["value"], row["severity"]) == ("3", "source-rejected", "memo", "error")
    assert row["message"].startswith("source_id 'memo' is rejected in ")
    assert row["message"].endswith("sources.csv (see its problems).")
    assert row["hint"] == "Fix the source's row in sources.csv."


def test_a_misspelt_column_gets_its_own_code_and_the_name_it_resembles(tmp_path, runner):
    header = CLAIMS_HEADER.replace(",note,", ",notes,")
    raw = minimal_ledger(tmp_path / "raw", header + "c1,e," + ROW.format(value=102, source="arch"))
    result = _validate(runner, raw, tmp_path / "o")
    (row,) = [p for p in read_rows(tmp_path / "o" / "problems.csv") if p["field"] == "notes"]
    assert (row["code"], row["severity"]) == ("column-misspelt", "warning")
    assert row["hint"] == "Did you mean 'note'? Rename the column if so."
    assert result.exit_code == 0


def test_under_strict_a_warning_is_rebuilt_as_an_error_from_its_code():
    from prodkit.errors import problem, under_strict

    p = problem("event-inconsistent", file="claims.csv", line=3, column=3, field="subject", value="A",
                event_id="e", other="B", other_line=2)
    q = under_strict(p)
    assert (q.code, q.severity, q.line, q.column, q.value) == ("event-inconsistent", "error", 3, 3, "A")
    assert q.message == p.message + " (rejected under --strict)" and q.hint == p.hint
    assert under_strict(problem("field-empty", file="c.csv", line=2, field="unit")).message == \
        "Required field 'unit' is empty."  # an error is already an error


# ---------------------------------------------------------------------------
# ids (issue 17)
# ---------------------------------------------------------------------------

def test_ids_that_differ_only_to_the_eye_are_named_with_what_differs():
    from prodkit.checks import how_ids_differ, id_key

    composed, decomposed = "caf\u00e9-1935", "cafe\u0301-1935"
    assert composed != decomposed and id_key(composed) == id_key(decomposed)
    assert how_ids_differ(decomposed, composed) == "Unicode normal form (composed and decomposed letters)"
    assert how_ids_differ("\uff43001", "c001") == "Unicode compatibility form (full-width or ligature letters)"
    assert how_ids_differ("C001", "c001") == "letter case"
    assert how_ids_differ("\u0441001", "c001") == "look-alike letters (Cyrillic or Greek for Latin)"
    assert how_ids_differ("\u0421001", "c001") == "letter case and look-alike letters (Cyrillic or Greek for Latin)"


def test_id_checks_report_near_duplicates_as_errors_for_claims_and_warnings_for_events():
    import polars as pl

    from prodkit.checks import id_checks

    frame = pl.DataFrame({"claim_id": ["c001", "C001", "c002"], "event_id": ["e-1", "e-1", "E-1"],
                          "source_file": ["claims.csv"] * 3, "source_line": [2, 3, 4]})
    found = sorted((p.code, p.line, p.field, p.severity) for p in
                   id_checks(frame, {"claim_id": "claim", "event_id": "event"}, {"claim_id": 1, "event_id": 2}))
    assert found == [("id-near-duplicate", 3, "claim_id", "error"), ("id-near-duplicate", 4, "event_id", "warning"),
                     ("id-not-slug", 3, "claim_id", "warning"), ("id-not-slug", 4, "event_id", "warning")]


def test_ids_by_the_rule_are_not_folded_or_reported():
    import polars as pl

    from prodkit.checks import id_checks

    frame = pl.DataFrame({"claim_id": ["c001", "rgaspi-85-29-633", "a_b.c"], "source_file": ["c.csv"] * 3,
                          "source_line": [2, 3, 4]})
    assert id_checks(frame, {"claim_id": "claim"}, {}) == []
