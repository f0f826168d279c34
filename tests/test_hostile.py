"""Issue 17: hostile input, each case met where a user meets it, through the CLI, by value.

Every folder of ``tests/data/broken/`` is one case (a small ledger that shows
one quirk); this file lists the cases of issue 17 with the exact lines a
user reads, and ``test_validation.py`` (the mutation corpus) grows every folder into many more.
"""

from __future__ import annotations

import csv
import io

import pytest

from conftest import RAW, read_rows, run
from test_validation import BROKEN, hostile, where


# side tables that only `prodkit reconcile` reads (the other cases of issue 17 are in
# test_validation.CASES, met through `prodkit validate`): (folder, exit code, exact lines)
CASES = [
    hostile("plausibility_not_a_number", 2, "plausibility.csv", ':2:5 [table-number-invalid] high = "two hundred"',
            "  'two hundred' in column 'high' is not a number.",
            "  Fix: Write a number with '.' as the decimal mark, e.g. 250 or 0.5."),
    hostile("plausibility_missing_column", 2, "plausibility.csv", ':1 [column-missing] high = ""',
            "  Required column 'high' is missing."),
    hostile("plausibility_cp1251", 2, "plausibility.csv", ":2:7 [encoding-not-utf8]",
            "  The file is not UTF-8; it looks like Windows-1251 (Cyrillic)."),
    hostile("plausibility_semicolon", 2, "plausibility.csv", ":1 [delimiter-wrong]",
            "  The file is separated by semicolons (;), not commas."),
    # rows that would never apply (the wrong unit, an unknown basis, statistic or measure, low above high)
    hostile("plausibility_rows_never_apply", 2, "plausibility.csv", ':3 [table-value-invalid] unit = "tonnes"',
            "  'tonnes' in column 'unit' cannot be used: a bound applies in its measure's canonical unit, which for "
            "coal_hewn is 't'.", ':4 [table-value-invalid] basis = "fortnight"',
            ':5 [table-value-invalid] statistic = "recrod"', ':5 [table-value-invalid] low = "300"',
            ':6 [table-value-invalid] measure = "bogus"'),
]


#: units.txt lines that pint would load and misread, or fail on when a claim first used them: refused at
#: their line before anything is read (folder, exit code, file, the line printed)
DEFINITIONS = [
    ("units_txt_not_a_number", 2, "units.txt", ":1: cannot read the definition 'foo = abc * kilogram': it cannot "
     "be read as known units ('abc' is not defined in the unit registry)"),
    ("units_txt_comma", 2, "units.txt", ":1: cannot read the definition 'pud_local = 16,38 * kilogram': it writes a "
     "number with a comma, which pint reads as no decimal mark (1,5 would be 15)"),
    ("units_txt_semicolon", 2, "units.txt", ":1: cannot read the definition 'pud_local; 16.38 * kilogram': the line "
     "has no '=' (a separator such as ';' or ':' is not pint's)"),
]


@pytest.mark.parametrize("folder, code, file, line", DEFINITIONS, ids=[c[0] for c in DEFINITIONS])
def test_a_units_txt_line_that_cannot_hold_is_refused_at_its_line(runner, tmp_path, folder, code, file, line):
    result = run(runner, "validate", "--raw-dir", str(BROKEN / folder), "--out-dir", str(tmp_path / "out"))
    assert f"prodkit: {where(folder, file)}{line}" in result.stderr.splitlines(), result.stderr
    assert result.exit_code == code
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("folder, code, lines", CASES, ids=[c[0] for c in CASES])
def test_hostile_case_gives_a_located_message(runner, tmp_path, folder, code, lines):
    result = run(runner, "reconcile", "--raw-dir", str(BROKEN / folder), "--out-dir", str(tmp_path / "out"),
                 "--reports-dir", str(tmp_path / "rep"), "--no-figures")
    err = result.stderr.splitlines()
    for line in lines:
        assert line in err, f"missing: {line}\n---\n{result.stderr}"
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


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
    raw = tmp_path / "raw"  # the out dir goes beside it: never inside the raw ledger
    raw.mkdir()
    text = (BROKEN / "unknown_unit" / "claims.csv").read_text(encoding="utf-8").replace("cartloads", "tons")
    text = text.replace("102 tons,", "x" * 200_000 + ",", 1)
    (raw / "claims.csv").write_text(text, encoding="utf-8")
    (raw / "sources.csv").write_bytes((BROKEN / "unknown_unit" / "sources.csv").read_bytes())
    return raw


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


def test_five_thousand_extra_columns_reach_every_export(runner, raw_copy, tmp_path):
    """The exports are linear in columns too: each extra column is kept in claims.csv, claims.dta (by its
    Stata name) and the data package, and the run's checks skip what no model declares."""
    import json

    import pyreadstat

    rows = list(csv.reader(io.StringIO((RAW / "claims.csv").read_text(encoding="utf-8"))))
    n = 5_000
    rows = [rows[0] + [f"extra {i}" for i in range(n)]] + [r + [str(i % 7) for i in range(n)] for r in rows[1:]]
    raw = raw_copy
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (raw / "claims.csv").write_text(buf.getvalue(), encoding="utf-8")
    out = tmp_path / "out"
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(out), "--reports-dir",
                 str(tmp_path / "rep"), "--no-figures")
    assert result.exit_code == 0, result.stderr[-2000:]
    claims = read_rows(out / "claims.csv")
    assert len(claims) == len(rows) - 1 and claims[3]["extra 4999"] == str(4999 % 7)
    dta, meta = pyreadstat.read_dta(str(out / "claims.dta"), output_format="polars")
    assert dta["extra_4999"].to_list()[3] == str(4999 % 7)
    assert meta.column_names_to_labels["extra_0"].startswith("extra 0")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"] for r in package["resources"] if r["name"] == "claims" for f in r["schema"]["fields"]}
    assert {f"extra {i}" for i in range(n)} <= fields


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


def test_unit_symbols_keep_their_case_and_digits_of_every_script_are_read(runner, tmp_path):
    """'MT' is metric tons, 'Mt' megatonnes, 'Mha' megahectares, 'Mg' megagrams; a bracketed size word picks
    the ton; Arabic-Indic, full-width and Devanagari digits are the digits they are. All by value."""
    result = run(runner, "reconcile", "--raw-dir", str(BROKEN / "units_as_symbols"), "--out-dir", str(tmp_path),
                 "--reports-dir", str(tmp_path / "rep"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    got = {r["claim_id"]: (float(r["value_mid"]), r["unit_canonical"]) for r in read_rows(tmp_path / "claims.csv")}
    expected = {"c1": (102.0, "t"), "c2": (128e6, "t"), "c3": (135.3e6, "ha"), "c4": (102.0, "t"),
                "c5": (214 * 0.90718474, "t"), "c6": (214 * 1.0160469088, "t"),
                "c7": (102.0, "t"), "c8": (102.0, "t"), "c9": (102.0, "t")}
    assert set(got) == set(expected)
    for claim, (value, unit) in expected.items():
        assert got[claim][1] == unit and got[claim][0] == pytest.approx(value, rel=1e-9), claim


def test_a_units_txt_convention_for_a_word_holds_in_every_letter_case(runner, tmp_path):
    """'TONS = 1016.0469088 * kilogram' in units.txt reads a claim in 'Tons' as long tons (words are read without
    case), with the convention's warning; never a warning for a rule that then does nothing."""
    folder = BROKEN / "units_txt_word_in_capitals"
    result = run(runner, "reconcile", "--raw-dir", str(folder), "--out-dir", str(tmp_path),
                 "--reports-dir", str(tmp_path / "rep"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    assert f"{where('units_txt_word_in_capitals', 'units.txt')}:1 [unit-convention]" in result.stderr
    (claim,) = read_rows(tmp_path / "claims.csv")
    assert float(claim["value_mid"]) == pytest.approx(102 * 1.0160469088) and claim["unit_canonical"] == "t"


def test_a_column_added_to_sources_csv_is_kept_in_every_export(runner, raw_copy, tmp_path):
    """The warning says an unknown column is kept as it is: in sources.csv, sources.dta and the data package."""
    import json

    import pyreadstat

    raw = raw_copy
    rows = list(csv.reader(io.StringIO((RAW / "sources.csv").read_text(encoding="utf-8"))))
    rows = [rows[0] + ["archive_box"]] + [r + [f"box {i}"] for i, r in enumerate(rows[1:], start=1)]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (raw / "sources.csv").write_text(buf.getvalue(), encoding="utf-8")
    out = tmp_path / "out"
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(out), "--reports-dir",
                 str(tmp_path / "rep"), "--no-figures")
    assert result.exit_code == 0, result.stderr[-2000:]
    assert "[column-unknown] archive_box" in result.stderr
    written = {r["source_id"]: r["archive_box"] for r in read_rows(out / "sources.csv")}
    assert written == {r[0]: r[-1] for r in rows[1:]}
    dta, _ = pyreadstat.read_dta(str(out / "sources.dta"), output_format="polars")
    assert dict(zip(dta["source_id"].to_list(), dta["archive_box"].to_list())) == written
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    (sources,) = [r for r in package["resources"] if r["name"] == "sources"]
    assert sources["schema"]["fields"][-1]["name"] == "archive_box"
