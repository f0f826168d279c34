"""Issue 17: hostile input, each case met where a user meets it, through the CLI, by value.

Every folder of ``tests/data/broken/`` is one case (a small ledger that shows
one quirk); this file lists the cases of issue 17 with the exact lines a
user reads, and ``test_validation.py`` (the mutation corpus) grows every folder into many more.
"""

from __future__ import annotations

import csv
import io

import pytest

from conftest import DATA, RAW, read_rows, run

BROKEN = DATA / "broken"


def where(folder: str, file: str = "claims.csv") -> str:
    from prodkit.ledger import display_path

    return display_path(BROKEN / folder / file)


# (folder, exit code, exact lines expected on stderr); each run is `prodkit reconcile --no-figures`
CASES = [
    ("id_trailing_space", 0, [
        f"{where('id_trailing_space')}:3:2 [id-spaces] event_id = \"stakhanov \"",
        "  event_id 'stakhanov ' has spaces around it; it is read as 'stakhanov'."]),
    ("id_near_duplicate", 1, [
        f"{where('id_near_duplicate')}:3:1 [duplicate-claim-id] claim_id = \"c1\"",
        f"{where('id_near_duplicate')}:3:1 [id-spaces] claim_id = \"c1 \"",
        f"{where('id_near_duplicate')}:4:1 [id-near-duplicate] claim_id = \"C1\"",
        "  claim_id 'C1' differs from 'c1' (line 2) only by letter case.",
        f"{where('id_near_duplicate')}:4:1 [id-not-slug] claim_id = \"C1\"",
        "  claim_id 'C1' does not follow the id rule: it has capital letters."]),
    ("id_homoglyph", 0, [
        f"{where('id_homoglyph')}:3:2 [id-near-duplicate] event_id = \"st\u0430khanov\"",
        "  event_id 'st\u0430khanov' differs from 'stakhanov' (line 2) only by look-alike letters "
        "(Cyrillic or Greek for Latin)."]),
    ("trust_rank_huge", 1, [
        f"{where('trust_rank_huge', 'sources.csv')}:2:5 [number-too-large] trust_rank = \"{'9' * 20}\"",
        f"  '{'9' * 20}' is too large for a rank (more than 9 digits)."]),
    ("utf16", 2, [f"{where('utf16')}:1:1 [encoding-not-utf8]",
                  "  The file is not UTF-8; it looks like UTF-16 (it starts with a UTF-16 byte-order mark)."]),
    ("koi8r", 2, [f"{where('koi8r')}:2:3 [encoding-not-utf8]",
                  "  The file is not UTF-8; it looks like KOI8-R (Cyrillic)."]),
    ("date_reversed", 1, [
        f"{where('date_reversed')}:2:10 [date-invalid] date = \"1937/1933\"",
        "  '1937/1933' is not an ISO 8601 date (the interval ends before it starts: write the earlier date first)."]),
    ("date_year_zero", 1, [f"{where('date_year_zero')}:2:10 [date-invalid] date = \"0000\"",
                           "  '0000' is not an ISO 8601 date (there is no year 0)."]),
    ("date_month_zero", 1, [f"{where('date_month_zero')}:2:10 [date-invalid] date = \"1935-00\"",
                            "  '1935-00' is not an ISO 8601 date (no such day or month)."]),
    ("adjudication_value_and_claim", 1, [
        f"{where('adjudication_value_and_claim', 'adjudications.csv')}:2:4 [adjudication-value-and-claim] value = \"100\"",
        "  The adjudication gives both a value ('100') and a claim_id ('c1')."]),
    ("excel_trailing_commas", 0, [f"{where('excel_trailing_commas')}:4 [row-empty]",
                                  f"{where('excel_trailing_commas')}: read 2, used 2, rejected 0"]),
    ("header_upper_case", 2, [
        f"{where('header_upper_case')}:1 [column-missing] claim_id = \"CLAIM_ID\"",
        "  Required column 'claim_id' is missing. Column 'CLAIM_ID' is the same name in other letter case "
        "or spacing: rename it 'claim_id'."]),
    ("row_missing_middle_field", 1, [f"{where('row_missing_middle_field')}:3 [row-width]",
                                     "  The row has 16 fields where the header has 17."]),
    ("row_extra_field", 1, [f"{where('row_extra_field')}:2 [row-width]",
                            "  The row has 18 fields where the header has 17."]),
    ("measures_cp1251", 2, [f"{where('measures_cp1251', 'measures.csv')}:2:1 [encoding-not-utf8]",
                            "  The file is not UTF-8; it looks like Windows-1251 (Cyrillic)."]),
    ("measures_semicolon", 2, [f"{where('measures_semicolon', 'measures.csv')}:1 [delimiter-wrong]",
                               "  The file is separated by semicolons (;), not commas."]),
    ("measures_missing_column", 2, [
        f"{where('measures_missing_column', 'measures.csv')}:1 [column-missing] canonical_unit = \"\"",
        "  Required column 'canonical_unit' is missing."]),
    ("plausibility_not_a_number", 2, [
        f"{where('plausibility_not_a_number', 'plausibility.csv')}:2:5 [table-number-invalid] high = \"two hundred\"",
        "  'two hundred' in column 'high' is not a number.",
        "  Fix: Write a number with '.' as the decimal mark, e.g. 250 or 0.5."]),
    ("plausibility_missing_column", 2, [
        f"{where('plausibility_missing_column', 'plausibility.csv')}:1 [column-missing] high = \"\"",
        "  Required column 'high' is missing."]),
    ("plausibility_cp1251", 2, [f"{where('plausibility_cp1251', 'plausibility.csv')}:2:7 [encoding-not-utf8]",
                                "  The file is not UTF-8; it looks like Windows-1251 (Cyrillic)."]),
    ("units_cp1251", 2, [f"{where('units_cp1251', 'units.txt')}:1 [encoding-not-utf8]",
                         "  The file is not UTF-8; it looks like Windows-1251 (Cyrillic)."]),
]


@pytest.mark.parametrize("folder, code, lines", CASES, ids=[c[0] for c in CASES])
def test_hostile_case_gives_a_located_message(runner, tmp_path, folder, code, lines):
    result = run(runner, "reconcile", "--raw-dir", str(BROKEN / folder), "--out-dir", str(tmp_path / "out"),
                 "--reports-dir", str(tmp_path / "rep"), "--no-figures")
    err = result.stderr.splitlines()
    for line in lines:
        assert line in err, f"missing: {line}\n---\n{result.stderr}"
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    # every located problem names its file and line, and says why and what to do
    shown = [e for e in err if "[" in e and "]" in e and e.split("[", 1)[0].rstrip(" ").count(":") >= 1]
    assert shown
    if code != 2:
        assert all(p["code"] and p["message"] and p["hint"] and p["file"] for p in read_rows(tmp_path / "out" / "problems.csv"))


def test_a_trailing_space_does_not_make_an_event_of_its_own(runner, tmp_path):
    result = run(runner, "reconcile", "--raw-dir", str(BROKEN / "id_trailing_space"), "--out-dir", str(tmp_path),
                 "--reports-dir", str(tmp_path / "rep"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    events = {r["event_id"] for r in read_rows(tmp_path / "reconciled.csv")}
    assert events == {"stakhanov"}
    assert {r["event_id"] for r in read_rows(tmp_path / "claims.csv")} == {"stakhanov"}


def test_an_adjudication_with_value_and_claim_is_not_applied(runner, tmp_path):
    result = run(runner, "reconcile", "--raw-dir", str(BROKEN / "adjudication_value_and_claim"),
                 "--out-dir", str(tmp_path), "--reports-dir", str(tmp_path / "rep"), "--no-figures")
    assert result.exit_code == 1
    assert "adjudicated" not in {r["status"] for r in read_rows(tmp_path / "reconciled.csv")}


# ---------------------------------------------------------------------------
# one reader for every size: the same broken rows through both paths
# ---------------------------------------------------------------------------

def _with_long_field(tmp_path):
    text = (BROKEN / "unknown_unit" / "claims.csv").read_text(encoding="utf-8").replace("cartloads", "tons")
    text = text.replace("102 tons,", "x" * 200_000 + ",", 1)
    (tmp_path / "claims.csv").write_text(text, encoding="utf-8")
    (tmp_path / "sources.csv").write_bytes((BROKEN / "unknown_unit" / "sources.csv").read_bytes())
    return tmp_path


def _rows_broken_every_way(tmp_path):
    rows = list(csv.reader(io.StringIO((RAW / "claims.csv").read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:12]
    body[1] = body[1][:5] + body[1][6:]           # a middle field missing
    body[2] = body[2] + ["surplus"]               # one field too many
    body[3] = body[3] + ["", ""]                  # a spreadsheet's empty trailing fields: fine
    body[4][13] = "y" * 200_000                   # a 200 KB quote
    body[5][14] = "two\nlines"                    # a field across lines moves every later line
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header] + body[:7] + [[]] + [[""] * 4] + body[7:])
    (tmp_path / "claims.csv").write_text(buf.getvalue(), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("build", [_rows_broken_every_way, _with_long_field])
def test_large_and_small_files_are_read_alike(monkeypatch, tmp_path, build):
    from prodkit import ledger

    path = build(tmp_path) / "claims.csv"
    args = dict(required=ledger.CLAIMS_REQUIRED, optional=ledger.CLAIMS_OPTIONAL, label="claims.csv")
    small = ledger.read_table(path, **args)
    monkeypatch.setattr(ledger, "FAST_READ_BYTES", 10)
    large = ledger.read_table(path, **args)
    assert large.frame.equals(small.frame)
    assert sorted(large.problems) == sorted(small.problems)
    codes = sorted((p.code, p.line) for p in small.problems)
    if build is _rows_broken_every_way:
        assert ("row-width", 3) in codes and ("row-width", 4) in codes
        assert ("field-too-long", 6) in codes
        assert [c for c in codes if c[0] == "row-empty"] == [("row-empty", 10), ("row-empty", 11)]
        assert small.frame["source_line"].to_list()[-4:] == [12, 13, 14, 15]
    else:
        assert codes == [("field-too-long", 2)]


@pytest.mark.parametrize("large", [False, True])
def test_a_200_kb_field_is_a_warning_at_every_size(runner, monkeypatch, tmp_path, large):
    from prodkit import ledger

    raw = _with_long_field(tmp_path)
    if large:
        monkeypatch.setattr(ledger, "FAST_READ_BYTES", 10)
    result = run(runner, "validate", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert "[field-too-long] quote" in result.stderr and "quote (\")" not in result.stderr
    assert "The field is 200000 characters long (over 2000)." in result.stderr


@pytest.mark.parametrize("large", [False, True])
def test_a_row_missing_a_middle_field_is_rejected_at_every_size(runner, monkeypatch, tmp_path, large):
    from prodkit import ledger

    if large:
        monkeypatch.setattr(ledger, "FAST_READ_BYTES", 10)
    for folder, line, found in [("row_missing_middle_field", 3, 16), ("row_extra_field", 2, 18)]:
        result = run(runner, "validate", "--raw-dir", str(BROKEN / folder), "--out-dir", str(tmp_path / folder))
        assert result.exit_code == 1, result.stderr
        assert f"{where(folder)}:{line} [row-width]" in result.stderr
        assert f"  The row has {found} fields where the header has 17." in result.stderr
        assert f"{where(folder)}: read 2, used 1, rejected 1" in result.stderr


# ---------------------------------------------------------------------------
# scale: many columns
# ---------------------------------------------------------------------------

def test_twenty_thousand_extra_columns_are_read_cell_by_cell_once(runner, tmp_path):
    """_check_cells unpivots the candidate rows: linear in cells, not one filter per column."""
    rows = list(csv.reader(io.StringIO((BROKEN / "unknown_unit" / "claims.csv").read_text(encoding="utf-8"))))
    n = 20_000
    rows = [rows[0] + [f"extra_{i}" for i in range(n)]] + [r + [str(i % 10) for i in range(n)] for r in rows[1:]]
    rows[1][17 + 123] = "bad\x01byte"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "claims.csv").write_text(buf.getvalue(), encoding="utf-8")
    (raw / "sources.csv").write_bytes((BROKEN / "unknown_unit" / "sources.csv").read_bytes())
    result = run(runner, "validate", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"{raw / 'claims.csv'}:2:141 [binary-bytes] extra_123 = \"bad?byte\"" in result.stderr
    problems = read_rows(tmp_path / "out" / "problems.csv")
    assert sum(p["code"] == "column-unknown" for p in problems) == n


# ---------------------------------------------------------------------------
# what the listing says, and stable Stata names
# ---------------------------------------------------------------------------

def test_the_units_listing_says_what_bare_ton_is_read_as(runner):
    from pathlib import Path

    from prodkit.units import Units

    read = Units(Path(RAW) / "units.txt").resolve("ton")
    result = run(runner, "units", "--raw-dir", str(RAW), "--search", "ton")
    assert result.exit_code == 0
    bare = [line for line in result.stdout.splitlines() if line.startswith("ton (bare)")]
    assert len(bare) == 1 and "(refused)" not in bare[0]
    assert read.expr in bare[0] and "read as tonne" in bare[0]


def test_a_valid_stata_name_is_never_shifted_by_another_column():
    from prodkit.outputs.columns import stata_names

    assert stata_names(["my col", "my_col"]) == {"my col": "my_col_2", "my_col": "my_col"}
    assert stata_names(["my_col", "my col"]) == {"my_col": "my_col", "my col": "my_col_2"}
    # adding a column never renames one that was valid
    before = stata_names(["claim_id", "my_col"])
    after = stata_names(["claim_id", "my col!", "my_col"])
    assert after["my_col"] == before["my_col"] == "my_col"
