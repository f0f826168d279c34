"""Issue 20: prodkit's vectorised Stata 118 writer against ReadStat, pyreadstat, pandas and R's haven.

The writer (prodkit.outputs.dta) must give the very bytes pyreadstat writes
for the same table, so that the .dta files of a run stay as they were. Each
Stata table of the bundled ledger and of a generated ledger of 3,000 claims
(benchmarks/generate.py: Cyrillic text, ranges, missing numbers, coded
columns) is written both ways and compared byte for byte; then pyreadstat,
pandas (where installed) and R's haven read prodkit's file back, cell for
cell, with its variable and value labels.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import RAW, generated_ledger, require_client, run

TABLES = ["claims", "reconciled", "norms_vs_records", "sources"]


def _tables(raw: Path) -> dict[str, pl.DataFrame]:
    from prodkit.pipeline import run as run_pipeline

    return run_pipeline(raw).tables


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return generated_ledger(tmp_path_factory.mktemp("generated") / "raw", 3_000, 1935)


@pytest.fixture(scope="module")
def written(generated, tmp_path_factory) -> dict[str, dict]:
    """Each ledger's Stata tables, written by prodkit's writer and by pyreadstat, with what went in."""
    from prodkit.outputs import dta, stata
    from prodkit.outputs.columns import LABEL_MAX, describe, shorten_label, stata_names, variable_label

    done = {}
    for which, raw in (("bundled", RAW), ("generated", generated)):
        folder = tmp_path_factory.mktemp(which)
        tables = _tables(raw)
        for name in TABLES:
            table = describe({name: tables[name]})[0]
            data, value_labels = stata.stata_frame(tables[name], table.columns)
            assert dta.supports(data), (which, name)
            names = stata_names([c.name for c in table.columns])
            labels = {names[c.name]: variable_label(c) for c in table.columns}
            ours, theirs = folder / f"{name}.dta", folder / f"{name}.readstat.dta"
            stata.write_dta(tables[name], name, ours)
            stata.write_dta_readstat(data, theirs, column_labels=labels, value_labels=value_labels,
                                     file_label=shorten_label(f"prodkit {name}: {table.summary}", LABEL_MAX))
            done[f"{which}/{name}"] = {"ours": ours, "theirs": theirs, "data": data, "labels": labels,
                                       "value_labels": value_labels}
    return done


@pytest.mark.parametrize("key", [f"{w}/{t}" for w in ("bundled", "generated") for t in TABLES])
def test_the_writer_gives_readstats_bytes(written, key):
    ours, theirs = written[key]["ours"].read_bytes(), written[key]["theirs"].read_bytes()
    assert len(ours) == len(theirs), key
    if ours != theirs:
        at = next(i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b)
        pytest.fail(f"{key}: first differing byte at {at}: ours {ours[at - 20:at + 20]!r}, "
                    f"ReadStat's {theirs[at - 20:at + 20]!r}")


def _same(got, want) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    if isinstance(want, float):
        return got is not None and float(got) == want
    return got == want


@pytest.mark.parametrize("key", [f"{w}/{t}" for w in ("bundled", "generated") for t in TABLES])
def test_pyreadstat_reads_every_cell_and_label_back(written, key):
    import pyreadstat

    case = written[key]
    data, meta = pyreadstat.read_dta(str(case["ours"]), output_format="polars")
    want = case["data"]
    assert data.columns == want.columns and data.height == want.height
    for name in want.columns:
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(data[name].to_list(), want[name].to_list()))
               if not _same(g, w)]
        assert not bad, (key, name, bad[:3])
    assert meta.column_names_to_labels == case["labels"]
    assert meta.variable_value_labels == case["value_labels"]


def test_a_large_table_is_written_in_blocks(tmp_path, monkeypatch):
    """Rows laid out a block at a time give the same file as all at once."""
    from prodkit.outputs import dta, stata

    frame = pl.DataFrame({"t": ["Стаханов", "", "102 т", "x" * 40] * 25, "v": [1.5, None, -0.0, 1e300] * 25,
                          "n": pl.Series([1, None, -7, 2_000_000_000] * 25, dtype=pl.Int32)})
    args = dict(file_label="prodkit test", variable_labels={"t": "text"}, value_labels={"n": {1: "one"}},
                timestamp=stata.FIXED_TIMESTAMP)
    dta.write(frame, tmp_path / "whole.dta", **args)
    monkeypatch.setattr(dta, "CHUNK_ROWS", 7)
    dta.write(frame, tmp_path / "blocks.dta", **args)
    assert (tmp_path / "whole.dta").read_bytes() == (tmp_path / "blocks.dta").read_bytes()
    stata.write_dta_readstat(frame, tmp_path / "readstat.dta", file_label="prodkit test",
                             column_labels={"t": "text", "v": "", "n": ""}, value_labels={"n": {1: "one"}})
    assert (tmp_path / "readstat.dta").read_bytes() == (tmp_path / "whole.dta").read_bytes()


def test_text_too_long_for_a_stata_str_goes_through_readstat(tmp_path):
    from prodkit.outputs import dta

    assert not dta.supports(pl.DataFrame({"note": ["я" * 1023]}))  # 2,046 bytes: a strL
    assert dta.supports(pl.DataFrame({"note": ["a" * 2045]}))
    assert dta.supports(pl.DataFrame({"note": pl.Series([], dtype=pl.String)}))


def test_pandas_reads_every_cell_back(written):
    try:
        import pandas  # noqa: F401
    except ImportError:
        pytest.skip("pandas is not installed: prodkit does not depend on it (pandera would import it on "
                    "every run); the benchmark's naive baseline installs its own copy")
    import pandas as pd

    for key, case in written.items():
        reader = pd.read_stata(case["ours"], convert_categoricals=False, convert_missing=False)
        want = case["data"]
        assert list(reader.columns) == want.columns, key
        for name in want.columns:
            got = [None if (isinstance(v, float) and math.isnan(v)) else v for v in reader[name].tolist()]
            bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want[name].to_list())) if not _same(g, w)]
            assert not bad, (key, name, bad[:3])
        labels = pd.io.stata.StataReader(case["ours"])
        with labels:
            assert labels.variable_labels() == case["labels"]


R_SCRIPT = r"""
suppressMessages(library(haven))
args <- commandArgs(trailingOnly = TRUE)
for (f in args) {
  d <- read_dta(f)
  out <- sub("\\.dta$", ".seen", f)
  con <- file(out, open = "w", encoding = "UTF-8")
  for (n in names(d)) {
    x <- d[[n]]
    lab <- attr(x, "label")
    vl <- attr(x, "labels")
    writeLines(paste0("column\t", n, "\t", if (is.null(lab)) "" else gsub("[\t\n]", " ", lab)), con)
    if (!is.null(vl)) for (i in seq_along(vl)) writeLines(paste0("value_label\t", vl[[i]], "\t", names(vl)[i]), con)
    v <- if (is.character(x)) x else ifelse(is.na(x), "NA", sprintf("%.17g", as.numeric(x)))
    writeLines(paste0("cell\t", gsub("\n", "\\\\n", gsub("\t", "\\\\t", gsub("\\\\", "\\\\\\\\", v)))), con)
  }
  close(con)
}
"""


def _r_cell(text: str, dtype) -> object:
    if dtype == pl.String:
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)
    if text == "NA":
        return None
    if dtype == pl.Date:  # haven's Date, printed as days since 1970-01-01
        import datetime

        return datetime.date(1970, 1, 1) + datetime.timedelta(days=int(float(text)))
    return float(text)


def test_r_haven_reads_every_cell_and_label_back(written, tmp_path):
    rscript = shutil.which("Rscript")
    require_client("Rscript", bool(rscript), "R is not installed")
    files = []
    for key, case in written.items():
        target = tmp_path / f"{key.replace('/', '-')}.dta"
        shutil.copy(case["ours"], target)
        files.append((key, target))
    (tmp_path / "read.R").write_text(R_SCRIPT, encoding="utf-8")
    done = subprocess.run([rscript, str(tmp_path / "read.R"), *(str(f) for _, f in files)],
                          capture_output=True, text=True)
    if "there is no package called" in done.stderr:
        require_client("R haven", False, done.stderr.strip().splitlines()[-1])
    assert done.returncode == 0, done.stderr
    for key, target in files:
        case = written[key]
        want = case["data"]
        lines = target.with_suffix(".seen").read_text(encoding="utf-8").split("\n")[:-1]
        at = 0
        for name in want.columns:
            tag, column, label = lines[at].split("\t", 2)
            assert (tag, column) == ("column", name) and label == " ".join(case["labels"][name].split()), key
            at += 1
            seen_labels = {}
            while lines[at].startswith("value_label\t"):
                _, value, text = lines[at].split("\t", 2)
                seen_labels[int(float(value))] = text
                at += 1
            assert seen_labels == case["value_labels"].get(name, {}), (key, name)
            cells = []
            for _ in range(want.height):
                assert lines[at].startswith("cell\t"), (key, name, lines[at][:60])
                cells.append(_r_cell(lines[at][5:], want.schema[name]))
                at += 1
            bad = [(i, g, w) for i, (g, w) in enumerate(zip(cells, want[name].to_list())) if not _same(g, w)]
            assert not bad, (key, name, bad[:3])


def test_reconcile_writes_the_dta_files_readstat_would(tmp_path, monkeypatch):
    """The files of a whole run, byte for byte: prodkit's writer, then pyreadstat on the same tables."""
    from prodkit.outputs import dta

    first = tmp_path / "ours"
    assert run(CliRunner(), "reconcile", "--no-figures", "--raw-dir", str(RAW), "--out-dir", str(first)
               ).exit_code in (0, 1)
    monkeypatch.setattr(dta, "supports", lambda data: False)  # every table through pyreadstat
    second = tmp_path / "readstat"
    assert run(CliRunner(), "reconcile", "--no-figures", "--raw-dir", str(RAW), "--out-dir", str(second)
               ).exit_code in (0, 1)
    for name in TABLES:
        assert (first / f"{name}.dta").read_bytes() == (second / f"{name}.dta").read_bytes(), name
