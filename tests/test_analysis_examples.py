"""Issue 18: docs/analysis.R runs on the bundled outputs and prints what the tables say; docs/analysis.do names
only files, variables and labels that exist.

Stata is not installed where these tests run, so the .do file is checked as text against the .dta files it
reads (pyreadstat); R runs the R example for real (skipped without Rscript, failed under
PRODKIT_REQUIRE_CLIENTS=1).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess

from conftest import ROOT, read_rows, require_client

R_EXAMPLE = ROOT / "docs" / "analysis.R"
DO_EXAMPLE = ROOT / "docs" / "analysis.do"


def _expected_by_sector(out) -> dict[str, tuple[int, float, float, float]]:
    rows = [r for r in read_rows(out / "norms_vs_records.csv") if r["primary"] == "TRUE" and r["pct_of_norm"]]
    by: dict[str, list[float]] = {}
    for r in rows:
        by.setdefault(r["sector"], []).append(float(r["pct_of_norm"]))
    return {s: (len(x), statistics.median(x), min(x), max(x)) for s, x in by.items()}


def test_the_r_example_joins_summarises_and_plots_the_bundled_outputs(bundled, tmp_path):
    rscript = shutil.which("Rscript")
    require_client("R", bool(rscript), "install r-base-core and r-cran-readr")
    out = bundled["_dir"]
    plot = tmp_path / "plot.pdf"
    done = subprocess.run([rscript, "--vanilla", str(R_EXAMPLE), str(out), str(plot)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == "", done.stderr  # readr found nothing to complain about
    printed = {}
    for m in re.finditer(r"^(.+?)\s+records\s+(\d+)\s+median\s+([\d.]+)%\s+min\s+([\d.]+)%\s+max\s+([\d.]+)%$",
                         done.stdout, re.M):
        printed[m.group(1).strip()] = (int(m.group(2)), *(float(m.group(i)) for i in (3, 4, 5)))
    expected = _expected_by_sector(out)
    assert set(printed) == set(expected) and "coal" in printed
    for sector, (n, median, lo, hi) in expected.items():
        assert printed[sector][0] == n
        assert printed[sector][1:] == tuple(round(v, 1) for v in (median, lo, hi)), sector
    # the bundled ledger: 13 record events, Stakhanov's 1937 "23 times" is the one inconsistent record
    total = re.search(r"^records (\d+), inconsistent with a stated ratio (\d+), claims behind them (\d+)",
                      done.stdout, re.M)
    assert total and (int(total.group(1)), int(total.group(2))) == (13, 1)
    assert plot.is_file() and plot.read_bytes().startswith(b"%PDF")


def test_the_stata_example_names_only_what_the_dta_files_hold(bundled):
    """Text only: Stata is not installed here. Every .dta, variable and value label the .do file uses exists."""
    import pyreadstat

    out = bundled["_dir"]
    text = DO_EXAMPLE.read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("*"))
    files = re.findall(r'use "`clean\'/(\w+)\.dta"', code)
    assert files == ["reconciled", "norms_vs_records", "event_claims"]
    variables: dict[str, set[str]] = {}
    label_sets: dict[str, dict[str, set[str]]] = {}
    for name in files:
        _, meta = pyreadstat.read_dta(str(out / f"{name}.dta"), metadataonly=True, output_format="polars")
        variables[name] = set(meta.column_names)
        label_sets[name] = {meta.variable_to_label[v]: set(labels.values())
                            for v, labels in meta.variable_value_labels.items()}
    # each "text":labelset names a label of a set that exists in the file being used
    for block_file, block in zip(files, re.split(r'use "`clean\'/\w+\.dta", clear', code)[1:]):
        for value, label_set in re.findall(r'"(\w+)":(\w+)', block):
            assert value in label_sets[block_file].get(label_set, set()), (block_file, value, label_set)
    # the variables the .do file reads exist where it reads them
    used = {"reconciled": ["statistic", "event_id", "measure", "n_sources", "status"],
            "norms_vs_records": ["primary", "pct_of_norm", "event_id", "measure", "sector", "consistent"],
            "event_claims": ["statistic", "role"]}
    for name, names in used.items():
        assert set(names) <= variables[name], (name, set(names) - variables[name])
        for var in names:
            assert re.search(rf"\b{var}\b", code), var
    assert "graph export" in code and "merge 1:1 event_id measure" in code
