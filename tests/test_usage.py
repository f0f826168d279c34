"""Options and safety, through the command line and the files: --strict, --spreadsheet-safe, --allow-empty,
the library's usage errors, chart dates in every time zone, and a bounded report for 100,000 events.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RAW, ROOT, read_rows, run, write_rows
from test_publishing import snapshot


def test_strict_rejects_rows_with_warnings_found_after_loading(runner, tmp_path):
    plain = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "plain"), "--no-figures")
    assert plain.exit_code == 0
    assert "c007" in {r["claim_id"] for r in read_rows(tmp_path / "plain" / "claims.csv")}  # 536 t: implausible
    strict = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "strict"), "--no-figures",
                 "--strict")
    assert strict.exit_code == 1
    out = tmp_path / "strict"
    assert "c007" not in {r["claim_id"] for r in read_rows(out / "claims.csv")}
    accounts = {r["file"]: r for r in read_rows(out / "accounts.csv")}
    assert (accounts["data/raw/claims.csv"]["used"], accounts["data/raw/claims.csv"]["rejected"]) == ("132", "26")
    implausible = [p for p in read_rows(out / "problems.csv") if p["code"] == "implausible"]
    assert len(implausible) == 12  # with the loosest bound of a measure for claims with no basis
    assert all(p["severity"] == "error" and p["message"].endswith("(rejected under --strict)") for p in implausible)
    assert {p["line"] for p in implausible} >= {"8", "12", "34"}
    assert "data/raw/claims.csv: read 158, used 132, rejected 26" in strict.stderr


FORMULAS = {"note": '=HYPERLINK("http://example.org","x")', "quote": "@SUM(A1)", "place": "+Donbass",
            "locator": "\tp. 3"}


def _formula_ledger(raw_copy: Path) -> None:
    rows = read_rows(raw_copy / "claims.csv")
    rows[0].update(FORMULAS)
    write_rows(raw_copy / "claims.csv", rows)


def test_csvs_are_faithful_unless_spreadsheet_safe_is_asked_for(runner, raw_copy, tmp_path):
    _formula_ledger(raw_copy)
    faithful = tmp_path / "faithful"
    assert run(runner, "reconcile", "--raw-dir", str(raw_copy), "--out-dir", str(faithful),
               "--no-figures").exit_code == 0
    row = read_rows(faithful / "claims.csv")[0]
    assert {k: row[k] for k in FORMULAS} == FORMULAS
    safe = tmp_path / "safe"
    result = run(runner, "reconcile", "--raw-dir", str(raw_copy), "--out-dir", str(safe), "--no-figures",
                 "--spreadsheet-safe")
    assert result.exit_code == 0, result.stderr
    row = read_rows(safe / "claims.csv")[0]
    assert {k: row[k] for k in FORMULAS} == {k: "'" + v for k, v in FORMULAS.items()}
    assert (row["value_as_written"], row["value_low"]) == ("6", "6.0")  # numbers untouched
    # every CSV: no text cell starts a formula
    for path in safe.glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            for cells in csv.reader(fh):
                assert not any(c[:1] in ("=", "+", "@", "\t") for c in cells), (path.name, cells)
    package = json.loads((safe / "datapackage.json").read_text(encoding="utf-8"))
    assert package["prodkit:spreadsheetSafe"] is True
    assert "Written with --spreadsheet-safe" in (safe / "codebook.md").read_text(encoding="utf-8")
    assert "prodkit:spreadsheetSafe" not in (faithful / "datapackage.json").read_text(encoding="utf-8")
    # the library keyword writes the same files
    import prodkit

    prodkit.reconcile(raw_copy, tmp_path / "lib", tmp_path / "r", figures=False, spreadsheet_safe=True)
    assert snapshot(tmp_path / "lib") == snapshot(safe)


def test_validate_spreadsheet_safe_prefixes_problem_values(runner, raw_copy, tmp_path):
    rows = read_rows(raw_copy / "claims.csv")
    rows[0]["unit"] = "=cmd|' /C calc'!A0"
    write_rows(raw_copy / "claims.csv", rows)
    result = run(runner, "validate", "--raw-dir", str(raw_copy), "--out-dir", str(tmp_path / "o"),
                 "--spreadsheet-safe")
    assert result.exit_code == 1
    values = {p["value"] for p in read_rows(tmp_path / "o" / "problems.csv")}
    assert "'=cmd|' /C calc'!A0" in values and "=cmd|' /C calc'!A0" not in values


def test_a_header_only_ledger_keeps_the_earlier_outputs_unless_allowed(runner, raw_copy, tmp_path):
    out = tmp_path / "out"
    assert run(runner, "reconcile", "--raw-dir", str(raw_copy), "--out-dir", str(out), "--no-figures").exit_code == 0
    before = snapshot(out)
    claims = raw_copy / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    kept = run(runner, "reconcile", "--raw-dir", str(raw_copy), "--out-dir", str(out), "--no-figures")
    assert kept.exit_code == 0
    assert "has no rows; nothing was written" in kept.stderr and "--allow-empty" in kept.stderr
    assert snapshot(out) == before
    allowed = run(runner, "reconcile", "--raw-dir", str(raw_copy), "--out-dir", str(out), "--no-figures",
                  "--allow-empty")
    assert allowed.exit_code == 0
    assert read_rows(out / "claims.csv") == [] and read_rows(out / "reconciled.csv") == []


def test_the_library_names_the_argument_to_change(tmp_path):
    import prodkit
    from prodkit.errors import UsageError

    raw = tmp_path / "raw"
    import shutil

    shutil.copytree(RAW, raw)
    before = snapshot(raw)
    with pytest.raises(UsageError, match=r"--out-dir .* is --raw-dir") as caught:
        prodkit.reconcile(raw, raw, tmp_path / "reports")
    assert "out_dir=" in str(caught.value)
    with pytest.raises(UsageError, match=r"lies inside --raw-dir") as caught:
        prodkit.reconcile(raw, tmp_path / "out", raw / "reports")
    assert "reports_dir=" in str(caught.value)
    with pytest.raises(UsageError, match="out_dir="):
        prodkit.validate(raw, raw)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="reports_dir="):
        prodkit.figures(tmp_path / "out", tmp_path / "file")
    with pytest.raises(UsageError, match="tolerance="):
        prodkit.reconcile(raw, tmp_path / "out", tolerance=float("nan"), figures=False)
    with pytest.raises(UsageError, match="seed="):
        prodkit.reconcile(raw, tmp_path / "out", seed=2**70, figures=False)
    assert snapshot(raw) == before and not (tmp_path / "out").exists()


def test_a_destination_linked_to_the_raw_dir_is_refused_after_resolving_links(runner, raw_copy, tmp_path):
    (raw_copy / "sub").mkdir()
    link = tmp_path / "clean"
    link.symlink_to(raw_copy / "sub", target_is_directory=True)
    before = snapshot(raw_copy)
    result = run(runner, "reconcile", "--raw-dir", str(raw_copy), "--out-dir", str(link), "--no-figures")
    assert result.exit_code == 2 and "lies inside --raw-dir" in result.stderr
    assert snapshot(raw_copy) == before


#: Draws the two charts with dates on their x axis, from the frozen reconciled table, as SVG on stdout.
DRAW_TIME_CHARTS = """
import sys
from pathlib import Path
import vl_convert as vlc
from prodkit.outputs import charts
from prodkit.outputs.tables import read_table
reconciled = read_table(Path(sys.argv[1]), "reconciled")
for chart in (charts.record_timeline_chart(reconciled), charts.movement_spread_chart(reconciled)):
    sys.stdout.write(vlc.vegalite_to_svg(charts.spec_of(chart), allowed_base_urls=[]))
"""


def _time_charts_in(tz: str) -> str:
    env = dict(os.environ, TZ=tz, PYTHONPATH=str(ROOT / "src"))
    table = ROOT / "tests" / "data" / "golden" / "tables" / "reconciled.csv"
    done = subprocess.run([sys.executable, "-c", DRAW_TIME_CHARTS, str(table)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_chart_files_are_byte_identical_in_every_time_zone():
    west, east = _time_charts_in("America/Los_Angeles"), _time_charts_in("Asia/Tokyo")
    assert west == east
    # a date is its UTC day: 31 December, not the 30th as seen west of Greenwich
    assert "window_end (year-month-date): Dec 31, 1937" in west and "Dec 30, 1937" not in west
    assert "mid: Aug 31, 1935" in west


def test_a_hundred_thousand_events_give_a_bounded_report(runner, tmp_path):
    n = 100_000
    raw = tmp_path / "raw"
    raw.mkdir()
    header = "claim_id,event_id,subject,sector,measure,statistic,value,unit,basis,date,place,source_id,locator,quote"
    lines = [header] + [f"c{i:06d},ev-{i:06d},Worker {i},coal,coal_hewn,record,{5 + i % 140},t,per shift,"
                        f"1935-{1 + i % 12:02d}-{1 + i % 28:02d},Donbass,s1,p. 1,q" for i in range(n)]
    (raw / "claims.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (raw / "sources.csv").write_text("source_id,citation,source_type,year,trust_rank\ns1,A book,scholarship,1980,1\n",
                                     encoding="utf-8")
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "out"),
                 "--reports-dir", str(tmp_path / "reports"), "--no-exports")
    assert result.exit_code == 0, result.stderr
    page = tmp_path / "reports" / "report.html"
    assert page.stat().st_size < 2_000_000
    text = page.read_text(encoding="utf-8")
    assert f"The first 300 of {n} rows; reconciled.csv has them all." in text
    assert f"Showing the first 400 of {n} dated records (by date); reconciled.csv has them all." in text
    assert max(p.stat().st_size for p in (tmp_path / "reports" / "figures").iterdir()) < 2_000_000
    assert len(read_rows(tmp_path / "out" / "reconciled.csv")) == n
